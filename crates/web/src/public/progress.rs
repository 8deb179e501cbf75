//! 办件进度查询 for everyone: the page every notice and the confirmation promise ("在本中心网站凭办件编号和
//! 证件号后四位查询"), and the QR code printed on notices that opens it with the number filled in. The
//! look-up is the same use case as `GET /api/v1/progress`, throttled the same way; the page shows no
//! personal data, and the number and the four digits travel in a POST body, not in an address a browser
//! keeps in its history.

use crate::error::Error;
use crate::extract::{double_submit_token, listed, with_cookie, CookieForm, CsrfCookie};
use crate::layout::Layout;
use crate::public::ratings::qr_svg;
use crate::render::render_with;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use onetrip_app::cases::{self, Progress};
use onetrip_app::AppError;
use onetrip_domain::case_number::CaseNumber;
use onetrip_domain::FieldErrors;
use serde::Deserialize;

/// The progress page's double-submit cookie.
pub struct ProgressCookie;

impl CsrfCookie for ProgressCookie {
    const NAME: &'static str = "onetrip_progress";
    const FIELD: &'static str = "csrf_token";
}

#[derive(Deserialize, Default)]
pub struct ProgressForm {
    #[serde(default)]
    number: String,
    #[serde(default)]
    last_four: String,
}

/// A case's progress as the page shows it.
pub struct ProgressView {
    pub number: String,
    pub matter: String,
    pub phase: &'static str,
    pub received: String,
    pub accepted: String,
    pub due: String,
    pub trips: usize,
    pub steps: Vec<(String, &'static str)>,
}

#[derive(Template)]
#[template(path = "progress.html")]
struct ProgressPage {
    layout: Layout,
    csrf_token: String,
    number: String,
    errors: Vec<(String, String)>,
    found: Option<ProgressView>,
}

impl ProgressPage {
    fn error_for(&self, field: &str) -> String {
        self.errors.iter().find(|(name, _)| name == field).map(|(_, text)| text.clone()).unwrap_or_default()
    }
}

fn view(state: &AppState, progress: &Progress) -> ProgressView {
    let format = |at| state.local(at).format("%Y-%m-%d %H:%M").to_string();
    ProgressView {
        number: progress.number.to_string(),
        matter: progress.matter.clone(),
        phase: progress.phase.label(),
        received: format(progress.received_at),
        accepted: progress.accepted_at.map(format).unwrap_or_default(),
        due: progress.due_at.map(format).unwrap_or_default(),
        trips: progress.trips,
        steps: progress.steps.iter().map(|step| (format(step.at), step.label)).collect(),
    }
}

fn page(
    state: &AppState,
    parts: &Parts,
    number: &str,
    errors: &FieldErrors,
    status: StatusCode,
    found: Option<ProgressView>,
) -> Result<Response, Error> {
    let (csrf_token, cookie) = double_submit_token::<ProgressCookie>(parts, "/progress");
    let page = ProgressPage {
        layout: Layout::new(state, None),
        csrf_token,
        number: number.chars().take(40).collect(),
        errors: listed(errors),
        found,
    };
    Ok(with_cookie(render_with(status, &page)?, cookie))
}

#[derive(Deserialize)]
pub struct NumberQuery {
    #[serde(default)]
    number: String,
}

/// `GET /progress[?number=]`: the form, with the number filled in when the notice's QR code opened it.
pub async fn form(
    State(state): State<AppState>,
    parts: Parts,
    Query(query): Query<NumberQuery>,
) -> Result<Response, Error> {
    let number = CaseNumber::parse(&query.number).map(|number| number.to_string()).unwrap_or_default();
    page(&state, &parts, &number, &FieldErrors::default(), StatusCode::OK, None)
}

/// `POST /progress`: the look-up.
pub async fn look_up(
    State(state): State<AppState>,
    address: crate::extract::ClientAddress,
    submitted: CookieForm<ProgressCookie, ProgressForm>,
) -> Result<Response, Error> {
    let form = &submitted.form;
    let refused = |errors: FieldErrors, status| page(&state, &submitted.parts, &form.number, &errors, status, None);
    if !submitted.valid() {
        return refused(FieldErrors::single("number", Error::CsrfFailed.message()), StatusCode::FORBIDDEN);
    }
    let mut errors = FieldErrors::default();
    if form.number.trim().is_empty() {
        errors.add("number", "请填写办件编号：在受理通知书、短信或“我的办件”里可以找到");
    }
    let digits = form.last_four.trim();
    if digits.chars().count() != 4
        || !digits.chars().take(3).all(|c| c.is_ascii_digit())
        || !digits.chars().last().is_some_and(|c| c.is_ascii_digit() || c == 'X' || c == 'x')
    {
        errors.add("last_four", "请填写申请人证件号的最后四位：数字，最后一位也可能是字母 X");
    }
    if !errors.is_empty() {
        return refused(errors, StatusCode::UNPROCESSABLE_ENTITY);
    }
    match cases::progress(&state.app, &form.number, digits, &address.0).await {
        Ok(progress) => page(
            &state,
            &submitted.parts,
            &form.number,
            &FieldErrors::default(),
            StatusCode::OK,
            Some(view(&state, &progress)),
        ),
        Err(AppError::Validation(errors)) => refused(errors, StatusCode::UNPROCESSABLE_ENTITY),
        Err(AppError::NotFound(_)) => refused(
            FieldErrors::single("last_four", "没有查到：办件编号和证件号后四位对不上，请核对后再试"),
            StatusCode::NOT_FOUND,
        ),
        Err(AppError::TooManyAttempts { message, retry_after_seconds }) => {
            let mut response = refused(FieldErrors::single("last_four", message), StatusCode::TOO_MANY_REQUESTS)?;
            if let Ok(value) = HeaderValue::from_str(&retry_after_seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            Ok(response)
        }
        Err(other) => Err(other.into()),
    }
}

/// `GET /progress/qr.svg?number=`: the page's address with the number, as a QR code for printed notices.
pub async fn qr(State(state): State<AppState>, Query(query): Query<NumberQuery>) -> Result<Response, Error> {
    let number =
        CaseNumber::parse(&query.number).map_err(|error| Error::from(AppError::field("number", error.to_string())))?;
    let svg = qr_svg(&progress_url(&state, &number))?;
    let mut response = svg.into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("image/svg+xml"));
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
    Ok(response)
}

/// The progress page's address for one case, as printed under its QR code.
pub fn progress_url(state: &AppState, number: &CaseNumber) -> String {
    format!("{}/progress?number={}", state.app.config.public_url.trim_end_matches('/'), number.compact())
}
