//! 帮办代办 at the window: start an online application for the applicant beside you, upload the
//! materials in their name, and hand it to their portal account to check and submit (`app::assist`).

use crate::error::Error;
use crate::extract::{listed, FormValues, StaffForm, StaffPage, StaffUpload};
use crate::layout::Layout;
use crate::links::see_other;
use crate::render::{render, render_with};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use onetrip_app::assist::{self, AssistStart};
use onetrip_app::AppError;
use onetrip_domain::access::Permission;
use onetrip_domain::FieldErrors;

#[derive(Template)]
#[template(path = "staff_assist_new.html")]
struct StartPage {
    layout: Layout,
    csrf_token: String,
    values: FormValues,
    errors: Vec<(String, String)>,
    matters: Vec<(String, String)>,
}

impl StartPage {
    fn error_for(&self, field: &str) -> String {
        self.errors.iter().find(|(name, _)| name == field).map(|(_, text)| text.clone()).unwrap_or_default()
    }
}

fn start_page(
    state: &AppState,
    staff: &crate::auth::Staff,
    values: FormValues,
    errors: &FieldErrors,
) -> Result<Response, Error> {
    let catalog = state.catalog();
    let matters = catalog
        .active_matters()
        .filter(|matter| staff.actor.registers_for(&matter.department))
        .filter(|matter| catalog.active_version(&matter.code).is_some_and(onetrip_app::portal::online_allowed))
        .map(|matter| (matter.code.clone(), matter.name.clone()))
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render_with(
        status,
        &StartPage {
            layout: Layout::new(state, Some(staff)),
            csrf_token: staff.csrf_token.clone(),
            values,
            errors: listed(errors),
            matters,
        },
    )
}

/// `GET /staff/assist`: whom to help, with which matter.
pub async fn new_form(State(state): State<AppState>, StaffPage(staff): StaffPage) -> Result<Response, Error> {
    staff.require(Permission::AcceptCases)?;
    start_page(&state, &staff, FormValues::default(), &FieldErrors::default())
}

/// `POST /staff/assist`: starts the application in the applicant's name.
pub async fn start(
    State(state): State<AppState>,
    StaffForm(staff, values): StaffForm<FormValues>,
) -> Result<Response, Error> {
    let form = AssistStart {
        kind: values.get("kind"),
        id_number: values.get("id_number"),
        name: values.get("name"),
        phone: values.get("phone"),
        matter_code: values.get("matter_code"),
    };
    match assist::start(&state.app, &staff.actor, &form).await {
        Ok(id) => Ok(see_other(&format!("/staff/assist/{id}"))),
        Err(AppError::Validation(errors)) => start_page(&state, &staff, values, &errors),
        Err(other) => Err(other.into()),
    }
}

/// A material of the application as the window sees it.
pub struct AssistLine {
    pub index: usize,
    pub name: String,
    pub necessity: &'static str,
    pub files: Vec<String>,
}

#[derive(Template)]
#[template(path = "staff_assist.html")]
struct DraftPage {
    layout: Layout,
    csrf_token: String,
    id: String,
    matter: String,
    applicant: String,
    lines: Vec<AssistLine>,
    error: String,
    handed_over: bool,
}

async fn draft_page(state: &AppState, staff: &crate::auth::Staff, id: &str, error: String) -> Result<Response, Error> {
    let assisted = assist::open(&state.app, &staff.actor, id).await?;
    let open = &assisted.open;
    let mut lines = Vec::new();
    for (index, material) in open.subject.materials().iter().enumerate() {
        let files = onetrip_app::files::facts(&state.app, open.document.files(index)).await?;
        lines.push(AssistLine {
            index,
            name: material.name.clone(),
            necessity: material.necessity.label(),
            files: files.into_iter().map(|file| file.name).collect(),
        });
    }
    let status = if error.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render_with(
        status,
        &DraftPage {
            layout: Layout::new(state, Some(staff)),
            csrf_token: staff.csrf_token.clone(),
            id: id.to_string(),
            matter: open.subject.name(),
            applicant: assisted.applicant.name.clone(),
            lines,
            error,
            handed_over: false,
        },
    )
}

/// `GET /staff/assist/{id}`: the application being filled in, a material a row.
pub async fn draft(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    draft_page(&state, &staff, &id, String::new()).await
}

/// `POST /staff/assist/{id}/materials/{index}`: a material uploaded in the applicant's name.
pub async fn upload(
    State(state): State<AppState>,
    Path((id, index)): Path<(String, usize)>,
    StaffUpload(staff, mut submission): StaffUpload,
) -> Result<Response, Error> {
    match assist::upload(&state.app, &staff.actor, &id, index, submission.first_file()).await {
        Ok(_) => Ok(see_other(&format!("/staff/assist/{id}"))),
        Err(AppError::Validation(errors)) => {
            let message = errors.first("material").unwrap_or("请选择要上传的文件").to_string();
            draft_page(&state, &staff, &id, message).await
        }
        Err(other) => Err(other.into()),
    }
}

/// `POST /staff/assist/{id}/hand-over`: the application goes to the applicant's 我的办件.
pub async fn hand_over(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm(staff, _): StaffForm<FormValues>,
) -> Result<Response, Error> {
    let assisted = assist::open(&state.app, &staff.actor, &id).await?;
    let (matter, applicant) = (assisted.open.subject.name(), assisted.applicant.name.clone());
    assist::hand_over(&state.app, &staff.actor, &id).await?;
    render(&DraftPage {
        layout: Layout::new(&state, Some(&staff)),
        csrf_token: staff.csrf_token.clone(),
        id,
        matter,
        applicant,
        lines: Vec::new(),
        error: String::new(),
        handed_over: true,
    })
}
