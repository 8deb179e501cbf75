//! One case as its applicant sees it: where it stands, what the correction notice asks for (uploaded right
//! here, no trip to the hall), the applicant's own files, and the case's printable notices. Someone else's
//! case or file is "not found".

use crate::auth::PortalUser;
use crate::case_view::{case_view, CaseView};
use crate::error::Error;
use crate::extract::{joined, PortalForm, PortalUpload};
use crate::layout::Layout;
use crate::links::{parse_case_number, see_other};
use crate::rating_view::{rating_input, RatingForm};
use crate::render::{render, render_with};
use crate::staff::cases::notices::{file_response, notice_response};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use onetrip_app::cases::{self, CorrectionUpload};
use onetrip_app::AppError;
use onetrip_domain::case::Phase;
use onetrip_domain::case_number::CaseNumber;
use onetrip_domain::rating::{RatingInput, Stage};
use onetrip_domain::FieldErrors;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "portal_case.html")]
struct CasePage {
    layout: Layout,
    view: CaseView,
    submitted: bool,
    csrf_token: String,
    correction: Vec<(usize, String, String)>,
    error: String,
    ratings: Vec<StageRating>,
}

/// A stage of the case to rate (一事一评), or rated already.
pub struct StageRating {
    pub stage: &'static str,
    pub label: &'static str,
    /// The level given, once rated.
    pub rated: String,
    pub form: RatingForm,
}

async fn stage_ratings(
    state: &AppState,
    user: &PortalUser,
    number: &CaseNumber,
    failed: Option<(Stage, &RatingInput, &FieldErrors)>,
) -> Result<Vec<StageRating>, Error> {
    let stages = onetrip_app::ratings::case_stages(&state.app, &user.actor, number).await?;
    Ok(stages
        .into_iter()
        .map(|(target, _)| {
            let (input, errors) = match failed {
                Some((stage, input, errors)) if stage == target.stage => (input.clone(), errors.clone()),
                _ => (RatingInput::default(), FieldErrors::default()),
            };
            StageRating {
                stage: target.stage.code(),
                label: target.stage.label(),
                rated: target.rated.map(|level| level.label().to_string()).unwrap_or_default(),
                form: RatingForm::new(target.service, &input, &errors).prefixed(&format!("{}-", target.stage.code())),
            }
        })
        .collect())
}

#[derive(Deserialize)]
pub struct CaseQuery {
    #[serde(default)]
    submitted: Option<String>,
}

async fn case_page(
    state: &AppState,
    user: &PortalUser,
    number: &CaseNumber,
    submitted: bool,
    error: String,
    failed: Option<(Stage, &RatingInput, &FieldErrors)>,
) -> Result<Response, Error> {
    let details = cases::details(&state.app, &user.actor, number).await?;
    let correction = if details.case.phase == Phase::AwaitingCorrection {
        details
            .case
            .document
            .correction_notice
            .iter()
            .map(|problem| (problem.material, problem.name.clone(), problem.problem.clone()))
            .collect()
    } else {
        Vec::new()
    };
    let page = CasePage {
        layout: Layout::portal(state, user),
        view: case_view(state, &details, &user.actor),
        submitted,
        csrf_token: user.csrf_token.clone(),
        correction,
        error: error.clone(),
        ratings: stage_ratings(state, user, number, failed).await?,
    };
    if error.is_empty() && failed.is_none() {
        render(&page)
    } else {
        render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
    }
}

pub async fn case(
    State(state): State<AppState>,
    user: PortalUser,
    Path(number): Path<String>,
    Query(query): Query<CaseQuery>,
) -> Result<Response, Error> {
    let number = parse_case_number(&number)?;
    case_page(&state, &user, &number, query.submitted.is_some(), String::new(), None).await
}

/// The applicant uploads what the correction notice listed: one file per listed material.
pub async fn correct(
    State(state): State<AppState>,
    Path(number): Path<String>,
    PortalUpload(user, submission): PortalUpload,
) -> Result<Response, Error> {
    let number = parse_case_number(&number)?;
    let uploads = submission
        .files
        .into_iter()
        .filter_map(|(field, name, bytes)| {
            let material = field.strip_prefix("material_")?.parse::<usize>().ok()?;
            Some(CorrectionUpload { material, name, bytes })
        })
        .collect();
    match cases::correct_online(&state.app, &user.actor, &number, uploads).await {
        Ok(_) => Ok(see_other(&format!("/portal/cases/{}", number.compact()))),
        Err(AppError::Validation(errors)) => case_page(&state, &user, &number, false, joined(&errors), None).await,
        Err(other) => Err(other.into()),
    }
}

/// `POST /portal/cases/{number}/rating`: the applicant rates a stage of their own case (一事一评).
pub async fn rate(
    State(state): State<AppState>,
    Path(number): Path<String>,
    PortalForm(user, values): PortalForm,
) -> Result<Response, Error> {
    let number = parse_case_number(&number)?;
    let stage = Stage::parse(values.get("stage"))
        .filter(|stage| *stage != Stage::Window)
        .ok_or_else(|| Error::Validation(FieldErrors::single("stage", "请从办件页上的评价表提交")))?;
    let input = rating_input(&values);
    match onetrip_app::ratings::rate_case(&state.app, &user.actor, &number, stage, &input).await {
        Ok(_) => Ok(see_other(&format!("/portal/cases/{}?rated={}", number.compact(), stage.code()))),
        Err(AppError::Validation(errors)) => {
            case_page(&state, &user, &number, false, String::new(), Some((stage, &input, &errors))).await
        }
        Err(other) => Err(other.into()),
    }
}

/// A file of the applicant's own: an upload of theirs.
pub async fn file(State(state): State<AppState>, user: PortalUser, Path(id): Path<String>) -> Result<Response, Error> {
    let (file, bytes) = onetrip_app::files::own(&state.app, &user.actor, &id).await?;
    Ok(file_response(&file, bytes))
}

/// A notice of the applicant's own case, printable.
pub async fn notice(
    State(state): State<AppState>,
    user: PortalUser,
    Path((number, kind)): Path<(String, String)>,
) -> Result<Response, Error> {
    let number = parse_case_number(&number)?;
    let details = cases::details(&state.app, &user.actor, &number).await?;
    notice_response(&state, Layout::portal(&state, &user), &details, &user.actor, &kind).await
}
