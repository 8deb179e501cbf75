//! The online application (网上申请) over a draft: started from a matter's guide or a "one thing" bundle, it
//! asks one thing per page — the phone for messages, then each material (an upload, 容缺 with a pledge,
//! 告知承诺, or nothing for an optional one) — keeps the answers so the applicant can come back, checks
//! completeness, and becomes a case (or a bundle's linked cases) when submitted.

use crate::accounts::random_token;
use crate::app::App;
use crate::error::{AppError, AppResult, Conflict};
use crate::files;
use chrono::{DateTime, Utc};
use onetrip_domain::acceptance::{MaterialProblem, Supplied};
use onetrip_domain::actor::Actor;
use onetrip_domain::applicant::validate_contact;
use onetrip_domain::bundle::{combined_materials, Bundle, CombinedMaterial};
use onetrip_domain::case::{Case, SharedRecord};
use onetrip_domain::case_number::CaseNumber;
use onetrip_domain::catalog::{MaterialNecessity, Matter, MatterVersion, OnlineDepth};
use onetrip_store::{Applicant, Draft};
use serde::{Deserialize, Serialize};

/// The answers of an online application so far (the draft's stored document).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DraftDocument {
    pub matter_version: u32,
    #[serde(default)]
    pub phone: String,
    /// Indexed like the materials asked for; `None` where the applicant has not answered yet.
    #[serde(default)]
    pub supplied: Vec<Option<Supplied>>,
    #[serde(default)]
    pub files: Vec<Vec<String>>,
    /// For a "one thing" bundle: its code, and the version of each matter when the application started.
    #[serde(default)]
    pub bundle: Option<String>,
    #[serde(default)]
    pub versions: Vec<(String, u32)>,
    /// Materials a shared data source supplied, indexed like the materials (ADR 0022).
    #[serde(default)]
    pub shared: Vec<Option<SharedRecord>>,
    /// 帮办代办: the window that started and filled in the application with the applicant.
    #[serde(default)]
    pub assisted: Option<Assisted>,
}

/// Who helped with an application, and whether it was handed to the applicant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assisted {
    /// The member of staff's log-in name (who may go on filling it in) and the name shown.
    pub username: String,
    pub name: String,
    pub at: DateTime<Utc>,
    /// Handed over: from now on only the applicant changes and submits it.
    #[serde(default)]
    pub handed_over: bool,
}

impl DraftDocument {
    /// The answers, a missing one counting as not supplied.
    pub fn answers(&self, count: usize) -> Vec<Supplied> {
        (0..count).map(|index| self.supplied.get(index).copied().flatten().unwrap_or(Supplied::Missing)).collect()
    }

    pub fn files(&self, index: usize) -> &[String] {
        self.files.get(index).map(Vec::as_slice).unwrap_or_default()
    }

    /// What a shared source supplied for material `index`, if one did.
    pub fn shared(&self, index: usize) -> Option<&SharedRecord> {
        self.shared.get(index).and_then(Option::as_ref)
    }
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
    /// Where its data can come from instead of an upload (`licence:…`, `external:…`), or empty.
    pub shared_from: String,
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
                    shared_from: material.shared_from.clone(),
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
                    shared_from: String::new(),
                })
                .collect(),
        }
    }

    pub fn problems(&self, supplied: &[Supplied]) -> Vec<MaterialProblem> {
        match self {
            Self::Matter(version) => onetrip_domain::acceptance::check_completeness(&version.matter, supplied),
            Self::Bundle { bundle, versions, combined } => {
                let matters: Vec<&Matter> = versions.iter().map(|v| &v.matter).collect();
                onetrip_domain::bundle::check_combined(bundle, &matters, combined, supplied)
            }
        }
    }
}

/// Whether a matter may be applied for online.
pub fn online_allowed(version: &MatterVersion) -> bool {
    !matches!(version.matter.online_depth, OnlineDepth::None | OnlineDepth::Consult)
        && !version.adjustment.kind.ends_the_matter()
}

fn applicant_of(actor: &Actor) -> AppResult<i64> {
    actor.applicant_id().ok_or(AppError::Forbidden)
}

async fn create(app: &App, applicant: &Applicant, matter_code: String, document: &DraftDocument) -> AppResult<String> {
    let now = app.now();
    let draft = Draft {
        id: random_token(),
        applicant_id: applicant.id,
        matter_code,
        document: serde_json::to_string(document).map_err(|error| AppError::Internal(error.to_string()))?,
        case_number: None,
        created_at: now,
        updated_at: now,
    };
    app.store.create_draft(&draft).await?;
    Ok(draft.id)
}

/// Starts an online application for a matter; returns the draft's id.
pub async fn start(app: &App, applicant: &Applicant, code: &str) -> AppResult<String> {
    let version = app.catalog().version(code).cloned().ok_or_else(|| AppError::NotFound(format!("事项 {code}")))?;
    if !online_allowed(&version) {
        return Err(AppError::conflict(Conflict::ApplicationClosed, "这个事项不能网上申请，请按办事指南到窗口办理"));
    }
    let count = version.matter.materials.len();
    let document = DraftDocument {
        matter_version: version.version,
        phone: applicant.phone.clone(),
        supplied: vec![None; count],
        files: vec![Vec::new(); count],
        bundle: None,
        versions: Vec::new(),
        shared: Vec::new(),
        assisted: None,
    };
    create(app, applicant, version.matter.code.clone(), &document).await
}

/// Starts an online application for a "one thing" bundle; returns the draft's id.
pub async fn start_bundle(app: &App, applicant: &Applicant, code: &str) -> AppResult<String> {
    let catalog = app.catalog();
    let bundle = catalog.bundle(code).ok_or_else(|| AppError::NotFound(format!("一件事 {code}")))?;
    let versions: Vec<(String, u32)> = bundle
        .matters
        .iter()
        .filter_map(|code| catalog.version(code).map(|version| (code.clone(), version.version)))
        .collect();
    let matters: Vec<&Matter> =
        bundle.matters.iter().filter_map(|code| catalog.version(code).map(|version| &version.matter)).collect();
    let count = combined_materials(bundle, &matters).len();
    let document = DraftDocument {
        matter_version: 0,
        phone: applicant.phone.clone(),
        supplied: vec![None; count],
        files: vec![Vec::new(); count],
        bundle: Some(bundle.code.clone()),
        versions,
        shared: Vec::new(),
        assisted: None,
    };
    create(app, applicant, format!("bundle:{}", bundle.code), &document).await
}

/// A draft of the applicant's, still open, with what it applies for.
pub struct OpenDraft {
    pub draft: Draft,
    pub document: DraftDocument,
    pub subject: Subject,
}

/// The case a draft of the actor's became, once submitted (someone else's draft is "not found").
pub async fn submitted_case(app: &App, actor: &Actor, id: &str) -> AppResult<Option<CaseNumber>> {
    let applicant = applicant_of(actor)?;
    let draft = app
        .store
        .draft(id)
        .await?
        .filter(|draft| draft.applicant_id == applicant)
        .ok_or_else(|| AppError::NotFound("这份申请".to_string()))?;
    Ok(draft.case_number)
}

/// Opens a draft of the actor's; someone else's is "not found", a submitted one is closed.
pub async fn open(app: &App, actor: &Actor, id: &str) -> AppResult<OpenDraft> {
    let applicant = applicant_of(actor)?;
    let draft = app
        .store
        .draft(id)
        .await?
        .filter(|draft| draft.applicant_id == applicant)
        .ok_or_else(|| AppError::NotFound("这份申请".to_string()))?;
    if let Some(number) = &draft.case_number {
        return Err(AppError::conflict(
            Conflict::ApplicationClosed,
            format!("这份申请已经提交，办件编号 {number}，请在“我的办件”中查看"),
        ));
    }
    let document: DraftDocument =
        serde_json::from_str(&draft.document).map_err(|error| AppError::Internal(format!("draft: {error}")))?;
    let subject = match &document.bundle {
        None => Subject::Matter(Box::new(app.matter_version(&draft.matter_code, document.matter_version).await?)),
        Some(code) => {
            let bundle = app.catalog().bundle(code).cloned().ok_or_else(|| {
                AppError::conflict(Conflict::ApplicationClosed, "这个一件事已不再提供，请按各事项分别申请")
            })?;
            let mut versions = Vec::new();
            for (code, number) in &document.versions {
                versions.push(app.matter_version(code, *number).await?);
            }
            let matters: Vec<&Matter> = versions.iter().map(|v| &v.matter).collect();
            let combined = combined_materials(&bundle, &matters);
            Subject::Bundle { bundle, versions, combined }
        }
    };
    Ok(OpenDraft { draft, document, subject })
}

pub(crate) async fn save(app: &App, draft: &Draft, document: &DraftDocument) -> AppResult<()> {
    let text = serde_json::to_string(document).map_err(|error| AppError::Internal(error.to_string()))?;
    Ok(app.store.save_draft(&draft.id, &text, app.now()).await?)
}

/// An applicant's drafts not yet submitted, the most recently changed first.
pub async fn drafts(app: &App, actor: &Actor) -> AppResult<Vec<Draft>> {
    Ok(app.store.open_drafts(applicant_of(actor)?).await?)
}

/// Who at a window helped fill a draft in (帮办代办), by name.
pub fn helper_of(draft: &Draft) -> Option<String> {
    serde_json::from_str::<DraftDocument>(&draft.document).ok()?.assisted.map(|assisted| assisted.name)
}

/// Saves the phone for messages about the application.
pub async fn save_contact(app: &App, actor: &Actor, id: &str, phone: &str) -> AppResult<OpenDraft> {
    let mut open = open(app, actor, id).await?;
    validate_contact(&actor.name, phone)?;
    open.document.phone = phone.trim().to_string();
    save(app, &open.draft, &open.document).await?;
    Ok(open)
}

/// How the applicant answers for one material.
pub enum MaterialAnswer {
    /// Upload a file (none chosen: keep what was uploaded); `another` stays on the page for a further one.
    Upload { file: Option<(String, Vec<u8>)>, another: bool },
    /// Take one uploaded file away.
    Remove { file_id: String },
    /// 容缺: the material follows later, on a pledge.
    Deferred { pledge: bool },
    /// 告知承诺: a pledge replaces the document.
    Pledged { pledge: bool },
    /// An optional material not supplied.
    Skip,
    /// Nothing usable chosen.
    Unknown,
}

/// Where the application goes after an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextPage {
    /// Stay on the same material's page (a file removed, another page of it to upload).
    Same,
    Material(usize),
    Check,
}

/// Records the answer for material `index`; a refusal says, in the field `material`, what to do instead.
pub async fn save_material(
    app: &App,
    actor: &Actor,
    id: &str,
    index: usize,
    answer: MaterialAnswer,
) -> AppResult<NextPage> {
    let OpenDraft { draft, mut document, subject } = open(app, actor, id).await?;
    let materials = subject.materials();
    let material = materials.get(index).ok_or_else(|| AppError::NotFound("这项材料".to_string()))?;
    document.supplied.resize(materials.len(), None);
    document.files.resize(materials.len(), Vec::new());
    let refuse = |message: &str| Err(AppError::field("material", message));
    match answer {
        MaterialAnswer::Remove { file_id } => {
            document.files[index].retain(|kept| *kept != file_id);
            if document.files[index].is_empty() {
                document.supplied[index] = None;
            }
            save(app, &draft, &document).await?;
            return Ok(NextPage::Same);
        }
        MaterialAnswer::Upload { file: Some((name, bytes)), another } => {
            if document.files[index].len() >= 10 {
                return refuse("每项材料最多上传 10 个文件，请把多页扫描成一个 PDF");
            }
            let file = match files::store(app, &actor.owner_tag(), &name, bytes).await {
                Ok(file) => file,
                Err(AppError::Validation(errors)) => return refuse(errors.first("file").unwrap_or("文件无法使用")),
                Err(other) => return Err(other),
            };
            document.files[index].push(file);
            document.supplied[index] = Some(Supplied::Provided);
            document.shared.resize(materials.len(), None);
            document.shared[index] = None;
            // Another page of the same material may follow: stay on this page.
            if another {
                save(app, &draft, &document).await?;
                return Ok(NextPage::Same);
            }
        }
        MaterialAnswer::Upload { file: None, .. } if !document.files[index].is_empty() => {
            document.supplied[index] = Some(Supplied::Provided)
        }
        MaterialAnswer::Upload { file: None, .. } => {
            return refuse("请选择要上传的文件（PDF、JPG 或 PNG，不超过 5 MB）")
        }
        MaterialAnswer::Deferred { pledge } if material.necessity == MaterialNecessity::Deferrable => {
            if !pledge {
                return refuse("容缺后补须勾选承诺：在规定时间内补交本材料");
            }
            document.supplied[index] = Some(Supplied::Deferred);
        }
        MaterialAnswer::Pledged { pledge } if material.pledge_allowed => {
            if !pledge {
                return refuse("告知承诺须勾选承诺：所述情况真实，愿承担不实承诺的法律责任");
            }
            document.supplied[index] = Some(Supplied::Pledged);
        }
        MaterialAnswer::Skip if material.necessity == MaterialNecessity::Optional => {
            document.supplied[index] = Some(Supplied::Missing);
        }
        _ => return refuse("请选择提供方式"),
    }
    save(app, &draft, &document).await?;
    Ok(if index + 1 < materials.len() { NextPage::Material(index + 1) } else { NextPage::Check })
}

/// What submitting a draft did.
pub enum Submitted {
    /// The number of the case made now (the first of a bundle's).
    Case(CaseNumber),
    /// Submitted before: the number of its case.
    Before(CaseNumber),
    /// Not complete yet: back to the check page.
    Incomplete,
}

/// Submits a complete draft as a case (a bundle's as its linked cases). A second click finds the case made
/// by the first.
pub async fn submit(app: &App, actor: &Actor, applicant: &Applicant, id: &str) -> AppResult<Submitted> {
    if let Some(Draft { case_number: Some(number), applicant_id, .. }) = app.store.draft(id).await? {
        if applicant_id == applicant.id {
            return Ok(Submitted::Before(number));
        }
    }
    let OpenDraft { draft, document, subject } = open(app, actor, id).await?;
    let supplied = document.answers(subject.materials().len());
    if !subject.problems(&supplied).is_empty() {
        return Ok(Submitted::Incomplete);
    }
    let mut applicant = applicant.clone();
    applicant.phone = document.phone.clone();
    let assisted_by = document.assisted.as_ref().map(|assisted| assisted.name.clone());
    let case: Case = match &subject {
        Subject::Matter(version) => {
            let answers =
                crate::cases::OnlineAnswers { supplied, files: document.files, shared: document.shared, assisted_by };
            crate::cases::submit_online(app, actor, &applicant, &draft.id, version, answers).await?
        }
        Subject::Bundle { bundle, versions, .. } => {
            crate::cases::submit_bundle(app, actor, &applicant, &draft.id, bundle, versions, supplied, document.files)
                .await?
                .into_iter()
                .next()
                .ok_or_else(|| AppError::Internal("a bundle without cases".to_string()))?
        }
    };
    Ok(Submitted::Case(case.number))
}

/// Asks material `index`'s shared source for it, with the applicant's consent (recorded first: who, which
/// source, which material of which application, when). Found, it counts as supplied and nothing is
/// uploaded; not found or the source failing, the applicant is told so and uploads instead — the draft is
/// kept either way. Only the draft's own applicant can consent (anyone else's draft is not found).
/// Where a material of the application can be taken from instead of an upload.
pub struct Offer {
    pub source: std::sync::Arc<dyn crate::sharing::DataSource>,
    /// For a material a window checked before: what was found (the case and the date), shown before the
    /// applicant consents to its reuse.
    pub checked: Option<crate::sharing::SharedMaterial>,
}

/// The source the catalog names for the material, or else a material of the same name a window checked
/// for this applicant and that may still be reused (grade B); nothing when neither.
pub async fn offer(app: &App, actor: &Actor, material: &MaterialAsk) -> AppResult<Option<Offer>> {
    if let Some(source) = crate::sharing::source_for(app, &material.shared_from) {
        return Ok(Some(Offer { source, checked: None }));
    }
    let applicant = app.store.applicant(applicant_of(actor)?).await?.ok_or(AppError::Forbidden)?;
    let source = std::sync::Arc::new(crate::sharing::records::CheckedSource::new(app));
    let request = crate::sharing::SourceRequest {
        holder: applicant.identity.clone(),
        material: material.name.clone(),
        purpose: String::new(),
    };
    // Only the applicant's own records are read here, to say whether there is anything to reuse.
    match crate::sharing::DataSource::fetch(source.as_ref(), &request).await {
        Ok(Some(found)) => Ok(Some(Offer { source, checked: Some(found) })),
        _ => Ok(None),
    }
}

pub async fn share_material(app: &App, actor: &Actor, id: &str, index: usize) -> AppResult<NextPage> {
    let OpenDraft { draft, mut document, subject } = open(app, actor, id).await?;
    let materials = subject.materials();
    let material = materials.get(index).ok_or_else(|| AppError::NotFound("这项材料".to_string()))?;
    let refuse = |message: String| Err(AppError::field("material", message));
    let Some(Offer { source, .. }) = offer(app, actor, material).await? else {
        return refuse("这项材料还不能通过数据共享获取，请上传".to_string());
    };
    let applicant_id = applicant_of(actor)?;
    let applicant = app.store.applicant(applicant_id).await?.ok_or(AppError::Forbidden)?;
    let consent = onetrip_store::Consent {
        id: 0,
        applicant_id,
        source: source.code(),
        material: material.name.clone(),
        matter_code: draft.matter_code.clone(),
        draft_id: draft.id.clone(),
        given_at: app.now(),
        revoked_at: None,
    };
    app.store.add_consent(&consent).await?;
    let request = crate::sharing::SourceRequest {
        holder: applicant.identity.clone(),
        material: material.name.clone(),
        purpose: draft.matter_code.clone(),
    };
    match crate::sharing::fetch_for(app, source.as_ref(), &request, Some(&draft.id)).await? {
        Ok(Some(found)) => {
            document.supplied.resize(materials.len(), None);
            document.files.resize(materials.len(), Vec::new());
            document.shared.resize(materials.len(), None);
            document.supplied[index] = Some(Supplied::Provided);
            document.shared[index] = Some(SharedRecord {
                source: source.code(),
                grade: found.grade.letter().to_string(),
                title: found.title,
                fields: found.fields,
            });
            save(app, &draft, &document).await?;
            Ok(if index + 1 < materials.len() { NextPage::Material(index + 1) } else { NextPage::Check })
        }
        Ok(None) => refuse(format!("没有查到您名下可用的“{}”（已过期、暂扣或撤销的不能使用），请上传", material.name)),
        Err(fault) => refuse(fault.message()),
    }
}

/// The applicant's consents to data sources, newest first.
pub async fn consents(app: &App, actor: &Actor) -> AppResult<Vec<onetrip_store::Consent>> {
    Ok(app.store.consents(applicant_of(actor)?).await?)
}

/// Revokes one of the applicant's consents (what was already fetched stays with its application).
pub async fn revoke_consent(app: &App, actor: &Actor, id: i64) -> AppResult<()> {
    if app.store.revoke_consent(applicant_of(actor)?, id, app.now()).await? {
        Ok(())
    } else {
        Err(AppError::NotFound("这项授权".to_string()))
    }
}
