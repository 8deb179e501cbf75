//! The follow-up of a 差评 ("谁办理、谁负责"; standards.md §2, §7.1): assigned to the department and the
//! person who served, called back within the call-back deadline, then one outcome — 立行立改, 限期整改 (a
//! ledger entry with its own due date), 解释说明, or 申诉复核 (a manager's review that may exclude a mistaken or
//! malicious rating from the figures, with a reason). The result goes to the rater, who may rate the fix
//! once (追评).
//!
//! ```text
//! open ──call back──▶ called_back ──立行立改 / 解释说明──────────────▶ resolved ──追评──▶ closed
//!                         │  ├──限期整改──▶ rectifying ──整改完成──▶ resolved
//!                         │  └──申诉复核──▶ appealed ──manager: exclude──▶ resolved
//!                         └───────────────────◀── manager: the rating stands ──┘
//! ```

use super::Level;
use crate::text::check_lines;
use crate::FieldErrors;
use chrono::{DateTime, Utc};

/// The longest note of a call-back, an outcome or a review, in characters.
pub const MAX_NOTE_CHARS: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FollowupState {
    /// Assigned, waiting for the call-back.
    Open,
    /// Called back, waiting for an outcome.
    CalledBack,
    /// 限期整改: a ledger entry being worked on.
    Rectifying,
    /// 申诉复核: waiting for a manager's review.
    Appealed,
    /// The result was sent to the rater, who may rate the fix once.
    Resolved,
    /// The rater rated the fix.
    Closed,
}

impl FollowupState {
    pub const ALL: [FollowupState; 6] =
        [Self::Open, Self::CalledBack, Self::Rectifying, Self::Appealed, Self::Resolved, Self::Closed];

    pub fn code(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::CalledBack => "called_back",
            Self::Rectifying => "rectifying",
            Self::Appealed => "appealed",
            Self::Resolved => "resolved",
            Self::Closed => "closed",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Open => "待回访",
            Self::CalledBack => "已回访，待处理",
            Self::Rectifying => "限期整改中",
            Self::Appealed => "申诉复核中",
            Self::Resolved => "已反馈评价人",
            Self::Closed => "评价人已追评",
        }
    }

    /// Whether the department still owes something (the follow-up counts for the supervision cards).
    pub fn is_open(self) -> bool {
        matches!(self, Self::Open | Self::CalledBack | Self::Rectifying | Self::Appealed)
    }
}

/// How a 差评 was dealt with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// 立行立改: clear and reasonable, fixed at once.
    Immediate,
    /// 限期整改: complicated, a ledger entry with a due date.
    Ledger,
    /// 解释说明: the request has no legal basis; explained to the rater.
    Explained,
    /// 申诉复核: the department holds the rating mistaken or malicious and asks a manager to review it.
    Appeal,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [Self::Immediate, Self::Ledger, Self::Explained, Self::Appeal];

    pub fn code(self) -> &'static str {
        match self {
            Self::Immediate => "immediate",
            Self::Ledger => "ledger",
            Self::Explained => "explained",
            Self::Appeal => "appeal",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|outcome| outcome.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Immediate => "立行立改",
            Self::Ledger => "限期整改",
            Self::Explained => "解释说明",
            Self::Appeal => "申诉复核",
        }
    }

    /// Whether the outcome counts as rectified (整改) in the figures.
    pub fn rectifies(self) -> bool {
        matches!(self, Self::Immediate | Self::Ledger)
    }
}

/// A 差评's follow-up as it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Followup {
    pub rating_id: i64,
    /// The department responsible.
    pub department: String,
    /// The person who served (their username), when known.
    pub assignee: Option<String>,
    pub state: FollowupState,
    pub opened_at: DateTime<Utc>,
    pub callback_due: DateTime<Utc>,
    pub rectify_due: DateTime<Utc>,
    pub called_back_at: Option<DateTime<Utc>>,
    pub callback_note: String,
    pub outcome: Option<Outcome>,
    pub outcome_note: String,
    /// The due date of a 限期整改 ledger entry.
    pub ledger_due: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// Set by a manager's review: the rating no longer counts in the figures.
    pub excluded: bool,
    pub review_note: String,
    pub reviewed_by: Option<String>,
    /// The rater's 追评 of the fix.
    pub fix_level: Option<Level>,
    pub fix_at: Option<DateTime<Utc>>,
    pub revision: i64,
}

/// What someone does to a follow-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FollowupAction {
    /// The responsible person called the rater back and verified what happened.
    CallBack { note: String },
    /// The outcome; a 限期整改 names its due date.
    Resolve { outcome: Outcome, note: String, ledger_due: Option<DateTime<Utc>> },
    /// A 限期整改 entry is done.
    Rectified { note: String },
    /// A manager's review of an appeal: exclude the rating from the figures, or let it stand.
    ReviewAppeal { exclude: bool, note: String },
    /// The rater's one rating of the fix.
    RateFix { level: Level },
}

/// Who acts on a follow-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FollowupActor {
    /// Staff of the responsible department (or a manager acting for it).
    Department { manager: bool },
    /// A manager of the centre who is not of the department.
    Manager,
    /// The applicant who gave the rating.
    Rater,
}

/// Why an action was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FollowupError {
    #[error("{0}")]
    Invalid(FieldErrors),
    /// The action does not fit the follow-up's state.
    #[error("{0}")]
    NotInState(String),
    #[error("没有权限")]
    Forbidden,
}

/// What a change leaves: the follow-up afterwards and, when the rater is owed word, the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowupChange {
    pub followup: Followup,
    /// The result to send to the rater (the outcome and its note), when the change resolved the follow-up.
    pub tell_rater: Option<String>,
}

fn note_of(field: &str, note: &str, required: &str) -> Result<String, FollowupError> {
    let note = note.trim();
    if note.is_empty() {
        return Err(FollowupError::Invalid(FieldErrors::single(field, required)));
    }
    check_lines(note, MAX_NOTE_CHARS)
        .map_err(|error| FollowupError::Invalid(FieldErrors::single(field, format!("说明{error}"))))?;
    Ok(note.to_string())
}

fn not_in(followup: &Followup, what: &str) -> FollowupError {
    FollowupError::NotInState(format!("这条差评现在是“{}”，不能{what}", followup.state.label()))
}

impl Followup {
    /// The deadline that counts now, for the supervision cards: the call-back's while open, the ledger
    /// entry's while rectifying, the rectification deadline while an outcome is awaited; none once resolved.
    pub fn current_deadline(&self) -> Option<DateTime<Utc>> {
        match self.state {
            FollowupState::Open => Some(self.callback_due),
            FollowupState::Rectifying => Some(self.ledger_due.unwrap_or(self.rectify_due)),
            FollowupState::CalledBack | FollowupState::Appealed => Some(self.rectify_due),
            FollowupState::Resolved | FollowupState::Closed => None,
        }
    }

    /// Whether the follow-up was resolved by its rectification deadline (整改按期).
    pub fn resolved_in_time(&self) -> Option<bool> {
        self.resolved_at.map(|at| at <= self.ledger_due.unwrap_or(self.rectify_due).max(self.rectify_due))
    }
}

/// Decides `action` on `followup` at `now`.
pub fn decide(
    followup: &Followup,
    action: &FollowupAction,
    actor: &FollowupActor,
    now: DateTime<Utc>,
) -> Result<FollowupChange, FollowupError> {
    let department = matches!(actor, FollowupActor::Department { .. });
    let manager = matches!(actor, FollowupActor::Manager | FollowupActor::Department { manager: true });
    let mut next = followup.clone();
    next.revision += 1;
    let mut tell_rater = None;
    match action {
        FollowupAction::CallBack { note } => {
            if !department {
                return Err(FollowupError::Forbidden);
            }
            if followup.state != FollowupState::Open {
                return Err(not_in(followup, "再登记回访"));
            }
            next.callback_note = note_of("note", note, "请写下回访的情况：联系了谁、核实到什么")?;
            next.called_back_at = Some(now);
            next.state = FollowupState::CalledBack;
        }
        FollowupAction::Resolve { outcome, note, ledger_due } => {
            if !department {
                return Err(FollowupError::Forbidden);
            }
            if followup.state != FollowupState::CalledBack {
                return Err(not_in(followup, "登记处理结果（请先登记回访）"));
            }
            next.outcome_note = note_of("note", note, "请写下处理结果，它会发给评价人")?;
            next.outcome = Some(*outcome);
            match outcome {
                Outcome::Ledger => {
                    let Some(due) = *ledger_due else {
                        return Err(FollowupError::Invalid(FieldErrors::single(
                            "ledger_due",
                            "限期整改请填写整改完成的日期",
                        )));
                    };
                    if due <= now {
                        return Err(FollowupError::Invalid(FieldErrors::single(
                            "ledger_due",
                            "整改完成日期应在今天之后",
                        )));
                    }
                    next.ledger_due = Some(due);
                    next.state = FollowupState::Rectifying;
                }
                Outcome::Appeal => next.state = FollowupState::Appealed,
                Outcome::Immediate | Outcome::Explained => {
                    next.state = FollowupState::Resolved;
                    next.resolved_at = Some(now);
                    tell_rater = Some(format!("{}：{}", outcome.label(), next.outcome_note));
                }
            }
        }
        FollowupAction::Rectified { note } => {
            if !department {
                return Err(FollowupError::Forbidden);
            }
            if followup.state != FollowupState::Rectifying {
                return Err(not_in(followup, "登记整改完成"));
            }
            let note = note_of("note", note, "请写下整改了什么")?;
            next.outcome_note = format!("{}\n整改完成：{note}", followup.outcome_note);
            next.state = FollowupState::Resolved;
            next.resolved_at = Some(now);
            tell_rater = Some(format!("限期整改已完成：{note}"));
        }
        FollowupAction::ReviewAppeal { exclude, note } => {
            if !manager {
                return Err(FollowupError::Forbidden);
            }
            if followup.state != FollowupState::Appealed {
                return Err(not_in(followup, "复核"));
            }
            next.review_note = note_of("note", note, "请写下复核的理由")?;
            if *exclude {
                next.excluded = true;
                next.state = FollowupState::Resolved;
                next.resolved_at = Some(now);
                tell_rater = Some(format!("申诉复核：{}", next.review_note));
            } else {
                // The rating stands: the department answers it another way.
                next.state = FollowupState::CalledBack;
                next.outcome = None;
            }
        }
        FollowupAction::RateFix { level } => {
            if *actor != FollowupActor::Rater {
                return Err(FollowupError::Forbidden);
            }
            if followup.state != FollowupState::Resolved {
                return Err(if followup.state == FollowupState::Closed {
                    FollowupError::NotInState("整改结果已经评价过了，每条差评只能追评一次".to_string())
                } else {
                    not_in(followup, "评价整改结果")
                });
            }
            next.fix_level = Some(*level);
            next.fix_at = Some(now);
            next.state = FollowupState::Closed;
        }
    }
    Ok(FollowupChange { followup: next, tell_rater })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, hour, 0, 0).single().unwrap()
    }

    fn open() -> Followup {
        Followup {
            rating_id: 7,
            department: "gov-rsj".into(),
            assignee: Some("clerk".into()),
            state: FollowupState::Open,
            opened_at: at(1),
            callback_due: at(9),
            rectify_due: at(20),
            called_back_at: None,
            callback_note: String::new(),
            outcome: None,
            outcome_note: String::new(),
            ledger_due: None,
            resolved_at: None,
            excluded: false,
            review_note: String::new(),
            reviewed_by: None,
            fix_level: None,
            fix_at: None,
            revision: 0,
        }
    }

    const DEPARTMENT: FollowupActor = FollowupActor::Department { manager: false };

    fn step(followup: &Followup, action: FollowupAction, actor: &FollowupActor) -> FollowupChange {
        decide(followup, &action, actor, at(3)).unwrap()
    }

    #[test]
    fn the_whole_loop_ends_with_the_raters_follow_up() {
        let called = step(&open(), FollowupAction::CallBack { note: "已电话联系".into() }, &DEPARTMENT);
        assert_eq!(called.followup.state, FollowupState::CalledBack);
        assert_eq!(called.tell_rater, None);
        let ledger = decide(
            &called.followup,
            &FollowupAction::Resolve {
                outcome: Outcome::Ledger, note: "增设引导员".into(), ledger_due: Some(at(10))
            },
            &DEPARTMENT,
            at(4),
        )
        .unwrap();
        assert_eq!(ledger.followup.state, FollowupState::Rectifying);
        assert_eq!(ledger.followup.current_deadline(), Some(at(10)));
        let done = step(&ledger.followup, FollowupAction::Rectified { note: "已到岗".into() }, &DEPARTMENT);
        assert_eq!(done.followup.state, FollowupState::Resolved);
        assert_eq!(done.tell_rater.as_deref(), Some("限期整改已完成：已到岗"));
        assert_eq!(done.followup.resolved_in_time(), Some(true));
        let rated = step(&done.followup, FollowupAction::RateFix { level: Level(4) }, &FollowupActor::Rater);
        assert_eq!(rated.followup.state, FollowupState::Closed);
        let again = decide(&rated.followup, &FollowupAction::RateFix { level: Level(5) }, &FollowupActor::Rater, at(5));
        assert_eq!(again, Err(FollowupError::NotInState("整改结果已经评价过了，每条差评只能追评一次".to_string())));
        assert_eq!(rated.followup.revision, 4);
    }

    #[test]
    fn an_appeal_is_decided_by_a_manager_only() {
        let called = step(&open(), FollowupAction::CallBack { note: "核实".into() }, &DEPARTMENT);
        let appeal = step(
            &called.followup,
            FollowupAction::Resolve { outcome: Outcome::Appeal, note: "评价人误点".into(), ledger_due: None },
            &DEPARTMENT,
        );
        assert_eq!(appeal.followup.state, FollowupState::Appealed);
        let review = FollowupAction::ReviewAppeal { exclude: true, note: "录像显示误点".into() };
        assert_eq!(decide(&appeal.followup, &review, &DEPARTMENT, at(4)), Err(FollowupError::Forbidden));
        let excluded = step(&appeal.followup, review, &FollowupActor::Manager);
        assert!(excluded.followup.excluded);
        assert_eq!(excluded.followup.state, FollowupState::Resolved);
        let stands = step(
            &appeal.followup,
            FollowupAction::ReviewAppeal { exclude: false, note: "理由不足".into() },
            &FollowupActor::Department { manager: true },
        );
        assert_eq!(stands.followup.state, FollowupState::CalledBack);
        assert!(!stands.followup.excluded);
    }

    #[test]
    fn refusals_name_what_is_wrong() {
        let followup = open();
        let empty = decide(&followup, &FollowupAction::CallBack { note: "  ".into() }, &DEPARTMENT, at(2));
        assert!(matches!(empty, Err(FollowupError::Invalid(errors)) if errors.first("note").is_some()));
        let early = decide(
            &followup,
            &FollowupAction::Resolve { outcome: Outcome::Immediate, note: "x".into(), ledger_due: None },
            &DEPARTMENT,
            at(2),
        );
        assert_eq!(
            early,
            Err(FollowupError::NotInState("这条差评现在是“待回访”，不能登记处理结果（请先登记回访）".to_string()))
        );
        assert_eq!(
            decide(&followup, &FollowupAction::CallBack { note: "x".into() }, &FollowupActor::Rater, at(2)),
            Err(FollowupError::Forbidden)
        );
        let called = step(&followup, FollowupAction::CallBack { note: "x".into() }, &DEPARTMENT).followup;
        let past = decide(
            &called,
            &FollowupAction::Resolve { outcome: Outcome::Ledger, note: "x".into(), ledger_due: Some(at(2)) },
            &DEPARTMENT,
            at(3),
        );
        assert!(
            matches!(past, Err(FollowupError::Invalid(errors)) if errors.first("ledger_due") == Some("整改完成日期应在今天之后"))
        );
        assert_eq!(open().current_deadline(), Some(at(9)));
    }
}
