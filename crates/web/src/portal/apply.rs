//! The online application's pages: where it starts (a matter's or a bundle's), the phone for messages,
//! one page per material (upload, 容缺, 告知承诺, or nothing for an optional one), the check of every answer,
//! and the submission. Every answer is kept in the draft at once; `onetrip_app::portal` holds the rules.

use crate::auth::PortalUser;
use crate::error::Error;
use crate::extract::{PortalForm, PortalUpload};
use crate::layout::Layout;
use crate::links::see_other;
use crate::render::{render, render_with};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use onetrip_app::portal::{self, MaterialAnswer, NextPage, OpenDraft, Submitted};
use onetrip_app::records::StoredFile;
use onetrip_app::{AppError, Conflict};
use onetrip_domain::acceptance::Supplied;
use onetrip_domain::bundle::combined_materials;
use onetrip_domain::catalog::{MaterialNecessity, Matter, MatterVersion};
use onetrip_domain::upload::FileKind;

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
        allowed: portal::online_allowed(version),
        csrf_token: user.csrf_token.clone(),
    })
}

pub async fn start(
    State(state): State<AppState>,
    Path(code): Path<String>,
    PortalForm(user, _): PortalForm,
) -> Result<Response, Error> {
    let draft = portal::start(&state.app, &user.applicant, &code).await?;
    Ok(see_other(&format!("/portal/drafts/{draft}/contact")))
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
    let matters: Vec<&Matter> = versions.iter().map(|version| &version.matter).collect();
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
    Path(code): Path<String>,
    PortalForm(user, _): PortalForm,
) -> Result<Response, Error> {
    let draft = portal::start_bundle(&state.app, &user.applicant, &code).await?;
    Ok(see_other(&format!("/portal/drafts/{draft}/contact")))
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

/// A refusal of a draft, or — when it was submitted already (the back button, an old link or bookmark) —
/// its case instead of "请求有误".
async fn or_its_case(state: &AppState, user: &PortalUser, id: &str, error: AppError) -> Result<Response, Error> {
    if matches!(error, AppError::Conflict(Conflict::ApplicationClosed, _)) {
        if let Some(number) = portal::submitted_case(&state.app, &user.actor, id).await? {
            return Ok(see_other(&format!("/portal/cases/{}", number.compact())));
        }
    }
    Err(error.into())
}

pub async fn contact_page(
    State(state): State<AppState>,
    user: PortalUser,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let OpenDraft { draft, document, subject } = match portal::open(&state.app, &user.actor, &id).await {
        Ok(open) => open,
        Err(error) => return or_its_case(&state, &user, &id, error).await,
    };
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
    Path(id): Path<String>,
    PortalForm(user, values): PortalForm,
) -> Result<Response, Error> {
    let phone = values.get("phone");
    match portal::save_contact(&state.app, &user.actor, &id, phone).await {
        Ok(open) => {
            let next =
                if open.subject.materials().is_empty() { "check".to_string() } else { "materials/0".to_string() };
            Ok(see_other(&format!("/portal/drafts/{}/{next}", open.draft.id)))
        }
        Err(AppError::Validation(errors)) => {
            let OpenDraft { draft, subject, .. } = portal::open(&state.app, &user.actor, &id).await?;
            let page = ContactPage {
                layout: Layout::portal(&state, &user),
                draft: draft.id,
                matter: subject.name(),
                csrf_token: user.csrf_token.clone(),
                phone: phone.trim().to_string(),
                error: errors.first("phone").unwrap_or("请填写 11 位手机号").to_string(),
                steps: subject.materials().len() + 2,
            };
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => or_its_case(&state, &user, &id, other).await,
    }
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
    /// The source the material can be fetched from instead of an upload (its name), or empty.
    source: String,
    /// What a shared source supplied already, or empty.
    shared: String,
}

fn size_text(size: u64) -> String {
    if size >= 1024 * 1024 {
        format!("{:.1} MB", size as f64 / 1024.0 / 1024.0)
    } else {
        format!("{} KB", size.div_ceil(1024))
    }
}

fn uploaded_line(file: StoredFile) -> UploadedFile {
    UploadedFile {
        kind: FileKind::from_code(&file.kind).map(FileKind::label).unwrap_or("文件"),
        size: size_text(file.size),
        id: file.id,
        name: file.name,
    }
}

async fn material_page(
    state: &AppState,
    user: &PortalUser,
    open: &OpenDraft,
    index: usize,
    error: String,
) -> Result<Response, Error> {
    let materials = open.subject.materials();
    let material = materials.get(index).ok_or_else(|| Error::NotFound("这项材料".to_string()))?;
    let choice = match open.document.supplied.get(index).copied().flatten() {
        Some(Supplied::Deferred) => "deferred",
        Some(Supplied::Pledged) => "pledged",
        Some(Supplied::Missing) => "skip",
        _ => "upload",
    };
    let files = onetrip_app::files::facts(&state.app, open.document.files(index)).await?;
    let source = match portal::offer(&state.app, &user.actor, material).await? {
        Some(portal::Offer { checked: Some(found), .. }) => format!("您在窗口办理时核验过原件的{}", found.title),
        Some(offer) => crate::source_view::source_label(state, &offer.source.code()),
        None => String::new(),
    };
    let page = MaterialPage {
        layout: Layout::portal(state, user),
        draft: open.draft.id.clone(),
        matter: open.subject.name(),
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
        files: files.into_iter().map(uploaded_line).collect(),
        error: error.clone(),
        source,
        shared: open.document.shared(index).map(crate::case_view::shared_text).unwrap_or_default(),
    };
    if error.is_empty() {
        render(&page)
    } else {
        render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
    }
}

/// `POST /portal/drafts/{id}/materials/{index}/share`: the applicant consents, and the material is fetched
/// from its source instead of uploaded.
pub async fn share_material(
    State(state): State<AppState>,
    Path((id, index)): Path<(String, usize)>,
    PortalForm(user, _): PortalForm,
) -> Result<Response, Error> {
    match portal::share_material(&state.app, &user.actor, &id, index).await {
        Ok(NextPage::Material(next)) => Ok(see_other(&format!("/portal/drafts/{id}/materials/{next}"))),
        Ok(NextPage::Check) => Ok(see_other(&format!("/portal/drafts/{id}/check"))),
        Ok(NextPage::Same) => Ok(see_other(&format!("/portal/drafts/{id}/materials/{index}"))),
        Err(AppError::Validation(errors)) => {
            let open = portal::open(&state.app, &user.actor, &id).await?;
            let message = errors.first("material").unwrap_or("没有取得这项材料，请上传").to_string();
            material_page(&state, &user, &open, index, message).await
        }
        Err(other) => or_its_case(&state, &user, &id, other).await,
    }
}

pub async fn material_form(
    State(state): State<AppState>,
    user: PortalUser,
    Path((id, index)): Path<(String, usize)>,
) -> Result<Response, Error> {
    let open = match portal::open(&state.app, &user.actor, &id).await {
        Ok(open) => open,
        Err(error) => return or_its_case(&state, &user, &id, error).await,
    };
    material_page(&state, &user, &open, index, String::new()).await
}

pub async fn save_material(
    State(state): State<AppState>,
    Path((id, index)): Path<(String, usize)>,
    PortalUpload(user, mut submission): PortalUpload,
) -> Result<Response, Error> {
    let pledge = submission.field("pledge") == "1";
    let answer = match submission.field("choice") {
        "remove" => MaterialAnswer::Remove { file_id: submission.field("file_id").to_string() },
        "upload" => {
            MaterialAnswer::Upload { another: submission.field("another") == "1", file: submission.first_file() }
        }
        "deferred" => MaterialAnswer::Deferred { pledge },
        "pledged" => MaterialAnswer::Pledged { pledge },
        "skip" => MaterialAnswer::Skip,
        _ => MaterialAnswer::Unknown,
    };
    match portal::save_material(&state.app, &user.actor, &id, index, answer).await {
        Ok(NextPage::Same) => Ok(see_other(&format!("/portal/drafts/{id}/materials/{index}"))),
        Ok(NextPage::Material(next)) => Ok(see_other(&format!("/portal/drafts/{id}/materials/{next}"))),
        Ok(NextPage::Check) => Ok(see_other(&format!("/portal/drafts/{id}/check"))),
        Err(AppError::Validation(errors)) => {
            let open = portal::open(&state.app, &user.actor, &id).await?;
            let message = errors.first("material").unwrap_or("请选择提供方式").to_string();
            material_page(&state, &user, &open, index, message).await
        }
        Err(other) => or_its_case(&state, &user, &id, other).await,
    }
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

pub async fn check_page(
    State(state): State<AppState>,
    user: PortalUser,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let OpenDraft { draft, document, subject } = match portal::open(&state.app, &user.actor, &id).await {
        Ok(open) => open,
        Err(error) => return or_its_case(&state, &user, &id, error).await,
    };
    let materials = subject.materials();
    let problems = subject.problems(&document.answers(materials.len()));
    let mut lines = Vec::new();
    for (index, material) in materials.iter().enumerate() {
        let files = onetrip_app::files::facts(&state.app, document.files(index)).await?;
        let answer = match document.supplied.get(index).copied().flatten() {
            Some(Supplied::Provided) if document.shared(index).is_some() => {
                document.shared(index).map(crate::case_view::shared_text).unwrap_or_default()
            }
            Some(Supplied::Provided) => {
                format!("已上传：{}", files.iter().map(|file| file.name.as_str()).collect::<Vec<_>>().join("、"))
            }
            Some(Supplied::Deferred) => "容缺后补（已承诺）".to_string(),
            Some(Supplied::Pledged) => "告知承诺（已承诺）".to_string(),
            Some(Supplied::Missing) => "不提供（非必要材料）".to_string(),
            None => "还没有提供（上传或选择提供方式）".to_string(),
        };
        let problem = problems.iter().find(|problem| problem.material == index).map(|p| p.problem.clone());
        lines.push(CheckLine { index, name: material.name.clone(), answer, problem: problem.unwrap_or_default() });
    }
    render(&CheckPage {
        layout: Layout::portal(&state, &user),
        draft: draft.id,
        matter: subject.name(),
        csrf_token: user.csrf_token.clone(),
        name: user.applicant.name.clone(),
        id_shown: user.applicant.identity.shown(),
        phone: document.phone,
        complete: problems.is_empty(),
        lines,
    })
}

pub async fn submit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PortalForm(user, _): PortalForm,
) -> Result<Response, Error> {
    Ok(match portal::submit(&state.app, &user.actor, &user.applicant, &id).await? {
        Submitted::Case(number) | Submitted::Before(number) => {
            see_other(&format!("/portal/cases/{}?submitted=1", number.compact()))
        }
        Submitted::Incomplete => see_other(&format!("/portal/drafts/{id}/check")),
    })
}
