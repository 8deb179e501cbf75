//! 电子证照核验, for anyone: the page a licence's QR code opens (`/licences/verify?id=…`), a form to type an
//! identifier in, and one to upload a licence's document. It shows whether the seal holds and the status
//! today, and only what the holder shows on the licence (a person's ID number masked).

use crate::error::Error;
use crate::extract::{double_submit_token, with_cookie, CsrfCookie, PublicUpload};
use crate::layout::Layout;
use crate::licence_view::{public_line, LicenceLine};
use crate::render::render_with;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::Response;
use onetrip_app::licences::registry::{self as licences, Outcome, Verification};
use onetrip_app::AppError;
use serde::Deserialize;

/// The upload form's double-submit cookie.
pub struct VerifyCookie;

impl CsrfCookie for VerifyCookie {
    const NAME: &'static str = "onetrip_verify";
    const FIELD: &'static str = "form_token";
}

#[derive(Template)]
#[template(path = "licence_verify.html")]
struct VerifyPage {
    layout: Layout,
    form_token: String,
    id: String,
    checked: bool,
    ok: bool,
    outcome_code: &'static str,
    headline: &'static str,
    message: String,
    licence: Option<LicenceLine>,
    error: String,
}

fn headline(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Valid => "核验通过",
        Outcome::NotInForce(_) => "证照真实，但现在不是有效状态",
        Outcome::Tampered(_) => "核验不通过",
        Outcome::NotFound => "查无此证",
        Outcome::Malformed(_) => "证照标识有误",
    }
}

/// The status of the page for an outcome: found (whatever it says) 200, unknown 404, unreadable 422.
fn status_of(outcome: &Outcome) -> StatusCode {
    match outcome {
        Outcome::NotFound => StatusCode::NOT_FOUND,
        Outcome::Malformed(_) => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::OK,
    }
}

fn page(
    state: &AppState,
    parts: &Parts,
    id: &str,
    verification: Option<&Verification>,
    error: String,
) -> Result<Response, Error> {
    let (form_token, cookie) = double_submit_token::<VerifyCookie>(parts, "/licences");
    let status = match (verification, error.is_empty()) {
        (Some(verification), _) => status_of(&verification.outcome),
        (None, false) => StatusCode::UNPROCESSABLE_ENTITY,
        (None, true) => StatusCode::OK,
    };
    let page = VerifyPage {
        layout: Layout::new(state, None),
        form_token,
        id: id.to_string(),
        checked: verification.is_some(),
        ok: verification.is_some_and(|verification| verification.outcome == Outcome::Valid),
        outcome_code: verification.map(|verification| verification.outcome.code()).unwrap_or_default(),
        headline: verification.map(|verification| headline(&verification.outcome)).unwrap_or_default(),
        message: verification.map(|verification| verification.outcome.message()).unwrap_or_default(),
        licence: verification.and_then(|verification| verification.licence.as_ref()).map(public_line),
        error,
    };
    Ok(with_cookie(render_with(status, &page)?, cookie))
}

#[derive(Deserialize)]
pub struct VerifyQuery {
    #[serde(default)]
    id: String,
}

/// `GET /licences/verify?id=…`: the form, and the result when an identifier is given.
pub async fn verify(
    State(state): State<AppState>,
    Query(query): Query<VerifyQuery>,
    parts: Parts,
) -> Result<Response, Error> {
    let id = query.id.trim();
    if id.is_empty() {
        return page(&state, &parts, "", None, String::new());
    }
    let verification = licences::verify(&state.app, id).await?;
    page(&state, &parts, id, Some(&verification), String::new())
}

/// `POST /licences/verify`: a licence's document uploaded, checked byte for byte against the one sealed.
pub async fn verify_document(
    State(state): State<AppState>,
    upload: PublicUpload<VerifyCookie>,
) -> Result<Response, Error> {
    let PublicUpload { mut submission, parts, .. } = upload;
    let Some((_, bytes)) = submission.first_file() else {
        return page(&state, &parts, "", None, "请选择要核验的证照文件（PDF）".to_string());
    };
    match licences::verify_document(&state.app, &bytes).await {
        Ok(verification) => {
            let id = verification.licence.as_ref().map(|licence| licence.id.clone()).unwrap_or_default();
            page(&state, &parts, &id, Some(&verification), String::new())
        }
        Err(AppError::Validation(errors)) => page(&state, &parts, "", None, crate::extract::joined(&errors)),
        Err(other) => Err(other.into()),
    }
}
