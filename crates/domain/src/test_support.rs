//! Helpers shared by the domain's unit tests.

use crate::calendar::{shipped_entries, Calendar, OfficeHours};
use chrono::{NaiveDate, NaiveDateTime};

/// The calendar with every shipped notice and the default office hours.
pub fn calendar() -> Calendar {
    Calendar::new(&shipped_entries().expect("shipped notices parse"), OfficeHours::default())
}

/// `2026-03-02 09:30` as a local date-time.
pub fn at(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("date-time")
}

/// `2026-03-02` as a date.
pub fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
}
