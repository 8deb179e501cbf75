//! What the back office decides: reviewers' actions on their tasks (with parallel stages and the decision
//! step), and the clock (special procedures stop it, a manager's extension adds to it).

use super::{now_is, CaseError, Notice, Rules, Transition};
use crate::access::Permission;
use crate::actor::Actor;
use crate::case::action::may_pause;
use crate::case::{Case, CaseAction, EventKind, Phase};
use crate::clock::ClockError;
use crate::review::{self, Outcome, ReviewAction, ReviewError, TaskState};
use crate::supervision;
use chrono::{DateTime, Utc};

pub(super) fn review(
    case: &Case,
    action: &ReviewAction,
    actor: &Actor,
    rules: &Rules,
    now: DateTime<Utc>,
) -> Result<Transition, CaseError> {
    if !actor.may(Permission::ReviewCases) {
        return Err(CaseError::Forbidden);
    }
    let department = actor.department.clone().ok_or(CaseError::Forbidden)?;
    if case.phase == Phase::Suspended {
        return Err(CaseError::NotInState("办件处于特别程序中（计时暂停），请先结束特别程序再办理".to_string()));
    }
    let current = case
        .document
        .review
        .as_ref()
        .ok_or_else(|| CaseError::NotInState(format!("{}，还没有进入审查", now_is(case))))?;
    let reviewer = review::Reviewer { name: actor.name.clone(), department };
    let next = review::decide(current, rules.matter, action, &reviewer, rules.calendar, rules.local(now)).map_err(
        |error| match error {
            ReviewError::NotYourDepartment => CaseError::Forbidden,
            ReviewError::TaskNotOpen => CaseError::TaskNotOpen(error.to_string()),
            ReviewError::AlreadyDecided => CaseError::NotInState(error.to_string()),
            ReviewError::AlreadySigned => CaseError::AlreadySigned(error.to_string()),
            ReviewError::NoSuchTask => CaseError::NoSuchTask,
            other => CaseError::field("action", other.to_string()),
        },
    )?;
    let (to, notice) = match &next.outcome {
        Some(Outcome::Granted) => (Phase::Granted, Some(Notice::Granted)),
        Some(Outcome::Refused { reasons }) => (Phase::Refused, Some(Notice::Refused { reasons: reasons.clone() })),
        None => (case.phase, None),
    };
    let (event, detail) = match action {
        ReviewAction::Approve { task } => (EventKind::Approve, current.tasks[*task].name.clone()),
        ReviewAction::Decide { task, .. } => (EventKind::Decide, current.tasks[*task].name.clone()),
        ReviewAction::ProposeRefusal { task, reason } => {
            (EventKind::ProposeRefusal, format!("{}：{reason}", current.tasks[*task].name))
        }
        ReviewAction::Return { task, reason, .. } => {
            (EventKind::Return, format!("{}：{reason}", current.tasks[*task].name))
        }
    };
    let mut document = case.document.clone();
    document.review = Some(next);
    let mut transition = Transition::new(case, event, to);
    transition.detail = detail;
    transition.notice = notice;
    transition.reindex_tasks = true;
    transition.change.phase = Some(to);
    transition.change.document = Some(document);
    Ok(transition)
}

fn clock_error(error: ClockError) -> CaseError {
    match error {
        ClockError::Calendar(error) => CaseError::Calendar(error),
        ClockError::AlreadyPaused | ClockError::PausedNoExtension => CaseError::ClockPaused(error.to_string()),
        ClockError::NotPaused => CaseError::ClockRunning(error.to_string()),
        ClockError::ProcedureRequired => CaseError::field("procedure", error.to_string()),
        ClockError::ExtensionOutOfRange => CaseError::field("working_days", error.to_string()),
        ClockError::ReasonRequired => CaseError::field("reason", error.to_string()),
    }
}

/// Starts or ends a special procedure (the case's department or a manager), or extends the limit (a manager,
/// who thereby approves it).
pub(super) fn clock(
    case: &Case,
    action: &CaseAction,
    actor: &Actor,
    rules: &Rules,
    now: DateTime<Utc>,
) -> Result<Transition, CaseError> {
    let allowed = match action {
        CaseAction::Extend { .. } => actor.may(Permission::Supervise),
        _ => may_pause(case, actor),
    };
    if !allowed {
        return Err(CaseError::Forbidden);
    }
    let accepted = match (case.phase, case.accepted_at) {
        (Phase::Accepted | Phase::Suspended, Some(accepted)) => rules.local(accepted),
        _ => return Err(CaseError::NotInState(format!("{}，只有审查中的办件才能暂停计时或延期", now_is(case)))),
    };
    let calendar = rules.calendar;
    let local_now = rules.local(now);
    let name = actor.name.as_str();
    let clock = &case.document.clock;
    let (next, to, event, detail) = match action {
        CaseAction::Pause { procedure, reason } => (
            clock.pause(procedure, reason, name, local_now).map_err(clock_error)?,
            Phase::Suspended,
            EventKind::Pause,
            format!("{}：{}", procedure.trim(), reason.trim()),
        ),
        CaseAction::Extend { working_days, reason } => (
            clock.extend(*working_days, reason, name, local_now).map_err(clock_error)?,
            Phase::Accepted,
            EventKind::Extend,
            format!("延长 {working_days} 个工作日（{name}批准）：{}", reason.trim()),
        ),
        _ => (clock.resume(local_now).map_err(clock_error)?, Phase::Accepted, EventKind::Resume, String::new()),
    };
    let due = next.due(calendar, accepted, rules.matter.promised_limit.half_days()).map_err(clock_error)?;
    let warn = supervision::warn_at_paused(calendar, accepted, due, rules.warn_share, &next.paused_intervals())?;
    let mut document = case.document.clone();
    let mut transition = Transition::new(case, event, to);
    // When a procedure ends, every open step's own limit moves on by the time the clock stood still.
    if event == EventKind::Resume {
        let minutes = next.last_pause_minutes(calendar).map_err(clock_error)?;
        if let Some(review) = document.review.as_mut() {
            for task in review.tasks.iter_mut().filter(|task| task.state == TaskState::Open) {
                if let Some(task_due) = task.due {
                    task.due = Some(calendar.add_office_minutes(task_due, minutes)?);
                }
            }
            transition.reindex_tasks = true;
        }
    }
    transition.notice = Some(match action {
        CaseAction::Pause { procedure, reason } => {
            Notice::Paused { procedure: procedure.trim().to_string(), reason: reason.trim().to_string() }
        }
        CaseAction::Extend { working_days, reason } => {
            Notice::Extended { working_days: *working_days, reason: reason.trim().to_string(), due }
        }
        _ => Notice::Resumed { due },
    });
    document.clock = next;
    transition.detail = detail;
    transition.change.phase = Some(to);
    transition.change.document = Some(document);
    transition.change.due_at = Some(rules.utc(due));
    transition.change.warn_at = Some(rules.utc(warn));
    Ok(transition)
}

/// The limits of an accepted case counted again on the calendar as it is now, after a holiday notice was
/// loaded: the case's due and warning instants and each open step's due instant (from when its stage opened,
/// plus the procedures since). `None` when nothing moves. Nobody decides this: it is the calendar's change.
pub fn recount_limits(case: &Case, rules: &Rules) -> Result<Option<Transition>, CaseError> {
    let accepted = match (case.phase, case.accepted_at) {
        (Phase::Accepted | Phase::Suspended, Some(accepted)) => rules.local(accepted),
        _ => return Ok(None),
    };
    let calendar = rules.calendar;
    let clock = &case.document.clock;
    let paused = clock.paused_intervals();
    let due = clock.due(calendar, accepted, rules.matter.promised_limit.half_days()).map_err(clock_error)?;
    let warn = supervision::warn_at_paused(calendar, accepted, due, rules.warn_share, &paused)?;
    let mut document = case.document.clone();
    let mut steps_moved = false;
    if let Some(review) = document.review.as_mut() {
        for task in review.tasks.iter_mut().filter(|task| task.state == TaskState::Open) {
            let (Some(opened), Some(step)) = (task.opened_at, rules.matter.steps.get(task.step)) else {
                continue;
            };
            let mut recounted = calendar.due(opened, step.limit.half_days())?;
            for (from, to) in paused.iter().filter(|(from, _)| *from >= opened) {
                let minutes = calendar.working_time_between(*from, *to, &[])?.minutes;
                recounted = calendar.add_office_minutes(recounted, minutes)?;
            }
            if task.due != Some(recounted) {
                task.due = Some(recounted);
                steps_moved = true;
            }
        }
    }
    let (due_at, warn_at) = (rules.utc(due), rules.utc(warn));
    if case.due_at == Some(due_at) && case.warn_at == Some(warn_at) && !steps_moved {
        return Ok(None);
    }
    let before = case.due_at.map(|at| rules.local(at).format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default();
    let mut transition = Transition::new(case, EventKind::Recount, case.phase);
    transition.detail = format!("承诺办结时间 {before} → {}", due.format("%Y-%m-%d %H:%M"));
    transition.change.due_at = Some(due_at);
    transition.change.warn_at = Some(warn_at);
    if steps_moved {
        transition.change.document = Some(document);
        transition.reindex_tasks = true;
    }
    Ok(Some(transition))
}
