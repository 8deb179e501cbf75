//! The hall in the API: the layout, tickets from kiosk devices and departmental systems, a ticket's state,
//! presence and calling at windows, what a window does with a ticket, the live view, window planning, and
//! staff posted at windows.

use super::types::{ApiAssignment, ApiHallLive, ApiHallPlan, ApiTicket};
use super::ApiResult;
use crate::extract::{ApiJson, ApiStaff};
use crate::hall::manage::{target_minutes, PlanQuery};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use onetrip_app::hall::{self, AssignRequest, PresenceAction, TicketRequest};
use onetrip_domain::queue::TicketAction;
use serde::Deserialize;

/// `GET /api/v1/hall/{hall}/plan?target=15` (hall managers)
pub async fn plan(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    Path(hall): Path<String>,
    Query(query): Query<PlanQuery>,
) -> ApiResult {
    let plan = hall::plan(&state.app, &staff.actor, &hall, target_minutes(&query.target)).await?;
    Ok(Json(ApiHallPlan::of(&plan)).into_response())
}

/// `GET /api/v1/hall/layout`
pub async fn layout(State(state): State<AppState>) -> ApiResult {
    Ok(Json(state.catalog().hall.clone()).into_response())
}

/// `PUT /api/v1/hall/layout` (hall managers)
pub async fn save_layout(State(state): State<AppState>, ApiStaff(staff): ApiStaff, body: String) -> ApiResult {
    let layout = hall::save_layout(&state.app, &staff.actor, &body).await?;
    Ok(Json(layout).into_response())
}

/// What a kiosk device or a departmental system asks for.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TicketBody {
    #[serde(default)]
    pub zone: String,
    #[serde(default)]
    pub matter: String,
    /// `none`, `elderly` or `disabled`.
    #[serde(default)]
    pub priority: String,
    #[serde(default)]
    pub last_four: String,
}

/// `POST /api/v1/hall/{hall}/tickets`: a ticket from a kiosk device or a departmental system (staff token).
pub async fn take(
    State(state): State<AppState>,
    ApiStaff(_staff): ApiStaff,
    Path(hall): Path<String>,
    ApiJson(body): ApiJson<TicketBody>,
) -> ApiResult {
    let request =
        TicketRequest { zone: body.zone, matter: body.matter, priority: body.priority, last_four: body.last_four };
    let ticket = hall::issue_ticket(&state.app, &hall, &request, "kiosk").await?;
    Ok((StatusCode::CREATED, Json(ApiTicket::of(&ticket))).into_response())
}

/// `GET /api/v1/hall/{hall}/tickets/{number}`: today's ticket (public, no personal data).
pub async fn ticket(State(state): State<AppState>, Path((hall, number)): Path<(String, String)>) -> ApiResult {
    let ticket = hall::ticket_by_number(&state.app, &hall, &number).await?;
    Ok(Json(ApiTicket::of(&ticket)).into_response())
}

#[derive(Deserialize)]
pub struct PresenceBody {
    action: String,
}

/// `POST /api/v1/hall/windows/{code}/presence`: `sign_in`, `break`, `back`, `sign_out`.
pub async fn presence(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<PresenceBody>,
) -> ApiResult {
    hall::presence(&state.app, &staff.actor, &code, PresenceAction::parse(&body.action)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /api/v1/hall/windows/{code}/call`: the next ticket, or 204 when nobody waits.
pub async fn call(State(state): State<AppState>, ApiStaff(staff): ApiStaff, Path(code): Path<String>) -> ApiResult {
    match hall::call_next(&state.app, &staff.actor, &code).await? {
        Some(ticket) => Ok(Json(ApiTicket::of(&ticket)).into_response()),
        None => Ok(StatusCode::NO_CONTENT.into_response()),
    }
}

/// `POST /api/v1/hall/windows/{code}/tickets/{id}`: recall, miss, rejoin, finish, transfer, link a case.
pub async fn ticket_action(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    Path((code, id)): Path<(String, i64)>,
    ApiJson(action): ApiJson<TicketAction>,
) -> ApiResult {
    let ticket = hall::ticket_action(&state.app, &staff.actor, &code, id, &action).await?;
    Ok(Json(ApiTicket::of(&ticket)).into_response())
}

/// `GET /api/v1/hall/{hall}/live` (hall managers)
pub async fn live(State(state): State<AppState>, ApiStaff(staff): ApiStaff, Path(hall): Path<String>) -> ApiResult {
    let live = hall::live(&state.app, &staff.actor, &hall).await?;
    Ok(Json(ApiHallLive::of(&live)).into_response())
}

/// `GET /api/v1/hall/assignments` (hall managers)
pub async fn assignments(State(state): State<AppState>, ApiStaff(staff): ApiStaff) -> ApiResult {
    let posts = hall::assignments(&state.app, &staff.actor).await?;
    Ok(Json(posts.iter().map(ApiAssignment::of).collect::<Vec<_>>()).into_response())
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct AssignBody {
    #[serde(default)]
    pub window: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub starts: String,
    #[serde(default)]
    pub ends: String,
}

/// `POST /api/v1/hall/assignments` (hall managers)
pub async fn assign(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    ApiJson(body): ApiJson<AssignBody>,
) -> ApiResult {
    let request = AssignRequest { window: body.window, username: body.username, starts: body.starts, ends: body.ends };
    let assignment = hall::assign(&state.app, &staff.actor, &request).await?;
    let post = hall::Post { assignment, display_name: String::new() };
    Ok((StatusCode::CREATED, Json(ApiAssignment::of(&post))).into_response())
}

#[derive(Deserialize)]
pub struct EndBody {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    move_to: String,
}

/// `POST /api/v1/hall/assignments/{id}/end` (hall managers)
pub async fn end_assignment(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<EndBody>,
) -> ApiResult {
    hall::end_assignment(&state.app, &staff.actor, id, &body.reason, &body.move_to).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
