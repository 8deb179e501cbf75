//! Staff sessions for API clients: log in for a bearer token, log out.

use super::responses::{BadJson, Internal, TooLarge, Unauthenticated};
use super::ApiResult;
use crate::error::ErrorBody;
use crate::extract::{ApiJson, ApiStaff, ClientAddress};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use onetrip_app::accounts::staff::{self, SESSION_HOURS};
use onetrip_domain::access::Role;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
pub struct LoginBody {
    #[schema(min_length = 1, max_length = 64)]
    username: String,
    #[schema(min_length = 1, max_length = 128)]
    password: String,
}

/// A bearer token and what it allows.
#[derive(Serialize, ToSchema)]
pub struct StaffSession {
    token: String,
    /// 总是 Bearer
    token_type: &'static str,
    /// 有效秒数
    expires_in: i64,
    roles: Vec<Role>,
}

/// `POST /api/v1/sessions`: a bearer token for a staff account.
#[utoipa::path(post, path = "/sessions", tag = "会话",
    summary = "工作人员登录，取得 Bearer 令牌（8 小时有效）；同一账号在同一地址失败 5 次后，每次再试须等待的时间加倍（最长 15 分钟），同一地址对各账号、同一账号从各地址的失败也分别限速",
    request_body = LoginBody,
    responses(
        (status = 201, description = "令牌", body = StaffSession),
        (status = 400, response = inline(BadJson)),
        (status = 413, response = inline(TooLarge)),
        (status = 422, description = "用户名或密码不对（validation_failed）", body = ErrorBody),
        (status = 429, description = "尝试次数过多（too_many_attempts），Retry-After 响应头给出须等待的秒数；服务器同时核验的密码过多时也如此", body = ErrorBody,
            headers(("Retry-After" = u64, description = "再试前须等待的秒数"))),
        (status = 500, response = inline(Internal)),
    )
)]
pub async fn create_session(
    State(state): State<AppState>,
    address: ClientAddress,
    ApiJson(body): ApiJson<LoginBody>,
) -> ApiResult {
    let user = staff::authenticate(&state.app, body.username.trim(), &body.password, &address.0).await?;
    let token = staff::open_session(&state.app, &user).await?;
    let session = StaffSession { token, token_type: "Bearer", expires_in: SESSION_HOURS * 3600, roles: user.roles };
    Ok((StatusCode::CREATED, Json(session)).into_response())
}

/// `DELETE /api/v1/sessions/current`: ends the session.
#[utoipa::path(delete, path = "/sessions/current", tag = "会话", security(("bearer" = []), ("cookie" = [])),
    summary = "退出登录",
    responses(
        (status = 204, description = "已退出"),
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, description = "浏览器会话未带 X-CSRF-Token 请求头或不相符（csrf_failed）", body = ErrorBody),
        (status = 500, response = inline(Internal)),
    )
)]
pub async fn delete_session(State(state): State<AppState>, ApiStaff(staff): ApiStaff) -> ApiResult {
    staff::close_session(&state.app, staff.session()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
