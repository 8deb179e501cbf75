//! 好差评 for everyone, without logging in: the page of a rating link (from an SMS or a printed notice's QR
//! code), its QR code, and the public disclosure (公开) of a month's figures by department and matter.

use crate::error::Error;
use crate::extract::{double_submit_token, with_cookie, CookieForm, CsrfCookie, FormValues};
use crate::layout::Layout;
use crate::rating_view::{rating_input, RatingForm};
use crate::render::{render, render_with};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use onetrip_app::ratings::figures::{self, Disclosure, RatingFigures};
use onetrip_app::ratings::{self, LinkPage, RatingTarget};
use onetrip_app::AppError;
use onetrip_domain::rating::{RatingInput, Service};
use onetrip_domain::FieldErrors;
use serde::Deserialize;

/// The rating pages' double-submit cookie.
pub struct RatingCookie;

impl CsrfCookie for RatingCookie {
    const NAME: &'static str = "onetrip_rating";
    const FIELD: &'static str = "csrf_token";
}

#[derive(Template)]
#[template(path = "rate_link.html")]
struct LinkRatingPage {
    layout: Layout,
    token: String,
    csrf_token: String,
    /// The stage's words, or empty for the fix of a 差评.
    what: String,
    matter: String,
    department: String,
    /// The outcome of the 差评, when the link rates its fix.
    outcome: String,
    /// The level given, once rated.
    rated: String,
    form: RatingForm,
}

fn describe(target: &RatingTarget) -> (String, String, String) {
    (format!("{}服务", target.stage.label()), target.matter_name.clone(), target.department_name.clone())
}

async fn link_page(
    state: &AppState,
    parts: &Parts,
    token: &str,
    input: &RatingInput,
    errors: &FieldErrors,
) -> Result<Response, Error> {
    let page = ratings::link_page(&state.app, token).await?;
    let (csrf_token, cookie) = double_submit_token::<RatingCookie>(parts, "/r");
    let (what, matter, department, outcome, rated, service) = match &page {
        LinkPage::Stage(target) => {
            let (what, matter, department) = describe(target);
            let rated = target.rated.map(|level| level.label().to_string()).unwrap_or_default();
            (what, matter, department, String::new(), rated, target.service)
        }
        LinkPage::Fix { outcome, rated } => (
            String::new(),
            String::new(),
            String::new(),
            outcome.clone(),
            rated.map(|level| level.label().to_string()).unwrap_or_default(),
            Service::OnSite,
        ),
    };
    let page = LinkRatingPage {
        layout: Layout::new(state, None),
        token: token.to_string(),
        csrf_token,
        what,
        matter,
        department,
        outcome,
        rated,
        form: RatingForm::new(service, input, errors),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok(with_cookie(render_with(status, &page)?, cookie))
}

/// `GET /r/{token}`: what the link rates, and the form (or thanks, once rated).
pub async fn link(State(state): State<AppState>, Path(token): Path<String>, parts: Parts) -> Result<Response, Error> {
    link_page(&state, &parts, &token, &RatingInput::default(), &FieldErrors::default()).await
}

/// `POST /r/{token}`: the rating.
pub async fn rate_link(
    State(state): State<AppState>,
    Path(token): Path<String>,
    submitted: CookieForm<RatingCookie, FormValues>,
) -> Result<Response, Error> {
    let values = submitted.checked()?;
    let input = rating_input(values);
    match ratings::rate_by_link(&state.app, &token, &input).await {
        Ok(_) => link_page(&state, &submitted.parts, &token, &RatingInput::default(), &FieldErrors::default()).await,
        Err(AppError::Validation(errors)) => link_page(&state, &submitted.parts, &token, &input, &errors).await,
        Err(other) => Err(other.into()),
    }
}

/// `GET /r/{token}/qr.svg`: the link as a QR code, for printed notices (only for a valid token).
pub async fn qr(State(state): State<AppState>, Path(token): Path<String>) -> Result<Response, Error> {
    ratings::link_page(&state.app, &token).await?;
    let svg = qr_svg(&ratings::links::url(&state.app, &token))?;
    let mut response = svg.into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("image/svg+xml"));
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=3600"));
    Ok(response)
}

/// A QR code of `text` as SVG.
pub fn qr_svg(text: &str) -> Result<String, Error> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|error| Error::Internal(format!("qr code: {error}")))?;
    Ok(code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(160, 160).build())
}

#[derive(Deserialize)]
pub struct MonthQuery {
    #[serde(default)]
    month: String,
}

/// A line of the disclosure, formatted.
pub struct FiguresLine {
    pub department: String,
    pub matter: String,
    pub rated: u64,
    pub good_rate: String,
    pub bad: u64,
    pub rectify_rate: String,
    pub callback_rate: String,
    pub in_time_rate: String,
    pub defaulted: u64,
    pub excluded: u64,
}

/// A share as a percentage with one decimal, or “—” when there is nothing to divide.
pub fn percent(share: Option<f64>) -> String {
    share.map(|share| format!("{:.1}%", share * 100.0)).unwrap_or_else(|| "—".to_string())
}

fn line(figures: &RatingFigures) -> FiguresLine {
    FiguresLine {
        department: figures.department_name.clone(),
        matter: figures.matter_name.clone(),
        rated: figures.rated(),
        good_rate: percent(figures.good_rate()),
        bad: figures.bad(),
        rectify_rate: percent(figures.rectify_rate()),
        callback_rate: percent(figures.callback_rate()),
        in_time_rate: percent(figures.in_time_rate()),
        defaulted: figures.defaulted,
        excluded: figures.excluded,
    }
}

#[derive(Template)]
#[template(path = "ratings_public.html")]
struct DisclosurePage {
    layout: Layout,
    month: String,
    total: FiguresLine,
    departments: Vec<FiguresLine>,
    matters: Vec<FiguresLine>,
    default_days: u32,
    error: String,
}

fn disclosure_page(state: &AppState, disclosure: &Disclosure, error: String) -> DisclosurePage {
    DisclosurePage {
        layout: Layout::new(state, None),
        month: disclosure.month.clone(),
        total: line(&disclosure.total),
        departments: disclosure.departments.iter().map(line).collect(),
        matters: disclosure.matters.iter().map(line).collect(),
        default_days: state.app.config.ratings.default_after_days,
        error,
    }
}

/// `GET /ratings?month=YYYY-MM`: the public disclosure of a month.
pub async fn disclosure(State(state): State<AppState>, Query(query): Query<MonthQuery>) -> Result<Response, Error> {
    match figures::disclosure(&state.app, &query.month).await {
        Ok(disclosure) => render(&disclosure_page(&state, &disclosure, String::new())),
        Err(AppError::Validation(errors)) => {
            let disclosure = figures::disclosure(&state.app, "").await?;
            render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &disclosure_page(&state, &disclosure, crate::extract::joined(&errors)),
            )
        }
        Err(other) => Err(other.into()),
    }
}
