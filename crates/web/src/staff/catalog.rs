//! The catalog's staff pages: the list of matters with their newest versions, the editor (a new matter, a
//! new version of one), and import and export as Excel or JSON.

use super::matter_form::{parse_submission, support_options, MatterForm, RowValues};
use crate::auth::Staff;
use crate::error::Error;
use crate::extract::{FormValues, StaffForm, StaffPage, StaffUpload};
use crate::layout::Layout;
use crate::links::urlencode;
use crate::render::render;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use onetrip_app::catalog::{self, ImportFailure};
use onetrip_domain::access::Permission;
use onetrip_domain::catalog::{
    AdjustmentKind, HandleArea, HandlingForm, MaterialCopyKind, MaterialForm, MaterialNecessity, MaterialSource,
    MatterKind, OnlineDepth, ResultKind, ServiceObject, StepKind, UseLevel,
};
use serde::Deserialize;

fn see_other(location: &str) -> Response {
    crate::links::see_other(location)
}

fn form_value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
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
    let latest = catalog::latest_versions(&state.app).await?;
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
    v: super::matter_form::FormValues,
    error_list: Vec<(String, String)>,
    /// The form's table of contents: anchor, title and errors of each section.
    sections: Vec<(&'static str, &'static str, usize)>,
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
    let sections = form.sections();
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
        sections,
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
    let versions = catalog::versions(&state.app, &code).await.map_err(|_| Error::NotFound("这个事项".to_string()))?;
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
            match catalog::save_matter_version(
                &state.app,
                &staff.actor,
                submission.matter,
                submission.adjustment,
                expected,
            )
            .await
            .map_err(Error::from)
            {
                Ok(version) => {
                    Ok(see_other(&format!("/staff/matters?saved={}&version={version}", urlencode(&saved_code))))
                }
                Err(Error::Validation(errors)) => {
                    form_page(&state, &staff, MatterForm::from_submitted(&pairs, errors), code.as_deref(), expected)
                }
                Err(Error::Conflict(_, message)) => {
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
    StaffForm(staff, FormValues(pairs)): StaffForm,
) -> Result<Response, Error> {
    save_form(state, staff, None, pairs).await
}

pub async fn update_matter(
    State(state): State<AppState>,
    Path(code): Path<String>,
    StaffForm(staff, FormValues(pairs)): StaffForm,
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

pub async fn export_xlsx(State(state): State<AppState>, StaffPage(staff): StaffPage) -> Result<Response, Error> {
    staff.require(Permission::EditCatalog)?;
    xlsx_response(&state).await
}

pub async fn xlsx_response(state: &AppState) -> Result<Response, Error> {
    let file = catalog::export(&state.app).await?;
    let bytes = catalog::export_xlsx(&file).map_err(Error::Internal)?;
    let name = format!("onetrip-catalog-{}.xlsx", state.today());
    Ok(crate::render::xlsx_attachment(&name, bytes))
}

pub async fn import(
    State(state): State<AppState>,
    StaffUpload(staff, mut submission): StaffUpload,
) -> Result<Response, Error> {
    staff.require(Permission::EditCatalog)?;
    let reason = submission.field("reason").to_string();
    let bytes = submission.first_file().map(|(_, bytes)| bytes).unwrap_or_default();
    if bytes.is_empty() {
        return catalog_io_page(
            &state,
            &staff,
            String::new(),
            vec![("文件".to_string(), "请选择要导入的文件".to_string())],
            reason,
        );
    }
    let file = match catalog::parse_upload(bytes) {
        Ok(file) => file,
        Err(problems) => return catalog_io_page(&state, &staff, String::new(), problems, reason),
    };
    match catalog::import(&state.app, &staff.actor, file, &reason).await {
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
        Err(ImportFailure::Error(error)) => Err(error.into()),
    }
}
