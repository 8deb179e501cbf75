//! The working-day calendar: statutory holidays and make-up working days (调休) as yearly data, office hours
//! split into a morning and an afternoon session, and the legal clock built on them.
//!
//! How periods are counted (the rule every function here follows):
//! - Whole working days follow 民法典 第二百零一条: the day of the start is not counted, so N working days
//!   end at the close of office on the N-th working day after the start day.
//! - A half day is counted like a period in hours, from the start instant: it is the first office session
//!   (morning or afternoon) that begins at or after the point reached by the whole days (or after the start
//!   itself when there are no whole days). So 0.5 day accepted at 10:00 ends at the close of that afternoon;
//!   1.5 days accepted on Monday end at noon on Wednesday.
//! - 即办 (0 days) ends at the close of the start's working day.
//!
//! All computations are O(1) after construction: the calendar keeps, for each day of its range, how many
//! working days came before it, and the list of working days by ordinal.

use crate::validation::FieldErrors;
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// What a date is, for the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    Workday,
    Weekend,
    Holiday,
    MakeupWorkday,
}

impl DayKind {
    pub fn is_working(self) -> bool {
        matches!(self, Self::Workday | Self::MakeupWorkday)
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Workday => "workday",
            Self::Weekend => "weekend",
            Self::Holiday => "holiday",
            Self::MakeupWorkday => "makeup_workday",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Workday => "工作日",
            Self::Weekend => "周末",
            Self::Holiday => "法定节假日",
            Self::MakeupWorkday => "调休上班",
        }
    }
}

/// A date the State Council's notice changes: a holiday or a make-up working day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarEntry {
    pub date: NaiveDate,
    /// `Holiday` or `MakeupWorkday`.
    pub kind: DayKind,
    /// The festival, e.g. 春节.
    pub name: String,
    /// The year of the notice this entry comes from (its 元旦 may start in the December before).
    pub notice_year: i32,
}

/// A year's entries written back in the form `parse_notice` reads, in Chinese, consecutive days of one
/// kind and festival as one range: what the calendar page shows of a loaded year.
pub fn write_notice(entries: &[CalendarEntry]) -> String {
    let mut sorted: Vec<&CalendarEntry> = entries.iter().collect();
    sorted.sort_by_key(|entry| entry.date);
    let mut text = String::new();
    let mut index = 0;
    while index < sorted.len() {
        let first = sorted[index];
        let mut last = first;
        while let Some(next) = sorted.get(index + 1) {
            let follows = next.date.pred_opt() == Some(last.date);
            if !follows
                || next.kind != first.kind
                || next.name != first.name
                || (next.date - first.date).num_days() > 30
            {
                break;
            }
            last = next;
            index += 1;
        }
        let kind = if first.kind == DayKind::Holiday { "放假" } else { "调休上班" };
        if first.date == last.date {
            text.push_str(&format!("{} {kind} {}\n", first.date, first.name));
        } else {
            text.push_str(&format!("{}..{} {kind} {}\n", first.date, last.date, first.name));
        }
        index += 1;
    }
    text
}

/// Reads a year's notice in the text form shipped in `data/holidays/` and loaded by centre managers:
/// `2026-02-15..2026-02-23 放假 春节` or `2026-02-14 调休上班 春节` (种类 also as 上班, or in English as
/// `holiday` / `makeup_workday`, as the shipped files write it); `#` starts a comment.
/// Errors name the line (`line 3`) and say what to fix; nothing is returned unless every line is right.
pub fn parse_notice(notice_year: i32, text: &str) -> Result<Vec<CalendarEntry>, FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut entries = Vec::new();
    let mut seen = BTreeSet::new();
    if !(2000..=2099).contains(&notice_year) {
        errors.add("year", "年份应在 2000 到 2099 之间");
        return Err(errors);
    }
    for (index, raw_line) in text.lines().enumerate() {
        let line = raw_line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let field = format!("line {}", index + 1);
        let parts: Vec<&str> = line.split_whitespace().collect();
        if parts.len() != 3 {
            errors.add(&field, "每行应为“日期 种类 节日名称”三项，用空格分开，例如：2026-02-15..2026-02-23 放假 春节");
            continue;
        }
        let (first, last) = match parts[0].split_once("..") {
            Some((from, to)) => (from, to),
            None => (parts[0], parts[0]),
        };
        let parse = |text: &str| NaiveDate::parse_from_str(text, "%Y-%m-%d");
        let (Ok(first), Ok(last)) = (parse(first), parse(last)) else {
            errors.add(&field, format!("“{}”不是日期，应写作 2026-02-15 或 2026-02-15..2026-02-23", parts[0]));
            continue;
        };
        let kind = match parts[1] {
            "holiday" | "放假" => DayKind::Holiday,
            "makeup_workday" | "上班" | "调休上班" => DayKind::MakeupWorkday,
            other => {
                errors.add(
                    &field,
                    format!("种类“{other}”不对，请写“放假”或“调休上班”（也可写 holiday、makeup_workday）"),
                );
                continue;
            }
        };
        let name = parts[2];
        if name.chars().count() > 20 {
            errors.add(&field, "节日名称最长 20 个字");
            continue;
        }
        if last < first || (last - first).num_days() > 31 {
            errors.add(&field, "日期区间应从早到晚，且不超过 31 天");
            continue;
        }
        let in_notice_period =
            |date: NaiveDate| date.year() == notice_year || (date.year() == notice_year - 1 && date.month() == 12);
        if !in_notice_period(first) || !in_notice_period(last) {
            errors.add(&field, format!("{notice_year} 年的通知只能含 {notice_year} 年及上一年 12 月的日期"));
            continue;
        }
        let mut date = first;
        while date <= last {
            if kind == DayKind::MakeupWorkday && !is_weekend(date) {
                errors.add(&field, format!("{date} 不是周末，不能设为调休上班"));
            } else if !seen.insert(date) {
                errors.add(&field, format!("{date} 重复出现"));
            } else {
                entries.push(CalendarEntry { date, kind, name: name.to_string(), notice_year });
            }
            date += Duration::days(1);
        }
    }
    if entries.is_empty() && errors.is_empty() {
        errors.add("text", "没有读到任何日期，请按“日期 种类 节日名称”每行一条填写");
    }
    errors.into_result().map(|()| entries)
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The office sessions of a working day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfficeHours {
    pub morning_start: NaiveTime,
    pub morning_end: NaiveTime,
    pub afternoon_start: NaiveTime,
    pub afternoon_end: NaiveTime,
}

impl OfficeHours {
    pub fn new(morning: (NaiveTime, NaiveTime), afternoon: (NaiveTime, NaiveTime)) -> Result<Self, String> {
        if !(morning.0 < morning.1 && morning.1 <= afternoon.0 && afternoon.0 < afternoon.1) {
            return Err("办公时间应为：上午开始 < 上午结束 ≤ 下午开始 < 下午结束".to_string());
        }
        Ok(Self {
            morning_start: morning.0,
            morning_end: morning.1,
            afternoon_start: afternoon.0,
            afternoon_end: afternoon.1,
        })
    }

    /// Reads `09:00-12:00,13:00-17:00`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let message = || format!("办公时间“{text}”应写作 09:00-12:00,13:00-17:00");
        let time = |value: &str| NaiveTime::parse_from_str(value.trim(), "%H:%M").map_err(|_| message());
        let (morning, afternoon) = text.split_once(',').ok_or_else(message)?;
        let (morning_start, morning_end) = morning.split_once('-').ok_or_else(message)?;
        let (afternoon_start, afternoon_end) = afternoon.split_once('-').ok_or_else(message)?;
        Self::new((time(morning_start)?, time(morning_end)?), (time(afternoon_start)?, time(afternoon_end)?))
    }

    pub fn minutes_per_day(&self) -> i64 {
        (self.morning_end - self.morning_start).num_minutes()
            + (self.afternoon_end - self.afternoon_start).num_minutes()
    }

    /// Office minutes of a working day that lie before `time`.
    fn minutes_before(&self, time: NaiveTime) -> i64 {
        let within = |start: NaiveTime, end: NaiveTime| (time.clamp(start, end) - start).num_minutes();
        within(self.morning_start, self.morning_end) + within(self.afternoon_start, self.afternoon_end)
    }
}

impl Default for OfficeHours {
    /// 09:00–12:00 and 13:00–17:00, the most common hours of a Chinese service centre.
    fn default() -> Self {
        let time = |hour, minute| NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or(NaiveTime::MIN);
        Self {
            morning_start: time(9, 0),
            morning_end: time(12, 0),
            afternoon_start: time(13, 0),
            afternoon_end: time(17, 0),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("日期 {0} 超出日历范围（2000-01-01 至 2099-12-31）")]
    OutOfRange(NaiveDate),
}

/// An amount of office time: minutes, and how many minutes make a working day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkingTime {
    pub minutes: i64,
    pub minutes_per_day: i64,
}

impl WorkingTime {
    pub fn days(self) -> f64 {
        self.minutes as f64 / self.minutes_per_day as f64
    }
}

/// A working-day calendar over 2000–2099, built from the loaded notices and the office hours.
#[derive(Debug, Clone)]
pub struct Calendar {
    first_day: NaiveDate,
    kinds: Vec<DayKind>,
    /// For each day index, the number of working days strictly before it.
    working_before: Vec<u32>,
    /// The day index of each working day, by ordinal.
    working_days: Vec<u32>,
    loaded_years: BTreeSet<i32>,
    hours: OfficeHours,
}

impl Calendar {
    pub fn new(entries: &[CalendarEntry], hours: OfficeHours) -> Self {
        let first_day = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(NaiveDate::MIN);
        let last_day = NaiveDate::from_ymd_opt(2099, 12, 31).unwrap_or(NaiveDate::MIN);
        let length = (last_day - first_day).num_days() as usize + 1;
        let mut kinds = Vec::with_capacity(length);
        let mut date = first_day;
        for _ in 0..length {
            kinds.push(if is_weekend(date) { DayKind::Weekend } else { DayKind::Workday });
            date += Duration::days(1);
        }
        let mut loaded_years = BTreeSet::new();
        for entry in entries {
            loaded_years.insert(entry.notice_year);
            let index = (entry.date - first_day).num_days();
            if let Some(kind) = usize::try_from(index).ok().and_then(|index| kinds.get_mut(index)) {
                *kind = entry.kind;
            }
        }
        let mut working_before = Vec::with_capacity(length);
        let mut working_days = Vec::with_capacity(length * 5 / 7 + 16);
        for (index, kind) in kinds.iter().enumerate() {
            working_before.push(working_days.len() as u32);
            if kind.is_working() {
                working_days.push(index as u32);
            }
        }
        Self { first_day, kinds, working_before, working_days, loaded_years, hours }
    }

    pub fn hours(&self) -> OfficeHours {
        self.hours
    }

    /// The notice years that have been loaded; dates in other years follow weekends only.
    pub fn loaded_years(&self) -> &BTreeSet<i32> {
        &self.loaded_years
    }

    /// The years from `from` to `to` whose holiday notice is not loaded: a limit counted across them follows
    /// weekends only there, and is provisional until the notice is published and loaded.
    pub fn unconfirmed_years(&self, from: NaiveDate, to: NaiveDate) -> Vec<i32> {
        (from.year()..=to.year()).filter(|year| !self.loaded_years.contains(year)).collect()
    }

    /// The message for a due instant counted across unconfirmed years, or nothing when it is final.
    pub fn provisional_note(&self, from: NaiveDate, to: NaiveDate) -> Option<String> {
        let years = self.unconfirmed_years(from, to);
        (!years.is_empty()).then(|| {
            let years: Vec<String> = years.iter().map(|year| format!("{year} 年")).collect();
            format!("暂按常规周末推算：{}的节假日安排尚未载入，载入后自动重算", years.join("、"))
        })
    }

    fn index(&self, date: NaiveDate) -> Result<usize, CalendarError> {
        usize::try_from((date - self.first_day).num_days())
            .ok()
            .filter(|index| *index < self.kinds.len())
            .ok_or(CalendarError::OutOfRange(date))
    }

    fn date_at(&self, index: u32) -> NaiveDate {
        self.first_day + Duration::days(i64::from(index))
    }

    pub fn kind(&self, date: NaiveDate) -> Result<DayKind, CalendarError> {
        Ok(self.kinds[self.index(date)?])
    }

    pub fn is_working_day(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        Ok(self.kind(date)?.is_working())
    }

    /// Whether `at` is within office hours of a working day (days outside the loaded years count as closed).
    pub fn is_office_time(&self, at: chrono::NaiveDateTime) -> bool {
        let time = at.time();
        let hours = &self.hours;
        self.is_working_day(at.date()).unwrap_or(false)
            && ((hours.morning_start..hours.morning_end).contains(&time)
                || (hours.afternoon_start..hours.afternoon_end).contains(&time))
    }

    /// The N-th working day after `date`; `date` itself is not counted. N = 0 gives `date` back.
    pub fn nth_working_day_after(&self, date: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        if n == 0 {
            return Ok(date);
        }
        let index = self.index(date)?;
        let ordinal =
            self.working_before[index] as usize + usize::from(self.kinds[index].is_working()) + n as usize - 1;
        self.working_days
            .get(ordinal)
            .map(|index| self.date_at(*index))
            .ok_or(CalendarError::OutOfRange(date + Duration::days(i64::from(n) * 2)))
    }

    /// The end of the first office session that begins at or after `instant`.
    fn end_of_next_session(&self, instant: NaiveDateTime) -> Result<NaiveDateTime, CalendarError> {
        let date = instant.date();
        if self.is_working_day(date)? {
            if instant.time() <= self.hours.morning_start {
                return Ok(date.and_time(self.hours.morning_end));
            }
            if instant.time() <= self.hours.afternoon_start {
                return Ok(date.and_time(self.hours.afternoon_end));
            }
        }
        Ok(self.nth_working_day_after(date, 1)?.and_time(self.hours.morning_end))
    }

    /// When a limit of `half_days` half working days that starts at `start` runs out.
    pub fn due(&self, start: NaiveDateTime, half_days: u32) -> Result<NaiveDateTime, CalendarError> {
        let whole_days = half_days / 2;
        if half_days == 0 {
            let date = start.date();
            let day = if self.is_working_day(date)? && start.time() < self.hours.afternoon_end {
                date
            } else {
                self.nth_working_day_after(date, 1)?
            };
            return Ok(day.and_time(self.hours.afternoon_end));
        }
        let base = if whole_days == 0 {
            start
        } else {
            self.nth_working_day_after(start.date(), whole_days)?.and_time(self.hours.afternoon_end)
        };
        if half_days % 2 == 1 {
            self.end_of_next_session(base)
        } else {
            Ok(base)
        }
    }

    /// Office minutes from the start of the calendar up to `instant`.
    fn office_minutes_until(&self, instant: NaiveDateTime) -> Result<i64, CalendarError> {
        let index = self.index(instant.date())?;
        let mut minutes = i64::from(self.working_before[index]) * self.hours.minutes_per_day();
        if self.kinds[index].is_working() {
            minutes += self.hours.minutes_before(instant.time());
        }
        Ok(minutes)
    }

    /// Office time between two instants, less the office time inside the `paused` intervals (特别程序,
    /// 补正). Overlapping pauses count once; parts of a pause outside `[from, to]` are ignored.
    pub fn working_time_between(
        &self,
        from: NaiveDateTime,
        to: NaiveDateTime,
        paused: &[(NaiveDateTime, NaiveDateTime)],
    ) -> Result<WorkingTime, CalendarError> {
        let minutes_per_day = self.hours.minutes_per_day();
        if to <= from {
            return Ok(WorkingTime { minutes: 0, minutes_per_day });
        }
        let mut clipped: Vec<(NaiveDateTime, NaiveDateTime)> = paused
            .iter()
            .map(|(start, end)| ((*start).max(from), (*end).min(to)))
            .filter(|(start, end)| start < end)
            .collect();
        clipped.sort();
        let mut minutes = self.office_minutes_until(to)? - self.office_minutes_until(from)?;
        let mut covered_until = from;
        for (start, end) in clipped {
            let start = start.max(covered_until);
            if start < end {
                minutes -= self.office_minutes_until(end)? - self.office_minutes_until(start)?;
                covered_until = end;
            }
        }
        Ok(WorkingTime { minutes, minutes_per_day })
    }

    /// The instant `minutes` of office time after `instant` (zero or less gives `instant` back). An instant that falls exactly at
    /// the end of a working day is given as that day's close of office, not the next day's opening.
    pub fn add_office_minutes(&self, instant: NaiveDateTime, minutes: i64) -> Result<NaiveDateTime, CalendarError> {
        if minutes <= 0 {
            return Ok(instant);
        }
        let per_day = self.hours.minutes_per_day();
        let total = self.office_minutes_until(instant)? + minutes;
        let (mut ordinal, mut within) = (total / per_day, total % per_day);
        if within == 0 && ordinal > 0 {
            ordinal -= 1;
            within = per_day;
        }
        let day = self
            .working_days
            .get(usize::try_from(ordinal).unwrap_or(usize::MAX))
            .map(|index| self.date_at(*index))
            .ok_or(CalendarError::OutOfRange(instant.date()))?;
        let morning = (self.hours.morning_end - self.hours.morning_start).num_minutes();
        let time = if within <= morning {
            self.hours.morning_start + Duration::minutes(within)
        } else {
            self.hours.afternoon_start + Duration::minutes(within - morning)
        };
        Ok(day.and_time(time))
    }

    /// When a limit runs out if the clock stood still during `paused` (特别程序 such as 听证 or 专家评审,
    /// told to the applicant in writing): the due instant moves on by the office time of every pause that
    /// falls before it, including pauses that only fall before it once it has moved.
    pub fn due_with_pauses(
        &self,
        start: NaiveDateTime,
        half_days: u32,
        paused: &[(NaiveDateTime, NaiveDateTime)],
    ) -> Result<NaiveDateTime, CalendarError> {
        let base = self.due(start, half_days)?;
        let mut due = base;
        // Each round can only take in pauses not yet counted, so it settles within one round per pause.
        for _ in 0..=paused.len() {
            let office = self.office_minutes_until(due)? - self.office_minutes_until(start)?;
            let counted = self.working_time_between(start, due, paused)?.minutes;
            let next = self.add_office_minutes(base, office - counted)?;
            if next == due {
                break;
            }
            due = next;
        }
        Ok(due)
    }

    /// Each date from `from` to `to` with its kind.
    pub fn days(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<(NaiveDate, DayKind)>, CalendarError> {
        let (first, last) = (self.index(from)?, self.index(to)?);
        Ok((first..=last).map(|index| (self.date_at(index as u32), self.kinds[index])).collect())
    }
}

/// The holiday notices shipped with Onetrip, by year, from the State Council General Office's notices.
pub const SHIPPED_NOTICES: [(i32, &str); 8] = [
    (2019, include_str!("../../../data/holidays/2019.txt")),
    (2020, include_str!("../../../data/holidays/2020.txt")),
    (2021, include_str!("../../../data/holidays/2021.txt")),
    (2022, include_str!("../../../data/holidays/2022.txt")),
    (2023, include_str!("../../../data/holidays/2023.txt")),
    (2024, include_str!("../../../data/holidays/2024.txt")),
    (2025, include_str!("../../../data/holidays/2025.txt")),
    (2026, include_str!("../../../data/holidays/2026.txt")),
];

/// Every shipped notice, parsed.
pub fn shipped_entries() -> Result<Vec<CalendarEntry>, FieldErrors> {
    let mut entries = Vec::new();
    for (year, text) in SHIPPED_NOTICES {
        let mut errors = FieldErrors::default();
        match parse_notice(year, text) {
            Ok(parsed) => entries.extend(parsed),
            Err(found) => {
                errors.merge_prefixed(&format!("{year}: "), found);
                return Err(errors);
            }
        }
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{at, calendar, date};

    #[test]
    fn one_working_day_from_monday_morning_ends_at_close_on_tuesday() {
        // 2026-03-02 is an ordinary Monday.
        assert_eq!(calendar().due(at("2026-03-02 09:30"), 2), Ok(at("2026-03-03 17:00")));
    }

    #[test]
    fn half_days_count_from_the_next_session() {
        let calendar = calendar();
        assert_eq!(calendar.due(at("2026-03-02 10:00"), 1), Ok(at("2026-03-02 17:00")));
        assert_eq!(calendar.due(at("2026-03-02 08:00"), 1), Ok(at("2026-03-02 12:00")));
        assert_eq!(calendar.due(at("2026-03-02 15:00"), 1), Ok(at("2026-03-03 12:00")));
        assert_eq!(calendar.due(at("2026-03-02 10:00"), 3), Ok(at("2026-03-04 12:00")));
    }

    #[test]
    fn on_the_spot_ends_at_close_of_the_day() {
        let calendar = calendar();
        assert_eq!(calendar.due(at("2026-03-02 10:00"), 0), Ok(at("2026-03-02 17:00")));
        assert_eq!(calendar.due(at("2026-03-02 18:00"), 0), Ok(at("2026-03-03 17:00")));
    }

    /// Totals per year counted from the notices' own “共N天” figures and make-up days (checked against the
    /// notices as reprinted on gov.cn; see the comments in `data/holidays/`): working days, holiday days
    /// and make-up working days falling in each calendar year. A changed line in any file breaks this test.
    #[test]
    fn every_year_2019_to_2026_matches_the_notices() {
        let calendar = calendar();
        let expected = [
            (2019, 250, 28, 6),
            (2020, 249, 30, 6),
            (2021, 250, 31, 7),
            (2022, 249, 32, 7),
            (2023, 249, 28, 7),
            (2024, 251, 30, 8),
            (2025, 248, 28, 5),
            (2026, 248, 33, 6),
        ];
        for (year, working, holidays, makeups) in expected {
            let days = calendar.days(date(&format!("{year}-01-01")), date(&format!("{year}-12-31"))).expect("in range");
            let count = |wanted: &dyn Fn(DayKind) -> bool| days.iter().filter(|(_, kind)| wanted(*kind)).count();
            assert_eq!(count(&|kind| kind.is_working()), working, "working days in {year}");
            assert_eq!(count(&|kind| kind == DayKind::Holiday), holidays, "holidays in {year}");
            assert_eq!(count(&|kind| kind == DayKind::MakeupWorkday), makeups, "make-up days in {year}");
        }
        // A few days read straight from the notices.
        for (day, kind) in [
            ("2019-05-04", DayKind::Holiday),
            ("2019-05-05", DayKind::MakeupWorkday),
            ("2020-02-01", DayKind::Holiday),
            ("2020-01-31", DayKind::Holiday),
            ("2021-09-18", DayKind::MakeupWorkday),
            ("2022-12-31", DayKind::Holiday),
            ("2023-10-08", DayKind::MakeupWorkday),
            ("2024-02-18", DayKind::MakeupWorkday),
            ("2025-01-28", DayKind::Holiday),
            ("2025-02-08", DayKind::MakeupWorkday),
            ("2026-01-04", DayKind::MakeupWorkday),
            ("2026-09-20", DayKind::MakeupWorkday),
        ] {
            assert_eq!(calendar.kind(date(day)), Ok(kind), "{day}");
        }
    }

    #[test]
    fn spring_festival_and_make_up_days_are_respected() {
        let calendar = calendar();
        // 2026: 2月15日至23日放假, 2月14日（周六）、2月28日（周六）上班.
        assert_eq!(calendar.kind(date("2026-02-14")), Ok(DayKind::MakeupWorkday));
        assert_eq!(calendar.kind(date("2026-02-16")), Ok(DayKind::Holiday));
        assert_eq!(calendar.kind(date("2026-02-24")), Ok(DayKind::Workday));
        assert_eq!(calendar.kind(date("2026-02-22")), Ok(DayKind::Holiday));
        assert_eq!(calendar.kind(date("2026-03-07")), Ok(DayKind::Weekend));
        // Accepted Friday 13 Feb: 1 day → Saturday 14th (make-up day); 2 days → Tuesday 24th.
        assert_eq!(calendar.due(at("2026-02-13 10:00"), 2), Ok(at("2026-02-14 17:00")));
        assert_eq!(calendar.due(at("2026-02-13 10:00"), 4), Ok(at("2026-02-24 17:00")));
    }

    #[test]
    fn working_time_between_excludes_nights_weekends_and_pauses() {
        let calendar = calendar();
        let full_day = 7 * 60;
        let time =
            calendar.working_time_between(at("2026-03-06 09:00"), at("2026-03-09 17:00"), &[]).expect("in range");
        assert_eq!(time.minutes, 2 * full_day);
        let paused =
            [(at("2026-03-06 08:00"), at("2026-03-06 12:00")), (at("2026-03-06 11:00"), at("2026-03-06 14:00"))];
        let time =
            calendar.working_time_between(at("2026-03-06 09:00"), at("2026-03-09 17:00"), &paused).expect("in range");
        assert_eq!(time.minutes, 2 * full_day - 4 * 60);
        assert_eq!(
            calendar.working_time_between(at("2026-03-09 17:00"), at("2026-03-06 09:00"), &[]).map(|t| t.minutes),
            Ok(0)
        );
    }

    #[test]
    fn due_and_elapsed_time_agree() {
        let calendar = calendar();
        let start = at("2026-09-18 16:00");
        for half_days in (2..60).step_by(2) {
            let due = calendar.due(start, half_days).expect("in range");
            let elapsed = calendar
                .working_time_between(start.date().and_time(calendar.hours().afternoon_end), due, &[])
                .expect("in range");
            assert_eq!(elapsed.minutes, i64::from(half_days / 2) * 7 * 60, "{half_days} half days");
        }
    }

    #[test]
    fn pauses_move_the_due_instant_by_their_office_time() {
        let calendar = calendar();
        let start = at("2026-03-02 09:30");
        assert_eq!(calendar.due_with_pauses(start, 10, &[]), calendar.due(start, 10));
        // Five working days from Monday 2 March end on Monday 9 March at 17:00. An expert review that takes
        // Wednesday and Thursday whole moves the end by two working days, to Wednesday 11 March.
        let review = [(at("2026-03-04 09:00"), at("2026-03-05 17:00"))];
        assert_eq!(calendar.due_with_pauses(start, 10, &review), Ok(at("2026-03-11 17:00")));
        // A pause after the original end, but before the moved one, counts too.
        let two = [(at("2026-03-04 09:00"), at("2026-03-05 17:00")), (at("2026-03-10 13:00"), at("2026-03-10 17:00"))];
        assert_eq!(calendar.due_with_pauses(start, 10, &two), Ok(at("2026-03-12 14:00")));
        // A pause after the end changes nothing.
        let late = [(at("2026-04-01 09:00"), at("2026-04-02 17:00"))];
        assert_eq!(calendar.due_with_pauses(start, 10, &late), Ok(at("2026-03-09 17:00")));
    }

    #[test]
    fn adding_office_minutes_skips_nights_lunch_and_holidays() {
        let calendar = calendar();
        assert_eq!(calendar.add_office_minutes(at("2026-03-02 11:00"), 90), Ok(at("2026-03-02 13:30")));
        assert_eq!(calendar.add_office_minutes(at("2026-03-02 16:00"), 60), Ok(at("2026-03-02 17:00")));
        assert_eq!(calendar.add_office_minutes(at("2026-03-02 16:00"), 61), Ok(at("2026-03-03 09:01")));
        // Friday 13 February 2026, then the make-up Saturday, then the Spring Festival holiday.
        assert_eq!(calendar.add_office_minutes(at("2026-02-14 16:00"), 120), Ok(at("2026-02-24 10:00")));
    }

    #[test]
    fn notice_errors_name_the_line_and_keep_nothing() {
        let text = "2027-02-06..2027-02-12 holiday 春节\n2027-02-15 makeup_workday 春节\nbad line\n";
        let errors = parse_notice(2027, text).expect_err("two bad lines");
        let fields: Vec<&str> = errors.fields().collect();
        assert_eq!(fields, vec!["line 2", "line 3"]);
        assert!(parse_notice(2027, "2025-01-01 holiday 元旦").is_err());
    }

    #[test]
    fn a_new_year_can_be_loaded_as_data() {
        let mut entries = shipped_entries().expect("parse");
        assert!(!calendar().loaded_years().contains(&2027));
        entries
            .extend(parse_notice(2027, "2027-01-01 holiday 元旦\n2027-02-06..2027-02-12 holiday 春节").expect("valid"));
        let calendar = Calendar::new(&entries, OfficeHours::default());
        assert_eq!(calendar.kind(date("2027-02-08")), Ok(DayKind::Holiday));
        assert!(calendar.loaded_years().contains(&2027));
    }

    #[test]
    fn office_hours_parse_and_reject_disorder() {
        assert!(OfficeHours::parse("10:00-14:00,16:00-20:00").is_ok());
        assert!(OfficeHours::parse("14:00-10:00,16:00-20:00").is_err());
        assert!(OfficeHours::parse("nonsense").is_err());
    }
}
