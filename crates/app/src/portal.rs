//! The online application (网上申请) over a draft: started from a matter's guide or a "one thing" bundle, it
//! asks one thing per page — the phone for messages, then each material (an upload, 容缺 with a pledge,
//! 告知承诺, or nothing for an optional one) — keeps the answers so the applicant can come back, checks
//! completeness, and becomes a case (or a bundle's linked cases) when submitted.

use crate::accounts::random_token;
use crate::app::App;
use crate::error::{AppError, AppResult, Conflict};
use crate::files;
use onetrip_domain::acceptance::{MaterialProblem, Supplied};
use onetrip_domain::actor::Actor;
use onetrip_domain::applicant::validate_contact;
use onetrip_domain::bundle::{combined_materials, Bundle, CombinedMaterial};
use onetrip_domain::case::Case;
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
}

impl DraftDocument {
    /// The answers, a missing one counting as not supplied.
    pub fn answers(&self, count: usize) -> Vec<Supplied> {
        (0..count).map(|index| self.supplied.get(index).copied().flatten().unwrap_or(Supplied::Missing)).collect()
    }

    pub fn files(&self, index: usize) -> &[String] {
        self.files.get(index).map(Vec::as_slice).unwrap_or_default()
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
    };
    create(app, applicant, format!("bundle:{}", bundle.code), &document).await
}

/// A draft of the applicant's, still open, with what it applies for.
pub struct OpenDraft {
    pub draft: Draft,
    pub document: DraftDocument,
    pub subject: Subject,
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

async fn save(app: &App, draft: &Draft, document: &DraftDocument) -> AppResult<()> {
    let text = serde_json::to_string(document).map_err(|error| AppError::Internal(error.to_string()))?;
    Ok(app.store.save_draft(&draft.id, &text, app.now()).await?)
}

/// An applicant's drafts not yet submitted, the most recently changed first.
pub async fn drafts(app: &App, actor: &Actor) -> AppResult<Vec<Draft>> {
    Ok(app.store.open_drafts(applicant_of(actor)?).await?)
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
    let case: Case = match &subject {
        Subject::Matter(version) => {
            crate::cases::submit_online(app, actor, &applicant, &draft.id, version, supplied, document.files).await?
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
