//! Every action on a case, and which of them an actor may take now. [`allowed_actions`] is the one answer to
//! "may this actor do that to this case in its phase?": the pages draw their buttons from it, and
//! [`super::decide`] refuses exactly what it leaves out (the tests hold the two together).

use super::{Case, Phase};
use crate::acceptance::{MaterialProblem, Supplied};
use crate::access::Permission;
use crate::actor::{Actor, ActorKind};
use crate::review::{ReviewAction, TaskState};

/// A supervision order, as far as the rules of answering it care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRef {
    pub id: i64,
    /// The department that must answer.
    pub department: String,
    pub answered: bool,
}

/// Something done to a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseAction {
    /// 一次性告知: the one correction notice, with every problem of what was supplied and any noted by hand.
    RequestCorrection { supplied: Vec<Supplied>, notes: Vec<MaterialProblem>, supervisor_reason: Option<String> },
    /// The applicant brought to the window what the notice asked for.
    RecordCorrection { supplied: Vec<Supplied> },
    /// The applicant uploaded on the portal what the notice asked for: (material, stored file) pairs.
    CorrectOnline { uploads: Vec<(usize, String)> },
    /// 受理, after checking what was supplied.
    Accept { supplied: Vec<Supplied> },
    /// 不予受理, with reasons.
    RefuseToAccept { reasons: String },
    /// The system accepts by law a case nobody decided on in time.
    AcceptByLaw,
    /// A reviewer's action on one task of the review.
    Review(ReviewAction),
    /// A special procedure starts: the clock stops.
    Pause { procedure: String, reason: String },
    /// The special procedure ends: the clock runs again.
    Resume,
    /// A manager extends the limit.
    Extend { working_days: u32, reason: String },
    /// The result is handed over: `pickup`, `post` (with a tracking number) or `online`.
    Deliver { method: String, tracking_number: String },
    /// 督办: a manager orders the responsible department to act, by a working day (`YYYY-MM-DD`).
    IssueOrder { instruction: String, deadline: String },
    /// The responsible department answers an order.
    AnswerOrder { order: OrderRef, answer: String },
}

/// An action without its data: what a button stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionKind {
    RequestCorrection,
    RecordCorrection,
    CorrectOnline,
    Accept,
    RefuseToAccept,
    AcceptByLaw,
    /// Any review action on the task at this position of the review.
    Review {
        task: usize,
    },
    Pause,
    Resume,
    Extend,
    Deliver,
    IssueOrder,
}

impl CaseAction {
    /// The kind of this action; `None` for answering an order, which depends on the order (see
    /// [`may_answer`]).
    pub fn kind(&self) -> Option<ActionKind> {
        Some(match self {
            Self::RequestCorrection { .. } => ActionKind::RequestCorrection,
            Self::RecordCorrection { .. } => ActionKind::RecordCorrection,
            Self::CorrectOnline { .. } => ActionKind::CorrectOnline,
            Self::Accept { .. } => ActionKind::Accept,
            Self::RefuseToAccept { .. } => ActionKind::RefuseToAccept,
            Self::AcceptByLaw => ActionKind::AcceptByLaw,
            Self::Review(action) => ActionKind::Review { task: review_task(action) },
            Self::Pause { .. } => ActionKind::Pause,
            Self::Resume => ActionKind::Resume,
            Self::Extend { .. } => ActionKind::Extend,
            Self::Deliver { .. } => ActionKind::Deliver,
            Self::IssueOrder { .. } => ActionKind::IssueOrder,
            Self::AnswerOrder { .. } => return None,
        })
    }
}

pub(crate) fn review_task(action: &ReviewAction) -> usize {
    match action {
        ReviewAction::Approve { task }
        | ReviewAction::ProposeRefusal { task, .. }
        | ReviewAction::Return { task, .. }
        | ReviewAction::Decide { task, .. } => *task,
    }
}

/// Whether the actor may stop and restart the clock of this case: its own department's reviewers, or a
/// manager.
pub(crate) fn may_pause(case: &Case, actor: &Actor) -> bool {
    actor.may(Permission::Supervise) || actor.reviewing_department() == Some(case.department.as_str())
}

/// Whether the actor may answer this order: a member of the department it was sent to, while it is open.
pub fn may_answer(order: &OrderRef, actor: &Actor) -> bool {
    !order.answered && actor.department.as_deref() == Some(order.department.as_str())
}

/// What this actor may do to this case now. (Whether the actor may see the case at all is [`super::may_see`];
/// the rules of each action's content — a complete material list, a reason — are [`super::decide`]'s.)
pub fn allowed_actions(case: &Case, actor: &Actor) -> Vec<ActionKind> {
    let mut allowed = Vec::new();
    let window = actor.may(Permission::AcceptCases);
    match case.phase {
        Phase::Received if window => {
            if case.document.acceptance.corrections == 0 || actor.may(Permission::SignOffCorrection) {
                allowed.push(ActionKind::RequestCorrection);
            }
            allowed.extend([ActionKind::Accept, ActionKind::RefuseToAccept]);
        }
        Phase::AwaitingCorrection if window => {
            allowed.extend([ActionKind::RecordCorrection, ActionKind::RefuseToAccept]);
        }
        Phase::Granted | Phase::Refused if window => allowed.push(ActionKind::Deliver),
        _ => {}
    }
    if case.phase == Phase::Received && actor.kind == ActorKind::System {
        allowed.push(ActionKind::AcceptByLaw);
    }
    if case.phase == Phase::AwaitingCorrection && actor.applicant_id() == Some(case.applicant_id) {
        allowed.push(ActionKind::CorrectOnline);
    }
    if case.phase == Phase::Accepted {
        if let (Some(review), Some(department)) = (&case.document.review, actor.reviewing_department()) {
            if review.outcome.is_none() {
                allowed.extend(
                    review
                        .tasks
                        .iter()
                        .enumerate()
                        .filter(|(_, task)| {
                            task.state == TaskState::Open
                                && task.department == department
                                && !task.signed_by.contains(&actor.name)
                        })
                        .map(|(task, _)| ActionKind::Review { task }),
                );
            }
        }
    }
    if case.accepted_at.is_some() && may_pause(case, actor) {
        match case.phase {
            Phase::Accepted => allowed.push(ActionKind::Pause),
            Phase::Suspended => allowed.push(ActionKind::Resume),
            _ => {}
        }
    }
    if case.phase == Phase::Accepted && case.accepted_at.is_some() && actor.may(Permission::Supervise) {
        allowed.push(ActionKind::Extend);
    }
    if !case.phase.is_closed() && actor.may(Permission::Supervise) {
        allowed.push(ActionKind::IssueOrder);
    }
    allowed
}
