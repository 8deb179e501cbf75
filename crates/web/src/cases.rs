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
use onetrip_domain::case_number::CaseNumber;
use onetrip_domain::catalog::{Matter, MatterVersion};
use onetrip_domain::review::{self, Review, ReviewAction, TaskState};
use onetrip_domain::FieldErrors;
use onetrip_store::{CaseChange, CaseEvent, CaseRecord, CaseTask, NewApplicant, NewCase};
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
}

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
        "granted" => "准予（待办结送达）",
        "refused" => "不予许可",
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

fn event(staff: &Staff, action: &str, from: &str, to: &str, detail: String) -> CaseEvent {
    CaseEvent {
        at: Utc::now(),
        actor: staff.user.display_name.clone(),
        role: role_of(staff),
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
    let (Some(version), Some(identity)) = (version, identity) else {
        return Err(Error::Validation(errors));
    };
    errors.into_result()?;

    let applicant_id = match state.store.applicant_by_identity(&identity).await? {
        Some(applicant) => applicant.id,
        None => {
            let new = NewApplicant {
                identity,
                name: request.applicant.name.trim().to_string(),
                phone: request.applicant.phone.trim().to_string(),
                password_hash: None,
            };
            state.store.create_applicant(&new, Utc::now()).await?
        }
    };
    let now = Utc::now();
    let mut supplied = request.supplied;
    supplied.resize(version.matter.materials.len(), Supplied::Missing);
    let document = CaseDocument {
        acceptance: CaseAcceptance { state: AcceptanceState::Received, received_at: local(state, now), corrections: 0 },
        supplied,
        correction_notice: Vec::new(),
        refusal_reasons: String::new(),
        review: None,
    };
    let case = NewCase {
        day: state.today(),
        matter_code: version.matter.code.clone(),
        matter_version: version.version,
        department: version.matter.department.clone(),
        applicant_id,
        channel: if staff.credential == crate::auth::Credential::Bearer { "api" } else { "window" }.to_string(),
        phase: phase_name(&AcceptanceState::Received).to_string(),
        document: encode(&document)?,
        received_at: now,
    };
    let scope = format!("user:{}", staff.user.id);
    let trip = (case.channel == "window").then_some("递交申请材料");
    let (record, created) = state
        .store
        .create_case(
            &case,
            idempotency_key.map(|key| (scope.as_str(), key)),
            &event(staff, "submit", "", "received", String::new()),
            trip,
        )
        .await?;
    if created {
        tracing::info!(case = %record.number, matter = %record.matter_code, "case registered");
    }
    Ok((record, created))
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
    let record = state.store.case(number).await?.ok_or_else(|| Error::NotFound(format!("办件 {number}")))?;
    let version = matter_version(state, &record.matter_code, record.matter_version).await?;
    let matter: &Matter = &version.matter;
    let mut document = document_of(&record)?;
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
    let actor = acceptance::Actor {
        name: staff.user.display_name.clone(),
        supervisor: staff.may(Permission::SignOffCorrection),
    };
    let calendar = state.calendar();
    let now = local(state, Utc::now());
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
    let (accepted_at, due_at) = match &transition.to {
        AcceptanceState::Accepted { accepted_at, .. } => {
            let due = calendar
                .due(*accepted_at, matter.promised_limit.half_days())
                .map_err(|error| Error::Internal(error.to_string()))?;
            // Acceptance opens the review: its first stage's tasks go to their departments' inboxes.
            document.review = Some(
                review::open_review(matter, &calendar, *accepted_at)
                    .map_err(|error| Error::Internal(error.to_string()))?,
            );
            (Some(utc(state, *accepted_at)), Some(utc(state, due)))
        }
        _ => (None, None),
    };
    let tasks = document.review.as_ref().map(|review| task_rows(state, review));
    let detail = match label {
        "correction_notice" if transition.extra_correction => "第二次补正（负责人签批，计入部门）".to_string(),
        "correction_notice" => format!("一次性告知补正 {} 项", document.correction_notice.len()),
        "refuse_to_accept" => document.refusal_reasons.clone(),
        _ => String::new(),
    };
    let change = CaseChange {
        expected_revision: expected_revision.unwrap_or(record.revision),
        phase: phase_name(&transition.to).to_string(),
        document: encode(&document)?,
        corrections: u32::from(transition.corrections),
        received_at: utc(state, transition.received_at),
        accepted_at,
        due_at,
    };
    let event = event(staff, label, phase_name(&transition.from), &change.phase, detail);
    Ok(state.store.update_case(number, &change, &event, trip, tasks.as_deref()).await?)
}

/// The inbox index rows of a review.
fn task_rows(state: &AppState, review: &Review) -> Vec<CaseTask> {
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
    let record = state.store.case(number).await?.ok_or_else(|| Error::NotFound(format!("办件 {number}")))?;
    let mut document = document_of(&record)?;
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
    let next = review::decide(&current, &version.matter, &action, &reviewer, &calendar, local(state, Utc::now()))
        .map_err(|error| match error {
            review::ReviewError::NotYourDepartment => Error::Forbidden,
            review::ReviewError::TaskNotOpen | review::ReviewError::AlreadyDecided => {
                Error::Conflict(error.to_string())
            }
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
    let tasks = task_rows(state, &next);
    document.review = Some(next);
    let change = CaseChange {
        expected_revision: record.revision,
        phase: phase.clone(),
        document: encode(&document)?,
        corrections: record.corrections,
        received_at: record.received_at,
        accepted_at: record.accepted_at,
        due_at: record.due_at,
    };
    let event = event(staff, label, &record.phase, &phase, detail);
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
