//! The quarterly evaluation of window staff: each person's figures for a quarter counted from the records
//! (cases by who accepted them, tickets by who served them, ratings by who was rated, presence at windows
//! from the window log against the posts), weighed by the centre's weighting (a setting, edited by a manager,
//! every change audited), graded and ranked; as a page and as a workbook.

use crate::app::App;
use crate::error::{AppError, AppResult, Conflict};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Utc};
use onetrip_domain::access::Permission;
use onetrip_domain::actor::Actor;
use onetrip_domain::evaluation::{evaluate, Evaluated, Metric, StaffFigures, Weighting, DEFAULT_WEIGHTING};
use std::collections::{BTreeMap, BTreeSet};

/// The setting that keeps the centre's weighting (the text of `data/evaluation/weights.txt`'s format).
pub const WEIGHTS_SETTING: &str = "evaluation.weights";

/// A calendar quarter, `2026-Q4`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quarter {
    pub year: i32,
    pub number: u32,
}

impl Quarter {
    /// Reads `YYYY-Qn`; a clear message otherwise.
    pub fn parse(text: &str) -> AppResult<Self> {
        let refuse = || AppError::field("quarter", "季度请写成“年-Q季度”，例如 2026-Q4");
        let (year, number) = text.trim().split_once("-Q").ok_or_else(refuse)?;
        let year = year.parse::<i32>().ok().filter(|year| (2000..=2100).contains(year)).ok_or_else(refuse)?;
        let number = number.parse::<u32>().ok().filter(|number| (1..=4).contains(number)).ok_or_else(refuse)?;
        Ok(Self { year, number })
    }

    pub fn of(day: NaiveDate) -> Self {
        Self { year: day.year(), number: day.month0() / 3 + 1 }
    }

    pub fn code(self) -> String {
        format!("{}-Q{}", self.year, self.number)
    }

    pub fn label(self) -> String {
        let names = ["一", "二", "三", "四"];
        format!("{} 年第{}季度", self.year, names[(self.number as usize).clamp(1, 4) - 1])
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, (self.number - 1) * 3 + 1, 1).unwrap_or_default()
    }

    /// The first day after the quarter.
    pub fn end(self) -> NaiveDate {
        self.next().first_day()
    }

    pub fn previous(self) -> Self {
        if self.number == 1 {
            Self { year: self.year - 1, number: 4 }
        } else {
            Self { year: self.year, number: self.number - 1 }
        }
    }

    pub fn next(self) -> Self {
        if self.number == 4 {
            Self { year: self.year + 1, number: 1 }
        } else {
            Self { year: self.year, number: self.number + 1 }
        }
    }

    /// Its three months, `YYYY-MM`.
    pub fn months(self) -> Vec<String> {
        (0..3).map(|offset| format!("{}-{:02}", self.year, (self.number - 1) * 3 + 1 + offset)).collect()
    }
}

/// The weighting in force, as text and parsed.
pub async fn weighting(app: &App) -> AppResult<(String, Weighting)> {
    let text = app.store.setting(WEIGHTS_SETTING).await?.unwrap_or_else(|| DEFAULT_WEIGHTING.to_string());
    let parsed = Weighting::parse(&text).unwrap_or_else(|_| Weighting::shipped());
    Ok((text, parsed))
}

/// A manager replaces the weighting; one that does not add up (or names an unknown metric) is refused with
/// each problem, and nothing is saved.
pub async fn save_weighting(app: &App, actor: &Actor, text: &str) -> AppResult<Weighting> {
    if !actor.may(Permission::Supervise) {
        return Err(AppError::Forbidden);
    }
    if text.len() > 20_000 {
        return Err(AppError::field("text", "权重设置太长，最多 20000 个字符"));
    }
    let parsed = Weighting::parse(text)?;
    app.store.put_setting(WEIGHTS_SETTING, text, app.now()).await?;
    let summary: Vec<String> =
        parsed.weights.iter().map(|(metric, weight)| format!("{} {weight}", metric.label())).collect();
    crate::audit::record(app, actor, "evaluation_weights", WEIGHTS_SETTING, summary.join("，")).await?;
    Ok(parsed)
}

/// Where a finalized quarter is kept: a setting per quarter, written once.
const FINAL_PREFIX: &str = "evaluation.final.";

/// A quarter's evaluation.
#[derive(Debug, Clone)]
pub struct QuarterEvaluation {
    pub quarter: Quarter,
    pub weighting: Weighting,
    pub rows: Vec<Evaluated>,
    /// Whether the quarter is still running (the figures are up to now).
    pub running: bool,
    /// When and by whom the quarter was finalized (定稿): its figures and weighting are then the ones kept.
    pub finalized: Option<(DateTime<Utc>, String)>,
}

/// A finalized quarter as kept: the figures counted and the weighting's text when it was finalized.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Finalized {
    weighting: String,
    figures: Vec<StaffFigures>,
    at: DateTime<Utc>,
    by: String,
}

fn quarter_of(app: &App, quarter: &str) -> AppResult<Quarter> {
    if quarter.trim().is_empty() {
        Ok(Quarter::of(app.today()))
    } else {
        Quarter::parse(quarter)
    }
}

async fn finalized(app: &App, quarter: Quarter) -> AppResult<Option<Finalized>> {
    let Some(text) = app.store.setting(&format!("{FINAL_PREFIX}{}", quarter.code())).await? else {
        return Ok(None);
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|error| AppError::Internal(format!("finalized quarter {}: {error}", quarter.code())))
}

/// A manager finalizes (定稿) a quarter that has ended: the figures counted now and the weighting in force are
/// kept, and the quarter's list is shown from them from then on, whatever the weighting becomes. Once only.
pub async fn finalize_quarter(app: &App, actor: &Actor, quarter: &str) -> AppResult<QuarterEvaluation> {
    if !actor.may(Permission::Supervise) {
        return Err(AppError::Forbidden);
    }
    let quarter = Quarter::parse(quarter)?;
    if quarter.end() > app.today() {
        return Err(AppError::Conflict(
            Conflict::QuarterRunning,
            format!("{}还没结束，结束后才能定稿", quarter.label()),
        ));
    }
    let (figures, _) = count_quarter(app, quarter).await?;
    let (text, weighting) = weighting(app).await?;
    let kept = Finalized { weighting: text, figures, at: app.now(), by: actor.audit_name().to_string() };
    let json = serde_json::to_string(&kept).map_err(|error| AppError::Internal(error.to_string()))?;
    if !app.store.add_setting(&format!("{FINAL_PREFIX}{}", quarter.code()), &json, app.now()).await? {
        return Err(AppError::Conflict(
            Conflict::AlreadyExists,
            format!("{}已经定稿，定稿后不再改动", quarter.label()),
        ));
    }
    crate::audit::record(app, actor, "evaluation_finalize", &quarter.code(), format!("{} 人", kept.figures.len()))
        .await?;
    Ok(QuarterEvaluation {
        quarter,
        rows: evaluate(&kept.figures, &weighting),
        weighting,
        running: false,
        finalized: Some((kept.at, kept.by)),
    })
}

/// Signed-in intervals per person, from the window log (a break ends one, the return starts the next).
fn presence(
    log: &[(String, String, String, chrono::DateTime<chrono::Utc>)],
    app: &App,
    until: NaiveDateTime,
) -> BTreeMap<String, Vec<(NaiveDateTime, NaiveDateTime)>> {
    let mut open: BTreeMap<String, NaiveDateTime> = BTreeMap::new();
    let mut intervals: BTreeMap<String, Vec<(NaiveDateTime, NaiveDateTime)>> = BTreeMap::new();
    for (_, username, action, at) in log {
        let at = app.local_naive(*at);
        match action.as_str() {
            "sign_in" | "back" => {
                open.entry(username.clone()).or_insert(at);
            }
            _ => {
                if let Some(start) = open.remove(username) {
                    intervals.entry(username.clone()).or_default().push((start, at));
                }
            }
        }
    }
    for (username, start) in open {
        intervals.entry(username).or_default().push((start, until));
    }
    intervals
}

/// Grades and ranks every window staff member (and anyone else who served) for `quarter` (`YYYY-Qn`; empty:
/// the current one): from what was kept when a finalized quarter was finalized, otherwise counted now.
/// Managers only.
pub async fn evaluate_quarter(app: &App, actor: &Actor, quarter: &str) -> AppResult<QuarterEvaluation> {
    if !actor.may(Permission::Supervise) {
        return Err(AppError::Forbidden);
    }
    let quarter = quarter_of(app, quarter)?;
    if let Some(kept) = finalized(app, quarter).await? {
        let weighting = Weighting::parse(&kept.weighting).unwrap_or_else(|_| Weighting::shipped());
        return Ok(QuarterEvaluation {
            quarter,
            rows: evaluate(&kept.figures, &weighting),
            weighting,
            running: false,
            finalized: Some((kept.at, kept.by)),
        });
    }
    let (figures, running) = count_quarter(app, quarter).await?;
    let (_, weighting) = weighting(app).await?;
    Ok(QuarterEvaluation { quarter, rows: evaluate(&figures, &weighting), weighting, running, finalized: None })
}

/// Each person's figures of `quarter`, counted from the records up to now; and whether it is still running.
async fn count_quarter(app: &App, quarter: Quarter) -> AppResult<(Vec<StaffFigures>, bool)> {
    let today = app.today();
    let (from, end) = (quarter.first_day(), quarter.end());
    let running = end > today;
    let until_day = if running { today + Duration::days(1) } else { end };
    let start = app.utc_of(from.and_hms_opt(0, 0, 0).unwrap_or_default());
    let stop = app.utc_of(end.and_hms_opt(0, 0, 0).unwrap_or_default()).min(app.now());
    let mut people: BTreeMap<String, StaffFigures> = BTreeMap::new();
    let person = |username: &str| StaffFigures { username: username.to_string(), ..StaffFigures::default() };
    for (username, name) in app.store.staff_with_role("window_staff").await? {
        people.insert(username.clone(), StaffFigures { name, ..person(&username) });
    }
    for row in app.store.staff_cases(start, stop).await? {
        let entry = people.entry(row.username.clone()).or_insert_with(|| person(&row.username));
        entry.accepted = row.accepted;
        entry.decided = row.decided;
        entry.decided_on_time = row.decided_on_time;
        entry.second_corrections = row.second_corrections;
    }
    #[allow(clippy::cast_precision_loss)]
    for row in app.store.staff_tickets(from, until_day).await? {
        let entry = people.entry(row.username.clone()).or_insert_with(|| person(&row.username));
        entry.tickets = row.tickets;
        entry.service_minutes = row.service_millis.max(0) as f64 / 60_000.0;
        entry.wait_minutes = row.wait_millis.max(0) as f64 / 60_000.0;
    }
    for row in app.store.staff_ratings(&quarter.months()).await? {
        let entry = people.entry(row.username.clone()).or_insert_with(|| person(&row.username));
        entry.rated = row.rated;
        entry.good = row.good;
        entry.bad = row.bad;
    }
    // Posts and presence, day by day over the working days so far.
    let calendar = app.calendar();
    let hours = app.config.office_hours;
    let now = app.local_naive(app.now());
    let posts = app.store.assignments_between(from, until_day).await?;
    let log = app.store.window_log_between(start, stop).await?;
    let present = presence(&log, app, now);
    let mut day = from;
    while day < until_day {
        if calendar.is_working_day(day).unwrap_or(false) {
            let office = [
                (day.and_time(hours.morning_start), day.and_time(hours.morning_end)),
                (day.and_time(hours.afternoon_start), day.and_time(hours.afternoon_end)),
            ];
            let office: Vec<_> = office.into_iter().filter(|(s, _)| *s < now).map(|(s, e)| (s, e.min(now))).collect();
            let office_minutes: i64 = office.iter().map(|(s, e)| (*e - *s).num_minutes()).sum();
            let posted: BTreeSet<&str> = posts
                .iter()
                .filter(|post| {
                    post.starts <= day
                        && day <= post.ends
                        && post.ended_at.is_none_or(|ended| day < app.local(ended).date_naive())
                })
                .map(|post| post.username.as_str())
                .collect();
            for (username, figures) in people.iter_mut() {
                let covered: i64 = present
                    .get(username)
                    .map(|intervals| {
                        office
                            .iter()
                            .flat_map(|(os, oe)| {
                                intervals.iter().map(move |(s, e)| ((*e).min(*oe) - (*s).max(*os)).num_minutes().max(0))
                            })
                            .sum()
                    })
                    .unwrap_or(0);
                if posted.contains(username.as_str()) && office_minutes > 0 {
                    figures.posted_days += 1;
                    if covered > 0 {
                        figures.present_days += 1;
                    }
                    figures.empty_post_minutes += u64::try_from((office_minutes - covered).max(0)).unwrap_or(0);
                }
            }
        }
        day += Duration::days(1);
    }
    Ok((people.into_values().collect(), running))
}

/// The evaluation as a workbook: one row per person with every figure, score and grade.
pub fn export_xlsx(evaluation: &QuarterEvaluation) -> AppResult<Vec<u8>> {
    let internal = |error: rust_xlsxwriter::XlsxError| AppError::Internal(format!("workbook: {error}"));
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(format!("{} 考评", evaluation.quarter.code())).map_err(internal)?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let mut headers: Vec<String> =
        ["名次", "用户名", "姓名", "得分", "等次", "先进工作人员"].iter().map(|h| h.to_string()).collect();
    headers.extend(Metric::ALL.iter().map(|metric| metric.label().to_string()));
    headers.extend(["评价数", "好评", "差评"].iter().map(|h| h.to_string()));
    for (column, header) in headers.iter().enumerate() {
        sheet.write_with_format(0, u16::try_from(column).unwrap_or(0), header.as_str(), &bold).map_err(internal)?;
    }
    let text = rust_xlsxwriter::Format::new().set_quote_prefix();
    for (index, row) in evaluation.rows.iter().enumerate() {
        let line = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let figures = &row.figures;
        sheet.write_number(line, 0, row.rank as f64).map_err(internal)?;
        sheet.write_with_format(line, 1, figures.username.as_str(), &text).map_err(internal)?;
        sheet.write_with_format(line, 2, figures.name.as_str(), &text).map_err(internal)?;
        sheet.write_number(line, 3, row.score).map_err(internal)?;
        sheet.write(line, 4, row.grade.label()).map_err(internal)?;
        sheet.write(line, 5, if row.advanced { "是" } else { "" }).map_err(internal)?;
        for (offset, metric) in Metric::ALL.iter().enumerate() {
            let column = u16::try_from(6 + offset).unwrap_or(0);
            match figures.value(*metric) {
                Some(value) => sheet.write_number(line, column, (value * 1000.0).round() / 1000.0).map_err(internal)?,
                None => sheet.write(line, column, "—").map_err(internal)?,
            };
        }
        let base = u16::try_from(6 + Metric::ALL.len()).unwrap_or(0);
        #[allow(clippy::cast_precision_loss)]
        for (offset, value) in [figures.rated, figures.good, figures.bad].iter().enumerate() {
            sheet.write_number(line, base + u16::try_from(offset).unwrap_or(0), *value as f64).map_err(internal)?;
        }
    }
    workbook.save_to_buffer().map_err(internal)
}
