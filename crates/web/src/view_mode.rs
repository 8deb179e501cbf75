//! 长辈版 (the elderly mode of 工信部《互联网网站适老化通用设计规范》, 2021): a person's choice of larger
//! type (in three steps), generous spacing, stronger contrast and bigger targets, kept in a cookie and
//! applied at the edge to every page, cached or not, by one class on `<html>` that the stylesheet reads.
//!
//! The switch is a plain link (`/view/elder`, `/view/larger`, `/view/smaller`) that sets the cookie and
//! goes back where the person was (the `Referer`, when it is this site's), so it works without scripts
//! and from a page rendered once for everyone. A display preference changes nothing else, so these are
//! GET requests, as a language switch is.

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub const VIEW_COOKIE: &str = "onetrip_view";
/// The largest page the edge rewrites for the mode; larger bodies (none of our pages) pass unchanged.
const MAX_PAGE_BYTES: usize = 4 * 1024 * 1024;
const OPENING: &[u8] = b"<html lang=\"zh-CN\">";

/// What a person chose: the elderly mode and its text size step (1 to 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ViewMode {
    pub elder: bool,
    pub step: u8,
}

impl ViewMode {
    pub const PLAIN: Self = Self { elder: false, step: 1 };

    /// Reads the cookie (`elder-2`); anything else is the plain view.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let value = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|line| line.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == VIEW_COOKIE)
            .map(|(_, value)| value.to_string());
        match value.as_deref().and_then(|value| value.strip_prefix("elder-")) {
            Some(step) => Self { elder: true, step: step.parse::<u8>().unwrap_or(1).clamp(1, 3) },
            None => Self::PLAIN,
        }
    }

    fn cookie(self) -> String {
        if self.elder {
            format!("{VIEW_COOKIE}=elder-{}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly", self.step)
        } else {
            format!("{VIEW_COOKIE}=; Path=/; Max-Age=0; SameSite=Lax; HttpOnly")
        }
    }

    /// The `<html>` opening tag for this mode.
    fn opening(self) -> String {
        format!("<html lang=\"zh-CN\" class=\"elder text-{}\">", self.step)
    }
}

/// Where to go back to: the referring page of this site (path and query only), or the home page.
fn back(headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|value| value.to_str().ok()).unwrap_or_default();
    headers
        .get(header::REFERER)
        .and_then(|value| value.to_str().ok())
        .and_then(|referer| {
            let rest = referer.strip_prefix("http://").or_else(|| referer.strip_prefix("https://"))?;
            let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
            (!host.is_empty() && authority == host).then(|| format!("/{path}"))
        })
        .filter(|path| !path.starts_with("//") && !path.starts_with("/view/"))
        .unwrap_or_else(|| "/".to_string())
}

fn switched(headers: &HeaderMap, mode: ViewMode) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(location) = HeaderValue::from_str(&back(headers)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    if let Ok(cookie) = HeaderValue::from_str(&mode.cookie()) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

/// `GET /view/elder`: the elderly mode on, or off again.
pub async fn toggle(headers: HeaderMap) -> Response {
    let mode = ViewMode::from_headers(&headers);
    switched(&headers, if mode.elder { ViewMode::PLAIN } else { ViewMode { elder: true, step: 1 } })
}

/// `GET /view/larger`: one step larger (turning the elderly mode on).
pub async fn larger(headers: HeaderMap) -> Response {
    let mode = ViewMode::from_headers(&headers);
    let step = if mode.elder { (mode.step + 1).min(3) } else { 1 };
    switched(&headers, ViewMode { elder: true, step })
}

/// `GET /view/smaller`: one step smaller; below the first step, the plain view.
pub async fn smaller(headers: HeaderMap) -> Response {
    let mode = ViewMode::from_headers(&headers);
    let next =
        if mode.elder && mode.step > 1 { ViewMode { elder: true, step: mode.step - 1 } } else { ViewMode::PLAIN };
    switched(&headers, next)
}

/// The middleware: for a person in the elderly mode, every HTML page's `<html>` carries the mode's class.
/// Their requests are served uncompressed (the cached gzip copy is skipped), so that the page can be
/// rewritten; everyone else's pass untouched.
pub async fn apply(mut request: Request, next: Next) -> Response {
    let mode = ViewMode::from_headers(request.headers());
    if !mode.elder {
        return next.run(request).await;
    }
    request.headers_mut().remove(header::ACCEPT_ENCODING);
    let response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    if !is_html || response.headers().contains_key(header::CONTENT_ENCODING) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_PAGE_BYTES).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "页面太大").into_response();
    };
    let page = match bytes.windows(OPENING.len()).position(|window| window == OPENING) {
        Some(at) => {
            let mut page = Vec::with_capacity(bytes.len() + 32);
            page.extend_from_slice(&bytes[..at]);
            page.extend_from_slice(mode.opening().as_bytes());
            page.extend_from_slice(&bytes[at + OPENING.len()..]);
            page
        }
        None => bytes.to_vec(),
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    // Another person's page differs: no shared cache may hand this one out.
    parts.headers.insert(header::VARY, HeaderValue::from_static("cookie"));
    Response::from_parts(parts, Body::from(page))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(name.clone(), HeaderValue::from_str(value).expect("value"));
        }
        map
    }

    #[test]
    fn the_cookie_is_read_and_bounded() {
        let read = |cookie: &str| ViewMode::from_headers(&headers(&[(header::COOKIE, cookie)]));
        assert_eq!(read("a=b; onetrip_view=elder-2"), ViewMode { elder: true, step: 2 });
        assert_eq!(read("onetrip_view=elder-9"), ViewMode { elder: true, step: 3 });
        assert_eq!(read("onetrip_view=elder-x"), ViewMode { elder: true, step: 1 });
        assert_eq!(read("onetrip_view=plain"), ViewMode::PLAIN);
        assert_eq!(ViewMode::from_headers(&HeaderMap::new()), ViewMode::PLAIN);
    }

    #[test]
    fn the_switch_goes_back_only_within_this_site() {
        let from = |referer: &str| back(&headers(&[(header::HOST, "hall.example"), (header::REFERER, referer)]));
        assert_eq!(from("http://hall.example/matters/1?x=2"), "/matters/1?x=2");
        assert_eq!(from("https://evil.example/phish"), "/");
        assert_eq!(from("http://hall.example//evil.example"), "/");
        assert_eq!(from("http://hall.example/view/elder"), "/");
        assert_eq!(back(&HeaderMap::new()), "/");
    }
}
