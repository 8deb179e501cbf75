//! Staff pages: log-in and log-out, the workbench, the matter editor, catalog import and export, the
//! calendar and the synonym list. Every form posts its CSRF token; every page checks the role.

use crate::actions::{self, ImportFailure};
use crate::auth::{self, Staff};
use crate::catalog_io::{self, CatalogFile};
use crate::error::Error;
use crate::matter_form::{parse_submission, support_options, MatterForm, RowValues};
use crate::pages::{render, Layout};
use crate::state::{AppState, SYNONYMS_SETTING};
use askama::Template;
use axum::extract::{FromRequestParts, Multipart, OriginalUri, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::Datelike;
use onetrip_domain::access::Permission;
use onetrip_domain::catalog::{
    AdjustmentKind, HandleArea, HandlingForm, MaterialCopyKind, MaterialForm, MaterialNecessity, MaterialSource,
    MatterKind, OnlineDepth, ResultKind, ServiceObject, StepKind, UseLevel,
};
use serde::Deserialize;

/// A logged-in staff member on a page; anyone else is sent to the log-in page and brought back.
pub struct StaffPage(pub Staff);

impl FromRequestParts<AppState> for StaffPage {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match Staff::from_request_parts(parts, state).await {
            Ok(staff) => Ok(Self(staff)),
            Err(Error::Unauthenticated) => {
                let next = parts.uri.path_and_query().map(|value| value.as_str()).unwrap_or("/staff");
                Err(Redirect::to(&format!("/login?next={}", urlencode(next))).into_response())
            }
            Err(other) => Err(other.into_response()),
        }
    }
}

pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => char::from(byte).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// Only same-site paths are followed after log-in: printable ASCII, starting with one `/`. Browsers drop
/// tabs and newlines from addresses, so `/\t/evil.example` would otherwise become `//evil.example`.
fn safe_next(next: &str) -> &str {
    let bytes = next.as_bytes();
    let printable = bytes.iter().all(|byte| (0x21..=0x7e).contains(byte));
    let same_site = bytes.first() == Some(&b'/') && !matches!(bytes.get(1), Some(b'/') | Some(b'\\'));
    if printable && same_site && !next.contains('\\') && next.len() <= 512 {
        next
    } else {
        "/staff"
    }
}

fn see_other(location: &str) -> Response {
    Redirect::to(location).into_response()
}

fn form_value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    csrf_token: String,
    next: String,
    username: String,
    error: String,
}

#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

fn login_page(state: &AppState, next: &str, username: &str, error: String) -> Result<Response, Error> {
    let token = auth::random_token();
    let mut response = render(&LoginPage {
        layout: Layout::new(state, None),
        csrf_token: token.clone(),
        next: safe_next(next).to_string(),
        username: username.to_string(),
        error,
    })?;
    let cookie =
        HeaderValue::from_str(&auth::login_csrf_cookie(state, &token)).map_err(|e| Error::Internal(e.to_string()))?;
    response.headers_mut().append(header::SET_COOKIE, cookie);
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

pub async fn login_form(State(state): State<AppState>, Query(query): Query<NextQuery>) -> Result<Response, Error> {
    login_page(&state, &query.next, "", String::new())
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    next: String,
}

pub async fn login(
    State(state): State<AppState>,
    parts: Parts,
    Form(form): Form<LoginForm>,
) -> Result<Response, Error> {
    let cookie = auth::cookie_value(&parts, auth::LOGIN_CSRF_COOKIE).unwrap_or_default();
    if cookie.is_empty() || !auth::same_secret(cookie, &form.csrf_token) {
        return login_page(&state, &form.next, &form.username, Error::CsrfFailed.message());
    }
    let username = form.username.trim();
    if username.is_empty() || form.password.is_empty() || username.len() > 64 || form.password.len() > 128 {
        return login_page(&state, &form.next, username, "请输入用户名和密码".to_string());
    }
    match auth::authenticate(&state, username, &form.password).await {
        Ok(user) => {
            let token = auth::open_session(&state, &user).await?;
            tracing::info!(user = %user.username, "staff logged in");
            let mut response = see_other(safe_next(&form.next));
            let cookie = HeaderValue::from_str(&auth::session_cookie(&state, &token))
                .map_err(|e| Error::Internal(e.to_string()))?;
            response.headers_mut().append(header::SET_COOKIE, cookie);
            Ok(response)
        }
        Err(error @ (Error::Validation(_) | Error::TooManyAttempts)) => {
            let message = error
                .fields()
                .and_then(|fields| fields.first("password"))
                .map(str::to_string)
                .unwrap_or_else(|| error.message());
            let mut response = login_page(&state, &form.next, username, message)?;
            *response.status_mut() = error.status();
            Ok(response)
        }
        Err(other) => Err(other),
    }
}

pub async fn logout(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    staff.check_csrf(form_value(&form, "csrf_token"))?;
    state.store.delete_session(&staff.token_hash).await?;
    let mut response = see_other("/");
    let cookie =
        HeaderValue::from_str(&auth::clear_session_cookie(&state)).map_err(|e| Error::Internal(e.to_string()))?;
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

#[derive(Template)]
#[template(path = "staff_home.html")]
struct StaffHome {
    layout: Layout,
    display_name: String,
    roles: String,
    can_edit: bool,
    is_admin: bool,
    matter_count: usize,
    can_accept: bool,
    can_review: bool,
    can_supervise: bool,
    can_serve: bool,
    can_manage_hall: bool,
}

pub async fn home(State(state): State<AppState>, StaffPage(staff): StaffPage) -> Result<Response, Error> {
    render(&StaffHome {
        layout: Layout::new(&state, Some(&staff)),
        display_name: staff.user.display_name.clone(),
        roles: staff.roles().iter().map(|role| role.label()).collect::<Vec<_>>().join("、"),
        can_edit: staff.may(Permission::EditCatalog),
        is_admin: staff.may(Permission::ManageUsers),
        matter_count: state.catalog().versions.len(),
        can_accept: staff.may(Permission::AcceptCases),
        can_review: staff.may(Permission::ReviewCases) && staff.user.department.is_some(),
        can_supervise: staff.may(Permission::Supervise),
        can_serve: staff.may(Permission::ServeAtWindow),
        can_manage_hall: staff.may(Permission::ManageHall),
    })
}

pub struct MatterRow {
    pub code: String,
    pub name: String,
    pub department: String,
    pub version: u32,
    pub ended: bool,
    pub status: &'static str,
    /// The date a saved version that is not yet in force takes effect.
    pub scheduled: Option<String>,
}

#[derive(Template)]
#[template(path = "staff_matters.html")]
struct StaffMatters {
    layout: Layout,
    rows: Vec<MatterRow>,
    flash: String,
}

#[derive(Deserialize)]
pub struct FlashQuery {
    #[serde(default)]
    saved: String,
    #[serde(default)]
    version: u32,
}

pub async fn matters(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Query(flash): Query<FlashQuery>,
) -> Result<Response, Error> {
    staff.require(Permission::EditCatalog)?;
    let catalog = state.catalog();
    let today = state.today();
    let latest = state.store.latest_versions().await?;
    let rows = latest
        .iter()
        .map(|version| MatterRow {
            code: version.matter.code.clone(),
            name: version.matter.name.clone(),
            department: catalog.department_name(&version.matter.department).to_string(),
            version: version.version,
            ended: version.adjustment.kind.ends_the_matter() && version.adjustment.effective_date <= today,
            status: version.adjustment.kind.label(),
            scheduled: (version.adjustment.effective_date > today)
                .then(|| version.adjustment.effective_date.to_string()),
        })
        .collect();
    let flash = match latest.iter().find(|version| version.matter.code == flash.saved) {
        Some(version) if flash.version > 0 && version.adjustment.effective_date > today => format!(
            "已保存“{}”第 {} 版，{} 起施行；在此之前仍按现行版本办理。",
            version.matter.name, flash.version, version.adjustment.effective_date
        ),
        Some(version) if flash.version > 0 => format!("已保存“{}”第 {} 版。", version.matter.name, flash.version),
        _ => String::new(),
    };
    render(&StaffMatters { layout: Layout::new(&state, Some(&staff)), rows, flash })
}

type Options = Vec<(&'static str, &'static str)>;

fn options<T: Copy>(all: &[T], code: fn(T) -> &'static str, label: fn(T) -> &'static str) -> Options {
    all.iter().map(|item| (code(*item), label(*item))).collect()
}

#[derive(Template)]
#[template(path = "matter_form.html")]
struct MatterFormPage {
    layout: Layout,
    is_new: bool,
    action: String,
    csrf_token: String,
    expected_version: String,
    next_version: u32,
    v: crate::matter_form::FormValues,
    error_list: Vec<(String, String)>,
    materials: Vec<RowValues>,
    steps: Vec<RowValues>,
    results: Vec<RowValues>,
    fees: Vec<RowValues>,
    special_procedures: Vec<RowValues>,
    faqs: Vec<RowValues>,
    adjustment_kinds: Options,
    kinds: Options,
    departments: Vec<(String, String)>,
    use_levels: Options,
    handling_forms: Options,
    service_objects: Options,
    online_depths: Options,
    handle_areas: Options,
    supports: Options,
    necessities: Options,
    material_forms: Options,
    copy_kinds: Options,
    sources: Options,
    step_kinds: Options,
    result_kinds: Options,
}

fn form_page(
    state: &AppState,
    staff: &Staff,
    form: MatterForm,
    code: Option<&str>,
    expected: Option<u32>,
) -> Result<Response, Error> {
    let catalog = state.catalog();
    let adjustment_kinds = if code.is_none() {
        vec![AdjustmentKind::Create, AdjustmentKind::TakeOver]
    } else {
        vec![AdjustmentKind::Adjust, AdjustmentKind::Confirm, AdjustmentKind::Merge, AdjustmentKind::Cancel]
    };
    let error_list = form.error_list();
    let mut page = MatterFormPage {
        layout: Layout::new(state, Some(staff)),
        is_new: code.is_none(),
        action: code
            .map(|code| format!("/staff/matters/{}/edit", urlencode(code)))
            .unwrap_or_else(|| "/staff/matters/new".to_string()),
        csrf_token: staff.csrf_token.clone(),
        expected_version: expected.map(|version| version.to_string()).unwrap_or_default(),
        next_version: expected.unwrap_or(0) + 1,
        v: form.values,
        error_list,
        materials: form.materials,
        steps: form.steps,
        results: form.results,
        fees: form.fees,
        special_procedures: form.special_procedures,
        faqs: form.faqs,
        adjustment_kinds: options(&adjustment_kinds, AdjustmentKind::code, AdjustmentKind::label),
        kinds: options(&MatterKind::ALL, MatterKind::code, MatterKind::label),
        departments: catalog.departments.iter().map(|d| (d.code.clone(), d.name.clone())).collect(),
        use_levels: options(UseLevel::ALL, UseLevel::code, UseLevel::label),
        handling_forms: options(HandlingForm::ALL, HandlingForm::code, HandlingForm::label),
        service_objects: options(ServiceObject::ALL, ServiceObject::code, ServiceObject::label),
        online_depths: options(OnlineDepth::ALL, OnlineDepth::code, OnlineDepth::label),
        handle_areas: options(HandleArea::ALL, HandleArea::code, HandleArea::label),
        supports: support_options(),
        necessities: options(MaterialNecessity::ALL, MaterialNecessity::code, MaterialNecessity::label),
        material_forms: options(MaterialForm::ALL, MaterialForm::code, MaterialForm::label),
        copy_kinds: options(MaterialCopyKind::ALL, MaterialCopyKind::code, MaterialCopyKind::label),
        sources: options(MaterialSource::ALL, MaterialSource::code, MaterialSource::label),
        step_kinds: options(StepKind::ALL, StepKind::code, StepKind::label),
        result_kinds: options(ResultKind::ALL, ResultKind::code, ResultKind::label),
    };
    if !page.error_list.is_empty() {
        page.csrf_token = staff.csrf_token.clone();
        let mut response = render(&page)?;
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(response);
    }
    render(&page)
}

pub async fn new_matter_form(State(state): State<AppState>, StaffPage(staff): StaffPage) -> Result<Response, Error> {
    staff.require(Permission::EditCatalog)?;
    form_page(&state, &staff, MatterForm::new_matter(state.today()), None, None)
}

pub async fn edit_matter_form(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(code): Path<String>,
) -> Result<Response, Error> {
    staff.require(Permission::EditCatalog)?;
    let versions = state.store.matter_versions(&code).await?;
    let latest = versions.last().ok_or_else(|| Error::NotFound("这个事项".to_string()))?;
    let form = MatterForm::from_matter(&latest.matter, AdjustmentKind::Adjust, state.today());
    form_page(&state, &staff, form, Some(&code), Some(latest.version))
}

async fn save_form(
    state: AppState,
    staff: Staff,
    code: Option<String>,
    pairs: Vec<(String, String)>,
) -> Result<Response, Error> {
    staff.require(Permission::EditCatalog)?;
    staff.check_csrf(form_value(&pairs, "csrf_token"))?;
    let catalog = state.catalog();
    let departments: Vec<&str> = catalog.departments.iter().map(|d| d.code.as_str()).collect();
    let mut pairs = pairs;
    if let Some(code) = &code {
        // The code of an existing matter comes from the address, never from the form.
        pairs.retain(|(key, _)| key != "code");
        pairs.push(("code".to_string(), code.clone()));
    }
    let expected = form_value(&pairs, "expected_version").and_then(|value| value.parse::<u32>().ok());
    match parse_submission(&pairs, &departments, code.is_none(), state.today()) {
        Err(form) => form_page(&state, &staff, *form, code.as_deref(), expected),
        Ok(submission) => {
            let saved_code = submission.matter.code.clone();
            let expected = if code.is_none() { None } else { submission.expected_version };
            match actions::save_matter_version(&state, &staff, submission.matter, submission.adjustment, expected).await
            {
                Ok(version) => {
                    Ok(see_other(&format!("/staff/matters?saved={}&version={version}", urlencode(&saved_code))))
                }
                Err(Error::Validation(errors)) => {
                    form_page(&state, &staff, MatterForm::from_submitted(&pairs, errors), code.as_deref(), expected)
                }
                Err(Error::Conflict(message)) => {
                    // Someone saved first (or the code is taken): keep everything typed and say what happened.
                    let field = if code.is_none() { "code" } else { "expected_version" };
                    let errors = onetrip_domain::FieldErrors::single(field, message);
                    form_page(&state, &staff, MatterForm::from_submitted(&pairs, errors), code.as_deref(), expected)
                }
                Err(other) => Err(other),
            }
        }
    }
}

pub async fn create_matter(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    save_form(state, staff, None, pairs).await
}

pub async fn update_matter(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(code): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    save_form(state, staff, Some(code), pairs).await
}

#[derive(Template)]
#[template(path = "catalog_io.html")]
struct CatalogIoPage {
    layout: Layout,
    csrf_token: String,
    flash: String,
    problems: Vec<(String, String)>,
    reason: String,
    max_megabytes: usize,
}

fn catalog_io_page(
    state: &AppState,
    staff: &Staff,
    flash: String,
    problems: Vec<(String, String)>,
    reason: String,
) -> Result<Response, Error> {
    let failed = !problems.is_empty();
    let mut response = render(&CatalogIoPage {
        layout: Layout::new(state, Some(staff)),
        csrf_token: staff.csrf_token.clone(),
        flash,
        problems,
        reason,
        max_megabytes: state.config.max_body_bytes / (1024 * 1024),
    })?;
    if failed {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

pub async fn catalog_io(State(state): State<AppState>, StaffPage(staff): StaffPage) -> Result<Response, Error> {
    staff.require(Permission::EditCatalog)?;
    catalog_io_page(&state, &staff, String::new(), Vec::new(), "目录年度调整".to_string())
}

/// The catalog as the export formats hold it: every matter's latest version, including future ones.
pub async fn catalog_file(state: &AppState) -> Result<CatalogFile, Error> {
    let departments = state.store.departments().await?;
    let matters = state.store.latest_versions().await?.into_iter().map(|version| version.matter).collect();
    Ok(CatalogFile { source: String::new(), departments, matters })
}

pub async fn export_xlsx(State(state): State<AppState>, StaffPage(staff): StaffPage) -> Result<Response, Error> {
    staff.require(Permission::EditCatalog)?;
    xlsx_response(&state).await
}

pub async fn xlsx_response(state: &AppState) -> Result<Response, Error> {
    let file = catalog_file(state).await?;
    let bytes = catalog_io::export_xlsx(&file).map_err(Error::Internal)?;
    let name = format!("onetrip-catalog-{}.xlsx", state.today());
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response())
}

/// Reads an uploaded catalog file, by its content: a ZIP (xlsx) starts with `PK`, JSON with `{`.
pub fn parse_catalog_upload(bytes: Vec<u8>) -> Result<CatalogFile, Vec<(String, String)>> {
    let first = bytes.iter().find(|byte| !byte.is_ascii_whitespace()).copied();
    match (bytes.get(..2), first) {
        (Some(b"PK"), _) => catalog_io::parse_xlsx(bytes),
        (_, Some(b'{')) => catalog_io::parse_json(&bytes),
        _ => Err(vec![("文件".to_string(), "只能导入 Excel（.xlsx）或 JSON 文件".to_string())]),
    }
}

pub async fn import(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    mut multipart: Multipart,
) -> Result<Response, Error> {
    staff.require(Permission::EditCatalog)?;
    let mut csrf = String::new();
    let mut reason = String::new();
    let mut bytes = Vec::new();
    while let Some(field) =
        multipart.next_field().await.map_err(|_| Error::BadRequest("上传中断或文件太大，请重试".to_string()))?
    {
        match field.name().unwrap_or_default() {
            "csrf_token" => csrf = field.text().await.unwrap_or_default(),
            "reason" => reason = field.text().await.unwrap_or_default(),
            "file" => bytes = field.bytes().await.map_err(|_| Error::PayloadTooLarge)?.to_vec(),
            _ => {}
        }
    }
    staff.check_csrf(Some(&csrf))?;
    if bytes.is_empty() {
        return catalog_io_page(
            &state,
            &staff,
            String::new(),
            vec![("文件".to_string(), "请选择要导入的文件".to_string())],
            reason,
        );
    }
    let file = match parse_catalog_upload(bytes) {
        Ok(file) => file,
        Err(problems) => return catalog_io_page(&state, &staff, String::new(), problems, reason),
    };
    match actions::import_catalog(&state, &staff, file, &reason).await {
        Ok(report) => catalog_io_page(
            &state,
            &staff,
            format!(
                "导入成功：新增 {} 项，调整 {} 项，{} 项没有变化。",
                report.created, report.adjusted, report.unchanged
            ),
            Vec::new(),
            reason,
        ),
        Err(ImportFailure::Problems(problems)) => catalog_io_page(&state, &staff, String::new(), problems, reason),
        Err(ImportFailure::Error(error)) => Err(error),
    }
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    layout: Layout,
    csrf_token: String,
    flash: String,
    years: Vec<i32>,
    error_list: Vec<(String, String)>,
    year: String,
    text: String,
    month_title: String,
    month: Vec<(String, &'static str, &'static str)>,
}

fn calendar_page(
    state: &AppState,
    staff: &Staff,
    flash: String,
    errors: Vec<(String, String)>,
    year: String,
    text: String,
) -> Result<Response, Error> {
    let calendar = state.calendar();
    let today = state.today();
    let first = today.with_day(1).unwrap_or(today);
    let last =
        (first + chrono::Duration::days(40)).with_day(1).map(|next| next - chrono::Duration::days(1)).unwrap_or(today);
    let month = calendar
        .days(first, last)
        .unwrap_or_default()
        .into_iter()
        .map(|(date, kind)| (date.format("%m月%d日").to_string(), kind.code(), kind.label()))
        .collect();
    let failed = !errors.is_empty();
    let mut response = render(&CalendarPage {
        layout: Layout::new(state, Some(staff)),
        csrf_token: staff.csrf_token.clone(),
        flash,
        years: calendar.loaded_years().iter().copied().collect(),
        error_list: errors,
        year,
        text,
        month_title: format!("{}年{}月", first.year(), first.month()),
        month,
    })?;
    if failed {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

pub async fn calendar(State(state): State<AppState>, StaffPage(staff): StaffPage) -> Result<Response, Error> {
    staff.require(Permission::LoadCalendar)?;
    let next_year = (state.today().year() + 1).to_string();
    calendar_page(&state, &staff, String::new(), Vec::new(), next_year, String::new())
}

#[derive(Deserialize)]
pub struct CalendarForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    text: String,
}

fn listed(errors: &onetrip_domain::FieldErrors) -> Vec<(String, String)> {
    errors
        .iter()
        .map(|(field, messages)| {
            (field.replace("line ", "第 ") + if field.starts_with("line ") { " 行" } else { "" }, messages.join("；"))
        })
        .collect()
}

pub async fn load_calendar(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Form(form): Form<CalendarForm>,
) -> Result<Response, Error> {
    staff.require(Permission::LoadCalendar)?;
    staff.check_csrf(Some(&form.csrf_token))?;
    let Ok(year) = form.year.trim().parse::<i32>() else {
        return calendar_page(
            &state,
            &staff,
            String::new(),
            vec![("年份".to_string(), "请填写四位数的年份，例如 2027".to_string())],
            form.year,
            form.text,
        );
    };
    match actions::load_notice(&state, &staff, year, &form.text).await {
        Ok(count) => calendar_page(
            &state,
            &staff,
            format!("已载入 {year} 年的放假安排，共 {count} 个日期。"),
            Vec::new(),
            form.year,
            String::new(),
        ),
        Err(Error::Validation(errors)) => {
            calendar_page(&state, &staff, String::new(), listed(&errors), form.year, form.text)
        }
        Err(other) => Err(other),
    }
}

#[derive(Template)]
#[template(path = "synonyms.html")]
struct SynonymsPage {
    layout: Layout,
    csrf_token: String,
    flash: String,
    error_list: Vec<(String, String)>,
    text: String,
}

pub async fn synonyms(State(state): State<AppState>, StaffPage(staff): StaffPage) -> Result<Response, Error> {
    staff.require(Permission::EditSynonyms)?;
    let text = state.store.setting(SYNONYMS_SETTING).await?.unwrap_or_default();
    render(&SynonymsPage {
        layout: Layout::new(&state, Some(&staff)),
        csrf_token: staff.csrf_token.clone(),
        flash: String::new(),
        error_list: Vec::new(),
        text,
    })
}

#[derive(Deserialize)]
pub struct TextForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    text: String,
}

pub async fn save_synonyms(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Form(form): Form<TextForm>,
) -> Result<Response, Error> {
    staff.require(Permission::EditSynonyms)?;
    staff.check_csrf(Some(&form.csrf_token))?;
    let layout = Layout::new(&state, Some(&staff));
    match actions::save_synonyms(&state, &staff, &form.text).await {
        Ok(count) => render(&SynonymsPage {
            layout,
            csrf_token: staff.csrf_token.clone(),
            flash: format!("已保存 {count} 条同义词，搜索已更新。"),
            error_list: Vec::new(),
            text: form.text,
        }),
        Err(Error::Validation(errors)) => {
            let mut response = render(&SynonymsPage {
                layout,
                csrf_token: staff.csrf_token.clone(),
                flash: String::new(),
                error_list: listed(&errors),
                text: form.text,
            })?;
            *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(other) => Err(other),
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    layout: Layout,
    rows: Vec<(String, String, String, String, String)>,
}

pub async fn audit(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    OriginalUri(_uri): OriginalUri,
) -> Result<Response, Error> {
    staff.require(Permission::ManageUsers)?;
    let rows = state
        .store
        .audit_events(200)
        .await?
        .into_iter()
        .map(|event| {
            (
                state.local(event.at).format("%Y-%m-%d %H:%M").to_string(),
                event.actor,
                event.action,
                event.subject,
                event.detail,
            )
        })
        .collect();
    render(&AuditPage { layout: Layout::new(&state, Some(&staff)), rows })
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_same_site_paths_are_followed_after_log_in() {
        assert_eq!(safe_next("/staff/matters?saved=1"), "/staff/matters?saved=1");
        for hostile in
            ["//evil.example", "/\t/evil.example", "/\\evil.example", "https://evil.example", "/\n", "", "staff"]
        {
            assert_eq!(safe_next(hostile), "/staff", "{hostile:?}");
        }
    }
}
