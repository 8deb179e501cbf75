//! Log-in through the province's unified identity provider (ADR 0023): the button on the log-in page
//! sends the browser to the provider, and the provider sends it back here with a code. The browser holds
//! only a random token in a cookie (path `/portal`, `HttpOnly`, `SameSite=Lax` so that it comes back with
//! the provider's redirect, ten minutes); state, nonce and PKCE verifier stay on the server.

use super::{auth_page, safe_next, start_session, AuthForm, NextQuery};
use crate::auth::{cookie_value, portal_cookie};
use crate::error::Error;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use onetrip_app::accounts::unified::{self, Answer, LoginError, Refusal, LOGIN_MINUTES};
use onetrip_domain::FieldErrors;
use serde::Deserialize;

pub const UNIFIED_COOKIE: &str = "onetrip_unified";

/// The anchor of the unified log-in button, where its refusals are listed.
pub const FIELD: &str = "unified-login";

fn status_of(refusal: Refusal) -> StatusCode {
    match refusal {
        Refusal::NotOffered => StatusCode::NOT_FOUND,
        Refusal::Expired => StatusCode::BAD_REQUEST,
        Refusal::Cancelled => StatusCode::OK,
        Refusal::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        Refusal::Rejected => StatusCode::BAD_GATEWAY,
        Refusal::Unverified | Refusal::Mismatch | Refusal::Incomplete => StatusCode::FORBIDDEN,
    }
}

/// The log-in page again, saying why; the cookie of the login is dropped.
fn refused(state: &AppState, error: LoginError, next: &str) -> Result<Response, Error> {
    let refusal = match error {
        LoginError::Refused(refusal) => refusal,
        LoginError::App(error) => return Err(error.into()),
    };
    let form = AuthForm { next: next.to_string(), ..AuthForm::default() };
    let mut response = auth_page(state, false, &form, &FieldErrors::single(FIELD, refusal.message()))?;
    *response.status_mut() = status_of(refusal);
    response.headers_mut().append(header::SET_COOKIE, portal_cookie(state, UNIFIED_COOKIE, "", 0)?);
    response.headers_mut().insert("x-onetrip-refusal", HeaderValue::from_static(refusal.code()));
    Ok(response)
}

/// `GET /portal/login/oidc`: to the provider.
pub async fn begin(State(state): State<AppState>, Query(query): Query<NextQuery>) -> Result<Response, Error> {
    let next = safe_next(&query.next);
    match unified::begin(&state.app, &next).await {
        Ok((url, token)) => {
            let mut response = Redirect::to(&url).into_response();
            response
                .headers_mut()
                .append(header::SET_COOKIE, portal_cookie(&state, UNIFIED_COOKIE, &token, LOGIN_MINUTES * 60)?);
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            Ok(response)
        }
        Err(error) => refused(&state, error, &next),
    }
}

#[derive(Deserialize, Default)]
pub struct ProviderAnswer {
    #[serde(default)]
    state: String,
    code: Option<String>,
    error: Option<String>,
}

/// `GET /portal/login/oidc/callback`: the provider's answer; a portal session when it holds.
pub async fn callback(
    State(state): State<AppState>,
    parts: Parts,
    Query(query): Query<ProviderAnswer>,
) -> Result<Response, Error> {
    let token = cookie_value(&parts, UNIFIED_COOKIE).unwrap_or_default();
    let answer = Answer { token, state: &query.state, code: query.code.as_deref(), error: query.error.as_deref() };
    match unified::finish(&state.app, &answer).await {
        Ok((applicant, next)) => {
            let mut response = start_session(&state, &applicant, &next).await?;
            response.headers_mut().append(header::SET_COOKIE, portal_cookie(&state, UNIFIED_COOKIE, "", 0)?);
            Ok(response)
        }
        Err(error) => refused(&state, error, "/portal"),
    }
}
