//! Cases (办件), first slice: registering an application at a window or from a departmental system, the
//! acceptance decisions (correction notice, corrected materials, 受理, 不予受理), and the public progress
//! lookup by case number and the last four characters of the applicant's identity number.
//!
//! The rules are `onetrip_domain::acceptance`; this module loads the case, asks the rules, and stores the
//! transition with its event (and the applicant's trip to the hall, when there was one) in one transaction.

use crate::auth::Staff;
use crate::error::Error;
use crate::state::AppState;
use chrono::{DateTime, NaiveDateTime, Utc};
use onetrip_domain::acceptance::{self, AcceptanceAction, AcceptanceState, CaseAcceptance, MaterialProblem, Supplied};
use onetrip_domain::access::Permission;
use onetrip_domain::applicant::{validate_contact, ApplicantIdentity};
use onetrip_domain::calendar::Calendar;
use onetrip_domain::case_number::CaseNumber;
use onetrip_domain::catalog::{Matter, MatterVersion};
use onetrip_domain::clock::{CaseClock, ClockError};
use onetrip_domain::review::{self, Review, ReviewAction, TaskState};
use onetrip_domain::supervision;
use onetrip_domain::FieldErrors;
use onetrip_store::{Applicant, CaseChange, CaseEvent, CaseRecord, CaseTask, NewApplicant, NewCase, Notification};
use serde::{Deserialize, Serialize};

/// What a case keeps besides its indexed columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseDocument {
    pub acceptance: CaseAcceptance,
    /// What was supplied for each material of the matter's list, in its order.
    pub supplied: Vec<Supplied>,
    /// The problems listed on the latest correction notice.
    #[serde(default)]
    pub correction_notice: Vec<MaterialProblem>,
    #[serde(default)]
    pub refusal_reasons: String,
    /// The back-office review, from acceptance on.
    #[serde(default)]
    pub review: Option<Review>,
    /// The stored files uploaded for each material, indexed like `supplied`.
    #[serde(default)]
    pub files: Vec<Vec<String>>,
    /// How the result reached the applicant, once it has.
    #[serde(default)]
    pub delivery: Option<Delivery>,
    /// Special procedures that stopped the clock, and extensions of the limit.
    #[serde(default)]
    pub clock: CaseClock,
    /// The "one thing" bundle this case was applied for with, if any.
    #[serde(default)]
    pub bundle: Option<BundleLink>,
}

/// The link between the cases of one bundle application: they share the draft they came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleLink {
    pub code: String,
    pub name: String,
    pub draft: String,
}

/// How a result was delivered (送达).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// `pickup` (窗口领取), `post` (邮寄) or `online` (网上下载).
    pub method: String,
    /// The postal tracking number, for `post`.
    #[serde(default)]
    pub tracking_number: String,
    /// The results issued, from the catalog (certificate, document, approval).
    pub results: Vec<String>,
    pub at: NaiveDateTime,
    pub by: String,
}

/// The applicant as a request names them.
#[derive(Debug, Clone, Deserialize)]
pub struct ApplicantInput {
    pub kind: String,
    pub id_number: String,
    pub name: String,
    pub phone: String,
}

/// An application registered at a window or sent by a departmental system.
#[derive(Debug, Clone, Deserialize)]
pub struct SubmitCase {
    pub matter_code: String,
    pub applicant: ApplicantInput,
    #[serde(default)]
    pub supplied: Vec<Supplied>,
    /// Electronic materials sent with the application (a departmental system's scans).
    #[serde(default)]
    pub attachments: Vec<Attachment>,
}

/// One electronic material, its content in base64.
#[derive(Debug, Clone, Deserialize)]
pub struct Attachment {
    /// Position of the material in the matter's list.
    pub material: usize,
    pub name: String,
    pub content_base64: String,
}

/// At most this many attachments in one application.
const MAX_ATTACHMENTS: usize = 20;

/// The phase names stored in `cases.phase`.
pub fn phase_name(state: &AcceptanceState) -> &'static str {
    match state {
        AcceptanceState::Received => "received",
        AcceptanceState::AwaitingCorrection => "awaiting_correction",
        AcceptanceState::Accepted { .. } => "accepted",
        AcceptanceState::RefusedToAccept => "refused_to_accept",
    }
}

pub fn phase_label(phase: &str) -> &'static str {
    match phase {
        "received" => "已收件，待受理",
        "awaiting_correction" => "待补正材料",
        "accepted" => "已受理，审查中",
        "refused_to_accept" => "不予受理",
        "granted" => "准予许可，待送达",
        "refused" => "不予许可，待送达",
        "suspended" => "特别程序中（暂停计时）",
        "delivered" => "已办结送达",
        _ => "办理中",
    }
}

fn local(state: &AppState, instant: DateTime<Utc>) -> NaiveDateTime {
    state.local(instant).naive_local()
}

fn utc(state: &AppState, local: NaiveDateTime) -> DateTime<Utc> {
    local
        .and_local_timezone(state.config.utc_offset)
        .single()
        .map(|instant| instant.with_timezone(&Utc))
        .unwrap_or_default()
}

fn role_of(staff: &Staff) -> String {
    staff.roles().iter().map(|role| role.code()).collect::<Vec<_>>().join(",")
}

fn event(state: &AppState, staff: &Staff, action: &str, from: &str, to: &str, detail: String) -> CaseEvent {
    event_by(state, &staff.user.display_name, &role_of(staff), action, from, to, detail)
}

fn event_by(
    state: &AppState,
    actor: &str,
    role: &str,
    action: &str,
    from: &str,
    to: &str,
    detail: String,
) -> CaseEvent {
    CaseEvent {
        at: state.now(),
        actor: actor.to_string(),
        role: role.to_string(),
        action: action.to_string(),
        from_phase: from.to_string(),
        to_phase: to.to_string(),
        detail,
    }
}

fn document_of(record: &CaseRecord) -> Result<CaseDocument, Error> {
    serde_json::from_str(&record.document).map_err(|error| Error::Internal(format!("case document: {error}")))
}

fn encode(document: &CaseDocument) -> Result<String, Error> {
    serde_json::to_string(document).map_err(|error| Error::Internal(format!("case document: {error}")))
}

async fn matter_version(state: &AppState, code: &str, version: u32) -> Result<MatterVersion, Error> {
    state
        .store
        .matter_versions(code)
        .await?
        .into_iter()
        .find(|candidate| candidate.version == version)
        .ok_or_else(|| Error::Internal(format!("case refers to missing version {version} of {code}")))
}

/// Registers an application; with an idempotency key, a retry returns the case made the first time.
/// Returns the case and whether it was created now.
pub async fn submit(
    state: &AppState,
    staff: &Staff,
    request: SubmitCase,
    idempotency_key: Option<&str>,
) -> Result<(CaseRecord, bool), Error> {
    staff.require(Permission::AcceptCases)?;
    let mut errors = FieldErrors::default();
    let catalog = state.catalog();
    let version =
        catalog.version(request.matter_code.trim()).filter(|version| !version.adjustment.kind.ends_the_matter());
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
        return Err(Error::Validation(errors));
    };
    errors.into_result()?;

    let applicant = match state.store.applicant_by_identity(&identity).await? {
        Some(applicant) => applicant,
        None => {
            let new = NewApplicant {
                identity,
                name: request.applicant.name.trim().to_string(),
                phone: request.applicant.phone.trim().to_string(),
                password_hash: None,
            };
            let id = state.store.create_applicant(&new, state.now()).await?;
            state.store.applicant(id).await?.ok_or_else(|| Error::Internal("applicant just created".to_string()))?
        }
    };
    let channel = if staff.credential == crate::auth::Credential::Bearer { "api" } else { "window" };
    let scope = format!("user:{}", staff.user.id);
    // A retry with the same key must not store the files again.
    if let Some(key) = idempotency_key {
        if let Some(existing) = state.store.case_by_idempotency_key(&scope, key).await? {
            return Ok((existing, false));
        }
    }
    let mut files = vec![Vec::new(); version.matter.materials.len()];
    let mut supplied = request.supplied;
    supplied.resize(version.matter.materials.len(), Supplied::Missing);
    let mut stored = Vec::new();
    for (material, name, bytes) in decoded {
        let file = crate::portal::put_upload(state, &format!("user:{}", staff.user.id), &name, bytes).await?;
        files[material].push(file.id.clone());
        supplied[material] = Supplied::Provided;
        stored.push(file);
    }
    register(
        state,
        Registration {
            version,
            applicant: &applicant,
            supplied,
            files,
            channel,
            event: event(state, staff, "submit", "", "received", String::new()),
            idempotency: idempotency_key.map(|key| (scope.as_str(), key)),
            draft: None,
            bundle: None,
            stored,
        },
    )
    .await
}

/// A new case, however it arrived.
struct Registration<'a> {
    version: &'a MatterVersion,
    applicant: &'a Applicant,
    supplied: Vec<Supplied>,
    files: Vec<Vec<String>>,
    channel: &'static str,
    event: CaseEvent,
    idempotency: Option<(&'a str, &'a str)>,
    draft: Option<String>,
    bundle: Option<BundleLink>,
    /// Files sent with the application, bytes stored already, recorded with the case.
    stored: Vec<onetrip_store::StoredFile>,
}

/// A text message to the applicant's phone, signed with the centre's name.
pub fn sms(state: &AppState, applicant: &Applicant, text: String) -> Notification {
    Notification {
        channel: "sms".to_string(),
        recipient: applicant.phone.clone(),
        body: format!("【{}】{text}", state.config.centre_name),
    }
}

async fn register(state: &AppState, registration: Registration<'_>) -> Result<(CaseRecord, bool), Error> {
    let Registration {
        version,
        applicant,
        mut supplied,
        mut files,
        channel,
        event,
        idempotency,
        draft,
        bundle,
        stored,
    } = registration;
    let now = state.now();
    supplied.resize(version.matter.materials.len(), Supplied::Missing);
    files.resize(version.matter.materials.len(), Vec::new());
    let document = CaseDocument {
        acceptance: CaseAcceptance { state: AcceptanceState::Received, received_at: local(state, now), corrections: 0 },
        supplied,
        correction_notice: Vec::new(),
        refusal_reasons: String::new(),
        review: None,
        files,
        delivery: None,
        clock: CaseClock::default(),
        bundle,
    };
    let deadline = acceptance::decision_deadline(&state.calendar(), document.acceptance.received_at)
        .map(|deadline| deadline.format("%Y年%m月%d日").to_string())
        .unwrap_or_else(|_| "五个工作日内".to_string());
    let message = sms(
        state,
        applicant,
        format!(
            "您申请的“{}”已收件，办件编号 {{number}}。窗口将在 {deadline} 前告知是否受理或需补正的全部材料。",
            version.matter.name
        ),
    );
    let case = NewCase {
        day: state.today(),
        matter_code: version.matter.code.clone(),
        matter_version: version.version,
        department: version.matter.department.clone(),
        applicant_id: applicant.id,
        channel: channel.to_string(),
        phase: phase_name(&AcceptanceState::Received).to_string(),
        document: encode(&document)?,
        received_at: now,
        draft,
        notifications: vec![message],
        files: stored,
    };
    let trip = (channel == "window").then_some("递交申请材料");
    let (record, created) = state.store.create_case(&case, idempotency, &event, trip).await?;
    if created {
        tracing::info!(case = %record.number, matter = %record.matter_code, channel, "case registered");
    }
    Ok((record, created))
}

/// Submits a "one thing" bundle application as one linked case per matter, in the bundle's order. Each case
/// has its own idempotency key and the draft is marked with the last, so that a retry after an interruption
/// finds the cases already made and makes the rest.
pub async fn submit_bundle(
    state: &AppState,
    applicant: &Applicant,
    draft_id: &str,
    bundle: &onetrip_domain::bundle::Bundle,
    versions: &[MatterVersion],
    supplied: Vec<Supplied>,
    files: Vec<Vec<String>>,
) -> Result<Vec<CaseRecord>, Error> {
    use onetrip_domain::bundle::{check_combined, combined_materials, split};
    let matters: Vec<&Matter> = versions.iter().map(|version| &version.matter).collect();
    let combined = combined_materials(bundle, &matters);
    let problems = check_combined(bundle, &matters, &combined, &supplied);
    if !problems.is_empty() {
        let mut errors = FieldErrors::default();
        for problem in problems {
            errors.add(format!("supplied[{}]", problem.material), format!("{}：{}", problem.name, problem.problem));
        }
        return Err(Error::Validation(errors));
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
            state,
            Registration {
                version,
                applicant,
                supplied,
                files,
                channel: "online",
                event: event_by(
                    state,
                    &applicant.name,
                    "applicant",
                    "submit",
                    "",
                    "received",
                    format!("网上申请（一件事：{}）", bundle.name),
                ),
                idempotency: Some(("draft", &key)),
                draft: last.then(|| draft_id.to_string()),
                bundle: Some(link.clone()),
                stored: Vec::new(),
            },
        )
        .await?;
        records.push(record);
    }
    Ok(records)
}

/// Submits an applicant's online application (a completed draft) as a case. Submitting the same draft twice
/// gives back the case made the first time.
pub async fn submit_online(
    state: &AppState,
    applicant: &Applicant,
    draft_id: &str,
    version: &MatterVersion,
    supplied: Vec<Supplied>,
    files: Vec<Vec<String>>,
) -> Result<CaseRecord, Error> {
    let problems = acceptance::check_completeness(&version.matter, &supplied);
    if !problems.is_empty() {
        let mut errors = FieldErrors::default();
        for problem in problems {
            errors.add(format!("supplied[{}]", problem.material), format!("{}：{}", problem.name, problem.problem));
        }
        return Err(Error::Validation(errors));
    }
    let (record, _) = register(
        state,
        Registration {
            version,
            applicant,
            supplied,
            files,
            channel: "online",
            event: event_by(state, &applicant.name, "applicant", "submit", "", "received", "网上申请".to_string()),
            idempotency: Some(("draft", draft_id)),
            draft: Some(draft_id.to_string()),
            bundle: None,
            stored: Vec::new(),
        },
    )
    .await?;
    Ok(record)
}

/// What a window decides on a received case.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", tag = "decision")]
pub enum AcceptanceRequest {
    /// Issue the one correction notice: every problem of what was supplied, and any noted by hand.
    CorrectionNotice {
        supplied: Vec<Supplied>,
        #[serde(default)]
        notes: Vec<MaterialProblem>,
        #[serde(default)]
        supervisor_reason: Option<String>,
    },
    /// The applicant brought what the notice asked for.
    Corrected {
        supplied: Vec<Supplied>,
    },
    Accept {
        supplied: Vec<Supplied>,
    },
    Refuse {
        reasons: String,
    },
}

/// Applies a window's acceptance decision; the applicant's visit for it is recorded as a trip.
pub async fn decide_acceptance(
    state: &AppState,
    staff: &Staff,
    number: &CaseNumber,
    request: AcceptanceRequest,
    expected_revision: Option<i64>,
) -> Result<CaseRecord, Error> {
    staff.require(Permission::AcceptCases)?;
    let (record, mut document) = case_for_staff(state, staff, number).await?;
    let version = matter_version(state, &record.matter_code, record.matter_version).await?;
    let matter: &Matter = &version.matter;
    let clean = |supplied: Vec<Supplied>| {
        let mut supplied = supplied;
        supplied.resize(matter.materials.len(), Supplied::Missing);
        supplied
    };
    let (action, trip, label) = match request {
        AcceptanceRequest::CorrectionNotice { supplied, notes, supervisor_reason } => {
            let supplied = clean(supplied);
            let mut problems = acceptance::check_completeness(matter, &supplied);
            problems.extend(
                notes
                    .into_iter()
                    .filter(|note| note.material < matter.materials.len() && !note.problem.trim().is_empty()),
            );
            document.supplied = supplied;
            document.correction_notice = problems.clone();
            (AcceptanceAction::RequestCorrection { problems, supervisor_reason }, None, "correction_notice")
        }
        AcceptanceRequest::Corrected { supplied } => {
            document.supplied = clean(supplied);
            (AcceptanceAction::SupplyCorrection, Some("补正材料"), "corrected")
        }
        AcceptanceRequest::Accept { supplied } => {
            let supplied = clean(supplied);
            document.supplied = supplied.clone();
            (AcceptanceAction::Accept { supplied }, None, "accept")
        }
        AcceptanceRequest::Refuse { reasons } => {
            document.refusal_reasons = reasons.trim().to_string();
            (AcceptanceAction::RefuseToAccept { reasons }, None, "refuse_to_accept")
        }
    };
    let who = Who {
        name: staff.user.display_name.clone(),
        role: role_of(staff),
        supervisor: staff.may(Permission::SignOffCorrection),
    };
    commit_acceptance(state, &who, &record, document, matter, action, trip, label, expected_revision).await
}

/// Who takes an acceptance decision: a staff member, or the system acting by law.
struct Who {
    name: String,
    role: String,
    supervisor: bool,
}

/// Decides by the acceptance rules and stores the transition with its event, trip and messages.
#[allow(clippy::too_many_arguments)]
async fn commit_acceptance(
    state: &AppState,
    who: &Who,
    record: &CaseRecord,
    mut document: CaseDocument,
    matter: &Matter,
    action: AcceptanceAction,
    trip: Option<&str>,
    label: &str,
    expected_revision: Option<i64>,
) -> Result<CaseRecord, Error> {
    let number = &record.number;
    let actor = acceptance::Actor { name: who.name.clone(), supervisor: who.supervisor };
    let calendar = state.calendar();
    let now = local(state, state.now());
    let transition = acceptance::decide(&document.acceptance, matter, &action, &actor, &calendar, now).map_err(
        |error| match &error {
            acceptance::AcceptanceError::Incomplete(problems) => {
                let mut errors = FieldErrors::default();
                for problem in problems.iter() {
                    errors.add(
                        format!("supplied[{}]", problem.material),
                        format!("{}：{}", problem.name, problem.problem),
                    );
                }
                Error::Validation(errors)
            }
            acceptance::AcceptanceError::SecondCorrectionNeedsSupervisor if actor.supervisor => {
                Error::Validation(FieldErrors::single("supervisor_reason", error.to_string()))
            }
            acceptance::AcceptanceError::SecondCorrectionNeedsSupervisor => Error::Forbidden,
            acceptance::AcceptanceError::CaseNotInState => {
                Error::Conflict(format!("办件现在是“{}”，不能{}", phase_label(&record.phase), error_label(label)))
            }
            _ => Error::Validation(FieldErrors::single("decision", error.to_string())),
        },
    )?;
    document.acceptance = CaseAcceptance {
        state: transition.to.clone(),
        received_at: transition.received_at,
        corrections: transition.corrections,
    };
    let (accepted_at, due_at, warn_at) = match &transition.to {
        AcceptanceState::Accepted { accepted_at, .. } => {
            let due = calendar
                .due(*accepted_at, matter.promised_limit.half_days())
                .map_err(|error| Error::Internal(error.to_string()))?;
            let warn = supervision::warn_at(&calendar, *accepted_at, due, state.config.warn_share)
                .map_err(|error| Error::Internal(error.to_string()))?;
            // Acceptance opens the review: its first stage's tasks go to their departments' inboxes.
            document.review = Some(
                review::open_review(matter, &calendar, *accepted_at)
                    .map_err(|error| Error::Internal(error.to_string()))?,
            );
            (Some(utc(state, *accepted_at)), Some(utc(state, due)), Some(utc(state, warn)))
        }
        _ => (None, None, None),
    };
    let tasks = document.review.as_ref().map(|review| task_rows(state, &calendar, review));
    // A matter without review steps is concluded at acceptance (受理即办结).
    let concluded = document.review.as_ref().is_some_and(|review| review.outcome == Some(review::Outcome::Granted));
    let applicant = state.store.applicant(record.applicant_id).await?;
    let message = match (&transition.to, label) {
        (_, "correction_notice") => Some(format!(
            "办件 {number}（{}）需要补正以下材料：{}。请一次补齐；网上申请的可在“我的办件”中上传。",
            matter.name,
            document.correction_notice.iter().map(|problem| problem.name.as_str()).collect::<Vec<_>>().join("、")
        )),
        (AcceptanceState::Accepted { .. }, _) => Some(format!(
            "办件 {number}（{}）已受理，承诺 {} 前办结。",
            matter.name,
            due_at.map(|due| state.local(due).format("%Y年%m月%d日 %H:%M").to_string()).unwrap_or_default()
        )),
        (AcceptanceState::RefusedToAccept, _) => Some(format!(
            "办件 {number}（{}）不予受理，理由：{}。可凭不予受理决定书依法申请行政复议或提起行政诉讼。",
            matter.name, document.refusal_reasons
        )),
        _ => None,
    };
    let notifications = match (applicant, message) {
        (Some(applicant), Some(message)) => vec![sms(state, &applicant, message)],
        _ => Vec::new(),
    };
    let detail = match label {
        "correction_notice" if transition.extra_correction => "第二次补正（负责人签批，计入部门）".to_string(),
        "correction_notice" => format!("一次性告知补正 {} 项", document.correction_notice.len()),
        "refuse_to_accept" => document.refusal_reasons.clone(),
        _ => String::new(),
    };
    let change = CaseChange {
        expected_revision: expected_revision.unwrap_or(record.revision),
        phase: if concluded { "granted" } else { phase_name(&transition.to) }.to_string(),
        document: encode(&document)?,
        corrections: u32::from(transition.corrections),
        received_at: utc(state, transition.received_at),
        accepted_at,
        due_at,
        warn_at,
        notifications,
    };
    let event = event_by(state, &who.name, &who.role, label, phase_name(&transition.from), &change.phase, detail);
    Ok(state.store.update_case(number, &change, &event, trip, tasks.as_deref()).await?)
}

/// The inbox index rows of a review.
fn task_rows(state: &AppState, calendar: &Calendar, review: &Review) -> Vec<CaseTask> {
    review
        .tasks
        .iter()
        .enumerate()
        .map(|(index, task)| CaseTask {
            task: u32::try_from(index).unwrap_or(u32::MAX),
            department: task.department.clone(),
            name: task.name.clone(),
            state: match task.state {
                TaskState::Waiting => "waiting",
                TaskState::Open => "open",
                TaskState::Done => "done",
            }
            .to_string(),
            due_at: task.due.map(|due| utc(state, due)),
            warn_at: match (task.opened_at, task.due) {
                (Some(opened), Some(due)) => supervision::warn_at(calendar, opened, due, state.config.warn_share)
                    .ok()
                    .map(|warn| utc(state, warn)),
                _ => None,
            },
        })
        .collect()
}

/// What a reviewer does with one task of a case.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum ReviewRequest {
    Approve {
        task: usize,
    },
    ProposeRefusal {
        task: usize,
        reason: String,
    },
    Return {
        task: usize,
        to_stage: u16,
        reason: String,
    },
    Decide {
        task: usize,
        granted: bool,
        #[serde(default)]
        reasons: String,
    },
}

/// Applies a reviewer's action to a case under review.
pub async fn review_case(
    state: &AppState,
    staff: &Staff,
    number: &CaseNumber,
    request: ReviewRequest,
) -> Result<CaseRecord, Error> {
    staff.require(Permission::ReviewCases)?;
    let department = staff.user.department.clone().ok_or(Error::Forbidden)?;
    let (record, mut document) = case_for_staff(state, staff, number).await?;
    if record.phase == "suspended" {
        return Err(Error::Conflict("办件处于特别程序中（计时暂停），请先结束特别程序再办理".to_string()));
    }
    let current = document
        .review
        .clone()
        .ok_or_else(|| Error::Conflict(format!("办件现在是“{}”，还没有进入审查", phase_label(&record.phase))))?;
    let version = matter_version(state, &record.matter_code, record.matter_version).await?;
    let (action, label) = match request {
        ReviewRequest::Approve { task } => (ReviewAction::Approve { task }, "approve"),
        ReviewRequest::ProposeRefusal { task, reason } => {
            (ReviewAction::ProposeRefusal { task, reason }, "propose_refusal")
        }
        ReviewRequest::Return { task, to_stage, reason } => (ReviewAction::Return { task, to_stage, reason }, "return"),
        ReviewRequest::Decide { task, granted, reasons } => (ReviewAction::Decide { task, granted, reasons }, "decide"),
    };
    let reviewer = review::Reviewer { name: staff.user.display_name.clone(), department };
    let calendar = state.calendar();
    let next = review::decide(&current, &version.matter, &action, &reviewer, &calendar, local(state, state.now()))
        .map_err(|error| match error {
            review::ReviewError::NotYourDepartment => Error::Forbidden,
            review::ReviewError::TaskNotOpen
            | review::ReviewError::AlreadyDecided
            | review::ReviewError::AlreadySigned => Error::Conflict(error.to_string()),
            review::ReviewError::NoSuchTask => Error::NotFound("这个环节".to_string()),
            other => Error::Validation(FieldErrors::single("action", other.to_string())),
        })?;
    let phase = match &next.outcome {
        Some(review::Outcome::Granted) => "granted",
        Some(review::Outcome::Refused { .. }) => "refused",
        None => record.phase.as_str(),
    }
    .to_string();
    let detail = match &action {
        ReviewAction::Approve { task } | ReviewAction::Decide { task, .. } => current.tasks[*task].name.clone(),
        ReviewAction::ProposeRefusal { task, reason } | ReviewAction::Return { task, reason, .. } => {
            format!("{}：{reason}", current.tasks[*task].name)
        }
    };
    let tasks = task_rows(state, &calendar, &next);
    let message = match &next.outcome {
        Some(review::Outcome::Granted) => Some(format!(
            "办件 {number}（{}）已审批通过，准予许可。结果送达方式以窗口通知为准，也可在“我的办件”查看。",
            version.matter.name
        )),
        Some(review::Outcome::Refused { reasons }) => Some(format!(
            "办件 {number}（{}）决定不予许可，理由：{reasons}。可依法申请行政复议或提起行政诉讼。",
            version.matter.name
        )),
        None => None,
    };
    let notifications = match (message, state.store.applicant(record.applicant_id).await?) {
        (Some(message), Some(applicant)) => vec![sms(state, &applicant, message)],
        _ => Vec::new(),
    };
    document.review = Some(next);
    let change = CaseChange {
        expected_revision: record.revision,
        phase: phase.clone(),
        document: encode(&document)?,
        corrections: record.corrections,
        received_at: record.received_at,
        accepted_at: record.accepted_at,
        due_at: record.due_at,
        warn_at: record.warn_at,
        notifications,
    };
    let event = event(state, staff, label, &record.phase, &phase, detail);
    Ok(state.store.update_case(number, &change, &event, None, Some(&tasks)).await?)
}

fn error_label(action: &str) -> &'static str {
    match action {
        "correction_notice" => "发补正告知",
        "corrected" => "登记补正",
        "accept" => "受理",
        _ => "不予受理",
    }
}

/// What anyone may see of a case, given its number and the last four characters of the applicant's
/// identity number: no name, no number, no phone.
#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    pub number: String,
    pub matter: String,
    pub phase: String,
    pub phase_label: &'static str,
    pub received_at: String,
    pub accepted_at: Option<String>,
    pub due_at: Option<String>,
    pub trips: usize,
    pub steps: Vec<ProgressStep>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProgressStep {
    pub at: String,
    pub action: String,
}

fn action_label(action: &str) -> &'static str {
    match action {
        "submit" => "收件",
        "correction_notice" => "一次性告知补正",
        "corrected" => "补正材料已收",
        "accept" => "受理",
        "refuse_to_accept" => "不予受理",
        "approve" => "审查通过",
        "return" => "退回补充审查",
        "propose_refusal" => "审查意见：建议不予许可",
        "decide" => "作出决定",
        "accept_by_law" => "依法视为受理（五个工作日内未作决定）",
        "pause" => "特别程序，暂停计时",
        "supervise" => "电子监察督办",
        "supervision_answer" => "督办回复",
        "resume" => "特别程序结束，恢复计时",
        "extend" => "延长办理时限",
        "deliver" => "办结送达",
        "notify" => "通知申请人",
        _ => "办理",
    }
}

/// Looks a case up for the public. A wrong number and a wrong last four give the same answer.
pub async fn progress(state: &AppState, number: &str, last_four: &str) -> Result<Progress, Error> {
    let not_found = || Error::NotFound("与这个办件编号和证件号后四位相符的办件".to_string());
    let number = CaseNumber::parse(number)
        .map_err(|error| Error::Validation(FieldErrors::single("number", error.to_string())))?;
    let record = state.store.case(&number).await?.ok_or_else(not_found)?;
    let applicant = state.store.applicant(record.applicant_id).await?.ok_or_else(not_found)?;
    if !crate::auth::same_secret(
        &applicant.identity.last_four().to_ascii_uppercase(),
        &last_four.trim().to_ascii_uppercase(),
    ) {
        return Err(not_found());
    }
    let format = |instant: DateTime<Utc>| state.local(instant).format("%Y-%m-%d %H:%M").to_string();
    let matter = matter_version(state, &record.matter_code, record.matter_version).await?.matter.name;
    let steps = state
        .store
        .case_events(&number)
        .await?
        .into_iter()
        .map(|event| ProgressStep { at: format(event.at), action: action_label(&event.action).to_string() })
        .collect();
    Ok(Progress {
        number: number.to_string(),
        matter,
        phase_label: phase_label(&record.phase),
        phase: record.phase.clone(),
        received_at: format(record.received_at),
        accepted_at: record.accepted_at.map(format),
        due_at: record.due_at.map(format),
        trips: state.store.case_trips(&number).await?.len(),
        steps,
    })
}

/// Whether a staff member may see a case: managers every case of the centre; a general window (no
/// department) every case and a department's window its department's; reviewers the cases their
/// department owns or has a review step in.
pub fn may_see(staff: &Staff, record: &CaseRecord, document: &CaseDocument) -> bool {
    if staff.may(Permission::Supervise) {
        return true;
    }
    let department = staff.user.department.as_deref();
    if staff.may(Permission::AcceptCases) && department.is_none_or(|department| department == record.department) {
        return true;
    }
    match department {
        Some(department) if staff.may(Permission::ReviewCases) => {
            record.department == department
                || document
                    .review
                    .iter()
                    .flat_map(|review| review.tasks.iter())
                    .any(|task| task.department == department)
        }
        _ => false,
    }
}

/// Loads a case a staff member may see, with its document; `NotFound` for one they may not, so that
/// numbers cannot be probed.
pub async fn case_for_staff(
    state: &AppState,
    staff: &Staff,
    number: &CaseNumber,
) -> Result<(CaseRecord, CaseDocument), Error> {
    let record = state.store.case(number).await?.ok_or_else(|| Error::NotFound(format!("办件 {number}")))?;
    let document = document_of(&record)?;
    if !may_see(staff, &record, &document) {
        return Err(Error::Forbidden);
    }
    Ok((record, document))
}

/// Loads an applicant's own case; someone else's is "not found".
pub async fn case_for_applicant(
    state: &AppState,
    applicant: &Applicant,
    number: &CaseNumber,
) -> Result<(CaseRecord, CaseDocument), Error> {
    let record = state
        .store
        .case(number)
        .await?
        .filter(|record| record.applicant_id == applicant.id)
        .ok_or_else(|| Error::NotFound(format!("办件 {number}")))?;
    let document = document_of(&record)?;
    Ok((record, document))
}

/// The applicant supplies online what the correction notice asked for (no trip to the hall).
pub async fn correct_online(
    state: &AppState,
    applicant: &Applicant,
    number: &CaseNumber,
    uploads: Vec<(usize, String)>,
) -> Result<CaseRecord, Error> {
    let (record, mut document) = case_for_applicant(state, applicant, number).await?;
    let version = matter_version(state, &record.matter_code, record.matter_version).await?;
    let listed: Vec<usize> = document.correction_notice.iter().map(|problem| problem.material).collect();
    let mut errors = FieldErrors::default();
    for material in &listed {
        if !uploads.iter().any(|(index, _)| index == material) {
            let name = version.matter.materials.get(*material).map(|m| m.name.as_str()).unwrap_or_default();
            errors.add(format!("material_{material}"), format!("请上传“{name}”"));
        }
    }
    errors.into_result()?;
    document.files.resize(version.matter.materials.len(), Vec::new());
    document.supplied.resize(version.matter.materials.len(), Supplied::Missing);
    for (index, file) in uploads {
        if index < version.matter.materials.len() {
            document.files[index].push(file);
            document.supplied[index] = Supplied::Provided;
        }
    }
    let actor = acceptance::Actor { name: applicant.name.clone(), supervisor: false };
    let calendar = state.calendar();
    let transition = acceptance::decide(
        &document.acceptance,
        &version.matter,
        &AcceptanceAction::SupplyCorrection,
        &actor,
        &calendar,
        local(state, state.now()),
    )
    .map_err(|_| Error::Conflict(format!("办件现在是“{}”，不需要补正", phase_label(&record.phase))))?;
    document.acceptance.state = transition.to.clone();
    document.acceptance.received_at = transition.received_at;
    let change = CaseChange {
        expected_revision: record.revision,
        phase: phase_name(&transition.to).to_string(),
        document: encode(&document)?,
        corrections: record.corrections,
        received_at: utc(state, transition.received_at),
        accepted_at: None,
        due_at: None,
        warn_at: None,
        notifications: Vec::new(),
    };
    let event = event_by(
        state,
        &applicant.name,
        "applicant",
        "corrected",
        &record.phase,
        &change.phase,
        "网上补正".to_string(),
    );
    Ok(state.store.update_case(number, &change, &event, None, None).await?)
}

/// How the window hands over the result.
#[derive(Debug, Clone, Deserialize)]
pub struct DeliveryRequest {
    /// `pickup`, `post` or `online`.
    pub method: String,
    #[serde(default)]
    pub tracking_number: String,
}

/// Records the delivery of the result (送达) of a decided case; a pick-up is a trip to the hall.
pub async fn deliver(
    state: &AppState,
    staff: &Staff,
    number: &CaseNumber,
    request: DeliveryRequest,
) -> Result<CaseRecord, Error> {
    staff.require(Permission::AcceptCases)?;
    let (record, mut document) = case_for_staff(state, staff, number).await?;
    if record.phase != "granted" && record.phase != "refused" {
        return Err(Error::Conflict(format!("办件现在是“{}”，还没有可送达的结果", phase_label(&record.phase))));
    }
    let version = matter_version(state, &record.matter_code, record.matter_version).await?;
    let tracking = request.tracking_number.trim().to_string();
    let (trip, how) = match request.method.as_str() {
        "pickup" => (Some("领取办理结果"), "窗口领取".to_string()),
        "post" if !version.matter.postal_supported => {
            return Err(Error::Validation(FieldErrors::single(
                "method",
                "本事项不提供邮寄送达，请选择窗口领取或网上下载",
            )))
        }
        "post"
            if tracking.len() < 8
                || tracking.len() > 30
                || !tracking.bytes().all(|byte| byte.is_ascii_alphanumeric()) =>
        {
            return Err(Error::Validation(FieldErrors::single(
                "tracking_number",
                "请填写邮件号：8 到 30 位字母或数字，如 EMS 单号 1100123456789",
            )))
        }
        "post" => (None, format!("邮寄（邮件号 {tracking}）")),
        "online" => (None, "网上下载".to_string()),
        _ => return Err(Error::Validation(FieldErrors::single("method", "请选择送达方式：窗口领取、邮寄或网上下载"))),
    };
    let results: Vec<String> = if record.phase == "granted" {
        version.matter.results.iter().map(|result| result.name.clone()).collect()
    } else {
        vec!["不予许可决定书".to_string()]
    };
    document.delivery = Some(Delivery {
        method: request.method.clone(),
        tracking_number: if request.method == "post" { tracking } else { String::new() },
        results: results.clone(),
        at: local(state, state.now()),
        by: staff.user.display_name.clone(),
    });
    let notifications = match state.store.applicant(record.applicant_id).await? {
        Some(applicant) => vec![sms(
            state,
            &applicant,
            format!("办件 {number}（{}）已办结，{}已{how}送达。", version.matter.name, results.join("、")),
        )],
        None => Vec::new(),
    };
    let change = CaseChange {
        expected_revision: record.revision,
        phase: "delivered".to_string(),
        document: encode(&document)?,
        corrections: record.corrections,
        received_at: record.received_at,
        accepted_at: record.accepted_at,
        due_at: record.due_at,
        warn_at: record.warn_at,
        notifications,
    };
    let event = event(state, staff, "deliver", &record.phase, "delivered", format!("{}：{how}", results.join("、")));
    Ok(state.store.update_case(number, &change, &event, trip, None).await?)
}

/// One material of a case as its pages show it.
pub struct MaterialLine {
    pub index: usize,
    pub name: String,
    pub necessity: &'static str,
    pub supplied: &'static str,
    pub provided: bool,
    pub files: Vec<(String, String)>,
}

pub struct TaskLine {
    pub index: usize,
    pub name: String,
    pub kind: &'static str,
    pub department: String,
    pub department_code: String,
    pub stage: u16,
    pub state: String,
    pub open: bool,
    pub decide: bool,
    pub due: String,
    pub done_by: String,
}

pub struct EventLine {
    pub at: String,
    pub actor: String,
    pub action: &'static str,
    pub detail: String,
}

/// A case applied for in the same bundle: number, compact number, matter, phase.
pub type LinkedCase = (String, String, String, &'static str);

/// A case as the portal and the staff pages show it; the applicant's identity number masked.
pub struct CaseView {
    pub number: String,
    pub compact: String,
    pub matter: String,
    pub matter_code: String,
    pub department: String,
    pub phase: String,
    pub phase_label: &'static str,
    pub channel: &'static str,
    pub applicant_name: String,
    pub applicant_id: String,
    pub received: String,
    pub accepted: String,
    pub due: String,
    pub time_used: String,
    pub time_left: String,
    pub card: &'static str,
    pub card_label: &'static str,
    pub materials: Vec<MaterialLine>,
    pub tasks: Vec<TaskLine>,
    pub stages: Vec<u16>,
    pub events: Vec<EventLine>,
    pub trips: Vec<(String, String)>,
    pub trips_published: u8,
    pub messages: Vec<(String, String)>,
    pub outcome: String,
    pub delivery: String,
    pub postal_supported: bool,
    pub notices: Vec<(&'static str, &'static str)>,
    pub correction_notice: Vec<(String, String)>,
    pub refusal_reasons: String,
    /// Special procedures and extensions, as lines.
    pub clock_notes: Vec<String>,
    pub orders: Vec<OrderLine>,
    /// The bundle's name and its linked cases: (number, compact number, matter, phase).
    pub bundle: Option<(String, Vec<LinkedCase>)>,
    pub suspended: bool,
    pub special_procedures: Vec<String>,
}

fn supplied_label(supplied: Supplied) -> &'static str {
    match supplied {
        Supplied::Provided => "已提供",
        Supplied::Missing => "未提供",
        Supplied::Deferred => "容缺后补（已承诺）",
        Supplied::Pledged => "告知承诺",
    }
}

fn channel_label(channel: &str) -> &'static str {
    match channel {
        "online" => "网上申请",
        "window" => "窗口收件",
        _ => "部门系统报送",
    }
}

/// Office time as words: "2 个工作日 3 小时".
pub fn working_time_text(minutes: i64, minutes_per_day: i64) -> String {
    let minutes = minutes.max(0);
    let days = minutes / minutes_per_day.max(1);
    let hours = (minutes % minutes_per_day.max(1)) / 60;
    let rest = minutes % 60;
    match (days, hours, rest) {
        (0, 0, rest) => format!("{rest} 分钟"),
        (0, hours, _) => format!("{hours} 小时"),
        (days, 0, _) => format!("{days} 个工作日"),
        (days, hours, _) => format!("{days} 个工作日 {hours} 小时"),
    }
}

/// Which printable notices a case has: acceptance, correction, refusal to accept, decision.
pub fn notices_of(record: &CaseRecord, document: &CaseDocument) -> Vec<(&'static str, &'static str)> {
    let mut notices = Vec::new();
    notices.push(("receipt", "收件回执"));
    if document.acceptance.corrections > 0 {
        notices.push(("correction", "补正材料通知书"));
    }
    if record.accepted_at.is_some() {
        notices.push(("acceptance", "受理通知书"));
    }
    if record.phase == "refused_to_accept" {
        notices.push(("refusal", "不予受理决定书"));
    }
    if !document.clock.pauses.is_empty() {
        notices.push(("special_procedure", "特别程序告知书"));
    }
    if !document.clock.extensions.is_empty() {
        notices.push(("extension", "延长办理期限告知书"));
    }
    if document.review.as_ref().is_some_and(|review| review.outcome.is_some()) {
        notices.push(("decision", "决定书"));
    }
    notices
}

/// Builds the view of a case.
pub async fn case_view(state: &AppState, record: &CaseRecord, document: &CaseDocument) -> Result<CaseView, Error> {
    let version = matter_version(state, &record.matter_code, record.matter_version).await?;
    let matter = &version.matter;
    let catalog = state.catalog();
    let format = |instant: DateTime<Utc>| state.local(instant).format("%Y-%m-%d %H:%M").to_string();
    let applicant = state.store.applicant(record.applicant_id).await?;
    let calendar = state.calendar();
    let now = local(state, state.now());
    let per_day = calendar.hours().minutes_per_day();
    let (time_used, time_left, card) = match (record.accepted_at, record.due_at) {
        (Some(accepted), Some(due)) if record.phase == "accepted" || record.phase == "suspended" => {
            let (accepted, due) = (local(state, accepted), local(state, due));
            let paused = document.clock.paused_intervals();
            let used =
                calendar.working_time_between(accepted, now.min(due), &paused).map(|time| time.minutes).unwrap_or(0);
            let left = calendar.working_time_between(now, due, &paused).map(|time| time.minutes).unwrap_or(0);
            let warn = record.warn_at.map(|warn| local(state, warn)).unwrap_or(due);
            let card = supervision::card(now, warn, due);
            let left_text = if record.phase == "suspended" {
                "暂停计时（特别程序中）".to_string()
            } else if now >= due {
                format!(
                    "已超期 {}",
                    working_time_text(
                        calendar.working_time_between(due, now, &[]).map(|t| t.minutes).unwrap_or(0),
                        per_day
                    )
                )
            } else {
                working_time_text(left, per_day)
            };
            (working_time_text(used, per_day), left_text, (record.phase != "suspended").then_some(card))
        }
        _ => (String::new(), String::new(), None),
    };
    let mut materials = Vec::new();
    for (index, material) in matter.materials.iter().enumerate() {
        let supplied = document.supplied.get(index).copied().unwrap_or(Supplied::Missing);
        let mut files = Vec::new();
        for id in document.files.get(index).map(Vec::as_slice).unwrap_or_default() {
            if let Some(file) = state.store.file(id).await? {
                files.push((file.id, file.name));
            }
        }
        materials.push(MaterialLine {
            index,
            name: material.name.clone(),
            necessity: material.necessity.label(),
            supplied: supplied_label(supplied),
            provided: supplied == Supplied::Provided,
            files,
        });
    }
    let tasks: Vec<TaskLine> = document
        .review
        .iter()
        .flat_map(|review| review.tasks.iter().enumerate())
        .map(|(index, task)| TaskLine {
            index,
            name: task.name.clone(),
            kind: task.kind.label(),
            department: catalog.department_name(&task.department).to_string(),
            department_code: task.department.clone(),
            stage: task.stage,
            state: match task.state {
                TaskState::Waiting => "待前一阶段完成".to_string(),
                TaskState::Open if task.sign_offs_required > 1 => {
                    format!("会签中（{}/{} 人已签）", task.signed_by.len(), task.sign_offs_required)
                }
                TaskState::Open => "办理中".to_string(),
                TaskState::Done if task.refusal_proposed.is_some() => "已办（建议不予许可）".to_string(),
                TaskState::Done => "已办结".to_string(),
            },
            open: task.state == TaskState::Open,
            decide: task.kind == onetrip_domain::catalog::StepKind::Decide,
            due: task.due.map(|due| due.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default(),
            done_by: task.approved_by.clone().unwrap_or_default(),
        })
        .collect();
    let mut stages: Vec<u16> = tasks.iter().map(|task| task.stage).collect();
    stages.dedup();
    let events = state
        .store
        .case_events(&record.number)
        .await?
        .into_iter()
        .map(|event| EventLine {
            at: format(event.at),
            actor: event.actor,
            action: action_label(&event.action),
            detail: event.detail,
        })
        .collect();
    let trips =
        state.store.case_trips(&record.number).await?.into_iter().map(|(at, reason)| (format(at), reason)).collect();
    let messages = state
        .store
        .case_notifications(&record.number)
        .await?
        .into_iter()
        .map(|message| (format(message.created_at), message.notification.body))
        .collect();
    let outcome = match document.review.as_ref().and_then(|review| review.outcome.as_ref()) {
        Some(review::Outcome::Granted) => {
            format!(
                "准予许可：{}",
                matter.results.iter().map(|result| result.name.as_str()).collect::<Vec<_>>().join("、")
            )
        }
        Some(review::Outcome::Refused { reasons }) => format!("不予许可：{reasons}"),
        None => String::new(),
    };
    let delivery = document
        .delivery
        .as_ref()
        .map(|delivery| {
            let how = match delivery.method.as_str() {
                "pickup" => "窗口领取".to_string(),
                "post" => format!("邮寄，邮件号 {}", delivery.tracking_number),
                _ => "网上下载".to_string(),
            };
            format!("{}：{how}（{}）", delivery.results.join("、"), delivery.at.format("%Y-%m-%d %H:%M"))
        })
        .unwrap_or_default();
    Ok(CaseView {
        number: record.number.to_string(),
        compact: record.number.compact(),
        matter: matter.name.clone(),
        matter_code: matter.code.clone(),
        department: catalog.department_name(&record.department).to_string(),
        phase: record.phase.clone(),
        phase_label: phase_label(&record.phase),
        channel: channel_label(&record.channel),
        applicant_name: applicant.as_ref().map(|a| a.name.clone()).unwrap_or_default(),
        applicant_id: applicant.as_ref().map(|a| a.identity.shown()).unwrap_or_default(),
        received: format(record.received_at),
        accepted: record.accepted_at.map(format).unwrap_or_default(),
        due: record.due_at.map(format).unwrap_or_default(),
        time_used,
        time_left,
        card: card.map(supervision::Card::code).unwrap_or(""),
        card_label: card.map(supervision::Card::label).unwrap_or(""),
        materials,
        tasks,
        stages,
        events,
        trips,
        trips_published: matter.trips_required,
        messages,
        outcome,
        delivery,
        postal_supported: matter.postal_supported,
        notices: notices_of(record, document),
        correction_notice: document
            .correction_notice
            .iter()
            .map(|problem| (problem.name.clone(), problem.problem.clone()))
            .collect(),
        refusal_reasons: document.refusal_reasons.clone(),
        clock_notes: document
            .clock
            .pauses
            .iter()
            .map(|pause| match pause.to {
                Some(to) => format!(
                    "{}（{}）：{} 至 {}，不计入时限",
                    pause.procedure,
                    pause.reason,
                    pause.from.format("%Y-%m-%d %H:%M"),
                    to.format("%Y-%m-%d %H:%M")
                ),
                None => format!(
                    "{}（{}）：{} 起，进行中",
                    pause.procedure,
                    pause.reason,
                    pause.from.format("%Y-%m-%d %H:%M")
                ),
            })
            .chain(document.clock.extensions.iter().map(|extension| {
                format!(
                    "延长 {} 个工作日：{}（{}批准，{}）",
                    extension.working_days,
                    extension.reason,
                    extension.approved_by,
                    extension.at.format("%Y-%m-%d")
                )
            }))
            .collect(),
        orders: state
            .store
            .case_orders(&record.number)
            .await?
            .into_iter()
            .map(|order| order_line(state, order))
            .collect(),
        bundle: match &document.bundle {
            Some(link) => Some((link.name.clone(), linked_cases(state, record, link).await?)),
            None => None,
        },
        suspended: record.phase == "suspended",
        special_procedures: matter.special_procedures.iter().map(|procedure| procedure.name.clone()).collect(),
    })
}

/// Accepts by law (行政许可法 第三十二条) every received case whose period to decide has run out without a
/// decision or a correction notice: accepted from the day the materials were received. Run every minute by
/// the server; returns how many cases it accepted.
pub async fn accept_overdue(state: &AppState) -> Result<usize, Error> {
    let calendar = state.calendar();
    let now = local(state, state.now());
    let mut accepted = 0;
    for record in state.store.cases_in_phase("received", None, 500).await? {
        let received = local(state, record.received_at);
        match acceptance::decision_deadline(&calendar, received) {
            Ok(deadline) if deadline <= now => {}
            // The oldest come first: once one is within its period, the rest are too.
            Ok(_) => break,
            Err(_) => continue,
        }
        let version = matter_version(state, &record.matter_code, record.matter_version).await?;
        let document = document_of(&record)?;
        let who =
            Who { name: "系统（依法视为受理）".to_string(), role: "system".to_string(), supervisor: false };
        match commit_acceptance(
            state,
            &who,
            &record,
            document,
            &version.matter,
            AcceptanceAction::AcceptByLaw,
            None,
            "accept_by_law",
            None,
        )
        .await
        {
            Ok(_) => accepted += 1,
            // Someone decided in the meantime: nothing to do.
            Err(Error::Conflict(_)) => {}
            Err(other) => return Err(other),
        }
    }
    Ok(accepted)
}

/// A change of a case's clock: a special procedure starts or ends, or the limit is extended.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum ClockRequest {
    Pause { procedure: String, reason: String },
    Resume,
    Extend { working_days: u32, reason: String },
}

/// The instant from which less than the configured share of the case's counted time is left, when the
/// clock stood still during `clock`'s pauses.
fn warn_for(
    state: &AppState,
    calendar: &Calendar,
    accepted: NaiveDateTime,
    due: NaiveDateTime,
    clock: &CaseClock,
) -> Result<NaiveDateTime, Error> {
    let internal = |error: onetrip_domain::calendar::CalendarError| Error::Internal(error.to_string());
    let office = calendar.working_time_between(accepted, due, &[]).map_err(internal)?.minutes;
    let counted = calendar.working_time_between(accepted, due, &clock.paused_intervals()).map_err(internal)?.minutes;
    let share = state.config.warn_share.clamp(0.0, 1.0);
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    let left = (counted as f64 * share).ceil() as i64;
    calendar.add_office_minutes(accepted, office - left).map_err(internal)
}

/// Starts or ends a special procedure (the case's department or a manager), or extends the limit (a manager,
/// who thereby approves it). The applicant is told in writing each time.
pub async fn change_clock(
    state: &AppState,
    staff: &Staff,
    number: &CaseNumber,
    request: ClockRequest,
) -> Result<CaseRecord, Error> {
    let (record, mut document) = case_for_staff(state, staff, number).await?;
    let owner =
        staff.may(Permission::ReviewCases) && staff.user.department.as_deref() == Some(record.department.as_str());
    match &request {
        ClockRequest::Extend { .. } => staff.require(Permission::Supervise)?,
        _ if owner || staff.may(Permission::Supervise) => {}
        _ => return Err(Error::Forbidden),
    }
    let accepted = match (record.phase.as_str(), record.accepted_at) {
        ("accepted" | "suspended", Some(accepted)) => local(state, accepted),
        _ => {
            return Err(Error::Conflict(format!(
                "办件现在是“{}”，只有审查中的办件才能暂停计时或延期",
                phase_label(&record.phase)
            )))
        }
    };
    let version = matter_version(state, &record.matter_code, record.matter_version).await?;
    let matter = &version.matter;
    let calendar = state.calendar();
    let now = local(state, state.now());
    let name = staff.user.display_name.clone();
    let refused = |error: ClockError| match error {
        ClockError::Calendar(error) => Error::Internal(error.to_string()),
        ClockError::AlreadyPaused | ClockError::NotPaused | ClockError::PausedNoExtension => {
            Error::Conflict(error.to_string())
        }
        ClockError::ProcedureRequired => Error::Validation(FieldErrors::single("procedure", error.to_string())),
        ClockError::ExtensionOutOfRange => Error::Validation(FieldErrors::single("working_days", error.to_string())),
        ClockError::ReasonRequired => Error::Validation(FieldErrors::single("reason", error.to_string())),
    };
    let (next, phase, label, detail) = match &request {
        ClockRequest::Pause { procedure, reason } => (
            document.clock.pause(procedure, reason, &name, now).map_err(refused)?,
            "suspended",
            "pause",
            format!("{}：{}", procedure.trim(), reason.trim()),
        ),
        ClockRequest::Resume => (document.clock.resume(now).map_err(refused)?, "accepted", "resume", String::new()),
        ClockRequest::Extend { working_days, reason } => (
            document.clock.extend(*working_days, reason, &name, now).map_err(refused)?,
            "accepted",
            "extend",
            format!("延长 {working_days} 个工作日（{name}批准）：{}", reason.trim()),
        ),
    };
    let due = next.due(&calendar, accepted, matter.promised_limit.half_days()).map_err(refused)?;
    let warn = warn_for(state, &calendar, accepted, due, &next)?;
    // When a procedure ends, every open step's own limit moves on by the time the clock stood still.
    let tasks = if matches!(request, ClockRequest::Resume) {
        let minutes = next.last_pause_minutes(&calendar).map_err(refused)?;
        if let Some(review) = document.review.as_mut() {
            for task in review.tasks.iter_mut().filter(|task| task.state == TaskState::Open) {
                if let Some(task_due) = task.due {
                    task.due = Some(
                        calendar.add_office_minutes(task_due, minutes).map_err(|e| Error::Internal(e.to_string()))?,
                    );
                }
            }
        }
        document.review.as_ref().map(|review| task_rows(state, &calendar, review))
    } else {
        None
    };
    let due_text = due.format("%Y年%m月%d日 %H:%M").to_string();
    let message = match &request {
        ClockRequest::Pause { procedure, reason } => format!(
            "办件 {number}（{}）需进行{}（{}），所需时间不计入办理时限，结束后恢复计时。",
            matter.name,
            procedure.trim(),
            reason.trim()
        ),
        ClockRequest::Resume => {
            format!("办件 {number}（{}）特别程序已结束，恢复计时，承诺办结时间为 {due_text}。", matter.name)
        }
        ClockRequest::Extend { working_days, reason } => format!(
            "办件 {number}（{}）经批准延长 {working_days} 个工作日（{}），承诺办结时间为 {due_text}。",
            matter.name,
            reason.trim()
        ),
    };
    document.clock = next;
    let notifications = match state.store.applicant(record.applicant_id).await? {
        Some(applicant) => vec![sms(state, &applicant, message)],
        None => Vec::new(),
    };
    let change = CaseChange {
        expected_revision: record.revision,
        phase: phase.to_string(),
        document: encode(&document)?,
        corrections: record.corrections,
        received_at: record.received_at,
        accepted_at: record.accepted_at,
        due_at: Some(utc(state, due)),
        warn_at: Some(utc(state, warn)),
        notifications,
    };
    let event = event(state, staff, label, &record.phase, phase, detail);
    Ok(state.store.update_case(number, &change, &event, None, tasks.as_deref()).await?)
}

/// A supervision order as the manager writes it.
#[derive(Debug, Clone, Deserialize)]
pub struct OrderRequest {
    pub instruction: String,
    /// The day by which the department must answer, `YYYY-MM-DD`; the order is due at the close of office.
    pub deadline: String,
}

/// Issues a supervision order (督办) on a case to the department responsible for its most urgent open step
/// (or the case's own department); recorded as an event of the case.
pub async fn issue_order(
    state: &AppState,
    staff: &Staff,
    number: &CaseNumber,
    request: OrderRequest,
) -> Result<i64, Error> {
    staff.require(Permission::Supervise)?;
    let (record, document) = case_for_staff(state, staff, number).await?;
    if matches!(record.phase.as_str(), "delivered" | "refused_to_accept") {
        return Err(Error::Conflict("办件已经办结，不能再督办".to_string()));
    }
    let mut errors = FieldErrors::default();
    let instruction = request.instruction.trim().to_string();
    if instruction.chars().count() < 2 || instruction.chars().count() > 500 {
        errors.add("instruction", "请写明督办要求，2 到 500 个字");
    }
    let today = state.today();
    let deadline = match chrono::NaiveDate::parse_from_str(request.deadline.trim(), "%Y-%m-%d") {
        Ok(date) if date < today => {
            errors.add("deadline", "回复期限不能早于今天");
            None
        }
        Ok(date) if date > today + chrono::Duration::days(60) => {
            errors.add("deadline", "回复期限最长 60 天");
            None
        }
        Ok(date) if !state.calendar().is_working_day(date).unwrap_or(false) => {
            errors.add("deadline", "回复期限应是工作日，请另选一天");
            None
        }
        Ok(date) => Some(date),
        Err(_) => {
            errors.add("deadline", "请按 2026-12-01 的格式填写回复期限");
            None
        }
    };
    errors.into_result()?;
    let deadline = deadline.ok_or_else(|| Error::Internal("deadline checked above".to_string()))?;
    let department = document
        .review
        .iter()
        .flat_map(|review| review.tasks.iter())
        .filter(|task| task.state == TaskState::Open)
        .min_by_key(|task| task.due)
        .map(|task| task.department.clone())
        .unwrap_or_else(|| record.department.clone());
    let order = onetrip_store::SupervisionOrder {
        id: 0,
        case_number: number.clone(),
        department: department.clone(),
        instruction: instruction.clone(),
        issued_by: staff.user.display_name.clone(),
        issued_at: state.now(),
        deadline: utc(state, deadline.and_time(state.config.office_hours.afternoon_end)),
        answer: None,
        answered_by: None,
        answered_at: None,
    };
    let name = state.catalog().department_name(&department).to_string();
    let event = event(
        state,
        staff,
        "supervise",
        &record.phase,
        &record.phase,
        format!("督办{name}：{instruction}（{deadline} 前回复）"),
    );
    Ok(state.store.issue_order(&order, &event).await?)
}

#[derive(Debug, Clone, Deserialize)]
pub struct AnswerRequest {
    pub answer: String,
}

/// The department answers a supervision order on one of its cases.
pub async fn answer_order(
    state: &AppState,
    staff: &Staff,
    number: &CaseNumber,
    id: i64,
    request: AnswerRequest,
) -> Result<(), Error> {
    let (record, _) = case_for_staff(state, staff, number).await?;
    let order = state
        .store
        .case_orders(number)
        .await?
        .into_iter()
        .find(|order| order.id == id)
        .ok_or_else(|| Error::NotFound("这份督办单".to_string()))?;
    if staff.user.department.as_deref() != Some(order.department.as_str()) {
        return Err(Error::Forbidden);
    }
    let answer = request.answer.trim().to_string();
    if answer.chars().count() < 2 || answer.chars().count() > 1000 {
        return Err(Error::Validation(FieldErrors::single("answer", "请写明办理情况，2 到 1000 个字")));
    }
    let event = event(state, staff, "supervision_answer", &record.phase, &record.phase, answer.clone());
    Ok(state.store.answer_order(id, &answer, &staff.user.display_name, &event).await?)
}

/// A supervision order as pages show it.
pub struct OrderLine {
    pub id: i64,
    pub number: String,
    pub compact: String,
    pub department: String,
    pub department_code: String,
    pub instruction: String,
    pub issued: String,
    pub deadline: String,
    pub answer: String,
    pub open: bool,
    pub overdue: bool,
}

pub fn order_line(state: &AppState, order: onetrip_store::SupervisionOrder) -> OrderLine {
    let format = |instant: DateTime<Utc>| state.local(instant).format("%Y-%m-%d %H:%M").to_string();
    let open = order.answered_at.is_none();
    OrderLine {
        id: order.id,
        number: order.case_number.to_string(),
        compact: order.case_number.compact(),
        department: state.catalog().department_name(&order.department).to_string(),
        department_code: order.department,
        issued: format!("{} {}", format(order.issued_at), order.issued_by),
        deadline: format(order.deadline),
        answer: match (&order.answer, &order.answered_by, order.answered_at) {
            (Some(answer), Some(by), Some(at)) => format!("{answer}（{by}，{}）", format(at)),
            _ => String::new(),
        },
        overdue: open && state.now() > order.deadline,
        open,
        instruction: order.instruction,
    }
}

/// The cases applied for together with `record` in one bundle application.
async fn linked_cases(state: &AppState, record: &CaseRecord, link: &BundleLink) -> Result<Vec<LinkedCase>, Error> {
    let catalog = state.catalog();
    let mut linked = Vec::new();
    for other in state.store.cases_of_applicant(record.applicant_id, 500).await? {
        let Ok(document) = document_of(&other) else { continue };
        if document.bundle.as_ref().is_some_and(|other_link| other_link.draft == link.draft) {
            linked.push((
                other.number.to_string(),
                other.number.compact(),
                catalog
                    .version(&other.matter_code)
                    .map(|version| version.matter.name.clone())
                    .unwrap_or_else(|| other.matter_code.clone()),
                phase_label(&other.phase),
            ));
        }
    }
    linked.reverse();
    Ok(linked)
}
