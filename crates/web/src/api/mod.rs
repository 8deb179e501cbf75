//! The JSON API under `/api/v1/`, described by its OpenAPI document (`openapi.rs`): the catalog
//! (`catalog.rs`), the calendar (`calendar.rs`), cases (`cases.rs`), the hall (`hall.rs`) and staff sessions
//! (`sessions.rs`), answering with the API's own types (`types.rs`); the error responses they share are in
//! `responses.rs`. Errors are `{"error": "<stable_code>", "message": "…", "fields": {…}}`. Writes need a
//! staff session: a bearer token from `POST /api/v1/sessions`, or the browser's cookie plus the
//! `X-CSRF-Token` header.

pub mod calendar;
pub mod cases;
pub mod catalog;
pub mod events;
pub mod hall;
pub mod licences;
pub mod openapi;
pub mod ratings;
pub mod responses;
pub mod sessions;
pub mod statistics;
pub mod types;

use crate::error::{ApiError, Error};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

pub type ApiResult = Result<Response, ApiError>;

pub async fn not_found() -> ApiError {
    ApiError(Error::NotFound("这个接口".to_string()))
}

pub async fn health(State(state): State<AppState>) -> Response {
    match state.app.ping().await {
        Ok(()) => Json(json!({ "status": "ok", "database": state.app.backend(), "at": state.app.now().to_rfc3339() }))
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "unavailable" }))).into_response()
        }
    }
}

///
/// Only for monitoring: with `ONETRIP_METRICS_TOKEN` set, the request must carry it as a bearer token;
/// without, only a connection from the machine itself is answered. Anyone else gets 404, as if there were
/// no such page.
pub async fn metrics(
    State(state): State<AppState>,
    address: crate::extract::ClientAddress,
    headers: axum::http::HeaderMap,
) -> Response {
    let allowed = match &state.config.metrics_token {
        Some(token) => headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .is_some_and(|given| onetrip_app::accounts::same_secret(given.trim(), token)),
        None => address.is_loopback(),
    };
    if !allowed {
        return crate::error::Error::NotFound("这个页面".to_string()).into_response();
    }
    let body = state.metrics.render(state.catalog().versions.len());
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}
