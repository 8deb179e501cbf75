//! Electronic supervision (电子监察): when a case or a step turns yellow (at risk: less than a configured
//! share of its time is left) and red (overdue). Cards are computed from the clock, never typed in.
//!
//! Time is office time: a case accepted on Friday afternoon with one working day has its weekend outside
//! the count, so it turns yellow during Monday's office hours, not on Sunday.

use crate::calendar::{Calendar, CalendarError};
use chrono::NaiveDateTime;

/// The colour of a case or step on the supervision page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Card {
    Green,
    Yellow,
    Red,
}

impl Card {
    pub fn code(self) -> &'static str {
        match self {
            Self::Green => "green",
            Self::Yellow => "yellow",
            Self::Red => "red",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Green => "正常",
            Self::Yellow => "黄牌（临近期限）",
            Self::Red => "红牌（已超期）",
        }
    }
}

/// The default share of the time left below which a case is yellow.
pub const DEFAULT_WARN_SHARE: f64 = 0.25;

/// The instant from which less than `share` of the office time between `start` and `due` is left.
pub fn warn_at(
    calendar: &Calendar,
    start: NaiveDateTime,
    due: NaiveDateTime,
    share: f64,
) -> Result<NaiveDateTime, CalendarError> {
    warn_at_paused(calendar, start, due, share, &[])
}

/// [`warn_at`] for a case whose clock stood still during `paused` (special procedures): the share is of the
/// time that counts, and the instant is placed in office time from `start`.
pub fn warn_at_paused(
    calendar: &Calendar,
    start: NaiveDateTime,
    due: NaiveDateTime,
    share: f64,
    paused: &[(NaiveDateTime, NaiveDateTime)],
) -> Result<NaiveDateTime, CalendarError> {
    let office = calendar.working_time_between(start, due, &[])?.minutes;
    let counted = if paused.is_empty() { office } else { calendar.working_time_between(start, due, paused)?.minutes };
    let share = if share.is_finite() { share.clamp(0.0, 1.0) } else { DEFAULT_WARN_SHARE };
    // Whole minutes: rounding the part left up keeps "less than the share left" exact.
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    let left = (counted as f64 * share).ceil() as i64;
    calendar.add_office_minutes(start, office - left)
}

/// The card at `now` of something due at `due` that turns yellow at `warn`.
pub fn card(now: NaiveDateTime, warn: NaiveDateTime, due: NaiveDateTime) -> Card {
    if now >= due {
        Card::Red
    } else if now >= warn {
        Card::Yellow
    } else {
        Card::Green
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{at, calendar};

    #[test]
    fn a_ten_day_case_turns_yellow_with_a_quarter_of_its_office_time_left() {
        let calendar = calendar();
        // Accepted Monday 2026-11-23 10:00; ten working days later is Monday 2026-12-07, close of office.
        let start = at("2026-11-23 10:00");
        let due = calendar.due(start, 20).expect("due");
        let warn = warn_at(&calendar, start, due, 0.25).expect("warn");
        let left = calendar.working_time_between(warn, due, &[]).expect("left");
        // Ten seven-hour days after the day of acceptance, plus the six office hours left on that day.
        let total = 10 * 7 * 60 + 6 * 60;
        assert_eq!(left.minutes, total / 4, "a quarter of the office time is left at the warning");
        assert!(warn < due && warn > start);
        assert_eq!(card(start, warn, due), Card::Green);
        assert_eq!(card(warn, warn, due), Card::Yellow);
        assert_eq!(card(due, warn, due), Card::Red);
    }

    #[test]
    fn the_weekend_does_not_bring_the_warning_forward() {
        let calendar = calendar();
        // Friday 2026-11-27 16:00, one working day: due Monday at 16:00.
        let start = at("2026-11-27 16:00");
        let due = calendar.due(start, 2).expect("due");
        let warn = warn_at(&calendar, start, due, 0.5).expect("warn");
        assert_eq!(warn.date().to_string(), "2026-11-30", "half of the time is left during Monday, not on Sunday");
    }

    #[test]
    fn shares_out_of_range_are_clamped() {
        let calendar = calendar();
        let start = at("2026-11-23 10:00");
        let due = calendar.due(start, 2).expect("due");
        assert_eq!(warn_at(&calendar, start, due, 1.5).expect("warn"), start);
        assert_eq!(warn_at(&calendar, start, due, -1.0).expect("warn"), due);
    }
}
