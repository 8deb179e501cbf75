//! The applicants' portal (网上办事): signing up, logging in and out, and "my cases" (here); the online
//! application, one thing per page over a draft (`apply.rs`); one case as its applicant sees it, with the
//! correction uploads, files and notices (`case.rs`).
//!
//! Applicants have their own session cookie and CSRF token, apart from staff sessions: a portal session
//! never grants a staff right, and a staff session never shows an applicant's cases.

pub mod apply;
pub mod case;
pub mod consents;
pub mod licences;
pub mod unified;

use crate::auth::{portal_cookie, PortalUser, PORTAL_COOKIE};
use crate::case_view::format_instant;
use crate::error::Error;
use crate::extract::{CookieForm, CsrfCookie, PortalForm};
use crate::layout::Layout;
use crate::links::see_other;
use crate::render::{render, render_with};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use onetrip_app::accounts::applicants::{self, SignUp, PORTAL_HOURS};
use onetrip_app::accounts::phone_check::{self, Challenge};
use onetrip_app::accounts::random_token;
use onetrip_app::records::Applicant;
use onetrip_app::AppError;
use onetrip_domain::case::Phase;
use onetrip_domain::FieldErrors;
use serde::Deserialize;

/// The double-submit cookie of the sign-up and log-in forms (shown before there is a session).
pub struct PortalFormCookie;

impl CsrfCookie for PortalFormCookie {
    const NAME: &'static str = "onetrip_portal_form";
    const FIELD: &'static str = "form_token";
}

fn listed(errors: &FieldErrors) -> Vec<(String, String)> {
    crate::extract::listed(errors)
}

#[derive(Template)]
#[template(path = "portal_login.html")]
struct LoginPage {
    layout: Layout,
    signup: bool,
    form_token: String,
    next: String,
    kind: String,
    id_number: String,
    name: String,
    phone: String,
    errors: Vec<(String, String)>,
    /// The unified identity provider's name, when this centre offers log-in through it.
    unified: Option<String>,
}

impl LoginPage {
    fn error_for(&self, field: &str) -> String {
        self.errors.iter().find(|(name, _)| name == field).map(|(_, text)| text.clone()).unwrap_or_default()
    }
}

#[derive(Deserialize, Default)]
pub struct AuthForm {
    #[serde(default)]
    pub(crate) next: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_again: String,
}

#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

pub(crate) fn safe_next(next: &str) -> String {
    let ok = next.starts_with("/portal") && !next.contains("//") && next.bytes().all(|b| (0x21..=0x7e).contains(&b));
    if ok && next.len() <= 300 {
        next.to_string()
    } else {
        "/portal".to_string()
    }
}

pub(crate) fn auth_page(
    state: &AppState,
    signup: bool,
    form: &AuthForm,
    errors: &FieldErrors,
) -> Result<Response, Error> {
    let token = random_token();
    let page = LoginPage {
        layout: Layout::new(state, None),
        signup,
        form_token: token.clone(),
        next: safe_next(&form.next),
        kind: if form.kind.is_empty() { "natural_person".to_string() } else { form.kind.clone() },
        id_number: form.id_number.trim().to_string(),
        name: form.name.trim().to_string(),
        phone: form.phone.trim().to_string(),
        errors: listed(errors),
        unified: onetrip_app::accounts::unified::offered(&state.app),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let mut response = render_with(status, &page)?;
    response.headers_mut().append(header::SET_COOKIE, portal_cookie(state, PortalFormCookie::NAME, &token, 3600)?);
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

pub async fn login_form(State(state): State<AppState>, Query(query): Query<NextQuery>) -> Result<Response, Error> {
    auth_page(&state, false, &AuthForm { next: query.next, ..AuthForm::default() }, &FieldErrors::default())
}

pub async fn signup_form(State(state): State<AppState>, Query(query): Query<NextQuery>) -> Result<Response, Error> {
    auth_page(&state, true, &AuthForm { next: query.next, ..AuthForm::default() }, &FieldErrors::default())
}

pub(crate) async fn start_session(state: &AppState, applicant: &Applicant, next: &str) -> Result<Response, Error> {
    let token = applicants::open_portal_session(&state.app, applicant).await?;
    let mut response = Redirect::to(&safe_next(next)).into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, portal_cookie(state, PORTAL_COOKIE, &token, PORTAL_HOURS * 3600)?);
    response.headers_mut().append(header::SET_COOKIE, portal_cookie(state, PortalFormCookie::NAME, "", 0)?);
    Ok(response)
}

/// A refusal shown on the form: field errors as they are, too many attempts under the password.
fn on_form(error: AppError) -> Result<FieldErrors, Error> {
    match error {
        AppError::Validation(errors) => Ok(errors),
        AppError::TooManyAttempts { message, .. } => Ok(FieldErrors::single("password", message)),
        other => Err(other.into()),
    }
}

pub async fn signup(
    State(state): State<AppState>,
    submitted: CookieForm<PortalFormCookie, AuthForm>,
) -> Result<Response, Error> {
    let form = &submitted.form;
    if !submitted.valid() {
        return auth_page(&state, true, form, &FieldErrors::single("form", Error::CsrfFailed.message()));
    }
    let sign_up = SignUp {
        kind: &form.kind,
        id_number: &form.id_number,
        name: &form.name,
        phone: &form.phone,
        password: &form.password,
        password_again: &form.password_again,
    };
    let address = crate::extract::ClientAddress::of(&submitted.parts, &state);
    match applicants::sign_up(&state.app, &sign_up, &address.0).await {
        Ok(challenge) => verify_page(&state, &form.next, &challenge, &FieldErrors::default()),
        Err(error) => auth_page(&state, true, form, &on_form(error)?),
    }
}

#[derive(Template)]
#[template(path = "portal_verify.html")]
struct VerifyPage {
    layout: Layout,
    form_token: String,
    next: String,
    challenge: String,
    phone_shown: String,
    demo_code: Option<String>,
    minutes: i64,
    error: String,
}

/// The page that asks for the code sent to the phone.
fn verify_page(state: &AppState, next: &str, challenge: &Challenge, errors: &FieldErrors) -> Result<Response, Error> {
    let token = random_token();
    let page = VerifyPage {
        layout: Layout::new(state, None),
        form_token: token.clone(),
        next: safe_next(next),
        challenge: challenge.token.clone(),
        phone_shown: challenge.phone_shown.clone(),
        demo_code: challenge.demo_code.clone(),
        minutes: phone_check::CODE_MINUTES,
        error: errors.first("code").or_else(|| errors.first("form")).unwrap_or_default().to_string(),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let mut response = render_with(status, &page)?;
    response.headers_mut().append(header::SET_COOKIE, portal_cookie(state, PortalFormCookie::NAME, &token, 3600)?);
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

#[derive(Deserialize, Default)]
pub struct VerifyForm {
    #[serde(default)]
    next: String,
    #[serde(default)]
    challenge: String,
    #[serde(default)]
    phone_shown: String,
    #[serde(default)]
    code: String,
}

/// `POST /portal/signup/verify`: the code from the SMS; the account is made (or claimed) and the applicant
/// logged in.
pub async fn verify_signup(
    State(state): State<AppState>,
    submitted: CookieForm<PortalFormCookie, VerifyForm>,
) -> Result<Response, Error> {
    let form = &submitted.form;
    let again = Challenge { token: form.challenge.clone(), phone_shown: form.phone_shown.clone(), demo_code: None };
    if !submitted.valid() {
        return verify_page(&state, &form.next, &again, &FieldErrors::single("form", Error::CsrfFailed.message()));
    }
    match applicants::confirm_sign_up(&state.app, &form.challenge, &form.code).await {
        Ok(applicant) => start_session(&state, &applicant, &form.next).await,
        Err(AppError::Validation(errors)) if errors.first("code").is_some() => {
            verify_page(&state, &form.next, &again, &errors)
        }
        Err(error) => {
            let errors = on_form(error)?;
            let message = errors.iter().next().map(|(_, messages)| messages.join("；")).unwrap_or_default();
            verify_page(&state, &form.next, &again, &FieldErrors::single("code", message))
        }
    }
}

pub async fn login(
    State(state): State<AppState>,
    address: crate::extract::ClientAddress,
    submitted: CookieForm<PortalFormCookie, AuthForm>,
) -> Result<Response, Error> {
    let form = &submitted.form;
    if !submitted.valid() {
        return auth_page(&state, false, form, &FieldErrors::single("form", Error::CsrfFailed.message()));
    }
    match applicants::log_in(&state.app, &form.id_number, &form.password, &address.0).await {
        Ok(applicant) => start_session(&state, &applicant, &form.next).await,
        Err(error) => auth_page(&state, false, form, &on_form(error)?),
    }
}

pub async fn logout(State(state): State<AppState>, PortalForm(user, _): PortalForm) -> Result<Response, Error> {
    applicants::close_portal_session(&state.app, user.session()).await?;
    let mut response = see_other("/");
    response.headers_mut().append(header::SET_COOKIE, portal_cookie(&state, PORTAL_COOKIE, "", 0)?);
    Ok(response)
}

pub struct CaseLine {
    pub number: String,
    pub matter: String,
    pub phase_label: &'static str,
    pub received: String,
    pub due: String,
    pub needs_me: bool,
}

pub struct DraftLine {
    pub id: String,
    pub matter: String,
    pub updated: String,
    /// The window's member of staff who helped fill it in (帮办代办), or empty.
    pub helper: String,
}

#[derive(Template)]
#[template(path = "portal_home.html")]
struct HomePage {
    layout: Layout,
    name: String,
    id_shown: String,
    cases: Vec<CaseLine>,
    drafts: Vec<DraftLine>,
}

/// The name of what a case or draft is for: a matter, or a bundle (`bundle:CODE`).
pub fn subject_name(state: &AppState, code: &str) -> String {
    let catalog = state.catalog();
    if let Some(bundle) = code.strip_prefix("bundle:") {
        return catalog
            .bundle(bundle)
            .map(|bundle| format!("{}（一件事）", bundle.name))
            .unwrap_or_else(|| code.to_string());
    }
    catalog.matter_name(code)
}

pub async fn home(State(state): State<AppState>, user: PortalUser) -> Result<Response, Error> {
    let cases = onetrip_app::cases::cases_of_applicant(&state.app, &user.actor)
        .await?
        .into_iter()
        .map(|case| CaseLine {
            number: case.number.to_string(),
            matter: subject_name(&state, &case.matter_code),
            phase_label: case.phase.label(),
            received: format_instant(&state, case.received_at),
            due: case.due_at.map(|due| format_instant(&state, due)).unwrap_or_default(),
            needs_me: case.phase == Phase::AwaitingCorrection,
        })
        .collect();
    let drafts = onetrip_app::portal::drafts(&state.app, &user.actor)
        .await?
        .into_iter()
        .map(|draft| DraftLine {
            helper: onetrip_app::portal::helper_of(&draft).unwrap_or_default(),
            matter: subject_name(&state, &draft.matter_code),
            id: draft.id,
            updated: format_instant(&state, draft.updated_at),
        })
        .collect();
    render(&HomePage {
        layout: Layout::portal(&state, &user),
        name: user.applicant.name.clone(),
        id_shown: user.applicant.identity.shown(),
        cases,
        drafts,
    })
}
