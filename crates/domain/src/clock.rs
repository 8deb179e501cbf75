//! The legal clock of an accepted case: it runs from acceptance for the promised limit in working days;
//! special procedures (特别程序: 听证, 专家评审, 检验检测, 鉴定 …) stop it, with a written notice to the
//! applicant, for as long as they last; an extension (延期) adds working days, with an approver and a reason
//! (行政许可法 第四十二条: 经本行政机关负责人批准，可以延长十日).
//!
//! Like the other case rules, each change is a pure decision returning the new clock or an error.

use crate::calendar::{Calendar, CalendarError};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

/// Working days a case's limit may be extended by, all extensions together.
pub const MAX_EXTENSION_WORKING_DAYS: u32 = 30;

/// One stop of the clock for a special procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    pub procedure: String,
    pub reason: String,
    pub by: String,
    pub from: NaiveDateTime,
    /// `None` while the procedure lasts.
    pub to: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    pub working_days: u32,
    pub reason: String,
    pub approved_by: String,
    pub at: NaiveDateTime,
}

/// The clock of one accepted case.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseClock {
    #[serde(default)]
    pub pauses: Vec<Pause>,
    #[serde(default)]
    pub extensions: Vec<Extension>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    #[error("计时已经暂停，请先结束当前的特别程序")]
    AlreadyPaused,
    #[error("计时没有暂停")]
    NotPaused,
    #[error("请写明特别程序的名称，如 听证、专家评审、检验检测、鉴定")]
    ProcedureRequired,
    #[error("请写明理由，它会写进给申请人的告知书")]
    ReasonRequired,
    #[error(
        "延长的工作日应为 1 到 {MAX_EXTENSION_WORKING_DAYS} 天（已延长的合计不能超过 {MAX_EXTENSION_WORKING_DAYS} 天）"
    )]
    ExtensionOutOfRange,
    #[error("特别程序进行中，不能延期；请先结束特别程序")]
    PausedNoExtension,
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}

impl CaseClock {
    pub fn is_paused(&self) -> bool {
        self.pauses.last().is_some_and(|pause| pause.to.is_none())
    }

    pub fn extended_days(&self) -> u32 {
        self.extensions.iter().map(|extension| extension.working_days).sum()
    }

    /// Stops the clock for a special procedure.
    pub fn pause(&self, procedure: &str, reason: &str, by: &str, now: NaiveDateTime) -> Result<Self, ClockError> {
        if self.is_paused() {
            return Err(ClockError::AlreadyPaused);
        }
        if procedure.trim().is_empty() || procedure.chars().count() > 50 {
            return Err(ClockError::ProcedureRequired);
        }
        if reason.trim().is_empty() {
            return Err(ClockError::ReasonRequired);
        }
        let mut next = self.clone();
        next.pauses.push(Pause {
            procedure: procedure.trim().to_string(),
            reason: reason.trim().to_string(),
            by: by.to_string(),
            from: now,
            to: None,
        });
        Ok(next)
    }

    /// Starts the clock again when the special procedure ends.
    pub fn resume(&self, now: NaiveDateTime) -> Result<Self, ClockError> {
        if !self.is_paused() {
            return Err(ClockError::NotPaused);
        }
        let mut next = self.clone();
        if let Some(pause) = next.pauses.last_mut() {
            pause.to = Some(now.max(pause.from));
        }
        Ok(next)
    }

    /// Extends the limit, approved by `approver` with a reason.
    pub fn extend(
        &self,
        working_days: u32,
        reason: &str,
        approver: &str,
        now: NaiveDateTime,
    ) -> Result<Self, ClockError> {
        if self.is_paused() {
            return Err(ClockError::PausedNoExtension);
        }
        if working_days == 0 || self.extended_days() + working_days > MAX_EXTENSION_WORKING_DAYS {
            return Err(ClockError::ExtensionOutOfRange);
        }
        if reason.trim().is_empty() {
            return Err(ClockError::ReasonRequired);
        }
        let mut next = self.clone();
        next.extensions.push(Extension {
            working_days,
            reason: reason.trim().to_string(),
            approved_by: approver.to_string(),
            at: now,
        });
        Ok(next)
    }

    /// The finished pauses, as intervals the calendar leaves out.
    pub fn paused_intervals(&self) -> Vec<(NaiveDateTime, NaiveDateTime)> {
        self.pauses.iter().filter_map(|pause| pause.to.map(|to| (pause.from, to))).collect()
    }

    /// When the limit runs out for a case accepted at `accepted_at` with a promised limit of `half_days`:
    /// extensions added, finished pauses left out.
    pub fn due(
        &self,
        calendar: &Calendar,
        accepted_at: NaiveDateTime,
        half_days: u32,
    ) -> Result<NaiveDateTime, ClockError> {
        let total = half_days + 2 * self.extended_days();
        Ok(calendar.due_with_pauses(accepted_at, total, &self.paused_intervals())?)
    }

    /// Office minutes the clock stood still in the pause that ended last (to move step deadlines on).
    pub fn last_pause_minutes(&self, calendar: &Calendar) -> Result<i64, ClockError> {
        match self.pauses.last() {
            Some(Pause { from, to: Some(to), .. }) => Ok(calendar.working_time_between(*from, *to, &[])?.minutes),
            _ => Ok(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{at, calendar};

    #[test]
    fn a_pause_moves_the_due_instant_by_the_office_time_it_lasted() {
        let calendar = calendar();
        let accepted = at("2026-11-23 10:00");
        let clock = CaseClock::default();
        let due = clock.due(&calendar, accepted, 20).expect("due");
        // Expert review from Tuesday 10:00 to Thursday 10:00: two working days stand still.
        let paused = clock.pause("专家评审", "需组织专家论证", "张审查", at("2026-11-24 10:00")).expect("pause");
        assert!(paused.is_paused());
        assert_eq!(paused.pause("听证", "x", "张审查", at("2026-11-24 11:00")), Err(ClockError::AlreadyPaused));
        let resumed = paused.resume(at("2026-11-26 10:00")).expect("resume");
        let moved = resumed.due(&calendar, accepted, 20).expect("due");
        assert_eq!(calendar.working_time_between(due, moved, &[]).expect("between").minutes, 2 * 7 * 60);
        assert_eq!(resumed.last_pause_minutes(&calendar).expect("minutes"), 2 * 7 * 60);
        assert_eq!(resumed.resume(at("2026-11-27 10:00")), Err(ClockError::NotPaused));
    }

    #[test]
    fn an_extension_adds_working_days_with_a_reason_and_within_the_cap() {
        let calendar = calendar();
        let accepted = at("2026-11-23 10:00");
        let clock = CaseClock::default();
        let extended = clock.extend(10, "情况复杂，经负责人批准", "王主任", at("2026-11-30 09:00")).expect("extend");
        let due = clock.due(&calendar, accepted, 20).expect("due");
        let later = extended.due(&calendar, accepted, 20).expect("due");
        assert_eq!(calendar.working_time_between(due, later, &[]).expect("between").minutes, 10 * 7 * 60);
        assert_eq!(clock.extend(10, " ", "王主任", at("2026-11-30 09:00")), Err(ClockError::ReasonRequired));
        assert_eq!(extended.extend(21, "再延", "王主任", at("2026-11-30 09:00")), Err(ClockError::ExtensionOutOfRange));
        assert_eq!(clock.extend(0, "再延", "王主任", at("2026-11-30 09:00")), Err(ClockError::ExtensionOutOfRange));
        let paused = clock.pause("鉴定", "司法鉴定", "张审查", at("2026-11-24 10:00")).expect("pause");
        assert_eq!(paused.extend(5, "再延", "王主任", at("2026-11-30 09:00")), Err(ClockError::PausedNoExtension));
    }

    #[test]
    fn a_pause_needs_a_procedure_and_a_reason() {
        let clock = CaseClock::default();
        assert_eq!(clock.pause(" ", "理由", "张", at("2026-11-24 10:00")), Err(ClockError::ProcedureRequired));
        assert_eq!(clock.pause("听证", "", "张", at("2026-11-24 10:00")), Err(ClockError::ReasonRequired));
    }
}
