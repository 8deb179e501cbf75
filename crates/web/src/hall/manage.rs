//! The hall manager's pages: the hall live, window planning, the layout, and staff posted at windows.

use crate::auth::Staff;
use crate::error::Error;
use crate::extract::{joined, listed, StaffForm, StaffPage};
use crate::layout::Layout;
use crate::links::see_other;
use crate::render::{render, render_with};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use onetrip_app::hall::{self, AssignRequest, HallLive, HallPlan};
use onetrip_app::AppError;
use onetrip_domain::access::Permission;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct FlashQuery {
    #[serde(default)]
    flash: String,
}

#[derive(Deserialize, Default)]
pub struct HallQuery {
    #[serde(default)]
    hall: String,
}

/// The hall asked for, or the first of the layout.
fn hall_or_first(state: &AppState, hall: &str) -> Result<String, Error> {
    if !hall.is_empty() {
        return Ok(hall.to_string());
    }
    state
        .catalog()
        .hall
        .halls
        .first()
        .map(|hall| hall.code.clone())
        .ok_or_else(|| Error::NotFound("大厅布局".to_string()))
}

fn halls(state: &AppState) -> Vec<(String, String)> {
    state.catalog().hall.halls.iter().map(|hall| (hall.code.clone(), hall.name.clone())).collect()
}

#[derive(Template)]
#[template(path = "hall_live.html")]
struct LivePage {
    layout: Layout,
    live: HallLive,
    halls: Vec<(String, String)>,
}

/// `GET /staff/hall`: every zone and window of a hall now, for the hall manager.
pub async fn live_page(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Query(query): Query<HallQuery>,
) -> Result<Response, Error> {
    staff.require(Permission::ManageHall)?;
    let hall = hall_or_first(&state, &query.hall)?;
    let live = hall::live(&state.app, &staff.actor, &hall).await?;
    render(&LivePage { layout: Layout::new(&state, Some(&staff)), live, halls: halls(&state) })
}

#[derive(Template)]
#[template(path = "hall_planning.html")]
struct PlanningPage {
    layout: Layout,
    plan: HallPlan,
    halls: Vec<(String, String)>,
    error: String,
}

#[derive(Deserialize, Default)]
pub struct PlanQuery {
    #[serde(default)]
    pub hall: String,
    #[serde(default)]
    pub target: String,
}

/// The target wait asked for, in minutes: 15 when none is given; an unreadable one falls to the check in
/// `plan` (0 is outside 1–120).
pub fn target_minutes(text: &str) -> f64 {
    if text.trim().is_empty() {
        15.0
    } else {
        text.trim().parse().unwrap_or(0.0)
    }
}

/// `GET /staff/hall/planning`: how many windows each zone needs per half day, from recorded data.
pub async fn planning_page(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Query(query): Query<PlanQuery>,
) -> Result<Response, Error> {
    staff.require(Permission::ManageHall)?;
    let hall = hall_or_first(&state, &query.hall)?;
    let (plan, error) = match hall::plan(&state.app, &staff.actor, &hall, target_minutes(&query.target)).await {
        Ok(plan) => (plan, String::new()),
        Err(AppError::Validation(errors)) => {
            (hall::plan(&state.app, &staff.actor, &hall, 15.0).await?, joined(&errors))
        }
        Err(other) => return Err(other.into()),
    };
    let status = if error.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render_with(status, &PlanningPage { layout: Layout::new(&state, Some(&staff)), plan, halls: halls(&state), error })
}

#[derive(Template)]
#[template(path = "hall_layout.html")]
struct LayoutPage {
    layout: Layout,
    csrf_token: String,
    text: String,
    errors: Vec<(String, String)>,
    flash: String,
    summary: String,
}

fn layout_summary(layout: &onetrip_domain::hall::HallLayout) -> String {
    format!("{} 个大厅、{} 个功能区、{} 个窗口", layout.halls.len(), layout.zones.len(), layout.windows.len())
}

/// `GET /staff/hall/layout`: the layout as JSON, to edit and save (hall managers).
pub async fn layout_page(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Query(query): Query<FlashQuery>,
) -> Result<Response, Error> {
    staff.require(Permission::ManageHall)?;
    let hall = state.catalog().hall.clone();
    let text = serde_json::to_string_pretty(&hall).map_err(|error| Error::Internal(error.to_string()))?;
    render(&LayoutPage {
        layout: Layout::new(&state, Some(&staff)),
        csrf_token: staff.csrf_token.clone(),
        text,
        errors: Vec::new(),
        flash: if query.flash == "saved" { "已保存，立即生效。".to_string() } else { String::new() },
        summary: layout_summary(&hall),
    })
}

#[derive(Deserialize)]
pub struct LayoutForm {
    #[serde(default)]
    text: String,
}

/// `POST /staff/hall/layout`: replaces the layout; every problem is listed with its place, nothing is saved.
pub async fn save_layout_page(
    State(state): State<AppState>,
    StaffForm(staff, form): StaffForm<LayoutForm>,
) -> Result<Response, Error> {
    staff.require(Permission::ManageHall)?;
    match hall::save_layout(&state.app, &staff.actor, &form.text).await {
        Ok(_) => Ok(see_other("/staff/hall/layout?flash=saved")),
        Err(AppError::Validation(errors)) => render_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            &LayoutPage {
                layout: Layout::new(&state, Some(&staff)),
                csrf_token: staff.csrf_token.clone(),
                text: form.text,
                errors: listed(&errors)
                    .into_iter()
                    .map(|(place, message)| (onetrip_domain::hall::place_label(&place), message))
                    .collect(),
                flash: String::new(),
                summary: layout_summary(&state.catalog().hall),
            },
        ),
        Err(other) => Err(other.into()),
    }
}

pub struct AssignmentLine {
    pub id: i64,
    pub window: String,
    pub username: String,
    pub name: String,
    pub term: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "hall_assignments.html")]
struct AssignmentsPage {
    layout: Layout,
    csrf_token: String,
    lines: Vec<AssignmentLine>,
    request: AssignForm,
    errors: Vec<(String, String)>,
    flash: String,
}

/// The posting form, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    pub window: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub starts: String,
    #[serde(default)]
    pub ends: String,
}

impl AssignForm {
    pub fn request(&self) -> AssignRequest {
        AssignRequest {
            window: self.window.clone(),
            username: self.username.clone(),
            starts: self.starts.clone(),
            ends: self.ends.clone(),
        }
    }
}

async fn assignments_page(
    state: &AppState,
    staff: &Staff,
    request: AssignForm,
    errors: Vec<(String, String)>,
    flash: &str,
) -> Result<Response, Error> {
    let today = state.today();
    let lines = hall::assignments(&state.app, &staff.actor)
        .await?
        .into_iter()
        .map(|post| AssignmentLine {
            id: post.assignment.id,
            window: post.assignment.window_code.clone(),
            username: post.assignment.username.clone(),
            name: post.display_name,
            term: format!("{} 至 {}", post.assignment.starts, post.assignment.ends),
            current: post.assignment.current(today),
        })
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render_with(
        status,
        &AssignmentsPage {
            layout: Layout::new(state, Some(staff)),
            csrf_token: staff.csrf_token.clone(),
            lines,
            request,
            errors,
            flash: flash.to_string(),
        },
    )
}

/// `GET /staff/hall/assignments`: who is posted at which window, for how long.
pub async fn assignments_list(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Query(query): Query<FlashQuery>,
) -> Result<Response, Error> {
    staff.require(Permission::ManageHall)?;
    let flash = match query.flash.as_str() {
        "assigned" => "已安排",
        "ended" => "已调整",
        _ => "",
    };
    assignments_page(&state, &staff, AssignForm::default(), Vec::new(), flash).await
}

/// `POST /staff/hall/assignments`
pub async fn assign(
    State(state): State<AppState>,
    StaffForm(staff, form): StaffForm<AssignForm>,
) -> Result<Response, Error> {
    staff.require(Permission::ManageHall)?;
    match hall::assign(&state.app, &staff.actor, &form.request()).await {
        Ok(_) => Ok(see_other("/staff/hall/assignments?flash=assigned")),
        Err(AppError::Validation(errors)) => assignments_page(&state, &staff, form, listed(&errors), "").await,
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize)]
pub struct EndForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    move_to: String,
}

/// `POST /staff/hall/assignments/{id}/end`: withdraw or move someone before the term ends, with a reason.
pub async fn end_assignment(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StaffForm(staff, form): StaffForm<EndForm>,
) -> Result<Response, Error> {
    staff.require(Permission::ManageHall)?;
    match hall::end_assignment(&state.app, &staff.actor, id, &form.reason, &form.move_to).await {
        Ok(()) => Ok(see_other("/staff/hall/assignments?flash=ended")),
        Err(AppError::Validation(errors)) => {
            assignments_page(&state, &staff, AssignForm::default(), listed(&errors), "").await
        }
        Err(other) => Err(other.into()),
    }
}
