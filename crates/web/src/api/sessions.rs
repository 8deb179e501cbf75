//! Staff sessions for API clients: log in for a bearer token, log out.

use super::ApiResult;
use crate::extract::{ApiJson, ApiStaff};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use onetrip_app::accounts::staff::{self, SESSION_HOURS};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
pub struct LoginBody {
    username: String,
    password: String,
}

/// `POST /api/v1/sessions`: a bearer token for a staff account.
pub async fn create_session(State(state): State<AppState>, ApiJson(body): ApiJson<LoginBody>) -> ApiResult {
    let user = staff::authenticate(&state.app, body.username.trim(), &body.password).await?;
    let token = staff::open_session(&state.app, &user).await?;
    Ok((
        StatusCode::CREATED,
        Json(
            json!({ "token": token, "token_type": "Bearer", "expires_in": SESSION_HOURS * 3600, "roles": user.roles }),
        ),
    )
        .into_response())
}

/// `DELETE /api/v1/sessions/current`: ends the session.
pub async fn delete_session(State(state): State<AppState>, ApiStaff(staff): ApiStaff) -> ApiResult {
    staff::close_session(&state.app, staff.session()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
