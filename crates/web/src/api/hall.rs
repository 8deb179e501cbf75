//! The hall in the API: the layout, tickets from kiosk devices and departmental systems, a ticket's state,
//! presence and calling at windows, what a window does with a ticket, the live view, window planning, and
//! staff posted at windows.

use super::responses::Unauthenticated;
use super::responses::{one_of, BadInput, BadJson, BadParameter, Internal, Invalid, Refused, TooLarge};
use super::types::{ApiAssignment, ApiHallLive, ApiHallPlan, ApiTicket};
use super::ApiResult;
use crate::error::ErrorBody;
use crate::extract::{ApiJson, ApiStaff};
use crate::hall::manage::target_minutes;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use onetrip_app::hall::{self, AssignRequest, PresenceAction, TicketRequest};
use onetrip_domain::hall::HallLayout;
use onetrip_domain::queue::TicketAction;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlanQuery {
    /// 目标平均等候（分钟，1–120，默认 15）
    #[serde(default)]
    #[param(value_type = Option<f64>, minimum = 1, maximum = 120)]
    target: String,
}

/// `GET /api/v1/hall/{hall}/plan?target=15` (hall managers)
#[utoipa::path(get, path = "/hall/{hall}/plan", tag = "大厅", security(("bearer" = []), ("cookie" = [])),
    summary = "窗口测算（大厅管理员）：按最近 20 个工作日的取号记录和办理时长，用 Erlang C 算出每个功能区上午、下午至少开几个窗口能让平均等候不超过 target 分钟，并列出开放和在岗窗口",
    params(("hall" = String, Path, description = "大厅编号"), PlanQuery),
    responses(
        (status = 200, description = "测算结果", body = ApiHallPlan),
        (status = 400, response = inline(BadParameter)),
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, description = "不是大厅管理员（forbidden）", body = ErrorBody),
        (status = 404, description = "没有这个大厅", body = ErrorBody),
        (status = 422, description = "目标时间不在 1–120 分钟", body = ErrorBody),
        (status = 500, response = inline(Internal)),
    )
)]
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
#[utoipa::path(get, path = "/hall/layout", tag = "大厅",
    summary = "大厅布局：大厅（含联网的专业大厅）、功能区（号码字头）、窗口（所属部门、兼叫的功能区、单独办理的事项、是否开放）",
    responses((status = 200, description = "大厅布局", body = HallLayout))
)]
pub async fn layout(State(state): State<AppState>) -> ApiResult {
    Ok(Json(state.catalog().hall.clone()).into_response())
}

/// `PUT /api/v1/hall/layout` (hall managers); the application layer reads the body, so that its messages
/// name each place in the layout.
#[utoipa::path(put, path = "/hall/layout", tag = "大厅", security(("bearer" = []), ("cookie" = [])),
    summary = "整体替换大厅布局（大厅管理员）；逐项检查编号重复、字头重复、引用不存在的大厅、功能区、部门或事项",
    request_body = HallLayout,
    responses(
        (status = 200, description = "保存后的布局", body = HallLayout),
        (status = 400, response = inline(BadParameter)),
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, response = inline(Refused)),
        (status = 413, response = inline(TooLarge)),
        (status = 422, response = inline(Invalid)),
        (status = 500, response = inline(Internal)),
    )
)]
pub async fn save_layout(State(state): State<AppState>, ApiStaff(staff): ApiStaff, body: String) -> ApiResult {
    let layout = hall::save_layout(&state.app, &staff.actor, &body).await?;
    Ok(Json(layout).into_response())
}

fn priorities() -> utoipa::openapi::schema::Object {
    one_of(&["none", "elderly", "disabled"])
}

/// What a kiosk device or a departmental system asks for: a zone, or a matter (its zone is found).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct TicketBody {
    /// 功能区编号
    #[serde(default)]
    pub zone: String,
    /// 事项编码（自动找到办理它的功能区）
    #[serde(default)]
    pub matter: String,
    /// 优先类别，不填即 none
    #[serde(default)]
    #[schema(schema_with = priorities)]
    pub priority: String,
    /// 身份证后四位，可不填
    #[serde(default)]
    pub last_four: String,
}

/// `POST /api/v1/hall/{hall}/tickets`: a ticket from a kiosk device or a departmental system (staff token).
#[utoipa::path(post, path = "/hall/{hall}/tickets", tag = "大厅", security(("bearer" = []), ("cookie" = [])),
    summary = "取号（自助机设备或部门系统，需工作人员令牌）：按功能区或事项（自动找到办理它的功能区），可选优先类别和身份证后四位",
    params(("hall" = String, Path, description = "大厅编号，例如 centre")),
    request_body = TicketBody,
    responses(
        (status = 201, description = "号票：号码、前面人数、预计等候分钟", body = ApiTicket),
        (status = 400, response = inline(BadJson)),
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, response = inline(Refused)),
        (status = 404, description = "没有这个大厅", body = ErrorBody),
        (status = 413, response = inline(TooLarge)),
        (status = 422, response = inline(Invalid)),
        (status = 500, response = inline(Internal)),
    )
)]
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
#[utoipa::path(get, path = "/hall/{hall}/tickets/{number}", tag = "大厅",
    summary = "今天的一个号（公开，不含个人信息）：状态、前面人数、预计等候、叫到的窗口",
    params(("hall" = String, Path, description = "大厅编号"), ("number" = String, Path, description = "号码，例如 D001")),
    responses(
        (status = 200, description = "号票", body = ApiTicket),
        (status = 404, description = "今天没有这个号", body = ErrorBody),
        (status = 500, response = inline(Internal)),
    )
)]
pub async fn ticket(State(state): State<AppState>, Path((hall, number)): Path<(String, String)>) -> ApiResult {
    let ticket = hall::ticket_by_number(&state.app, &hall, &number).await?;
    Ok(Json(ApiTicket::of(&ticket)).into_response())
}

fn presence_actions() -> utoipa::openapi::schema::Object {
    one_of(&["sign_in", "break", "back", "sign_out"])
}

#[derive(Deserialize, ToSchema)]
pub struct PresenceBody {
    /// 上岗（sign_in）、暂离（break）、回岗（back）、下岗（sign_out）
    #[schema(schema_with = presence_actions)]
    action: String,
}

/// `POST /api/v1/hall/windows/{code}/presence`: `sign_in`, `break`, `back`, `sign_out`.
#[utoipa::path(post, path = "/hall/windows/{code}/presence", tag = "大厅", security(("bearer" = []), ("cookie" = [])),
    summary = "在窗口上岗（sign_in）、暂离（break）、回岗（back）、下岗（sign_out）；一人一窗，一窗一人",
    params(("code" = String, Path, description = "窗口编号，例如 D01")),
    request_body = PresenceBody,
    responses(
        (status = 204, description = "已记录"),
        (status = 400, response = inline(BadJson)),
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, description = "不能在这个窗口办理（forbidden）或 CSRF 校验失败（csrf_failed）", body = ErrorBody),
        (status = 404, description = "没有这个窗口", body = ErrorBody),
        (status = 409, description = "窗口暂停使用、已有人在岗或您不在这个窗口（window_closed、window_taken、not_at_window、not_posted）", body = ErrorBody),
        (status = 413, response = inline(TooLarge)),
        (status = 422, response = inline(Invalid)),
        (status = 500, response = inline(Internal)),
    )
)]
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
#[utoipa::path(post, path = "/hall/windows/{code}/call", tag = "大厅", security(("bearer" = []), ("cookie" = [])),
    summary = "叫下一位：先办完本窗口正在办理的号，再按“转给本窗口的、优先的、等得最久的”叫号；两个窗口同时叫不会叫到同一个号",
    params(("code" = String, Path, description = "窗口编号")),
    responses(
        (status = 200, description = "叫到的号", body = ApiTicket),
        (status = 204, description = "没有人等候"),
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, description = "不能在这个窗口办理（forbidden）或 CSRF 校验失败（csrf_failed）", body = ErrorBody),
        (status = 404, description = "没有这个窗口", body = ErrorBody),
        (status = 409, description = "窗口暂停、未上岗或暂离（window_closed、not_at_window）", body = ErrorBody),
        (status = 500, response = inline(Internal)),
    )
)]
pub async fn call(State(state): State<AppState>, ApiStaff(staff): ApiStaff, Path(code): Path<String>) -> ApiResult {
    match hall::call_next(&state.app, &staff.actor, &code).await? {
        Some(ticket) => Ok(Json(ApiTicket::of(&ticket)).into_response()),
        None => Ok(StatusCode::NO_CONTENT.into_response()),
    }
}

/// `POST /api/v1/hall/windows/{code}/tickets/{id}`: recall, miss, rejoin, finish, transfer, link a case.
#[utoipa::path(post, path = "/hall/windows/{code}/tickets/{id}", tag = "大厅", security(("bearer" = []), ("cookie" = [])),
    summary = "处理本窗口叫到的号：recall（重呼）、miss（过号）、rejoin（过号后重新排队）、finish（办完）、transfer_zone（转功能区，须办理该事项）、transfer_window（转窗口）、link_case（关联办件）",
    params(("code" = String, Path, description = "窗口编号"), ("id" = i64, Path, description = "号的内部编号（叫号结果中的 id）")),
    request_body = TicketAction,
    responses(
        (status = 200, description = "处理后的号", body = ApiTicket),
        (status = 400, response = inline(BadInput)),
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, description = "不能在这个窗口办理（forbidden）或 CSRF 校验失败（csrf_failed）", body = ErrorBody),
        (status = 404, description = "没有这个号或窗口", body = ErrorBody),
        (status = 409, description = "不是本窗口正在办理的号，或刚被别的窗口处理过（ticket_not_here、ticket_not_missed、ticket_elsewhere 等）", body = ErrorBody),
        (status = 413, response = inline(TooLarge)),
        (status = 422, response = inline(Invalid)),
        (status = 500, response = inline(Internal)),
    )
)]
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
#[utoipa::path(get, path = "/hall/{hall}/live", tag = "大厅", security(("bearer" = []), ("cookie" = [])),
    summary = "大厅实况（大厅管理员）：各功能区等候人数、最长已等、今天平均等候与办理时间；各窗口办理中、空闲、暂离、空岗或暂停",
    params(("hall" = String, Path, description = "大厅编号")),
    responses(
        (status = 200, description = "实况", body = ApiHallLive),
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, description = "不是大厅管理员（forbidden）", body = ErrorBody),
        (status = 404, description = "没有这个大厅", body = ErrorBody),
        (status = 500, response = inline(Internal)),
    )
)]
pub async fn live(State(state): State<AppState>, ApiStaff(staff): ApiStaff, Path(hall): Path<String>) -> ApiResult {
    let live = hall::live(&state.app, &staff.actor, &hall).await?;
    Ok(Json(ApiHallLive::of(&live)).into_response())
}

/// `GET /api/v1/hall/assignments` (hall managers)
#[utoipa::path(get, path = "/hall/assignments", tag = "大厅", security(("bearer" = []), ("cookie" = [])),
    summary = "窗口人员安排（大厅管理员）：未结束的任期安排",
    responses(
        (status = 200, description = "安排", body = Vec<ApiAssignment>),
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, description = "不是大厅管理员（forbidden）", body = ErrorBody),
        (status = 500, response = inline(Internal)),
    )
)]
pub async fn assignments(State(state): State<AppState>, ApiStaff(staff): ApiStaff) -> ApiResult {
    let posts = hall::assignments(&state.app, &staff.actor).await?;
    Ok(Json(posts.iter().map(ApiAssignment::of).collect::<Vec<_>>()).into_response())
}

/// Whom to post at which window, for which term.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct AssignBody {
    /// 窗口编号（必填）
    #[serde(default)]
    #[schema(required = true, min_length = 1)]
    pub window: String,
    /// 工作人员用户名（必填）
    #[serde(default)]
    #[schema(required = true, min_length = 1)]
    pub username: String,
    /// 任期开始，默认今天
    #[serde(default)]
    #[schema(format = Date)]
    pub starts: String,
    /// 任期结束，默认一年后
    #[serde(default)]
    #[schema(format = Date)]
    pub ends: String,
}

/// `POST /api/v1/hall/assignments` (hall managers)
#[utoipa::path(post, path = "/hall/assignments", tag = "大厅", security(("bearer" = []), ("cookie" = [])),
    summary = "把窗口人员安排到窗口（大厅管理员）；任期默认一年；有安排的窗口只能由安排的人上岗",
    request_body = AssignBody,
    responses(
        (status = 201, description = "安排", body = ApiAssignment),
        (status = 400, response = inline(BadJson)),
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, response = inline(Refused)),
        (status = 404, description = "没有这个窗口或工作人员", body = ErrorBody),
        (status = 409, description = "与已有安排冲突（not_posted、revision_changed）", body = ErrorBody),
        (status = 413, response = inline(TooLarge)),
        (status = 422, response = inline(Invalid)),
        (status = 500, response = inline(Internal)),
    )
)]
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

/// Why a post ends before its term, and where the person goes (if anywhere).
#[derive(Deserialize, ToSchema)]
pub struct EndBody {
    /// 调整原因（必填）
    #[serde(default)]
    #[schema(required = true, min_length = 1)]
    reason: String,
    /// 调往的新窗口；不填即撤回
    #[serde(default)]
    move_to: String,
}

/// `POST /api/v1/hall/assignments/{id}/end` (hall managers)
#[utoipa::path(post, path = "/hall/assignments/{id}/end", tag = "大厅", security(("bearer" = []), ("cookie" = [])),
    summary = "任期内调走（move_to 新窗口）或撤回（大厅管理员，须写明 reason），记入操作记录",
    params(("id" = i64, Path, description = "安排编号")),
    request_body = EndBody,
    responses(
        (status = 204, description = "已调整"),
        (status = 400, response = inline(BadInput)),
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, response = inline(Refused)),
        (status = 404, description = "没有这项在岗安排", body = ErrorBody),
        (status = 409, description = "这项安排刚被调整过，或新窗口另有安排（revision_changed、not_posted）", body = ErrorBody),
        (status = 413, response = inline(TooLarge)),
        (status = 422, response = inline(Invalid)),
        (status = 500, response = inline(Internal)),
    )
)]
pub async fn end_assignment(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<EndBody>,
) -> ApiResult {
    hall::end_assignment(&state.app, &staff.actor, id, &body.reason, &body.move_to).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
