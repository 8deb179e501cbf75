//! Supervision orders (督办): a manager orders the department responsible for a case's most urgent open step
//! to act by a working day, and that department answers once.

use super::{CaseError, OrderEffect, Rules, Transition};
use crate::access::Permission;
use crate::actor::Actor;
use crate::case::{Case, EventKind, OrderRef};
use crate::review::TaskState;
use crate::FieldErrors;
use chrono::{DateTime, NaiveDate, Utc};

/// The longest an order may give the department to answer.
const MAX_DEADLINE_DAYS: i64 = 60;

pub(super) fn issue(
    case: &Case,
    instruction: &str,
    deadline: &str,
    actor: &Actor,
    rules: &Rules,
    now: DateTime<Utc>,
) -> Result<Transition, CaseError> {
    if !actor.may(Permission::Supervise) {
        return Err(CaseError::Forbidden);
    }
    if case.phase.is_closed() {
        return Err(CaseError::NotInState("办件已经办结，不能再督办".to_string()));
    }
    let mut errors = FieldErrors::default();
    let instruction = instruction.trim().to_string();
    if instruction.chars().count() < 2 || instruction.chars().count() > 500 {
        errors.add("instruction", "请写明督办要求，2 到 500 个字");
    }
    let today = rules.local(now).date();
    let deadline = match NaiveDate::parse_from_str(deadline.trim(), "%Y-%m-%d") {
        Ok(date) if date < today => {
            errors.add("deadline", "回复期限不能早于今天");
            None
        }
        Ok(date) if date > today + chrono::Duration::days(MAX_DEADLINE_DAYS) => {
            errors.add("deadline", "回复期限最长 60 天");
            None
        }
        Ok(date) if !rules.calendar.is_working_day(date).unwrap_or(false) => {
            errors.add("deadline", "回复期限应是工作日，请另选一天");
            None
        }
        Ok(date) => Some(date),
        Err(_) => {
            errors.add("deadline", "请按 2026-12-01 的格式填写回复期限");
            None
        }
    };
    let Some(deadline) = deadline.filter(|_| errors.is_empty()) else {
        return Err(CaseError::Invalid(errors));
    };
    let department = case
        .document
        .review
        .iter()
        .flat_map(|review| review.tasks.iter())
        .filter(|task| task.state == TaskState::Open)
        .min_by_key(|task| task.due)
        .map(|task| task.department.clone())
        .unwrap_or_else(|| case.department.clone());
    let mut transition = Transition::new(case, EventKind::Supervise, case.phase);
    transition.detail = format!("督办{}：{instruction}（{deadline} 前回复）", (rules.department_name)(&department));
    transition.order = Some(OrderEffect::Issue {
        department,
        instruction,
        deadline: rules.utc(deadline.and_time(rules.calendar.hours().afternoon_end)),
    });
    Ok(transition)
}

pub(super) fn answer(case: &Case, order: &OrderRef, answer: &str, actor: &Actor) -> Result<Transition, CaseError> {
    if actor.department.as_deref() != Some(order.department.as_str()) {
        return Err(CaseError::Forbidden);
    }
    let answer = answer.trim().to_string();
    if answer.chars().count() < 2 || answer.chars().count() > 1000 {
        return Err(CaseError::field("answer", "请写明办理情况，2 到 1000 个字"));
    }
    if order.answered {
        return Err(CaseError::AlreadyAnswered);
    }
    let mut transition = Transition::new(case, EventKind::SupervisionAnswer, case.phase);
    transition.detail = answer.clone();
    transition.order = Some(OrderEffect::Answer { id: order.id, answer });
    Ok(transition)
}
