//! One pure decision for every change of a case: `decide(case, action, actor, rules, now)` returns the
//! [`Transition`] to store — what changes, the event, a trip to the hall, a message to the applicant — or the
//! [`CaseError`] that says why not. Nothing changes on an error. Time is an argument; the calendar and the
//! matter come in [`Rules`].
//!
//! Each group of actions is decided in its own file: `window.rs` (acceptance, correction, delivery),
//! `back_office.rs` (review and the clock), `orders.rs` (supervision orders).

mod back_office;
pub use back_office::recount_limits;
mod orders;
mod window;

use super::{Case, CaseAction, CaseDocument, EventKind, Phase};
use crate::actor::Actor;
use crate::calendar::{Calendar, CalendarError};
use crate::catalog::Matter;
use crate::FieldErrors;
use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};

/// What a decision reads besides the case: the matter (in the version the case was made under), the
/// calendar, and the centre's settings.
pub struct Rules<'a> {
    pub matter: &'a Matter,
    pub calendar: &'a Calendar,
    /// The centre's offset from UTC: deadlines are counted in local office hours.
    pub utc_offset: FixedOffset,
    /// A case or step is yellow when less than this share of its time is left.
    pub warn_share: f64,
    /// A department's name, for the words of an event.
    pub department_name: &'a (dyn Fn(&str) -> String + Sync),
}

impl Rules<'_> {
    pub fn local(&self, instant: DateTime<Utc>) -> NaiveDateTime {
        instant.with_timezone(&self.utc_offset).naive_local()
    }

    pub fn utc(&self, local: NaiveDateTime) -> DateTime<Utc> {
        (local - chrono::Duration::seconds(i64::from(self.utc_offset.local_minus_utc()))).and_utc()
    }
}

/// What a transition changes on the case; a field left `None` stays as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaseChange {
    pub phase: Option<Phase>,
    pub document: Option<CaseDocument>,
    pub corrections: Option<u32>,
    pub received_at: Option<DateTime<Utc>>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub warn_at: Option<DateTime<Utc>>,
}

/// A supervision order to write with the transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderEffect {
    Issue { department: String, instruction: String, deadline: DateTime<Utc> },
    Answer { id: i64, answer: String },
}

/// What the applicant is told of a transition (the application layer words the message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    CorrectionNeeded { materials: Vec<String> },
    Accepted { due: NaiveDateTime },
    RefusedToAccept { reasons: String },
    Granted,
    Refused { reasons: String },
    Paused { procedure: String, reason: String },
    Resumed { due: NaiveDateTime },
    Extended { working_days: u32, reason: String, due: NaiveDateTime },
    Delivered { results: Vec<String>, how: String },
}

/// A decided change of a case, for the store to apply with its event in one transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    pub event: EventKind,
    pub from: Phase,
    pub to: Phase,
    pub change: CaseChange,
    /// The event's words: what was decided and why.
    pub detail: String,
    /// Why the applicant came to the hall for this, if they did (a trip, counted against the matter).
    pub trip: Option<&'static str>,
    /// The review's tasks changed: the reviewers' inbox index is rewritten.
    pub reindex_tasks: bool,
    pub order: Option<OrderEffect>,
    pub notice: Option<Notice>,
}

impl Transition {
    fn new(case: &Case, event: EventKind, to: Phase) -> Self {
        Self {
            event,
            from: case.phase,
            to,
            change: CaseChange::default(),
            detail: String::new(),
            trip: None,
            reindex_tasks: false,
            order: None,
            notice: None,
        }
    }
}

/// Why an action was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CaseError {
    /// The actor's role or department does not allow it.
    #[error("您的账号没有这项操作的权限")]
    Forbidden,
    /// The case is not in a phase where this can be done.
    #[error("{0}")]
    NotInState(String),
    /// What was asked is incomplete or wrong, field by field.
    #[error("{0}")]
    Invalid(FieldErrors),
    #[error("没有这个环节")]
    NoSuchTask,
    /// The task is not open (not yet reached, done already, or just done by someone else).
    #[error("{0}")]
    TaskNotOpen(String),
    /// This reviewer signed this joint task off already.
    #[error("{0}")]
    AlreadySigned(String),
    /// The clock is stopped (a special procedure is under way).
    #[error("{0}")]
    ClockPaused(String),
    /// The clock is running (there is no special procedure to end).
    #[error("{0}")]
    ClockRunning(String),
    #[error("这份督办已经回复过了")]
    AlreadyAnswered,
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}

impl CaseError {
    /// Whether this error refuses the action itself (who may do it, or when), rather than what it carried.
    pub fn refuses_the_action(&self) -> bool {
        matches!(
            self,
            Self::Forbidden
                | Self::NotInState(_)
                | Self::TaskNotOpen(_)
                | Self::AlreadySigned(_)
                | Self::ClockPaused(_)
                | Self::ClockRunning(_)
                | Self::AlreadyAnswered
        )
    }

    fn field(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid(FieldErrors::single(field, message))
    }
}

/// The longest reason, note, instruction or answer a case keeps.
pub const MAX_TEXT_CHARS: usize = 2000;

/// Every free text of an action is bounded and holds no control or direction-changing characters (see
/// `crate::text`); the refusal names the field.
fn check_texts(action: &CaseAction) -> Result<(), CaseError> {
    use crate::review::ReviewAction;
    let mut texts: Vec<(String, &str)> = Vec::new();
    match action {
        CaseAction::RequestCorrection { notes, supervisor_reason, .. } => {
            for (index, note) in notes.iter().enumerate() {
                texts.push((format!("notes[{index}].problem"), &note.problem));
            }
            if let Some(reason) = supervisor_reason {
                texts.push(("supervisor_reason".into(), reason));
            }
        }
        CaseAction::RefuseToAccept { reasons } => texts.push(("reasons".into(), reasons)),
        CaseAction::Review(ReviewAction::ProposeRefusal { reason, .. } | ReviewAction::Return { reason, .. }) => {
            texts.push(("reason".into(), reason));
        }
        CaseAction::Review(ReviewAction::Decide { reasons, .. }) => texts.push(("reasons".into(), reasons)),
        CaseAction::Pause { procedure, reason } => {
            texts.push(("procedure".into(), procedure));
            texts.push(("reason".into(), reason));
        }
        CaseAction::Extend { reason, .. } => texts.push(("reason".into(), reason)),
        CaseAction::Deliver { tracking_number, .. } => texts.push(("tracking_number".into(), tracking_number)),
        CaseAction::IssueOrder { instruction, .. } => texts.push(("instruction".into(), instruction)),
        CaseAction::AnswerOrder { answer, .. } => texts.push(("answer".into(), answer)),
        _ => {}
    }
    let mut errors = crate::FieldErrors::default();
    for (field, text) in texts {
        if let Err(error) = crate::text::check_lines(text, MAX_TEXT_CHARS) {
            errors.add(field, error.to_string());
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(CaseError::Invalid(errors))
    }
}

/// The words "办件现在是“…”" that start every refusal by phase.
fn now_is(case: &Case) -> String {
    format!("办件现在是“{}”", case.phase.label())
}

/// Decides an action by `actor` at `now`. Nothing changes unless this returns a transition.
pub fn decide(
    case: &Case,
    action: &CaseAction,
    actor: &Actor,
    rules: &Rules,
    now: DateTime<Utc>,
) -> Result<Transition, CaseError> {
    check_texts(action)?;
    match action {
        CaseAction::RequestCorrection { .. }
        | CaseAction::RecordCorrection { .. }
        | CaseAction::Accept { .. }
        | CaseAction::RefuseToAccept { .. }
        | CaseAction::AcceptByLaw
        | CaseAction::CorrectOnline { .. } => window::acceptance(case, action, actor, rules, now),
        CaseAction::Deliver { method, tracking_number } => {
            window::deliver(case, method, tracking_number, actor, rules, now)
        }
        CaseAction::Review(review) => back_office::review(case, review, actor, rules, now),
        CaseAction::Pause { .. } | CaseAction::Resume | CaseAction::Extend { .. } => {
            back_office::clock(case, action, actor, rules, now)
        }
        CaseAction::IssueOrder { instruction, deadline } => {
            orders::issue(case, instruction, deadline, actor, rules, now)
        }
        CaseAction::AnswerOrder { order, answer } => orders::answer(case, order, answer, actor),
    }
}
