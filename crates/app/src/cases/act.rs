//! Every change of a case goes through [`act`]: load the case the actor may see, ask
//! `onetrip_domain::case::decide`, and store the transition with its event, the applicant's trip, the
//! message to the applicant and the reviewers' index in one transaction. A change made from an older
//! revision is refused with `revision_changed` and nothing is written.

use super::messages::{sms, words};
use super::tasks::task_rows;
use super::{load_for, rules_for};
use crate::app::App;
use crate::error::{AppError, AppResult, Conflict};
use crate::files;
use onetrip_domain::access::Permission;
use onetrip_domain::actor::Actor;
use onetrip_domain::case::{decide, Case, CaseAction, OrderEffect, Phase, Transition};
use onetrip_domain::case_number::CaseNumber;
use onetrip_domain::FieldErrors;
use onetrip_store::{CaseEvent, CaseUpdate, Idempotency, StoreError, SupervisionOrder};

/// What an action left: the case as it is now, and the supervision order it issued, if it did.
#[derive(Debug, Clone)]
pub struct Acted {
    pub case: Case,
    pub order: Option<i64>,
}

/// The permission some actions need before the case is even looked up (so that, without it, every case
/// number gives the same refusal).
fn needed_first(action: &CaseAction) -> Option<Permission> {
    match action {
        CaseAction::RequestCorrection { .. }
        | CaseAction::RecordCorrection { .. }
        | CaseAction::Accept { .. }
        | CaseAction::RefuseToAccept { .. }
        | CaseAction::Deliver { .. } => Some(Permission::AcceptCases),
        CaseAction::Review(_) => Some(Permission::ReviewCases),
        CaseAction::IssueOrder { .. } => Some(Permission::Supervise),
        _ => None,
    }
}

/// How many times an action is decided again on the case as it is now when another change was stored
/// between reading the case and writing it.
const ATTEMPTS: usize = 8;

/// Does `action` to case `number` as `actor`. `expected_revision` (from a form or an API client) guards
/// against acting on a case someone changed since it was shown; without it, the revision just read is used,
/// and a change stored meanwhile by someone else makes the server decide again on the case as it is now
/// (the action is refused then only if it no longer fits).
///
/// A review step is guarded per task instead: in a parallel stage several departments approve at the same
/// moment, each its own open task, and each approval must succeed. Deciding again on the current case
/// refuses a step that someone else did meanwhile (`task_not_open`), which is the guard a reviewer needs;
/// another department's step on another task does not make theirs stale.
pub async fn act(
    app: &App,
    actor: &Actor,
    number: &CaseNumber,
    action: CaseAction,
    expected_revision: Option<i64>,
) -> AppResult<Acted> {
    act_once(app, actor, number, action, expected_revision, None).await
}

/// The longest idempotency key.
pub const MAX_KEY: usize = 100;

/// [`act`] with the request's idempotency key (`Idempotency-Key`) and a text that identifies the request
/// (`what`, hashed): the first request acts and keeps the key in the same transaction; a retry with the
/// same key and request is answered with the case as it is now, without acting again; the same key with a
/// different request, or for another case, is `IdempotencyKeyReused` and changes nothing.
pub async fn act_once(
    app: &App,
    actor: &Actor,
    number: &CaseNumber,
    action: CaseAction,
    expected_revision: Option<i64>,
    key: Option<(&str, &str)>,
) -> AppResult<Acted> {
    let action_key = match key {
        None => None,
        Some((key, what)) => {
            let key = key.trim();
            if key.is_empty() || key.chars().count() > MAX_KEY || key.chars().any(char::is_control) {
                return Err(AppError::field("Idempotency-Key", "Idempotency-Key 应为 1 到 100 个可见字符"));
            }
            let fingerprint = crate::accounts::token_hash(&format!("{number}|{what}"));
            Some(Idempotency::new(&actor.owner_tag(), key, &fingerprint))
        }
    };
    if let Some(idempotency) = &action_key {
        if let Some(acted) = replayed(app, actor, number, idempotency).await? {
            return Ok(acted);
        }
    }
    match act_inner(app, actor, number, action, expected_revision, action_key.clone()).await {
        // A retry that raced the first request: the first kept the key, so this one is its replay.
        Err(error @ AppError::Conflict(..)) => match &action_key {
            Some(idempotency) => match replayed(app, actor, number, idempotency).await? {
                Some(acted) => Ok(acted),
                None => Err(error),
            },
            None => Err(error),
        },
        outcome => outcome,
    }
}

/// The answer to a request whose key was already used: the case as it is, or the refusal of a key reused.
async fn replayed(
    app: &App,
    actor: &Actor,
    number: &CaseNumber,
    idempotency: &Idempotency,
) -> AppResult<Option<Acted>> {
    match app.store.action_key(&idempotency.scope, &idempotency.key).await? {
        None => Ok(None),
        Some((used_for, fingerprint)) if &used_for == number && idempotency.matches(&fingerprint) => {
            Ok(Some(Acted { case: load_for(app, actor, number).await?, order: None }))
        }
        Some(_) => Err(AppError::IdempotencyKeyReused),
    }
}

async fn act_inner(
    app: &App,
    actor: &Actor,
    number: &CaseNumber,
    action: CaseAction,
    expected_revision: Option<i64>,
    action_key: Option<Idempotency>,
) -> AppResult<Acted> {
    if let Some(permission) = needed_first(&action) {
        if !actor.may(permission) {
            return Err(AppError::Forbidden);
        }
    }
    let per_task = matches!(action, CaseAction::Review(_));
    let expected_revision = if per_task { None } else { expected_revision };
    let mut action = Some(action);
    let mut attempt = 0;
    loop {
        attempt += 1;
        let case = load_for(app, actor, number).await?;
        let resolved = match action.take() {
            Some(CaseAction::AnswerOrder { order, answer }) => {
                let stored = app
                    .store
                    .case_orders(number)
                    .await?
                    .into_iter()
                    .find(|candidate| candidate.id == order.id)
                    .ok_or_else(|| AppError::NotFound("这份督办单".to_string()))?;
                let order = onetrip_domain::case::OrderRef {
                    id: stored.id,
                    department: stored.department,
                    answered: stored.answered_at.is_some(),
                };
                CaseAction::AnswerOrder { order, answer }
            }
            Some(other) => other,
            None => return Err(AppError::Internal("action lost between attempts".to_string())),
        };
        let version = app.matter_version(&case.matter_code, case.matter_version).await?;
        let calendar = app.calendar();
        let catalog = app.catalog();
        let department_name = |code: &str| catalog.department_name(code).to_string();
        let rules = rules_for(app, &version.matter, &calendar, &department_name);
        let transition = decide(&case, &resolved, actor, &rules, app.now())?;
        match commit(app, actor, &case, &version.matter, transition, expected_revision, action_key.as_ref()).await {
            Err(AppError::Conflict(Conflict::RevisionChanged, _))
                if expected_revision.is_none() && attempt < ATTEMPTS =>
            {
                tracing::debug!(case = %number, attempt, "the case changed meanwhile; deciding again");
                action = Some(resolved);
            }
            outcome => return outcome,
        }
    }
}

/// Stores a decided transition.
pub(crate) async fn commit(
    app: &App,
    actor: &Actor,
    case: &Case,
    matter: &onetrip_domain::catalog::Matter,
    transition: Transition,
    expected_revision: Option<i64>,
    action_key: Option<&Idempotency>,
) -> AppResult<Acted> {
    let event = CaseEvent {
        at: app.now(),
        actor: actor.name.clone(),
        role: actor.role_text(),
        action: transition.event.code().to_string(),
        from_phase: transition.from.code().to_string(),
        to_phase: transition.to.code().to_string(),
        detail: transition.detail.clone(),
    };
    match &transition.order {
        Some(OrderEffect::Issue { department, instruction, deadline }) => {
            let order = SupervisionOrder {
                id: 0,
                case_number: case.number.clone(),
                department: department.clone(),
                instruction: instruction.clone(),
                issued_by: actor.name.clone(),
                issued_at: app.now(),
                deadline: *deadline,
                answer: None,
                answered_by: None,
                answered_at: None,
            };
            let id = app.store.issue_order(&order, &event).await?;
            return Ok(Acted { case: case.clone(), order: Some(id) });
        }
        Some(OrderEffect::Answer { id, answer }) => {
            return match app.store.answer_order(*id, answer, &actor.name, &event).await {
                Ok(()) => Ok(Acted { case: case.clone(), order: Some(*id) }),
                Err(StoreError::Conflict(_)) => {
                    Err(AppError::conflict(Conflict::AlreadyAnswered, "这份督办已经回复过了"))
                }
                Err(other) => Err(other.into()),
            };
        }
        None => {}
    }
    let calendar = app.calendar();
    let tasks = match (&transition.change.document, transition.reindex_tasks) {
        (Some(document), true) => document.review.as_ref().map(|review| task_rows(app, &calendar, review)),
        _ => None,
    };
    let now = app.now();
    let stage = crate::ratings::stage_opened(transition.from, transition.to);
    let slot = stage.map(|stage| crate::ratings::slot_for_case(app, case, stage, actor, now));
    let notifications = match &transition.notice {
        Some(notice) => match app.store.applicant(case.applicant_id).await? {
            Some(applicant) => {
                let mut text = words(notice, &case.number, matter);
                if let Some(stage) = stage {
                    text.push_str(&crate::ratings::invitation(app, &case.number, stage, now));
                }
                vec![sms(app, &applicant, text)]
            }
            None => Vec::new(),
        },
        None => Vec::new(),
    };
    // A granted case of a matter that issues a licence gets it with the same write.
    let licence = if transition.to == Phase::Granted && transition.from != Phase::Granted {
        crate::licences::registry::issue_for(app, actor, case, matter).await?
    } else {
        None
    };
    let update = CaseUpdate {
        expected_revision: expected_revision.unwrap_or(case.revision),
        change: &transition.change,
        notifications: &notifications,
        event: &event,
        trip: transition.trip,
        tasks: tasks.as_deref(),
        rating_slot: slot.as_ref(),
        accepted_by: if transition.to == Phase::Accepted && stage.is_some() { actor.username() } else { None },
        licence: licence.as_ref(),
        action_key,
    };
    let updated = app.store.update_case(&case.number, &update).await?;
    Ok(Acted { case: updated, order: None })
}

/// One upload of a correction: the material it is for, the file's name and its bytes.
pub struct CorrectionUpload {
    pub material: usize,
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The applicant supplies online what the correction notice asked for (no trip to the hall). Every file is
/// checked by its content before any is kept, so that one bad file leaves nothing half done.
pub async fn correct_online(
    app: &App,
    actor: &Actor,
    number: &CaseNumber,
    uploads: Vec<CorrectionUpload>,
) -> AppResult<Case> {
    for upload in &uploads {
        if let Err(error) = onetrip_domain::upload::sniff(&upload.bytes) {
            return Err(AppError::Validation(FieldErrors::single(
                "file",
                format!("{}：{error}", onetrip_domain::upload::clean_file_name(&upload.name)),
            )));
        }
    }
    let case = load_for(app, actor, number).await?;
    if case.phase != Phase::AwaitingCorrection {
        return Err(AppError::conflict(
            Conflict::CaseNotInState,
            format!("办件现在是“{}”，不需要补正", case.phase.label()),
        ));
    }
    let owner = actor.owner_tag();
    let mut stored = Vec::new();
    for upload in uploads {
        stored.push((upload.material, files::store(app, &owner, &upload.name, upload.bytes).await?));
    }
    Ok(act(app, actor, number, CaseAction::CorrectOnline { uploads: stored }, None).await?.case)
}
