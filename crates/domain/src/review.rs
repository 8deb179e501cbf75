//! Back-office review of an accepted case (审查 / 审核 / 决定), with parallel approval (并联审批): each
//! review step of the matter becomes a task for its department; the steps of one stage are open at once,
//! and the next stage opens when all of them are done. A reviewer approves, returns the case to an earlier
//! stage with a reason, or proposes refusal; the decision step concludes the case as granted (准予) or
//! refused (不予, with reasons).
//!
//! Like the acceptance phase, every change is a pure decision that returns the new review or an error;
//! nothing changes on an error.

use crate::calendar::{Calendar, CalendarError};
use crate::catalog::{Matter, StepKind};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    /// Its stage has not opened yet.
    Waiting,
    Open,
    Done,
}

/// One review step of one case, for one department.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    /// Position of the step in the matter's step list.
    pub step: usize,
    pub name: String,
    pub kind: StepKind,
    pub stage: u16,
    pub department: String,
    pub state: TaskState,
    pub opened_at: Option<NaiveDateTime>,
    /// When the step's own limit runs out, counted from the moment its stage opened.
    pub due: Option<NaiveDateTime>,
    /// Who approved it, and whether that reviewer proposed refusal instead.
    pub approved_by: Option<String>,
    pub refusal_proposed: Option<String>,
    /// 会签: how many reviewers must sign this task off, and who has so far.
    #[serde(default = "one")]
    pub sign_offs_required: u8,
    #[serde(default)]
    pub signed_by: Vec<String>,
}

fn one() -> u8 {
    1
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum Outcome {
    Granted,
    Refused { reasons: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub tasks: Vec<Task>,
    pub outcome: Option<Outcome>,
}

/// A reviewer: a name and the department they work for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reviewer {
    pub name: String,
    pub department: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewAction {
    Approve {
        task: usize,
    },
    /// Refusal is proposed to the decision step; the task is done.
    ProposeRefusal {
        task: usize,
        reason: String,
    },
    /// Sends the case back to an earlier stage: that stage's tasks open again, later ones wait.
    Return {
        task: usize,
        to_stage: u16,
        reason: String,
    },
    /// The decision step concludes the case.
    Decide {
        task: usize,
        granted: bool,
        reasons: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewError {
    #[error("没有这个环节")]
    NoSuchTask,
    #[error("这个环节现在不能办理：尚未轮到，或已经办完（可能已被他人办理）")]
    TaskNotOpen,
    #[error("这个环节由其他部门办理")]
    NotYourDepartment,
    #[error("决定只能在“决定”环节作出")]
    NotADecisionStep,
    #[error("请写明理由")]
    ReasonRequired,
    #[error("只能退回到更早的阶段")]
    NoEarlierStage,
    #[error("办件已有决定，不能再办理")]
    AlreadyDecided,
    #[error("您已经会签过这个环节，还需要本部门其他审查人员会签")]
    AlreadySigned,
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}

/// The steps that become review tasks: everything between acceptance and conclusion.
fn is_review_step(kind: StepKind) -> bool {
    matches!(kind, StepKind::Review | StepKind::Check | StepKind::Decide)
}

/// Opens the review of a case accepted at `accepted_at`: one task per review step, the first stage open.
pub fn open_review(matter: &Matter, calendar: &Calendar, accepted_at: NaiveDateTime) -> Result<Review, CalendarError> {
    let tasks = matter
        .steps
        .iter()
        .enumerate()
        .filter(|(_, step)| is_review_step(step.kind))
        .map(|(index, step)| Task {
            step: index,
            name: step.name.clone(),
            kind: step.kind,
            stage: step.stage,
            department: if step.department.is_empty() { matter.department.clone() } else { step.department.clone() },
            state: TaskState::Waiting,
            opened_at: None,
            due: None,
            approved_by: None,
            refusal_proposed: None,
            sign_offs_required: step.sign_offs.max(1),
            signed_by: Vec::new(),
        })
        .collect();
    let mut review = Review { tasks, outcome: None };
    open_next_stage(&mut review, matter, calendar, accepted_at)?;
    conclude_without_decision_step(&mut review);
    Ok(review)
}

/// A matter without a decision step (an on-the-spot matter, or one whose last step is a check) is concluded
/// when every task is done: granted, or refused if a reviewer proposed refusal. One without review steps at
/// all is concluded at acceptance (受理即办结).
fn conclude_without_decision_step(review: &mut Review) {
    if review.outcome.is_some()
        || review.tasks.iter().any(|task| task.kind == StepKind::Decide || task.state != TaskState::Done)
    {
        return;
    }
    let refusals: Vec<String> = review.tasks.iter().filter_map(|task| task.refusal_proposed.clone()).collect();
    review.outcome =
        Some(if refusals.is_empty() { Outcome::Granted } else { Outcome::Refused { reasons: refusals.join("；") } });
}

/// Opens the earliest stage that still has waiting tasks, if no task is open.
fn open_next_stage(
    review: &mut Review,
    matter: &Matter,
    calendar: &Calendar,
    now: NaiveDateTime,
) -> Result<(), CalendarError> {
    if review.tasks.iter().any(|task| task.state == TaskState::Open) {
        return Ok(());
    }
    let Some(stage) = review.tasks.iter().filter(|task| task.state == TaskState::Waiting).map(|task| task.stage).min()
    else {
        return Ok(());
    };
    for task in review.tasks.iter_mut().filter(|task| task.stage == stage) {
        task.state = TaskState::Open;
        task.opened_at = Some(now);
        task.due = Some(calendar.due(now, matter.steps[task.step].limit.half_days())?);
    }
    Ok(())
}

/// Decides a review action by `reviewer` at `now`; returns the review as it is afterwards.
pub fn decide(
    review: &Review,
    matter: &Matter,
    action: &ReviewAction,
    reviewer: &Reviewer,
    calendar: &Calendar,
    now: NaiveDateTime,
) -> Result<Review, ReviewError> {
    if review.outcome.is_some() {
        return Err(ReviewError::AlreadyDecided);
    }
    let index = match action {
        ReviewAction::Approve { task }
        | ReviewAction::ProposeRefusal { task, .. }
        | ReviewAction::Return { task, .. }
        | ReviewAction::Decide { task, .. } => *task,
    };
    let task = review.tasks.get(index).ok_or(ReviewError::NoSuchTask)?;
    if task.state != TaskState::Open {
        return Err(ReviewError::TaskNotOpen);
    }
    if task.department != reviewer.department {
        return Err(ReviewError::NotYourDepartment);
    }
    let mut next = review.clone();
    match action {
        ReviewAction::Approve { .. } | ReviewAction::ProposeRefusal { .. } => {
            if task.kind == StepKind::Decide {
                return Err(ReviewError::NotADecisionStep);
            }
            let refusal = match action {
                ReviewAction::ProposeRefusal { reason, .. } if reason.trim().is_empty() => {
                    return Err(ReviewError::ReasonRequired)
                }
                ReviewAction::ProposeRefusal { reason, .. } => Some(reason.trim().to_string()),
                _ => None,
            };
            let done = &mut next.tasks[index];
            if done.signed_by.contains(&reviewer.name) {
                return Err(ReviewError::AlreadySigned);
            }
            done.signed_by.push(reviewer.name.clone());
            if let Some(reason) = refusal {
                let reasons = done.refusal_proposed.take().map(|earlier| format!("{earlier}；{reason}"));
                done.refusal_proposed = Some(reasons.unwrap_or(reason));
            }
            // A joint sign-off (会签) stays open until enough reviewers have signed.
            if done.signed_by.len() < usize::from(done.sign_offs_required.max(1)) {
                return Ok(next);
            }
            done.state = TaskState::Done;
            done.approved_by = Some(done.signed_by.join("、"));
            open_next_stage(&mut next, matter, calendar, now)?;
            conclude_without_decision_step(&mut next);
        }
        ReviewAction::Return { to_stage, reason, .. } => {
            if reason.trim().is_empty() {
                return Err(ReviewError::ReasonRequired);
            }
            if *to_stage >= task.stage || !review.tasks.iter().any(|other| other.stage == *to_stage) {
                return Err(ReviewError::NoEarlierStage);
            }
            for other in next.tasks.iter_mut().filter(|other| other.stage >= *to_stage) {
                other.state = TaskState::Waiting;
                other.opened_at = None;
                other.due = None;
                other.approved_by = None;
                other.refusal_proposed = None;
                other.signed_by.clear();
            }
            open_next_stage(&mut next, matter, calendar, now)?;
        }
        ReviewAction::Decide { granted, reasons, .. } => {
            if task.kind != StepKind::Decide {
                return Err(ReviewError::NotADecisionStep);
            }
            if !granted && reasons.trim().is_empty() {
                return Err(ReviewError::ReasonRequired);
            }
            let done = &mut next.tasks[index];
            done.state = TaskState::Done;
            done.approved_by = Some(reviewer.name.clone());
            next.outcome = Some(if *granted {
                Outcome::Granted
            } else {
                Outcome::Refused { reasons: reasons.trim().to_string() }
            });
        }
    }
    Ok(next)
}

/// The open tasks of a department, the soonest due first (a reviewer's inbox).
pub fn inbox<'a>(review: &'a Review, department: &str) -> Vec<&'a Task> {
    let mut tasks: Vec<&Task> =
        review.tasks.iter().filter(|task| task.state == TaskState::Open && task.department == department).collect();
    tasks.sort_by_key(|task| task.due);
    tasks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::tests::sample_matter;
    use crate::catalog::{Step, TimeLimit};
    use crate::test_support::{at, calendar};

    /// 受理 → (市场监管 审核 ∥ 税务 审核) → 决定 → 送达.
    fn matter() -> Matter {
        let mut matter = sample_matter();
        let step = |name: &str, kind, department: &str, stage, days: u32| Step {
            name: name.to_string(),
            kind,
            department: department.to_string(),
            stage,
            limit: TimeLimit::HalfDays(days * 2),
            standard: String::new(),
            result: String::new(),
            sign_offs: 1,
        };
        matter.steps = vec![
            step("受理", StepKind::Accept, "", 1, 1),
            step("登记审核", StepKind::Check, "", 2, 1),
            step("税务核验", StepKind::Check, "swj", 2, 2),
            step("决定", StepKind::Decide, "", 3, 1),
            step("送达", StepKind::Deliver, "", 4, 1),
        ];
        matter
    }

    fn reviewer(name: &str, department: &str) -> Reviewer {
        Reviewer { name: name.to_string(), department: department.to_string() }
    }

    #[test]
    fn parallel_steps_open_together_and_the_decision_waits_for_both() {
        let calendar = calendar();
        let matter = matter();
        let review = open_review(&matter, &calendar, at("2026-03-02 10:00")).expect("open");
        assert_eq!(review.tasks.len(), 3, "受理 and 送达 are not review tasks");
        assert_eq!(
            review.tasks.iter().map(|t| t.state).collect::<Vec<_>>(),
            [TaskState::Open, TaskState::Open, TaskState::Waiting]
        );
        assert_eq!(review.tasks[0].due, Some(at("2026-03-03 17:00")));
        assert_eq!(review.tasks[1].due, Some(at("2026-03-04 17:00")), "each step has its own limit");
        assert_eq!(inbox(&review, "swj").len(), 1);
        assert_eq!(inbox(&review, "scjgj").len(), 1);

        let review = decide(
            &review,
            &matter,
            &ReviewAction::Approve { task: 1 },
            &reviewer("王", "swj"),
            &calendar,
            at("2026-03-02 15:00"),
        )
        .expect("tax approves");
        assert_eq!(review.tasks[2].state, TaskState::Waiting, "the decision waits for the other department");
        let review = decide(
            &review,
            &matter,
            &ReviewAction::Approve { task: 0 },
            &reviewer("李", "scjgj"),
            &calendar,
            at("2026-03-03 09:30"),
        )
        .expect("market approves");
        assert_eq!(review.tasks[2].state, TaskState::Open);
        assert_eq!(review.tasks[2].opened_at, Some(at("2026-03-03 09:30")));
        let review = decide(
            &review,
            &matter,
            &ReviewAction::Decide { task: 2, granted: true, reasons: String::new() },
            &reviewer("张", "scjgj"),
            &calendar,
            at("2026-03-03 11:00"),
        )
        .expect("granted");
        assert_eq!(review.outcome, Some(Outcome::Granted));
    }

    #[test]
    fn approving_twice_racing_or_for_another_department_is_refused() {
        let calendar = calendar();
        let matter = matter();
        let review = open_review(&matter, &calendar, at("2026-03-02 10:00")).expect("open");
        let now = at("2026-03-02 11:00");
        assert_eq!(
            decide(&review, &matter, &ReviewAction::Approve { task: 1 }, &reviewer("李", "scjgj"), &calendar, now),
            Err(ReviewError::NotYourDepartment)
        );
        let once = decide(&review, &matter, &ReviewAction::Approve { task: 1 }, &reviewer("王", "swj"), &calendar, now)
            .expect("first");
        // A second reviewer of the same department, acting on the state after the first: refused.
        assert_eq!(
            decide(&once, &matter, &ReviewAction::Approve { task: 1 }, &reviewer("赵", "swj"), &calendar, now),
            Err(ReviewError::TaskNotOpen)
        );
        assert_eq!(
            decide(&review, &matter, &ReviewAction::Approve { task: 2 }, &reviewer("张", "scjgj"), &calendar, now),
            Err(ReviewError::TaskNotOpen),
            "the decision step is not open yet"
        );
        assert_eq!(
            decide(&review, &matter, &ReviewAction::Approve { task: 9 }, &reviewer("张", "scjgj"), &calendar, now),
            Err(ReviewError::NoSuchTask)
        );
    }

    #[test]
    fn returning_reopens_the_earlier_stage_and_refusal_needs_reasons() {
        let calendar = calendar();
        let matter = matter();
        let mut review = open_review(&matter, &calendar, at("2026-03-02 10:00")).expect("open");
        for (task, who) in [(0, reviewer("李", "scjgj")), (1, reviewer("王", "swj"))] {
            review = decide(&review, &matter, &ReviewAction::Approve { task }, &who, &calendar, at("2026-03-02 11:00"))
                .expect("approve");
        }
        let decider = reviewer("张", "scjgj");
        let back =
            ReviewAction::Return { task: 2, to_stage: 2, reason: "税务核验结果与登记信息不一致".into() };
        let returned = decide(&review, &matter, &back, &decider, &calendar, at("2026-03-03 10:00")).expect("returned");
        assert_eq!(
            returned.tasks.iter().map(|t| t.state).collect::<Vec<_>>(),
            [TaskState::Open, TaskState::Open, TaskState::Waiting]
        );
        assert_eq!(returned.tasks[0].approved_by, None);
        let no_reason = ReviewAction::Return { task: 2, to_stage: 2, reason: " ".into() };
        assert_eq!(
            decide(&review, &matter, &no_reason, &decider, &calendar, at("2026-03-03 10:00")),
            Err(ReviewError::ReasonRequired)
        );
        let same_stage = ReviewAction::Return { task: 2, to_stage: 3, reason: "x".into() };
        assert_eq!(
            decide(&review, &matter, &same_stage, &decider, &calendar, at("2026-03-03 10:00")),
            Err(ReviewError::NoEarlierStage)
        );

        let refuse_silently = ReviewAction::Decide { task: 2, granted: false, reasons: String::new() };
        assert_eq!(
            decide(&review, &matter, &refuse_silently, &decider, &calendar, at("2026-03-03 10:00")),
            Err(ReviewError::ReasonRequired)
        );
        let refuse =
            ReviewAction::Decide {
                task: 2, granted: false, reasons: "不符合《市场主体登记管理条例》第十二条".into()
            };
        let refused = decide(&review, &matter, &refuse, &decider, &calendar, at("2026-03-03 10:00")).expect("refused");
        assert!(matches!(refused.outcome, Some(Outcome::Refused { .. })));
        assert_eq!(
            decide(
                &refused,
                &matter,
                &ReviewAction::Approve { task: 0 },
                &reviewer("李", "scjgj"),
                &calendar,
                at("2026-03-03 11:00")
            ),
            Err(ReviewError::AlreadyDecided)
        );
    }

    #[test]
    fn a_proposed_refusal_needs_a_reason_and_goes_to_the_decision() {
        let calendar = calendar();
        let matter = matter();
        let review = open_review(&matter, &calendar, at("2026-03-02 10:00")).expect("open");
        let silent = ReviewAction::ProposeRefusal { task: 1, reason: String::new() };
        assert_eq!(
            decide(&review, &matter, &silent, &reviewer("王", "swj"), &calendar, at("2026-03-02 11:00")),
            Err(ReviewError::ReasonRequired)
        );
        let proposal = ReviewAction::ProposeRefusal { task: 1, reason: "存在未结清税款".into() };
        let next = decide(&review, &matter, &proposal, &reviewer("王", "swj"), &calendar, at("2026-03-02 11:00"))
            .expect("proposed");
        assert_eq!(next.tasks[1].refusal_proposed.as_deref(), Some("存在未结清税款"));
        assert_eq!(next.tasks[1].state, TaskState::Done);
    }

    #[test]
    fn a_matter_without_a_decision_step_concludes_when_its_checks_are_done() {
        let calendar = crate::test_support::calendar();
        let mut checks_only = matter();
        checks_only.steps.retain(|step| step.kind != StepKind::Decide);
        let review = open_review(&checks_only, &calendar, crate::test_support::at("2026-03-02 10:00")).expect("open");
        assert!(review.outcome.is_none());
        let mut current = review;
        while let Some(index) = current.tasks.iter().position(|task| task.state == TaskState::Open) {
            let department = current.tasks[index].department.clone();
            let reviewer = Reviewer { name: "审查员".to_string(), department };
            current = decide(
                &current,
                &checks_only,
                &ReviewAction::Approve { task: index },
                &reviewer,
                &calendar,
                crate::test_support::at("2026-03-03 10:00"),
            )
            .expect("approve");
        }
        assert_eq!(current.outcome, Some(Outcome::Granted));

        let mut on_the_spot = matter();
        on_the_spot.steps.retain(|step| !is_review_step(step.kind));
        let review = open_review(&on_the_spot, &calendar, crate::test_support::at("2026-03-02 10:00")).expect("open");
        assert_eq!(review.outcome, Some(Outcome::Granted), "no review step: concluded at acceptance");
    }

    #[test]
    fn a_joint_sign_off_needs_that_many_different_reviewers() {
        let calendar = crate::test_support::calendar();
        let mut joint = matter();
        joint.steps[1].sign_offs = 2;
        let accepted = crate::test_support::at("2026-03-02 10:00");
        let review = open_review(&joint, &calendar, accepted).expect("open");
        assert_eq!(review.tasks[0].sign_offs_required, 2);
        let approve = ReviewAction::Approve { task: 0 };
        let later = crate::test_support::at("2026-03-03 10:00");
        let once =
            decide(&review, &joint, &approve, &reviewer("甲", &joint.department), &calendar, later).expect("first");
        assert_eq!(once.tasks[0].state, TaskState::Open, "one of two signatures keeps the step open");
        assert_eq!(
            decide(&once, &joint, &approve, &reviewer("甲", &joint.department), &calendar, later),
            Err(ReviewError::AlreadySigned)
        );
        let twice =
            decide(&once, &joint, &approve, &reviewer("乙", &joint.department), &calendar, later).expect("second");
        assert_eq!(twice.tasks[0].state, TaskState::Done);
        assert_eq!(twice.tasks[0].approved_by.as_deref(), Some("甲、乙"));
    }
}
