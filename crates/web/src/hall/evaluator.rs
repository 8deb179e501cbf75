//! The window's evaluator screen (评价器, 一次一评): a large-type page on the screen facing the visitor, signed
//! in as the window's member of staff. When the window finishes a ticket, the screen asks the visitor to rate
//! that service; the rating is tied to the window, the person who served and the ticket. It refreshes itself
//! while there is nothing to rate.

use crate::error::Error;
use crate::extract::{FormValues, StaffForm, StaffPage};
use crate::layout::Layout;
use crate::links::see_other;
use crate::rating_view::{rating_input, RatingForm};
use crate::render::{render, render_with};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use onetrip_app::ratings;
use onetrip_app::AppError;
use onetrip_domain::rating::{RatingInput, Service};
use onetrip_domain::FieldErrors;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "hall_evaluator.html")]
struct EvaluatorPage {
    layout: Layout,
    window: String,
    csrf_token: String,
    /// The ticket to rate: (id, number, matter).
    ticket: Option<(i64, String, String)>,
    thanks: bool,
    form: RatingForm,
}

#[derive(Deserialize)]
pub struct EvaluatorQuery {
    #[serde(default)]
    thanks: Option<String>,
}

async fn page(
    state: &AppState,
    staff: &crate::auth::Staff,
    window: &str,
    thanks: bool,
    input: &RatingInput,
    errors: &FieldErrors,
) -> Result<Response, Error> {
    let found = ratings::ticket_to_rate(&state.app, &staff.actor, window).await?;
    let page = EvaluatorPage {
        layout: Layout::new(state, Some(staff)),
        window: window.to_string(),
        csrf_token: staff.csrf_token.clone(),
        ticket: found.map(|(id, number, target)| (id, number, target.matter_name)),
        thanks,
        form: RatingForm::new(Service::OnSite, input, errors),
    };
    if errors.is_empty() {
        render(&page)
    } else {
        render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
    }
}

/// `GET /staff/windows/{code}/rate`: the evaluator screen.
pub async fn evaluator(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(query): Query<EvaluatorQuery>,
    StaffPage(staff): StaffPage,
) -> Result<Response, Error> {
    page(&state, &staff, &code, query.thanks.is_some(), &RatingInput::default(), &FieldErrors::default()).await
}

/// `POST /staff/windows/{code}/rate`: the visitor's rating of the ticket just served.
pub async fn rate(
    State(state): State<AppState>,
    Path(code): Path<String>,
    StaffForm(staff, values): StaffForm<FormValues>,
) -> Result<Response, Error> {
    let ticket = values.get("ticket").trim().parse::<i64>().unwrap_or(0);
    let input = rating_input(&values);
    match ratings::rate_ticket(&state.app, &staff.actor, &code, ticket, &input).await {
        Ok(_) => Ok(see_other(&format!("/staff/windows/{code}/rate?thanks=1"))),
        Err(AppError::Validation(errors)) => page(&state, &staff, &code, false, &input, &errors).await,
        Err(other) => Err(other.into()),
    }
}
