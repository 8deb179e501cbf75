//! What every handler takes from a request, in one place: who is asking (a staff page, an API client, an
//! applicant), a form whose CSRF token has been checked, a multipart upload, a JSON body whose errors name
//! the field; and the few helpers every page uses (redirects, safe `next` addresses, case numbers).
//!
//! A state-changing form is taken only through a checked extractor: [`StaffForm`] and [`PortalForm`] check
//! the session's CSRF token, [`CookieForm`] the double-submit cookie of the pages used before logging in
//! (log-in, sign-up, the kiosk), and [`ApiStaff`] the `X-CSRF-Token` header of an API call made with the
//! browser's cookie.

use crate::auth::{cookie_value, PortalUser, Staff};
use crate::error::{ApiError, Error};
use crate::links::urlencode;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};
use axum::http::request::Parts;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Redirect, Response};
use onetrip_app::accounts::same_secret;
use onetrip_domain::FieldErrors;
use serde::de::DeserializeOwned;

/// A form's values by name, in the order sent.
#[derive(Debug, Clone, Default)]
pub struct FormValues(pub Vec<(String, String)>);

impl FormValues {
    /// The first value of a field, or empty.
    pub fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str()).unwrap_or_default()
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(key, _)| key == name)
    }
}

/// Field errors as a page lists them: (field, messages joined).
pub fn listed(errors: &FieldErrors) -> Vec<(String, String)> {
    errors.iter().map(|(field, messages)| (field.to_string(), messages.join("；"))).collect()
}

/// Errors of a text parsed line by line ("line 3") with the place in Chinese (第 3 行), for a summary that
/// shows the place beside the message.
pub fn by_line(errors: &FieldErrors) -> Vec<(String, String)> {
    errors
        .iter()
        .map(|(field, messages)| {
            let place = match field.strip_prefix("line ") {
                Some(number) => format!("第 {number} 行"),
                None => String::new(),
            };
            (place, messages.join("；"))
        })
        .collect()
}

/// Every message of some field errors in one line.
pub fn joined(errors: &FieldErrors) -> String {
    errors.iter().flat_map(|(_, messages)| messages.iter().cloned()).collect::<Vec<_>>().join("；")
}

async fn body_bytes(request: Request, state: &AppState) -> Result<Bytes, Error> {
    Bytes::from_request(request, state).await.map_err(|_| Error::PayloadTooLarge)
}

fn parse_form<T: DeserializeOwned>(bytes: &[u8]) -> Result<(FormValues, T), Error> {
    let values: Vec<(String, String)> = serde_urlencoded::from_bytes(bytes)
        .map_err(|_| Error::BadRequest("表单内容无法读取，请刷新页面后重试".to_string()))?;
    let typed = serde_urlencoded::from_bytes(bytes)
        .map_err(|_| Error::BadRequest("表单内容无法读取，请刷新页面后重试".to_string()))?;
    Ok((FormValues(values), typed))
}

/// A logged-in staff member on a page; anyone else is sent to the log-in page and brought back.
pub struct StaffPage(pub Staff);

impl FromRequestParts<AppState> for StaffPage {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match Staff::from_request_parts(parts, state).await {
            Ok(staff) => Ok(Self(staff)),
            Err(Error::Unauthenticated) => {
                let next = parts.uri.path_and_query().map(|value| value.as_str()).unwrap_or("/staff");
                Err(Redirect::to(&format!("/login?next={}", urlencode(next))).into_response())
            }
            Err(other) => Err(other.into_response()),
        }
    }
}

/// A staff page's form (`application/x-www-form-urlencoded`) whose `csrf_token` matches the session's.
pub struct StaffForm<T = FormValues>(pub Staff, pub T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for StaffForm<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let StaffPage(staff) = StaffPage::from_request_parts(&mut parts, state).await?;
        let bytes = body_bytes(Request::from_parts(parts, body), state).await.map_err(IntoResponse::into_response)?;
        let (values, typed) = parse_form::<T>(&bytes).map_err(IntoResponse::into_response)?;
        staff.check_csrf(Some(values.get("csrf_token"))).map_err(IntoResponse::into_response)?;
        Ok(Self(staff, typed))
    }
}

/// The form values themselves also deserialize as [`FormValues`].
impl<'de> serde::Deserialize<'de> for FormValues {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<(String, String)>::deserialize(deserializer).map(FormValues)
    }
}

/// An applicant's form on the portal whose `csrf_token` matches the portal session's.
pub struct PortalForm<T = FormValues>(pub PortalUser, pub T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for PortalForm<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let user = PortalUser::from_request_parts(&mut parts, state).await?;
        let bytes = body_bytes(Request::from_parts(parts, body), state).await.map_err(IntoResponse::into_response)?;
        let (values, typed) = parse_form::<T>(&bytes).map_err(IntoResponse::into_response)?;
        user.check_csrf(values.get("csrf_token")).map_err(IntoResponse::into_response)?;
        Ok(Self(user, typed))
    }
}

/// The cookie of a double-submit CSRF check, for forms shown before anyone is logged in.
pub trait CsrfCookie {
    const NAME: &'static str;
    /// The form field that must repeat the cookie.
    const FIELD: &'static str;
}

/// The token of a double-submit cookie `C` for pages under `path`: the one the cookie holds, or a new one
/// with the cookie to set.
pub fn double_submit_token<C: CsrfCookie>(parts: &Parts, path: &str) -> (String, Option<HeaderValue>) {
    match cookie_value(parts, C::NAME) {
        Some(token) if token.len() >= 32 => (token.to_string(), None),
        _ => {
            let token = onetrip_app::accounts::random_token();
            let cookie =
                HeaderValue::from_str(&format!("{}={token}; Path={path}; HttpOnly; SameSite=Strict", C::NAME)).ok();
            (token, cookie)
        }
    }
}

/// A page's response with the double-submit cookie to set (if new), never cached.
pub fn with_cookie(mut response: Response, cookie: Option<HeaderValue>) -> Response {
    if let Some(cookie) = cookie {
        response.headers_mut().append(axum::http::header::SET_COOKIE, cookie);
    }
    response.headers_mut().insert(axum::http::header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A form checked against a double-submit cookie: [`CookieForm::valid`] says whether the field repeats it
/// (the page decides how to answer a stale form).
pub struct CookieForm<C, T> {
    pub form: T,
    pub parts: Parts,
    valid: bool,
    cookie: std::marker::PhantomData<C>,
}

impl<C, T> CookieForm<C, T> {
    pub fn valid(&self) -> bool {
        self.valid
    }

    /// The form, or the CSRF refusal.
    pub fn checked(&self) -> Result<&T, Error> {
        if self.valid {
            Ok(&self.form)
        } else {
            Err(Error::CsrfFailed)
        }
    }
}

impl<C: CsrfCookie + Send, T: DeserializeOwned + Send> FromRequest<AppState> for CookieForm<C, T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (parts, body) = request.into_parts();
        let bytes = axum::body::to_bytes(body, state.config.max_body_bytes)
            .await
            .map_err(|_| Error::PayloadTooLarge.into_response())?;
        let (values, form) = parse_form::<T>(&bytes).map_err(IntoResponse::into_response)?;
        let valid = same_as_cookie(&parts, C::NAME, values.get(C::FIELD));
        Ok(Self { form, parts, valid, cookie: std::marker::PhantomData })
    }
}

/// A multipart form (uploads) with its fields and files read whole, the files at most [`MAX_FILES`].
pub struct Submission {
    pub fields: Vec<(String, String)>,
    /// (field name, file name, bytes) of each file chosen; an empty file input counts as none.
    pub files: Vec<(String, String, Vec<u8>)>,
}

/// The most files one form may carry.
pub const MAX_FILES: usize = 20;

impl Submission {
    pub fn field(&self, name: &str) -> &str {
        self.fields.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str()).unwrap_or_default()
    }

    /// The first file chosen, if any: (file name, bytes).
    pub fn first_file(&mut self) -> Option<(String, Vec<u8>)> {
        (!self.files.is_empty()).then(|| self.files.remove(0)).map(|(_, name, bytes)| (name, bytes))
    }

    async fn read(mut multipart: Multipart) -> Result<Self, Error> {
        let mut submission = Submission { fields: Vec::new(), files: Vec::new() };
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|_| Error::BadRequest("表单没有完整提交，请重新选择文件后再试".to_string()))?
        {
            let name = field.name().unwrap_or_default().to_string();
            if let Some(file_name) = field.file_name().map(str::to_string) {
                let bytes = field.bytes().await.map_err(|_| Error::PayloadTooLarge)?;
                if !bytes.is_empty() && submission.files.len() < MAX_FILES {
                    submission.files.push((name, file_name, bytes.to_vec()));
                }
            } else {
                let value = field.text().await.map_err(|_| Error::BadRequest("表单内容无法读取".to_string()))?;
                if submission.fields.len() < 50 {
                    submission.fields.push((name, value));
                }
            }
        }
        Ok(submission)
    }
}

/// A staff page's multipart form whose `csrf_token` field matches the session's.
pub struct StaffUpload(pub Staff, pub Submission);

impl FromRequest<AppState> for StaffUpload {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let StaffPage(staff) = StaffPage::from_request_parts(&mut parts, state).await?;
        let multipart = Multipart::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|_| Error::BadRequest("请用表单上传文件".to_string()).into_response())?;
        let submission = Submission::read(multipart).await.map_err(IntoResponse::into_response)?;
        staff.check_csrf(Some(submission.field("csrf_token"))).map_err(IntoResponse::into_response)?;
        Ok(Self(staff, submission))
    }
}

/// An applicant's multipart form whose `csrf_token` field matches the portal session's.
pub struct PortalUpload(pub PortalUser, pub Submission);

impl FromRequest<AppState> for PortalUpload {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let user = PortalUser::from_request_parts(&mut parts, state).await?;
        let multipart = Multipart::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|_| Error::BadRequest("请用表单上传文件".to_string()).into_response())?;
        let submission = Submission::read(multipart).await.map_err(IntoResponse::into_response)?;
        user.check_csrf(submission.field("csrf_token")).map_err(IntoResponse::into_response)?;
        Ok(Self(user, submission))
    }
}

/// An anonymous multipart form (a public page's upload) whose token field matches its double-submit
/// cookie `C`.
pub struct PublicUpload<C> {
    pub submission: Submission,
    pub parts: Parts,
    cookie: std::marker::PhantomData<C>,
}

impl<C: CsrfCookie + Send> FromRequest<AppState> for PublicUpload<C> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (parts, body) = request.into_parts();
        let multipart = Multipart::from_request(Request::from_parts(parts.clone(), body), state)
            .await
            .map_err(|_| Error::BadRequest("请用表单上传文件".to_string()).into_response())?;
        let submission = Submission::read(multipart).await.map_err(IntoResponse::into_response)?;
        if !same_as_cookie(&parts, C::NAME, submission.field(C::FIELD)) {
            return Err(Error::CsrfFailed.into_response());
        }
        Ok(Self { submission, parts, cookie: std::marker::PhantomData })
    }
}

/// A logged-in staff member making an API request: without a session the answer is a JSON error, and a
/// state-changing request made with the browser's cookie must carry the session's `X-CSRF-Token` header
/// (a bearer token needs none: browsers never send one on their own).
pub struct ApiStaff(pub Staff);

impl FromRequestParts<AppState> for ApiStaff {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let staff = Staff::from_request_parts(parts, state).await?;
        if !parts.method.is_safe() {
            staff.check_csrf(parts.headers.get("x-csrf-token").and_then(|value| value.to_str().ok()))?;
        }
        Ok(ApiStaff(staff))
    }
}

/// A JSON body whose errors name the field (`matter.materials[0].necessity`) and say what is wrong.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = request
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("application/json"));
        if !is_json {
            return Err(Error::BadRequest("请求体应为 JSON，并带 Content-Type: application/json".to_string()).into());
        }
        let bytes = Bytes::from_request(request, state).await.map_err(|_| Error::PayloadTooLarge)?;
        crate::json_body::read(&bytes).map(ApiJson).map_err(ApiError)
    }
}

/// Compares a submitted token with the one a cookie holds (double submit).
pub fn same_as_cookie(parts: &Parts, cookie: &str, submitted: &str) -> bool {
    let cookie = cookie_value(parts, cookie).unwrap_or_default();
    !cookie.is_empty() && same_secret(cookie, submitted)
}

/// Who is asking, by network address, for the throttles: the connection's peer or, when that peer is a
/// trusted proxy (`WebConfig::trusted_proxies`), the nearest address in `X-Forwarded-For` that is not one.
/// A request without a connection (a test calling the router directly) is `unknown`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddress(pub String);

impl ClientAddress {
    pub fn of(parts: &Parts, state: &AppState) -> Self {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|axum::extract::ConnectInfo(address)| address.ip());
        let Some(mut address) = peer else {
            return Self("unknown".to_string());
        };
        let trusted = &state.config.trusted_proxies;
        if trusted.contains(&address) {
            let forwarded = parts.headers.get_all("x-forwarded-for").iter().filter_map(|value| value.to_str().ok());
            let hops: Vec<std::net::IpAddr> =
                forwarded.flat_map(|value| value.split(',')).filter_map(|hop| hop.trim().parse().ok()).collect();
            for hop in hops.into_iter().rev() {
                address = hop;
                if !trusted.contains(&hop) {
                    break;
                }
            }
        }
        Self(address.to_string())
    }

    /// Whether the request comes from the machine itself.
    pub fn is_loopback(&self) -> bool {
        self.0.parse::<std::net::IpAddr>().is_ok_and(|address| address.is_loopback())
    }
}

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Self::of(parts, state))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(serde::Deserialize, Debug)]
    struct Sample {
        #[serde(default)]
        name: String,
        #[serde(default)]
        count: Option<u32>,
    }

    proptest! {
        /// Any form body, however broken its encoding, is read or refused with the one message; never a panic.
        #[test]
        fn form_bodies_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512), text in "[a-z=&%0-9+一]{0,60}") {
            for bytes in [body.as_slice(), text.as_bytes()] {
                match parse_form::<Sample>(bytes) {
                    Ok((_, sample)) => prop_assert!(sample.name.len() <= bytes.len() * 3 && sample.count.is_none_or(|_| true)),
                    Err(error) => prop_assert_eq!(error.code(), "bad_request"),
                }
            }
        }
    }
}
