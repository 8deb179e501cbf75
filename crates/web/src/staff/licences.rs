//! 电子证照 for staff: the newest licences of one's department (every department's, for a manager), one
//! licence with its history and its document, and the status changes (暂扣, 恢复, 撤销, 注销), each with a
//! reason.

use crate::auth::Staff;
use crate::error::Error;
use crate::extract::{listed, FormValues, StaffForm, StaffPage};
use crate::layout::Layout;
use crate::licence_view::{event_line, line, EventLine, LicenceLine};
use crate::links::{see_other, urlencode};
use crate::portal::licences::{document_response, LicenceQuery};
use crate::render::{render, render_with};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use onetrip_app::licences::registry as licences;
use onetrip_app::AppError;
use onetrip_domain::licence::LicenceAction;
use onetrip_domain::FieldErrors;

#[derive(Template)]
#[template(path = "staff_licences.html")]
struct LicencesPage {
    layout: Layout,
    licences: Vec<LicenceLine>,
}

/// `GET /staff/licences`
pub async fn licences_page(State(state): State<AppState>, StaffPage(staff): StaffPage) -> Result<Response, Error> {
    let licences = licences::recent(&state.app, &staff.actor, 200)
        .await?
        .iter()
        .map(|stored| line(&state, stored, false))
        .collect();
    render(&LicencesPage { layout: Layout::new(&state, Some(&staff)), licences })
}

#[derive(Template)]
#[template(path = "staff_licence.html")]
struct LicencePage {
    layout: Layout,
    csrf_token: String,
    licence: LicenceLine,
    events: Vec<EventLine>,
    actions: Vec<(&'static str, &'static str)>,
    reason: String,
    errors: Vec<(String, String)>,
}

async fn licence_page(
    state: &AppState,
    staff: &Staff,
    id: &str,
    errors: &FieldErrors,
    reason: &str,
) -> Result<Response, Error> {
    let (stored, events) = licences::details(&state.app, &staff.actor, id).await?;
    let licence = line(state, &stored, false);
    let status = stored.licence.status_on(state.app.today());
    let actions = [LicenceAction::Suspend, LicenceAction::Reinstate, LicenceAction::Revoke, LicenceAction::Cancel]
        .into_iter()
        .filter(|action| onetrip_domain::licence::change_status(status, action, "理由").is_ok())
        .map(|action| (action.code(), action.label()))
        .collect();
    let page = LicencePage {
        layout: Layout::new(state, Some(staff)),
        csrf_token: staff.csrf_token.clone(),
        licence,
        events: events.iter().map(|event| event_line(state, event)).collect(),
        actions,
        reason: reason.to_string(),
        errors: listed(errors),
    };
    let code = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render_with(code, &page)
}

/// `GET /staff/licences/view?id=…`
pub async fn licence(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Query(query): Query<LicenceQuery>,
) -> Result<Response, Error> {
    licence_page(&state, &staff, query.id.trim(), &FieldErrors::default(), "").await
}

/// `GET /staff/licences/document?id=…`
pub async fn document(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Query(query): Query<LicenceQuery>,
) -> Result<Response, Error> {
    let (stored, bytes) = licences::document(&state.app, &staff.actor, query.id.trim()).await?;
    Ok(document_response(&stored.licence.name, bytes))
}

/// `POST /staff/licences/status`: a status change with its reason.
pub async fn change_status(
    State(state): State<AppState>,
    StaffForm(staff, values): StaffForm<FormValues>,
) -> Result<Response, Error> {
    let id = values.get("id").trim().to_string();
    let revision = values.get("revision").parse::<i64>().ok();
    let outcome = match LicenceAction::parse(values.get("action")) {
        Some(action) => licences::change(&state.app, &staff.actor, &id, &action, values.get("reason"), revision).await,
        None => Err(AppError::field("action", "请选择要做的变更：暂扣、恢复有效、撤销或注销")),
    };
    match outcome {
        Ok(_) => Ok(see_other(&format!("/staff/licences/view?id={}", urlencode(&id)))),
        Err(AppError::Validation(errors)) => licence_page(&state, &staff, &id, &errors, values.get("reason")).await,
        Err(other) => Err(other.into()),
    }
}
