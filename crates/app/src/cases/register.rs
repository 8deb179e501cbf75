//! A new case, however it arrives: registered at a window, sent by a departmental system with its scans,
//! submitted online from a draft, or as one of the linked cases of a "one thing" bundle. Every way is
//! idempotent: a retry with the same key (a double click, a network retry) returns the case made first.

use super::messages::sms;
use crate::app::App;
use crate::error::{AppError, AppResult};
use crate::files;
use onetrip_domain::acceptance::{self, Supplied};
use onetrip_domain::access::Permission;
use onetrip_domain::actor::{Actor, Channel};
use onetrip_domain::applicant::{validate_contact, ApplicantIdentity};
use onetrip_domain::bundle::{check_combined, combined_materials, split, Bundle};
use onetrip_domain::case::{BundleLink, Case, CaseDocument, EventKind};
use onetrip_domain::catalog::{Matter, MatterVersion};
use onetrip_domain::FieldErrors;
use onetrip_store::{Applicant, CaseEvent, Idempotency, NewApplicant, NewCase, StoreError, StoredFile};

/// The applicant as a request names them.
#[derive(Debug, Clone)]
pub struct ApplicantInput {
    pub kind: String,
    pub id_number: String,
    pub name: String,
    pub phone: String,
}

/// An application registered at a window or sent by a departmental system.
#[derive(Debug, Clone)]
pub struct SubmitCase {
    pub matter_code: String,
    pub applicant: ApplicantInput,
    pub supplied: Vec<Supplied>,
    /// Electronic materials sent with the application (a departmental system's scans).
    pub attachments: Vec<Attachment>,
    /// Materials the applicant, present at the window, agreed to have taken from the source the catalog
    /// names instead of handing them in (by position; the window's form only, never the API).
    pub shared: Vec<usize>,
}

/// One electronic material, its content in base64.
#[derive(Debug, Clone)]
pub struct Attachment {
    /// Position of the material in the matter's list.
    pub material: usize,
    pub name: String,
    pub content_base64: String,
}

/// At most this many attachments in one application.
pub const MAX_ATTACHMENTS: usize = 20;
/// The longest attachment file name accepted (most file systems allow 255).
pub const MAX_FILE_NAME_CHARS: usize = 255;

/// Registers an application; with an idempotency key, a retry returns the case made the first time.
/// Returns the case and whether it was created now.
pub async fn submit(
    app: &App,
    actor: &Actor,
    request: SubmitCase,
    idempotency_key: Option<&str>,
) -> AppResult<(Case, bool)> {
    if !actor.may(Permission::AcceptCases) {
        return Err(AppError::Forbidden);
    }
    let mut errors = FieldErrors::default();
    let catalog = app.catalog();
    let version = catalog.active_version(request.matter_code.trim());
    if version.is_none() {
        errors.add("matter_code", "没有这个现行事项，请核对事项编码");
    }
    let identity = match ApplicantIdentity::parse(request.applicant.kind.trim(), &request.applicant.id_number) {
        Ok(identity) => Some(identity),
        Err(found) => {
            errors.merge_prefixed("applicant.", found);
            None
        }
    };
    if let Err(found) = validate_contact(&request.applicant.name, &request.applicant.phone) {
        errors.merge_prefixed("applicant.", found);
    }
    if let Some(version) = version {
        let department = &version.matter.department;
        if !actor.registers_for(department) {
            errors.add(
                "matter_code",
                format!(
                    "这个事项由{}办理，本窗口只登记本部门的事项；请引导申请人到综合窗口或{}窗口",
                    catalog.department_name(department),
                    catalog.department_name(department)
                ),
            );
        }
        if request.supplied.len() > version.matter.materials.len() {
            errors.add("supplied", format!("本事项只有 {} 项材料", version.matter.materials.len()));
        }
    }
    if let Some(key) = idempotency_key {
        if key.is_empty() || key.len() > 100 {
            errors.add("idempotency_key", "Idempotency-Key 应为 1 到 100 个字符");
        }
    }
    // Attachments are decoded and checked by content before anything is kept.
    let mut decoded = Vec::new();
    if request.attachments.len() > MAX_ATTACHMENTS {
        errors.add("attachments", format!("一次最多附 {MAX_ATTACHMENTS} 个文件"));
    }
    for (index, attachment) in request.attachments.iter().enumerate().take(MAX_ATTACHMENTS) {
        use base64::Engine;
        let field = format!("attachments[{index}]");
        let materials = version.map(|version| version.matter.materials.len()).unwrap_or(0);
        if let Err(error) = onetrip_domain::text::check_line(&attachment.name, MAX_FILE_NAME_CHARS) {
            errors.add(format!("{field}.name"), format!("文件名{error}"));
            continue;
        }
        if attachment.material >= materials {
            errors.add(format!("{field}.material"), format!("材料序号应在 0 到 {} 之间", materials.saturating_sub(1)));
            continue;
        }
        match base64::engine::general_purpose::STANDARD.decode(attachment.content_base64.trim()) {
            Ok(bytes) => match onetrip_domain::upload::sniff(&bytes) {
                Ok(_) => decoded.push((attachment.material, attachment.name.clone(), bytes)),
                Err(error) => errors.add(format!("{field}.content_base64"), error.to_string()),
            },
            Err(_) => errors.add(format!("{field}.content_base64"), "不是有效的 base64 编码"),
        }
    }
    let (Some(version), Some(identity)) = (version, identity) else {
        return Err(AppError::Validation(errors));
    };
    errors.into_result()?;

    let owner = actor.owner_tag();
    let idempotency = idempotency_key.map(|key| Idempotency::new(&owner, key, &fingerprint(&request)));
    // A retry with the same key must not store the files again (and the same key with another request is
    // refused before anything is kept).
    if let Some(idempotency) = &idempotency {
        if let Some(existing) = app.store.case_by_idempotency_key(idempotency).await? {
            return Ok((existing, false));
        }
    }
    let new = NewApplicant {
        identity,
        name: request.applicant.name.trim().to_string(),
        phone: request.applicant.phone.trim().to_string(),
        password_hash: None,
    };
    let applicant = applicant_for(app, &new).await?;
    let count = version.matter.materials.len();
    let mut files = vec![Vec::new(); count];
    let mut supplied = request.supplied;
    supplied.resize(count, Supplied::Missing);
    let mut stored = Vec::new();
    for (material, name, bytes) in decoded {
        let file = files::put(app, &owner, &name, bytes).await?;
        files[material].push(file.id.clone());
        supplied[material] = Supplied::Provided;
        stored.push(file);
    }
    // Taken from their sources with the consent given at the window; one that yields nothing stops the
    // registration with the reason (the consent stays on record), so that the clerk collects the paper.
    let mut shared = vec![None; count];
    let mut refused = FieldErrors::default();
    for &index in &request.shared {
        match crate::sharing::at_window(app, actor, &applicant, version, index).await? {
            Ok(record) if index < count => {
                shared[index] = Some(record);
                supplied[index] = Supplied::Provided;
            }
            Ok(_) => {}
            Err(message) => refused.add(format!("supplied[{index}]"), message),
        }
    }
    refused.into_result()?;
    let channel = if actor.channel == Channel::Api { Channel::Api } else { Channel::Window };
    register(
        app,
        Registration {
            version,
            applicant: &applicant,
            supplied,
            files,
            channel,
            event: event(app, actor, String::new()),
            idempotency,
            draft: None,
            bundle: None,
            stored,
            shared,
            assisted_by: None,
        },
    )
    .await
}

/// The applicant of a new case: the one registered with this identity, or a new record. Two first
/// applications of the same person at once both get the one record: whoever loses the race to create it
/// reads the winner's.
pub(crate) async fn applicant_for(app: &App, new: &NewApplicant) -> AppResult<Applicant> {
    if let Some(applicant) = app.store.applicant_by_identity(&new.identity).await? {
        return Ok(applicant);
    }
    match app.store.create_applicant(new, app.now()).await {
        Ok(id) => app.store.applicant(id).await?.ok_or_else(|| AppError::Internal("applicant just created".into())),
        Err(StoreError::Conflict(_)) => app
            .store
            .applicant_by_identity(&new.identity)
            .await?
            .ok_or_else(|| AppError::Internal("applicant neither created nor found".into())),
        Err(error) => Err(error.into()),
    }
}

/// A digest of what an application asks for, stored with its idempotency key: the same key with any other
/// matter, applicant, material state or attachment is a different request.
fn fingerprint(request: &SubmitCase) -> String {
    use sha2::{Digest, Sha256};
    let mut digest = Sha256::new();
    let mut field = |text: &str| {
        digest.update((text.len() as u64).to_le_bytes());
        digest.update(text.as_bytes());
    };
    field(request.matter_code.trim());
    field(request.applicant.kind.trim());
    field(&request.applicant.id_number.trim().to_ascii_uppercase());
    field(request.applicant.name.trim());
    field(request.applicant.phone.trim());
    for supplied in &request.supplied {
        field(&serde_json::to_string(supplied).unwrap_or_default());
    }
    field("attachments");
    for attachment in &request.attachments {
        field(&attachment.material.to_string());
        field(&attachment.name);
        field(attachment.content_base64.trim());
    }
    // Only when asked for, so that the fingerprints kept before the window could take shared materials
    // stay the same.
    if !request.shared.is_empty() {
        field("shared");
        for index in &request.shared {
            field(&index.to_string());
        }
    }
    digest.finalize().iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The event that opens a case.
fn event(app: &App, actor: &Actor, detail: String) -> CaseEvent {
    CaseEvent {
        at: app.now(),
        actor: actor.name.clone(),
        role: actor.role_text(),
        action: EventKind::Submit.code().to_string(),
        from_phase: String::new(),
        to_phase: onetrip_domain::case::Phase::Received.code().to_string(),
        detail,
    }
}

/// A new case, however it arrived.
struct Registration<'a> {
    version: &'a MatterVersion,
    applicant: &'a Applicant,
    supplied: Vec<Supplied>,
    files: Vec<Vec<String>>,
    channel: Channel,
    event: CaseEvent,
    idempotency: Option<Idempotency>,
    draft: Option<String>,
    bundle: Option<BundleLink>,
    /// Files sent with the application, bytes stored already, recorded with the case.
    stored: Vec<StoredFile>,
    /// What shared data sources supplied, by material.
    shared: Vec<Option<onetrip_domain::case::SharedRecord>>,
    /// 帮办代办: who at a window helped fill the online application in.
    assisted_by: Option<String>,
}

async fn register(app: &App, registration: Registration<'_>) -> AppResult<(Case, bool)> {
    let Registration {
        version,
        applicant,
        supplied,
        files,
        channel,
        event,
        idempotency,
        draft,
        bundle,
        stored,
        shared,
        assisted_by,
    } = registration;
    let now = app.now();
    let received = app.local_naive(now);
    let mut document = CaseDocument::received(received, version.matter.materials.len(), supplied, files, bundle);
    for (record, shared) in document.materials.iter_mut().zip(shared) {
        record.shared = shared;
    }
    document.assisted_by = assisted_by;
    let deadline = acceptance::decision_deadline(&app.calendar(), received)
        .map(|deadline| deadline.format("%Y年%m月%d日").to_string())
        .unwrap_or_else(|_| "五个工作日内".to_string());
    let message = sms(
        app,
        applicant,
        format!(
            "您申请的“{}”已收件，办件编号 {{number}}。窗口将在 {deadline} 前告知是否受理或需补正的全部材料。",
            version.matter.name
        ),
    );
    let case = NewCase {
        day: app.today(),
        matter_code: version.matter.code.clone(),
        matter_version: version.version,
        department: version.matter.department.clone(),
        applicant_id: applicant.id,
        channel,
        document,
        received_at: now,
        draft,
        notifications: vec![message],
        files: stored,
    };
    let trip = (channel == Channel::Window).then_some("递交申请材料");
    let (record, created) = app.store.create_case(&case, idempotency.as_ref(), &event, trip).await?;
    if created {
        tracing::info!(case = %record.number, matter = %record.matter_code, channel = channel.code(), "case registered");
    }
    Ok((record, created))
}

/// Every problem of an incomplete application, by material.
fn incomplete(problems: Vec<acceptance::MaterialProblem>) -> AppError {
    let mut errors = FieldErrors::default();
    for problem in problems {
        errors.add(format!("supplied[{}]", problem.material), format!("{}：{}", problem.name, problem.problem));
    }
    AppError::Validation(errors)
}

/// What an online application answers for each material: supplied or not, the files uploaded, and what a
/// shared data source supplied.
pub(crate) struct OnlineAnswers {
    pub supplied: Vec<Supplied>,
    pub files: Vec<Vec<String>>,
    pub shared: Vec<Option<onetrip_domain::case::SharedRecord>>,
    /// 帮办代办: who at a window helped fill it in.
    pub assisted_by: Option<String>,
}

/// Submits an applicant's online application (a completed draft) as a case. Submitting the same draft twice
/// gives back the case made the first time.
pub(crate) async fn submit_online(
    app: &App,
    actor: &Actor,
    applicant: &Applicant,
    draft_id: &str,
    version: &MatterVersion,
    answers: OnlineAnswers,
) -> AppResult<Case> {
    let OnlineAnswers { supplied, files, shared, assisted_by } = answers;
    let problems = acceptance::check_completeness(&version.matter, &supplied);
    if !problems.is_empty() {
        return Err(incomplete(problems));
    }
    let (record, _) = register(
        app,
        Registration {
            version,
            applicant,
            supplied,
            files,
            channel: Channel::Online,
            event: event(app, actor, "网上申请".to_string()),
            idempotency: Some(Idempotency::new("draft", draft_id, "")),
            draft: Some(draft_id.to_string()),
            bundle: None,
            stored: Vec::new(),
            shared,
            assisted_by,
        },
    )
    .await?;
    Ok(record)
}

/// Submits a "one thing" bundle application as one linked case per matter, in the bundle's order. Each case
/// has its own idempotency key and the draft is marked with the last, so that a retry after an interruption
/// finds the cases already made and makes the rest.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn submit_bundle(
    app: &App,
    actor: &Actor,
    applicant: &Applicant,
    draft_id: &str,
    bundle: &Bundle,
    versions: &[MatterVersion],
    supplied: Vec<Supplied>,
    files: Vec<Vec<String>>,
) -> AppResult<Vec<Case>> {
    let matters: Vec<&Matter> = versions.iter().map(|version| &version.matter).collect();
    let combined = combined_materials(bundle, &matters);
    let problems = check_combined(bundle, &matters, &combined, &supplied);
    if !problems.is_empty() {
        return Err(incomplete(problems));
    }
    let answers: Vec<(Supplied, Vec<String>)> = supplied.into_iter().zip(files).collect();
    let per_matter = split(bundle, &matters, &combined, &answers, Vec::new());
    let link = BundleLink { code: bundle.code.clone(), name: bundle.name.clone(), draft: draft_id.to_string() };
    let mut records = Vec::new();
    for (position, (version, list)) in versions.iter().zip(per_matter).enumerate() {
        let (supplied, files): (Vec<Supplied>, Vec<Vec<String>>) = list.into_iter().unzip();
        let key = format!("{draft_id}:{}", version.matter.code);
        let last = position + 1 == versions.len();
        let (record, _) = register(
            app,
            Registration {
                version,
                applicant,
                supplied,
                files,
                channel: Channel::Online,
                event: event(app, actor, format!("网上申请（一件事：{}）", bundle.name)),
                idempotency: Some(Idempotency::new("draft", &key, "")),
                draft: last.then(|| draft_id.to_string()),
                bundle: Some(link.clone()),
                stored: Vec::new(),
                shared: Vec::new(),
                assisted_by: None,
            },
        )
        .await?;
        records.push(record);
    }
    Ok(records)
}
