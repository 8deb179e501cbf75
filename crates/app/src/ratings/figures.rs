//! The 好差评 figures of a month, computed from the stored ratings and follow-ups (no figure is typed in), for
//! the public disclosure (公开) by department and matter. Each rate says how it is computed:
//!
//! - 好评率 = 好评 ÷ counted ratings (excluded ones are not counted; defaulted ones are, as 中评);
//! - 主动评价率 = ratings given by a person ÷ counted ratings;
//! - 回访率 = 差评 called back ÷ 差评;
//! - 整改率 = 差评 resolved (立行立改, 限期整改 done, 解释说明) ÷ 差评;
//! - 整改按期率 = resolved by the rectification deadline ÷ resolved.

use crate::app::App;
use crate::error::{AppError, AppResult};
use chrono::{Datelike, NaiveDate};
use onetrip_store::ratings::RatingTally;

/// The figures of one department and matter, or of a whole department, or of the centre.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RatingFigures {
    pub department: String,
    pub department_name: String,
    /// Empty for a department's or the centre's total.
    pub matter_code: String,
    pub matter_name: String,
    /// Counted ratings by level, index 0 for level 1.
    pub levels: [u64; 5],
    pub defaulted: u64,
    pub excluded: u64,
    pub called_back: u64,
    pub resolved: u64,
    pub resolved_in_time: u64,
}

/// `part ÷ whole`, or `None` when there is nothing to divide.
pub(crate) fn share(part: u64, whole: u64) -> Option<f64> {
    #[allow(clippy::cast_precision_loss)]
    (whole > 0).then(|| part as f64 / whole as f64)
}

impl RatingFigures {
    pub fn rated(&self) -> u64 {
        self.levels.iter().sum()
    }
    pub fn good(&self) -> u64 {
        self.levels[3] + self.levels[4]
    }
    pub fn neutral(&self) -> u64 {
        self.levels[2]
    }
    pub fn bad(&self) -> u64 {
        self.levels[0] + self.levels[1]
    }
    pub fn good_rate(&self) -> Option<f64> {
        share(self.good(), self.rated())
    }
    pub fn active_rate(&self) -> Option<f64> {
        share(self.rated().saturating_sub(self.defaulted), self.rated())
    }
    pub fn callback_rate(&self) -> Option<f64> {
        share(self.called_back, self.bad())
    }
    pub fn rectify_rate(&self) -> Option<f64> {
        share(self.resolved, self.bad())
    }
    pub fn in_time_rate(&self) -> Option<f64> {
        share(self.resolved_in_time, self.resolved)
    }

    fn add(&mut self, tally: &RatingTally) {
        for (sum, value) in self.levels.iter_mut().zip(tally.levels) {
            *sum += value;
        }
        self.defaulted += tally.defaulted;
        self.excluded += tally.excluded;
        self.called_back += tally.called_back;
        self.resolved += tally.resolved;
        self.resolved_in_time += tally.resolved_in_time;
    }
}

/// A month's disclosure: per department and matter, per department, and for the centre.
#[derive(Debug, Clone, Default)]
pub struct Disclosure {
    pub month: String,
    pub matters: Vec<RatingFigures>,
    pub departments: Vec<RatingFigures>,
    pub total: RatingFigures,
}

/// Reads `YYYY-MM`; a clear message otherwise.
pub fn parse_month(text: &str) -> AppResult<NaiveDate> {
    let text = text.trim();
    let refuse = || AppError::field("month", "月份请写成“年-月”，例如 2026-12");
    if text.len() != 7 {
        return Err(refuse());
    }
    NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d").map_err(|_| refuse())
}

/// The first day of `month` (`YYYY-MM`; empty: this month).
/// A month as the figures count it: its first day, and its span `[from, to)` in the centre's time.
pub(crate) struct MonthSpan {
    pub first: NaiveDate,
    pub from: chrono::DateTime<chrono::Utc>,
    pub to: chrono::DateTime<chrono::Utc>,
}

/// The span of `month` (`YYYY-MM`; empty: this month).
pub(crate) fn month_span(app: &App, month: &str) -> AppResult<MonthSpan> {
    let first = first_of_month(app, month)?;
    let next = first.checked_add_months(chrono::Months::new(1)).unwrap_or(first);
    let from = app.utc_of(first.and_hms_opt(0, 0, 0).unwrap_or_default());
    let to = app.utc_of(next.and_hms_opt(0, 0, 0).unwrap_or_default());
    Ok(MonthSpan { first, from, to })
}

pub(crate) fn first_of_month(app: &App, month: &str) -> AppResult<NaiveDate> {
    if month.trim().is_empty() {
        let today = app.today();
        Ok(today.with_day(1).unwrap_or(today))
    } else {
        parse_month(month)
    }
}

/// The disclosure of `month` (`YYYY-MM`; empty: this month). Open to everyone: it names no person.
pub async fn disclosure(app: &App, month: &str) -> AppResult<Disclosure> {
    let first = first_of_month(app, month)?;
    let month = first.format("%Y-%m").to_string();
    let catalog = app.catalog();
    let tallies = app.store.rating_tallies(&month).await?;
    let mut disclosure = Disclosure { month, ..Disclosure::default() };
    for tally in &tallies {
        let mut figures = RatingFigures {
            department: tally.department.clone(),
            department_name: catalog.department_name(&tally.department).to_string(),
            matter_code: tally.matter_code.clone(),
            matter_name: catalog
                .version(&tally.matter_code)
                .map(|version| version.matter.name.clone())
                .unwrap_or_else(|| "（未选事项的窗口服务）".to_string()),
            ..RatingFigures::default()
        };
        figures.add(tally);
        disclosure.total.add(tally);
        match disclosure.departments.iter_mut().find(|row| row.department == tally.department) {
            Some(row) => row.add(tally),
            None => {
                let mut row = RatingFigures {
                    department: figures.department.clone(),
                    department_name: figures.department_name.clone(),
                    ..RatingFigures::default()
                };
                row.add(tally);
                disclosure.departments.push(row);
            }
        }
        disclosure.matters.push(figures);
    }
    disclosure.total.department_name = app.config.centre_name.clone();
    Ok(disclosure)
}
