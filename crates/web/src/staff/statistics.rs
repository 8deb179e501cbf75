//! The statistics dashboard and the monthly report: the month's headline figures, two charts drawn on the
//! server as SVG (readable without JavaScript, each with its data table for screen readers), the key matters'
//! working days against before and the target, the departments ranked; printable, and as a workbook.

use crate::error::Error;
use crate::extract::StaffPage;
use crate::layout::Layout;
use crate::public::ratings::percent;
use crate::render::render;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use onetrip_app::statistics::{self, MonthlyReport};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct MonthQuery {
    #[serde(default)]
    pub(crate) month: String,
}

/// A bar of the days chart: the whole day and its online part, in the SVG's units.
pub struct DayBar {
    pub x: u32,
    pub width: u32,
    pub y: u32,
    pub height: u32,
    pub online_y: u32,
    pub online_height: u32,
    pub day: String,
    pub received: u64,
    pub online: u64,
}

/// A bar of the departments chart.
pub struct DepartmentBar {
    pub y: u32,
    pub width: u32,
    pub name: String,
    pub received: u64,
}

/// A key matter's line.
pub struct KeyLine {
    pub name: String,
    pub before: String,
    pub target: String,
    pub promised: String,
    pub now: String,
    pub decided: u64,
    /// Whether this month's mean meets the target.
    pub met: &'static str,
}

pub const CHART_WIDTH: u32 = 620;
pub const CHART_HEIGHT: u32 = 160;

fn scaled(value: u64, max: u64, span: u32) -> u32 {
    if max == 0 {
        return 0;
    }
    u32::try_from(value.saturating_mul(u64::from(span)) / max).unwrap_or(span)
}

fn day_bars(report: &MonthlyReport) -> Vec<DayBar> {
    let max = report.days.iter().map(|(_, received, _)| *received).max().unwrap_or(0);
    let count = u32::try_from(report.days.len().max(1)).unwrap_or(31);
    let slot = CHART_WIDTH / count;
    report
        .days
        .iter()
        .enumerate()
        .map(|(index, (day, received, online))| {
            let height = scaled(*received, max, CHART_HEIGHT);
            let online_height = scaled(*online, max, CHART_HEIGHT);
            DayBar {
                x: u32::try_from(index).unwrap_or(0) * slot + 1,
                width: slot.saturating_sub(2).max(1),
                y: CHART_HEIGHT - height,
                height,
                online_y: CHART_HEIGHT - online_height,
                online_height,
                day: day.format("%m-%d").to_string(),
                received: *received,
                online: *online,
            }
        })
        .collect()
}

fn department_bars(report: &MonthlyReport) -> Vec<DepartmentBar> {
    let mut cards: Vec<_> = report.cards.iter().filter(|card| card.counts.received > 0).collect();
    cards.sort_by(|a, b| b.counts.received.cmp(&a.counts.received).then_with(|| a.department.cmp(&b.department)));
    let max = cards.first().map(|card| card.counts.received).unwrap_or(0);
    cards
        .iter()
        .take(12)
        .enumerate()
        .map(|(index, card)| DepartmentBar {
            y: u32::try_from(index).unwrap_or(0) * 24,
            width: scaled(card.counts.received, max, 400),
            name: card.name.clone(),
            received: card.counts.received,
        })
        .collect()
}

fn days(value: f64) -> String {
    format!("{value:.1}")
}

fn key_lines(report: &MonthlyReport) -> Vec<KeyLine> {
    report
        .key_matters
        .iter()
        .map(|key| KeyLine {
            name: key.name.clone(),
            before: days(key.target.before_days),
            target: days(key.target.target_days),
            promised: days(key.promised_days),
            now: key.mean_days.map(days).unwrap_or_else(|| "—（本月无决定）".to_string()),
            decided: key.decided,
            met: match key.mean_days {
                Some(mean) if mean <= key.target.target_days => "达到",
                Some(_) => "未达到",
                None => "—",
            },
        })
        .collect()
}

#[derive(Template)]
#[template(path = "staff_statistics.html")]
struct StatisticsPage {
    layout: Layout,
    month: String,
    report_view: bool,
    received: u64,
    online: u64,
    assisted: u64,
    online_rate: String,
    decided: u64,
    on_time_rate: String,
    one_trip_rate: String,
    good_rate: String,
    rated: u64,
    matters: u64,
    matters_in_hall: u64,
    departments: u64,
    departments_in_hall: u64,
    keys: Vec<KeyLine>,
    day_bars: Vec<DayBar>,
    department_bars: Vec<DepartmentBar>,
    chart_width: u32,
    chart_height: u32,
    departments_height: u32,
}

async fn page(state: &AppState, staff: &crate::auth::Staff, month: &str, report_view: bool) -> Result<Response, Error> {
    let report = statistics::monthly_report(&state.app, &staff.actor, month).await?;
    let department_bars = department_bars(&report);
    render(&StatisticsPage {
        layout: Layout::new(state, Some(staff)),
        month: report.month.clone(),
        report_view,
        received: report.counts.received,
        online: report.counts.online,
        assisted: report.assisted,
        online_rate: percent(report.counts.online_rate()),
        decided: report.counts.decided,
        on_time_rate: percent(report.counts.on_time_rate()),
        one_trip_rate: percent(report.counts.one_trip_rate()),
        good_rate: percent(report.good_rate),
        rated: report.rated,
        matters: report.matters,
        matters_in_hall: report.matters_in_hall,
        departments: report.departments,
        departments_in_hall: report.departments_in_hall,
        keys: key_lines(&report),
        day_bars: day_bars(&report),
        departments_height: u32::try_from(department_bars.len().max(1)).unwrap_or(1) * 24,
        department_bars,
        chart_width: CHART_WIDTH,
        chart_height: CHART_HEIGHT,
    })
}

/// `GET /staff/statistics?month=`: the dashboard.
pub async fn dashboard(
    State(state): State<AppState>,
    Query(query): Query<MonthQuery>,
    StaffPage(staff): StaffPage,
) -> Result<Response, Error> {
    page(&state, &staff, &query.month, false).await
}

/// `GET /staff/statistics/report?month=`: the printable monthly report.
pub async fn report(
    State(state): State<AppState>,
    Query(query): Query<MonthQuery>,
    StaffPage(staff): StaffPage,
) -> Result<Response, Error> {
    page(&state, &staff, &query.month, true).await
}

/// `GET /staff/statistics/export.xlsx?month=`: every figure of the report as a workbook.
pub async fn export(
    State(state): State<AppState>,
    Query(query): Query<MonthQuery>,
    StaffPage(staff): StaffPage,
) -> Result<Response, Error> {
    let report = statistics::monthly_report(&state.app, &staff.actor, &query.month).await?;
    let bytes = statistics::export_xlsx(&report)?;
    let name = format!("onetrip-statistics-{}.xlsx", report.month);
    Ok(crate::render::xlsx_attachment(&name, bytes))
}
