//! The applicants' portal (网上办事): signing up and logging in, "my cases", and the online application, a
//! guided form that asks one thing per page, keeps the answers as a draft the applicant can come back to,
//! takes the uploads through the file-storage layer, checks completeness before submission, and ends on a
//! confirmation with the case number.
//!
//! Applicants have their own session cookie and CSRF token, apart from staff sessions: a portal session
//! never grants a staff right, and a staff session never shows an applicant's cases.

use crate::auth::{self, cookie_value, random_token, same_secret, token_hash};
use crate::cases;
use crate::error::Error;
use crate::pages::{render, Layout};
use crate::state::AppState;
use askama::Template;
use axum::extract::{FromRequestParts, Multipart, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::{Duration, Utc};
use onetrip_domain::acceptance::Supplied;
use onetrip_domain::applicant::{validate_contact, ApplicantIdentity};
use onetrip_domain::bundle::{combined_materials, Bundle, CombinedMaterial};
use onetrip_domain::case_number::CaseNumber;
use onetrip_domain::catalog::{MaterialNecessity, MatterVersion, OnlineDepth};
use onetrip_domain::upload::{self, FileKind};
use onetrip_domain::FieldErrors;
use onetrip_store::{Applicant, Draft, NewApplicant, StoredFile};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const PORTAL_COOKIE: &str = "onetrip_portal";
const PORTAL_FORM_COOKIE: &str = "onetrip_portal_form";
const PORTAL_HOURS: i64 = 2;

/// A logged-in applicant.
pub struct PortalUser {
    pub applicant: Applicant,
    pub csrf_token: String,
    token_hash: String,
}

impl PortalUser {
    pub fn check_csrf(&self, submitted: &str) -> Result<(), Error> {
        if same_secret(submitted, &self.csrf_token) {
            Ok(())
        } else {
            Err(Error::CsrfFailed)
        }
    }
}

async fn portal_user(parts: &Parts, state: &AppState) -> Result<Option<PortalUser>, Error> {
    let Some(token) = cookie_value(parts, PORTAL_COOKIE) else {
        return Ok(None);
    };
    let hash = token_hash(token.trim());
    Ok(state.store.portal_session(&hash, Utc::now()).await?.map(|(applicant, csrf_token)| PortalUser {
        applicant,
        csrf_token,
        token_hash: hash,
    }))
}

impl FromRequestParts<AppState> for PortalUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match portal_user(parts, state).await {
            Ok(Some(user)) => Ok(user),
            Ok(None) => {
                let next = parts.uri.path_and_query().map(|value| value.as_str()).unwrap_or("/portal");
                Err(Redirect::to(&format!("/portal/login?next={}", crate::staff::urlencode(next))).into_response())
            }
            Err(error) => Err(error.into_response()),
        }
    }
}

fn cookie(state: &AppState, name: &str, value: &str, max_age: i64) -> Result<HeaderValue, Error> {
    let secure = if state.config.secure_cookies { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{name}={value}; Path=/portal; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"))
        .map_err(|error| Error::Internal(error.to_string()))
}

fn with_status(mut response: Response, status: StatusCode) -> Response {
    *response.status_mut() = status;
    response
}

fn listed(errors: &FieldErrors) -> Vec<(String, String)> {
    errors.iter().map(|(field, messages)| (field.to_string(), messages.join("；"))).collect()
}

// ---------------------------------------------------------------------------------------------------------
// Sign-up, log-in, log-out

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
}

impl LoginPage {
    fn error_for(&self, field: &str) -> String {
        self.errors.iter().find(|(name, _)| name == field).map(|(_, text)| text.clone()).unwrap_or_default()
    }
}

#[derive(Deserialize, Default)]
pub struct AuthForm {
    #[serde(default)]
    form_token: String,
    #[serde(default)]
    next: String,
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

fn safe_next(next: &str) -> String {
    let ok = next.starts_with("/portal") && !next.contains("//") && next.bytes().all(|b| (0x21..=0x7e).contains(&b));
    if ok && next.len() <= 300 {
        next.to_string()
    } else {
        "/portal".to_string()
    }
}

fn auth_page(state: &AppState, signup: bool, form: &AuthForm, errors: &FieldErrors) -> Result<Response, Error> {
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
    };
    let mut response = render(&page)?;
    response.headers_mut().append(header::SET_COOKIE, cookie(state, PORTAL_FORM_COOKIE, &token, 3600)?);
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if !errors.is_empty() {
        response = with_status(response, StatusCode::UNPROCESSABLE_ENTITY);
    }
    Ok(response)
}

pub async fn login_form(State(state): State<AppState>, Query(query): Query<NextQuery>) -> Result<Response, Error> {
    auth_page(&state, false, &AuthForm { next: query.next, ..AuthForm::default() }, &FieldErrors::default())
}

pub async fn signup_form(State(state): State<AppState>, Query(query): Query<NextQuery>) -> Result<Response, Error> {
    auth_page(&state, true, &AuthForm { next: query.next, ..AuthForm::default() }, &FieldErrors::default())
}

fn form_token_ok(parts: &Parts, form: &AuthForm) -> bool {
    let cookie = cookie_value(parts, PORTAL_FORM_COOKIE).unwrap_or_default();
    !cookie.is_empty() && same_secret(cookie, &form.form_token)
}

async fn start_session(state: &AppState, applicant: &Applicant, next: &str) -> Result<Response, Error> {
    let token = random_token();
    let now = Utc::now();
    state
        .store
        .create_portal_session(
            &token_hash(&token),
            applicant.id,
            &random_token(),
            now,
            now + Duration::hours(PORTAL_HOURS),
        )
        .await?;
    let mut response = Redirect::to(&safe_next(next)).into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie(state, PORTAL_COOKIE, &token, PORTAL_HOURS * 3600)?);
    response.headers_mut().append(header::SET_COOKIE, cookie(state, PORTAL_FORM_COOKIE, "", 0)?);
    Ok(response)
}

pub async fn signup(
    State(state): State<AppState>,
    parts: Parts,
    Form(form): Form<AuthForm>,
) -> Result<Response, Error> {
    if !form_token_ok(&parts, &form) {
        return auth_page(&state, true, &form, &FieldErrors::single("form", Error::CsrfFailed.message()));
    }
    let mut errors = FieldErrors::default();
    let identity = match ApplicantIdentity::parse(form.kind.trim(), &form.id_number) {
        Ok(identity) => Some(identity),
        Err(found) => {
            errors.merge_prefixed("", found);
            None
        }
    };
    if let Err(found) = validate_contact(&form.name, &form.phone) {
        errors.merge_prefixed("", found);
    }
    if let Err(found) = auth::check_new_password(&form.password) {
        errors.merge_prefixed("", found);
    }
    if form.password != form.password_again {
        errors.add("password_again", "两次输入的密码不一样，请重新输入");
    }
    let Some(identity) = identity.filter(|_| errors.is_empty()) else {
        return auth_page(&state, true, &form, &errors);
    };
    let hash = {
        let password = form.password.clone();
        tokio::task::spawn_blocking(move || auth::hash_password(&password))
            .await
            .map_err(|error| Error::Internal(error.to_string()))??
    };
    let phone = form.phone.trim().to_string();
    let applicant = match state.store.applicant_by_identity(&identity).await? {
        Some(existing) if existing.password_hash.is_some() => {
            return auth_page(
                &state,
                true,
                &form,
                &FieldErrors::single("id_number", "这个证件号已经注册过了，请直接登录；忘记密码请到窗口重置"),
            );
        }
        // Registered at a window before: the phone given there proves it is the same person.
        Some(existing) if existing.phone == phone => {
            state.store.set_applicant_password(existing.id, &hash, &phone).await?;
            existing
        }
        Some(_) => {
            return auth_page(
                &state,
                true,
                &form,
                &FieldErrors::single("phone", "您在窗口登记过，请填写当时登记的手机号；手机号已更换请到窗口办理"),
            );
        }
        None => {
            let new = NewApplicant { identity, name: form.name.trim().to_string(), phone, password_hash: Some(hash) };
            let id = state.store.create_applicant(&new, Utc::now()).await?;
            state.store.applicant(id).await?.ok_or_else(|| Error::Internal("applicant just created".to_string()))?
        }
    };
    tracing::info!("applicant signed up");
    start_session(&state, &applicant, &form.next).await
}

pub async fn login(State(state): State<AppState>, parts: Parts, Form(form): Form<AuthForm>) -> Result<Response, Error> {
    if !form_token_ok(&parts, &form) {
        return auth_page(&state, false, &form, &FieldErrors::single("form", Error::CsrfFailed.message()));
    }
    let wrong = || FieldErrors::single("password", "证件号或密码不对，请重新输入");
    let number = form.id_number.trim().to_ascii_uppercase();
    if number.is_empty() || number.len() > 18 || form.password.is_empty() || form.password.chars().count() > 128 {
        return auth_page(&state, false, &form, &wrong());
    }
    let key = format!("portal:{number}");
    let now = Utc::now();
    state.store.record_login_failure(&key, now).await?;
    let attempts = state.store.login_failures_since(&key, now - Duration::minutes(auth::THROTTLE_MINUTES)).await?;
    if attempts > auth::MAX_FAILURES {
        return auth_page(&state, false, &form, &FieldErrors::single("password", Error::TooManyAttempts.message()));
    }
    let kind = if number.len() == 18 && number.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        ["natural_person", "legal_person"]
    } else {
        ["legal_person", "natural_person"]
    };
    let mut found = None;
    for kind in kind {
        if let Ok(identity) = ApplicantIdentity::parse(kind, &number) {
            if let Some(applicant) = state.store.applicant_by_identity(&identity).await? {
                found = Some(applicant);
                break;
            }
        }
    }
    let stored = found.as_ref().and_then(|applicant| applicant.password_hash.clone());
    let verified = auth::verify_off_thread_or_dummy(&form.password, stored.as_deref()).await?;
    match found {
        Some(applicant) if verified => {
            state.store.clear_login_failures(&key).await?;
            start_session(&state, &applicant, &form.next).await
        }
        _ => auth_page(&state, false, &form, &wrong()),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf_token: String,
}

pub async fn logout(
    State(state): State<AppState>,
    user: PortalUser,
    Form(form): Form<CsrfForm>,
) -> Result<Response, Error> {
    user.check_csrf(&form.csrf_token)?;
    state.store.delete_portal_session(&user.token_hash).await?;
    let mut response = Redirect::to("/").into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie(&state, PORTAL_COOKIE, "", 0)?);
    Ok(response)
}

// ---------------------------------------------------------------------------------------------------------
// My cases

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

fn matter_name(state: &AppState, code: &str) -> String {
    let catalog = state.catalog();
    if let Some(bundle) = code.strip_prefix("bundle:") {
        return catalog
            .bundle(bundle)
            .map(|bundle| format!("{}（一件事）", bundle.name))
            .unwrap_or_else(|| code.to_string());
    }
    catalog.version(code).map(|version| version.matter.name.clone()).unwrap_or_else(|| code.to_string())
}

pub async fn home(State(state): State<AppState>, user: PortalUser) -> Result<Response, Error> {
    let format = |instant: chrono::DateTime<Utc>| state.local(instant).format("%Y-%m-%d %H:%M").to_string();
    let cases = state
        .store
        .cases_of_applicant(user.applicant.id, 100)
        .await?
        .into_iter()
        .map(|record| CaseLine {
            number: record.number.to_string(),
            matter: matter_name(&state, &record.matter_code),
            phase_label: cases::phase_label(&record.phase),
            received: format(record.received_at),
            due: record.due_at.map(format).unwrap_or_default(),
            needs_me: record.phase == "awaiting_correction",
        })
        .collect();
    let drafts = state
        .store
        .open_drafts(user.applicant.id)
        .await?
        .into_iter()
        .map(|draft| DraftLine {
            matter: matter_name(&state, &draft.matter_code),
            id: draft.id,
            updated: format(draft.updated_at),
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

// ---------------------------------------------------------------------------------------------------------
// The online application

/// The answers of an online application so far.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DraftDocument {
    pub matter_version: u32,
    #[serde(default)]
    pub phone: String,
    /// Indexed like the matter's materials; `None` where the applicant has not answered yet.
    #[serde(default)]
    pub supplied: Vec<Option<Supplied>>,
    #[serde(default)]
    pub files: Vec<Vec<String>>,
    /// For a "one thing" bundle: its code, and the version of each matter when the application started.
    #[serde(default)]
    pub bundle: Option<String>,
    #[serde(default)]
    pub versions: Vec<(String, u32)>,
}

/// What an online application is for: one matter, or a bundle of matters applied for together.
pub enum Subject {
    Matter(Box<MatterVersion>),
    Bundle { bundle: Bundle, versions: Vec<MatterVersion>, combined: Vec<CombinedMaterial> },
}

/// One material as the application asks for it.
pub struct MaterialAsk {
    pub name: String,
    pub necessity: MaterialNecessity,
    pub pledge_allowed: bool,
    pub standard: String,
    pub specification: String,
}

impl Subject {
    pub fn name(&self) -> String {
        match self {
            Self::Matter(version) => version.matter.name.clone(),
            Self::Bundle { bundle, .. } => format!("{}（一件事）", bundle.name),
        }
    }

    pub fn materials(&self) -> Vec<MaterialAsk> {
        match self {
            Self::Matter(version) => version
                .matter
                .materials
                .iter()
                .map(|material| MaterialAsk {
                    name: material.name.clone(),
                    necessity: material.necessity,
                    pledge_allowed: material.pledge_allowed,
                    standard: material.acceptance_standard.clone(),
                    specification: material.specification.clone(),
                })
                .collect(),
            Self::Bundle { combined, .. } => combined
                .iter()
                .map(|entry| MaterialAsk {
                    name: entry.name.clone(),
                    necessity: entry.necessity,
                    pledge_allowed: entry.pledge_allowed,
                    standard: entry.acceptance_standard.clone(),
                    specification: entry.specification.clone(),
                })
                .collect(),
        }
    }

    pub fn problems(&self, supplied: &[Supplied]) -> Vec<onetrip_domain::acceptance::MaterialProblem> {
        match self {
            Self::Matter(version) => onetrip_domain::acceptance::check_completeness(&version.matter, supplied),
            Self::Bundle { bundle, versions, combined } => {
                let matters: Vec<&onetrip_domain::catalog::Matter> = versions.iter().map(|v| &v.matter).collect();
                onetrip_domain::bundle::check_combined(bundle, &matters, combined, supplied)
            }
        }
    }
}

fn online_allowed(version: &MatterVersion) -> bool {
    !matches!(version.matter.online_depth, OnlineDepth::None | OnlineDepth::Consult)
        && !version.adjustment.kind.ends_the_matter()
}

#[derive(Template)]
#[template(path = "apply_start.html")]
struct StartPage {
    layout: Layout,
    code: String,
    matter: String,
    department: String,
    promised: String,
    materials: Vec<(String, &'static str, bool)>,
    allowed: bool,
    csrf_token: String,
}

pub async fn start_page(
    State(state): State<AppState>,
    user: PortalUser,
    Path(code): Path<String>,
) -> Result<Response, Error> {
    let catalog = state.catalog();
    let version = catalog.version(&code).ok_or_else(|| Error::NotFound(format!("事项 {code}")))?;
    render(&StartPage {
        layout: Layout::portal(&state, &user),
        code: version.matter.code.clone(),
        matter: version.matter.name.clone(),
        department: catalog.department_name(&version.matter.department).to_string(),
        promised: version.matter.promised_limit.to_string(),
        materials: version
            .matter
            .materials
            .iter()
            .map(|material| (material.name.clone(), material.necessity.label(), material.pledge_allowed))
            .collect(),
        allowed: online_allowed(version),
        csrf_token: user.csrf_token.clone(),
    })
}

pub async fn start(
    State(state): State<AppState>,
    user: PortalUser,
    Path(code): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, Error> {
    user.check_csrf(&form.csrf_token)?;
    let version = state.catalog().version(&code).cloned().ok_or_else(|| Error::NotFound(format!("事项 {code}")))?;
    if !online_allowed(&version) {
        return Err(Error::Conflict("这个事项不能网上申请，请按办事指南到窗口办理".to_string()));
    }
    let now = Utc::now();
    let document = DraftDocument {
        matter_version: version.version,
        phone: user.applicant.phone.clone(),
        supplied: vec![None; version.matter.materials.len()],
        files: vec![Vec::new(); version.matter.materials.len()],
        bundle: None,
        versions: Vec::new(),
    };
    let draft = Draft {
        id: random_token(),
        applicant_id: user.applicant.id,
        matter_code: version.matter.code.clone(),
        document: serde_json::to_string(&document).map_err(|error| Error::Internal(error.to_string()))?,
        case_number: None,
        created_at: now,
        updated_at: now,
    };
    state.store.create_draft(&draft).await?;
    Ok(Redirect::to(&format!("/portal/drafts/{}/contact", draft.id)).into_response())
}

#[derive(Template)]
#[template(path = "apply_bundle.html")]
struct BundleStartPage {
    layout: Layout,
    code: String,
    name: String,
    summary: String,
    matters: Vec<(String, String, String)>,
    materials: Vec<(String, &'static str)>,
    csrf_token: String,
}

pub async fn bundle_start_page(
    State(state): State<AppState>,
    user: PortalUser,
    Path(code): Path<String>,
) -> Result<Response, Error> {
    let catalog = state.catalog();
    let bundle = catalog.bundle(&code).ok_or_else(|| Error::NotFound(format!("一件事 {code}")))?;
    let versions: Vec<&MatterVersion> = bundle.matters.iter().filter_map(|code| catalog.version(code)).collect();
    let matters: Vec<&onetrip_domain::catalog::Matter> = versions.iter().map(|version| &version.matter).collect();
    render(&BundleStartPage {
        layout: Layout::portal(&state, &user),
        code: bundle.code.clone(),
        name: bundle.name.clone(),
        summary: bundle.summary.clone(),
        matters: matters
            .iter()
            .map(|matter| {
                (matter.name.clone(), catalog.department_name(&matter.department).to_string(), matter.code.clone())
            })
            .collect(),
        materials: combined_materials(bundle, &matters)
            .into_iter()
            .map(|entry| (entry.name, entry.necessity.label()))
            .collect(),
        csrf_token: user.csrf_token.clone(),
    })
}

pub async fn bundle_start(
    State(state): State<AppState>,
    user: PortalUser,
    Path(code): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, Error> {
    user.check_csrf(&form.csrf_token)?;
    let catalog = state.catalog();
    let bundle = catalog.bundle(&code).ok_or_else(|| Error::NotFound(format!("一件事 {code}")))?;
    let versions: Vec<(String, u32)> = bundle
        .matters
        .iter()
        .filter_map(|code| catalog.version(code).map(|version| (code.clone(), version.version)))
        .collect();
    let matters: Vec<&onetrip_domain::catalog::Matter> =
        bundle.matters.iter().filter_map(|code| catalog.version(code).map(|version| &version.matter)).collect();
    let count = combined_materials(bundle, &matters).len();
    let now = Utc::now();
    let document = DraftDocument {
        matter_version: 0,
        phone: user.applicant.phone.clone(),
        supplied: vec![None; count],
        files: vec![Vec::new(); count],
        bundle: Some(bundle.code.clone()),
        versions,
    };
    let draft = Draft {
        id: random_token(),
        applicant_id: user.applicant.id,
        matter_code: format!("bundle:{}", bundle.code),
        document: serde_json::to_string(&document).map_err(|error| Error::Internal(error.to_string()))?,
        case_number: None,
        created_at: now,
        updated_at: now,
    };
    state.store.create_draft(&draft).await?;
    Ok(Redirect::to(&format!("/portal/drafts/{}/contact", draft.id)).into_response())
}

/// A draft of the logged-in applicant, still open, with what it applies for.
async fn open_draft(state: &AppState, user: &PortalUser, id: &str) -> Result<(Draft, DraftDocument, Subject), Error> {
    let draft = state
        .store
        .draft(id)
        .await?
        .filter(|draft| draft.applicant_id == user.applicant.id)
        .ok_or_else(|| Error::NotFound("这份申请".to_string()))?;
    if let Some(number) = &draft.case_number {
        return Err(Error::Conflict(format!("这份申请已经提交，办件编号 {number}，请在“我的办件”中查看")));
    }
    let document: DraftDocument =
        serde_json::from_str(&draft.document).map_err(|error| Error::Internal(format!("draft: {error}")))?;
    let version_of = |code: String, number: u32| async move {
        state
            .store
            .matter_versions(&code)
            .await?
            .into_iter()
            .find(|version| version.version == number)
            .ok_or_else(|| Error::Internal("draft refers to a missing matter version".to_string()))
    };
    let subject = match &document.bundle {
        None => Subject::Matter(Box::new(version_of(draft.matter_code.clone(), document.matter_version).await?)),
        Some(code) => {
            let bundle = state
                .catalog()
                .bundle(code)
                .cloned()
                .ok_or_else(|| Error::Conflict("这个一件事已不再提供，请按各事项分别申请".to_string()))?;
            let mut versions = Vec::new();
            for (code, number) in &document.versions {
                versions.push(version_of(code.clone(), *number).await?);
            }
            let matters: Vec<&onetrip_domain::catalog::Matter> = versions.iter().map(|v| &v.matter).collect();
            let combined = combined_materials(&bundle, &matters);
            Subject::Bundle { bundle, versions, combined }
        }
    };
    Ok((draft, document, subject))
}

async fn save(state: &AppState, draft: &Draft, document: &DraftDocument) -> Result<(), Error> {
    let text = serde_json::to_string(document).map_err(|error| Error::Internal(error.to_string()))?;
    Ok(state.store.save_draft(&draft.id, &text, Utc::now()).await?)
}

#[derive(Template)]
#[template(path = "apply_contact.html")]
struct ContactPage {
    layout: Layout,
    draft: String,
    matter: String,
    csrf_token: String,
    phone: String,
    error: String,
    steps: usize,
}

#[derive(Deserialize)]
pub struct ContactForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    phone: String,
}

pub async fn contact_page(
    State(state): State<AppState>,
    user: PortalUser,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let (draft, document, subject) = open_draft(&state, &user, &id).await?;
    render(&ContactPage {
        layout: Layout::portal(&state, &user),
        draft: draft.id,
        matter: subject.name(),
        csrf_token: user.csrf_token.clone(),
        phone: document.phone,
        error: String::new(),
        steps: subject.materials().len() + 2,
    })
}

pub async fn save_contact(
    State(state): State<AppState>,
    user: PortalUser,
    Path(id): Path<String>,
    Form(form): Form<ContactForm>,
) -> Result<Response, Error> {
    user.check_csrf(&form.csrf_token)?;
    let (draft, mut document, subject) = open_draft(&state, &user, &id).await?;
    if let Err(errors) = validate_contact(&user.applicant.name, &form.phone) {
        let page = ContactPage {
            layout: Layout::portal(&state, &user),
            draft: draft.id,
            matter: subject.name(),
            csrf_token: user.csrf_token.clone(),
            phone: form.phone.trim().to_string(),
            error: errors.first("phone").unwrap_or("请填写 11 位手机号").to_string(),
            steps: subject.materials().len() + 2,
        };
        return Ok(with_status(render(&page)?, StatusCode::UNPROCESSABLE_ENTITY));
    }
    document.phone = form.phone.trim().to_string();
    save(&state, &draft, &document).await?;
    let next = if subject.materials().is_empty() { "check".to_string() } else { "materials/0".to_string() };
    Ok(Redirect::to(&format!("/portal/drafts/{}/{next}", draft.id)).into_response())
}

pub struct UploadedFile {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub size: String,
}

#[derive(Template)]
#[template(path = "apply_material.html")]
struct MaterialPage {
    layout: Layout,
    draft: String,
    matter: String,
    csrf_token: String,
    index: usize,
    count: usize,
    name: String,
    necessity: &'static str,
    required: bool,
    deferrable: bool,
    pledge_allowed: bool,
    standard: String,
    specification: String,
    choice: String,
    files: Vec<UploadedFile>,
    error: String,
}

fn size_text(size: u64) -> String {
    if size >= 1024 * 1024 {
        format!("{:.1} MB", size as f64 / 1024.0 / 1024.0)
    } else {
        format!("{} KB", size.div_ceil(1024))
    }
}

async fn uploaded(state: &AppState, ids: &[String]) -> Result<Vec<UploadedFile>, Error> {
    let mut files = Vec::new();
    for id in ids {
        if let Some(file) = state.store.file(id).await? {
            files.push(UploadedFile {
                id: file.id,
                name: file.name,
                kind: FileKind::from_code(&file.kind).map(FileKind::label).unwrap_or("文件"),
                size: size_text(file.size),
            });
        }
    }
    Ok(files)
}

async fn material_page(
    state: &AppState,
    user: &PortalUser,
    draft: &Draft,
    document: &DraftDocument,
    subject: &Subject,
    index: usize,
    error: String,
) -> Result<Response, Error> {
    let materials = subject.materials();
    let material = materials.get(index).ok_or_else(|| Error::NotFound("这项材料".to_string()))?;
    let choice = match document.supplied.get(index).copied().flatten() {
        Some(Supplied::Deferred) => "deferred",
        Some(Supplied::Pledged) => "pledged",
        Some(Supplied::Missing) => "skip",
        _ => "upload",
    };
    let response = render(&MaterialPage {
        layout: Layout::portal(state, user),
        draft: draft.id.clone(),
        matter: subject.name(),
        csrf_token: user.csrf_token.clone(),
        index,
        count: materials.len(),
        name: material.name.clone(),
        necessity: material.necessity.label(),
        required: material.necessity == MaterialNecessity::Required,
        deferrable: material.necessity == MaterialNecessity::Deferrable,
        pledge_allowed: material.pledge_allowed,
        standard: material.standard.clone(),
        specification: material.specification.clone(),
        choice: choice.to_string(),
        files: uploaded(state, document.files.get(index).map(Vec::as_slice).unwrap_or_default()).await?,
        error: error.clone(),
    })?;
    Ok(if error.is_empty() { response } else { with_status(response, StatusCode::UNPROCESSABLE_ENTITY) })
}

pub async fn material_form(
    State(state): State<AppState>,
    user: PortalUser,
    Path((id, index)): Path<(String, usize)>,
) -> Result<Response, Error> {
    let (draft, document, subject) = open_draft(&state, &user, &id).await?;
    material_page(&state, &user, &draft, &document, &subject, index, String::new()).await
}

/// The fields of a multipart form: text fields by name, and at most one file.
pub struct Submission {
    pub fields: Vec<(String, String)>,
    pub file: Option<(String, Vec<u8>)>,
}

impl Submission {
    pub fn field(&self, name: &str) -> &str {
        self.fields.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str()).unwrap_or_default()
    }
}

/// Reads a multipart form. An empty file input (nothing chosen) counts as no file.
pub async fn read_submission(mut multipart: Multipart) -> Result<Submission, Error> {
    let mut submission = Submission { fields: Vec::new(), file: None };
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| Error::BadRequest("表单没有完整提交，请重新选择文件后再试".to_string()))?
    {
        let name = field.name().unwrap_or_default().to_string();
        if let Some(file_name) = field.file_name().map(str::to_string) {
            let bytes = field.bytes().await.map_err(|_| Error::PayloadTooLarge)?;
            if !bytes.is_empty() && submission.file.is_none() {
                submission.file = Some((file_name, bytes.to_vec()));
            }
        } else {
            let value = field.text().await.map_err(|_| Error::BadRequest("表单内容无法读取".to_string()))?;
            if submission.fields.len() < 50 {
                submission.fields.push((name, value));
            }
        }
    }
    Ok(submission)
}

/// Checks an upload by its content and keeps it: bytes in the file-storage layer, facts in the database.
pub async fn store_upload(state: &AppState, owner: &str, name: &str, bytes: Vec<u8>) -> Result<String, Error> {
    let file = put_upload(state, owner, name, bytes).await?;
    state.store.add_file(&file).await?;
    Ok(file.id)
}

/// Checks an upload by its content and stores its bytes durably; returns what the database is to record
/// (the caller records it, possibly in the same transaction as the case it belongs to).
pub async fn put_upload(state: &AppState, owner: &str, name: &str, bytes: Vec<u8>) -> Result<StoredFile, Error> {
    let kind =
        upload::sniff(&bytes).map_err(|error| Error::Validation(FieldErrors::single("file", error.to_string())))?;
    let size = bytes.len() as u64;
    let sha256 = format!("{:x}", Sha256::digest(&bytes));
    let id = state.files.put(bytes).await.map_err(|error| Error::Internal(error.to_string()))?;
    Ok(StoredFile {
        id,
        owner: owner.to_string(),
        name: upload::clean_file_name(name),
        kind: kind.code().to_string(),
        size,
        sha256,
        created_at: Utc::now(),
    })
}

pub async fn save_material(
    State(state): State<AppState>,
    user: PortalUser,
    Path((id, index)): Path<(String, usize)>,
    multipart: Multipart,
) -> Result<Response, Error> {
    let submission = read_submission(multipart).await?;
    user.check_csrf(submission.field("csrf_token"))?;
    let (draft, mut document, subject) = open_draft(&state, &user, &id).await?;
    let materials = subject.materials();
    let material = materials.get(index).ok_or_else(|| Error::NotFound("这项材料".to_string()))?;
    document.supplied.resize(materials.len(), None);
    document.files.resize(materials.len(), Vec::new());
    let another = submission.field("another") == "1";
    let pledge = submission.field("pledge") == "1";
    let choice = submission.field("choice").to_string();
    let removed = submission.field("file_id").to_string();
    let fail = |message: &str| material_page(&state, &user, &draft, &document, &subject, index, message.to_string());
    match choice.as_str() {
        "remove" => {
            document.files[index].retain(|kept| *kept != removed);
            if document.files[index].is_empty() {
                document.supplied[index] = None;
            }
            save(&state, &draft, &document).await?;
            return Ok(Redirect::to(&format!("/portal/drafts/{}/materials/{index}", draft.id)).into_response());
        }
        "upload" => match submission.file {
            Some((name, bytes)) => {
                if document.files[index].len() >= 10 {
                    return fail("每项材料最多上传 10 个文件，请把多页扫描成一个 PDF").await;
                }
                match store_upload(&state, &format!("applicant:{}", user.applicant.id), &name, bytes).await {
                    Ok(file) => {
                        document.files[index].push(file);
                        document.supplied[index] = Some(Supplied::Provided);
                    }
                    Err(Error::Validation(errors)) => {
                        return fail(errors.first("file").unwrap_or("文件无法使用")).await;
                    }
                    Err(other) => return Err(other),
                }
                // Another page of the same material may follow: stay on this page.
                if another {
                    save(&state, &draft, &document).await?;
                    return Ok(Redirect::to(&format!("/portal/drafts/{}/materials/{index}", draft.id)).into_response());
                }
            }
            None if !document.files[index].is_empty() => document.supplied[index] = Some(Supplied::Provided),
            None => return fail("请选择要上传的文件（PDF、JPG 或 PNG，不超过 5 MB）").await,
        },
        "deferred" if material.necessity == MaterialNecessity::Deferrable => {
            if !pledge {
                return fail("容缺后补须勾选承诺：在规定时间内补交本材料").await;
            }
            document.supplied[index] = Some(Supplied::Deferred);
        }
        "pledged" if material.pledge_allowed => {
            if !pledge {
                return fail("告知承诺须勾选承诺：所述情况真实，愿承担不实承诺的法律责任").await;
            }
            document.supplied[index] = Some(Supplied::Pledged);
        }
        "skip" if material.necessity == MaterialNecessity::Optional => {
            document.supplied[index] = Some(Supplied::Missing);
        }
        _ => return fail("请选择提供方式").await,
    }
    save(&state, &draft, &document).await?;
    let next = if index + 1 < materials.len() { format!("materials/{}", index + 1) } else { "check".to_string() };
    Ok(Redirect::to(&format!("/portal/drafts/{}/{next}", draft.id)).into_response())
}

pub struct CheckLine {
    pub index: usize,
    pub name: String,
    pub answer: String,
    pub problem: String,
}

#[derive(Template)]
#[template(path = "apply_check.html")]
struct CheckPage {
    layout: Layout,
    draft: String,
    matter: String,
    csrf_token: String,
    name: String,
    id_shown: String,
    phone: String,
    lines: Vec<CheckLine>,
    complete: bool,
}

fn answers(document: &DraftDocument, count: usize) -> Vec<Supplied> {
    (0..count).map(|index| document.supplied.get(index).copied().flatten().unwrap_or(Supplied::Missing)).collect()
}

pub async fn check_page(
    State(state): State<AppState>,
    user: PortalUser,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let (draft, document, subject) = open_draft(&state, &user, &id).await?;
    let materials = subject.materials();
    let supplied = answers(&document, materials.len());
    let problems = subject.problems(&supplied);
    let mut lines = Vec::new();
    for (index, material) in materials.iter().enumerate() {
        let files = uploaded(&state, document.files.get(index).map(Vec::as_slice).unwrap_or_default()).await?;
        let answer = match document.supplied.get(index).copied().flatten() {
            Some(Supplied::Provided) => {
                format!("已上传：{}", files.iter().map(|file| file.name.as_str()).collect::<Vec<_>>().join("、"))
            }
            Some(Supplied::Deferred) => "容缺后补（已承诺）".to_string(),
            Some(Supplied::Pledged) => "告知承诺（已承诺）".to_string(),
            Some(Supplied::Missing) => "不提供（非必要材料）".to_string(),
            None => "还没有填写".to_string(),
        };
        let problem = problems.iter().find(|problem| problem.material == index).map(|p| p.problem.clone());
        lines.push(CheckLine { index, name: material.name.clone(), answer, problem: problem.unwrap_or_default() });
    }
    let complete = problems.is_empty();
    let response = render(&CheckPage {
        layout: Layout::portal(&state, &user),
        draft: draft.id,
        matter: subject.name(),
        csrf_token: user.csrf_token.clone(),
        name: user.applicant.name.clone(),
        id_shown: user.applicant.identity.shown(),
        phone: document.phone,
        lines,
        complete,
    })?;
    Ok(response)
}

pub async fn submit(
    State(state): State<AppState>,
    user: PortalUser,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, Error> {
    user.check_csrf(&form.csrf_token)?;
    // A second click on "submit" finds the case made by the first.
    if let Some(Draft { case_number: Some(number), applicant_id, .. }) = state.store.draft(&id).await? {
        if applicant_id == user.applicant.id {
            return Ok(Redirect::to(&format!("/portal/cases/{}?submitted=1", number.compact())).into_response());
        }
    }
    let (draft, document, subject) = open_draft(&state, &user, &id).await?;
    let supplied = answers(&document, subject.materials().len());
    if !subject.problems(&supplied).is_empty() {
        return Ok(Redirect::to(&format!("/portal/drafts/{}/check", draft.id)).into_response());
    }
    let mut applicant = user.applicant.clone();
    applicant.phone = document.phone.clone();
    let record = match &subject {
        Subject::Matter(version) => {
            cases::submit_online(&state, &applicant, &draft.id, version, supplied, document.files).await?
        }
        Subject::Bundle { bundle, versions, .. } => {
            let records =
                cases::submit_bundle(&state, &applicant, &draft.id, bundle, versions, supplied, document.files).await?;
            records.into_iter().next().ok_or_else(|| Error::Internal("a bundle without cases".to_string()))?
        }
    };
    Ok(Redirect::to(&format!("/portal/cases/{}?submitted=1", record.number.compact())).into_response())
}

// ---------------------------------------------------------------------------------------------------------
// One case, as its applicant sees it

#[derive(Template)]
#[template(path = "portal_case.html")]
struct CasePage {
    layout: Layout,
    view: cases::CaseView,
    submitted: bool,
    csrf_token: String,
    correction: Vec<(usize, String, String)>,
    error: String,
}

#[derive(Deserialize)]
pub struct CaseQuery {
    #[serde(default)]
    submitted: Option<String>,
}

fn parse_number(text: &str) -> Result<CaseNumber, Error> {
    CaseNumber::parse(text).map_err(|_| Error::NotFound(format!("办件 {text}")))
}

async fn case_page(
    state: &AppState,
    user: &PortalUser,
    number: &CaseNumber,
    submitted: bool,
    error: String,
) -> Result<Response, Error> {
    let (record, document) = cases::case_for_applicant(state, &user.applicant, number).await?;
    let correction = if record.phase == "awaiting_correction" {
        document
            .correction_notice
            .iter()
            .map(|problem| (problem.material, problem.name.clone(), problem.problem.clone()))
            .collect()
    } else {
        Vec::new()
    };
    let view = cases::case_view(state, &record, &document).await?;
    let response = render(&CasePage {
        layout: Layout::portal(state, user),
        view,
        submitted,
        csrf_token: user.csrf_token.clone(),
        correction,
        error: error.clone(),
    })?;
    Ok(if error.is_empty() { response } else { with_status(response, StatusCode::UNPROCESSABLE_ENTITY) })
}

pub async fn case(
    State(state): State<AppState>,
    user: PortalUser,
    Path(number): Path<String>,
    Query(query): Query<CaseQuery>,
) -> Result<Response, Error> {
    let number = parse_number(&number)?;
    case_page(&state, &user, &number, query.submitted.is_some(), String::new()).await
}

/// The applicant uploads what the correction notice listed: one file per listed material.
pub async fn correct(
    State(state): State<AppState>,
    user: PortalUser,
    Path(number): Path<String>,
    mut multipart: Multipart,
) -> Result<Response, Error> {
    let number = parse_number(&number)?;
    let mut csrf = String::new();
    let mut files: Vec<(usize, String, Vec<u8>)> = Vec::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| Error::BadRequest("表单没有完整提交，请重新选择文件后再试".to_string()))?
    {
        let name = field.name().unwrap_or_default().to_string();
        if name == "csrf_token" {
            csrf = field.text().await.unwrap_or_default();
        } else if let Some(index) = name.strip_prefix("material_").and_then(|index| index.parse::<usize>().ok()) {
            let file_name = field.file_name().unwrap_or_default().to_string();
            let bytes = field.bytes().await.map_err(|_| Error::PayloadTooLarge)?;
            if !bytes.is_empty() && files.len() < 20 {
                files.push((index, file_name, bytes.to_vec()));
            }
        }
    }
    user.check_csrf(&csrf)?;
    // Check every file before keeping any, so that one bad file leaves nothing half done.
    for (_, name, bytes) in &files {
        if let Err(error) = upload::sniff(bytes) {
            return case_page(&state, &user, &number, false, format!("{}：{error}", upload::clean_file_name(name)))
                .await;
        }
    }
    let (record, _) = cases::case_for_applicant(&state, &user.applicant, &number).await?;
    if record.phase != "awaiting_correction" {
        return Err(Error::Conflict(format!("办件现在是“{}”，不需要补正", cases::phase_label(&record.phase))));
    }
    let owner = format!("applicant:{}", user.applicant.id);
    let mut stored = Vec::new();
    for (index, name, bytes) in files {
        stored.push((index, store_upload(&state, &owner, &name, bytes).await?));
    }
    match cases::correct_online(&state, &user.applicant, &number, stored).await {
        Ok(_) => Ok(Redirect::to(&format!("/portal/cases/{}", number.compact())).into_response()),
        Err(Error::Validation(errors)) => {
            let message = errors.iter().map(|(_, messages)| messages.join("；")).collect::<Vec<_>>().join("；");
            case_page(&state, &user, &number, false, message).await
        }
        Err(other) => Err(other),
    }
}

/// A file of the applicant's own: an upload of theirs.
pub async fn file(State(state): State<AppState>, user: PortalUser, Path(id): Path<String>) -> Result<Response, Error> {
    let file = state
        .store
        .file(&id)
        .await?
        .filter(|file| file.owner == format!("applicant:{}", user.applicant.id))
        .ok_or_else(|| Error::NotFound("这个文件".to_string()))?;
    crate::case_pages::file_response(&state, &file).await
}

/// A notice of the applicant's own case, printable.
pub async fn notice(
    State(state): State<AppState>,
    user: PortalUser,
    Path((number, kind)): Path<(String, String)>,
) -> Result<Response, Error> {
    let number = parse_number(&number)?;
    let (record, document) = cases::case_for_applicant(&state, &user.applicant, &number).await?;
    crate::case_pages::notice_response(&state, Layout::portal(&state, &user), &record, &document, &kind).await
}
