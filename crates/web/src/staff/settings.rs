//! The centre's settings pages: the working-day calendar (loading a year's holiday notice), the synonym
//! list for search, and the audit log.

use crate::auth::Staff;
use crate::error::Error;
use crate::extract::{StaffForm, StaffPage};
use crate::layout::Layout;
use crate::render::render;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{Datelike, Duration, NaiveDate};
use onetrip_domain::access::Permission;
use onetrip_domain::calendar::{write_notice, CalendarEntry};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    layout: Layout,
    csrf_token: String,
    flash: String,
    years: Vec<i32>,
    error_list: Vec<(String, String)>,
    year: String,
    text: String,
    month_title: String,
    /// The month as weeks from Monday; `None` before the 1st and after the last day.
    weeks: Vec<Vec<Option<CalendarDay>>>,
    previous: (i32, u32),
    next: (i32, u32),
}

/// One day of the month grid.
struct CalendarDay {
    day: u32,
    kind: &'static str,
    label: &'static str,
    festival: String,
}

/// The month grid: weeks from Monday (as Chinese calendars print them), each day with its kind.
fn month_grid(state: &AppState, entries: &[CalendarEntry], first: NaiveDate) -> Vec<Vec<Option<CalendarDay>>> {
    let next_month = (first + Duration::days(32)).with_day(1).unwrap_or(first);
    let last = next_month.pred_opt().unwrap_or(first);
    let days = state.calendar().days(first, last).unwrap_or_default();
    let mut cells: Vec<Option<CalendarDay>> = (0..first.weekday().num_days_from_monday()).map(|_| None).collect();
    for (date, kind) in days {
        let festival =
            entries.iter().find(|entry| entry.date == date).map(|entry| entry.name.clone()).unwrap_or_default();
        cells.push(Some(CalendarDay { day: date.day(), kind: kind.code(), label: kind.label(), festival }));
    }
    while !cells.len().is_multiple_of(7) {
        cells.push(None);
    }
    let mut weeks = Vec::new();
    let mut cells = cells.into_iter().peekable();
    while cells.peek().is_some() {
        weeks.push(cells.by_ref().take(7).collect());
    }
    weeks
}

struct Shown {
    flash: String,
    errors: Vec<(String, String)>,
    year: String,
    text: String,
    month: NaiveDate,
}

async fn calendar_page(state: &AppState, staff: &Staff, shown: Shown) -> Result<Response, Error> {
    let calendar = state.calendar();
    let entries = onetrip_app::calendar::entries(&state.app).await?;
    let first = shown.month;
    let previous = (first - Duration::days(1)).with_day(1).unwrap_or(first);
    let next = (first + Duration::days(32)).with_day(1).unwrap_or(first);
    let failed = !shown.errors.is_empty();
    let mut response = render(&CalendarPage {
        layout: Layout::new(state, Some(staff)),
        csrf_token: staff.csrf_token.clone(),
        flash: shown.flash,
        years: calendar.loaded_years().iter().copied().collect(),
        error_list: shown.errors,
        year: shown.year,
        text: shown.text,
        month_title: format!("{}年{}月", first.year(), first.month()),
        weeks: month_grid(state, &entries, first),
        previous: (previous.year(), previous.month()),
        next: (next.year(), next.month()),
    })?;
    if failed {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

#[derive(Deserialize)]
pub struct CalendarQuery {
    year: Option<i32>,
    month: Option<u32>,
}

/// `GET /staff/calendar[?year=&month=]`: the loaded years as links; a year's notice written back for
/// editing, and a month of it as a grid.
pub async fn calendar(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Query(query): Query<CalendarQuery>,
) -> Result<Response, Error> {
    staff.require(Permission::LoadCalendar)?;
    let today = state.today();
    let chosen = query.year.filter(|year| (2000..=2099).contains(year));
    let month = NaiveDate::from_ymd_opt(
        chosen.unwrap_or(today.year()),
        query.month.filter(|month| (1..=12).contains(month)).unwrap_or(if chosen.is_some() {
            1
        } else {
            today.month()
        }),
        1,
    )
    .unwrap_or(today);
    let (year, text) = match chosen {
        Some(year) if state.calendar().loaded_years().contains(&year) => {
            let entries = onetrip_app::calendar::entries(&state.app).await?;
            let of_year: Vec<CalendarEntry> = entries.into_iter().filter(|entry| entry.notice_year == year).collect();
            (year.to_string(), write_notice(&of_year))
        }
        Some(year) => (year.to_string(), String::new()),
        None => ((today.year() + 1).to_string(), String::new()),
    };
    calendar_page(&state, &staff, Shown { flash: String::new(), errors: Vec::new(), year, text, month }).await
}

#[derive(Deserialize)]
pub struct CalendarForm {
    #[serde(default)]
    year: String,
    #[serde(default)]
    text: String,
}

fn listed(errors: &onetrip_domain::FieldErrors) -> Vec<(String, String)> {
    crate::extract::by_line(errors)
}

pub async fn load_calendar(
    State(state): State<AppState>,
    StaffForm(staff, form): StaffForm<CalendarForm>,
) -> Result<Response, Error> {
    staff.require(Permission::LoadCalendar)?;
    let this_month = state.today().with_day(1).unwrap_or(state.today());
    let Ok(year) = form.year.trim().parse::<i32>() else {
        let errors = vec![("年份".to_string(), "请填写四位数的年份，例如 2027".to_string())];
        let shown = Shown { flash: String::new(), errors, year: form.year, text: form.text, month: this_month };
        return calendar_page(&state, &staff, shown).await;
    };
    let month = NaiveDate::from_ymd_opt(year, 1, 1).filter(|_| (2000..=2099).contains(&year)).unwrap_or(this_month);
    match onetrip_app::calendar::load_notice(&state.app, &staff.actor, year, &form.text).await.map_err(Error::from) {
        Ok(count) => {
            let flash = format!("已载入 {year} 年的放假安排，共 {count} 个日期。");
            let entries = onetrip_app::calendar::entries(&state.app).await?;
            let of_year: Vec<CalendarEntry> = entries.into_iter().filter(|entry| entry.notice_year == year).collect();
            let shown = Shown { flash, errors: Vec::new(), year: form.year, text: write_notice(&of_year), month };
            calendar_page(&state, &staff, shown).await
        }
        Err(Error::Validation(errors)) => {
            let shown =
                Shown { flash: String::new(), errors: listed(&errors), year: form.year, text: form.text, month };
            calendar_page(&state, &staff, shown).await
        }
        Err(other) => Err(other),
    }
}

#[derive(Template)]
#[template(path = "synonyms.html")]
struct SynonymsPage {
    layout: Layout,
    csrf_token: String,
    flash: String,
    error_list: Vec<(String, String)>,
    text: String,
}

pub async fn synonyms(State(state): State<AppState>, StaffPage(staff): StaffPage) -> Result<Response, Error> {
    staff.require(Permission::EditSynonyms)?;
    let text = onetrip_app::catalog::synonyms_text(&state.app).await?;
    render(&SynonymsPage {
        layout: Layout::new(&state, Some(&staff)),
        csrf_token: staff.csrf_token.clone(),
        flash: String::new(),
        error_list: Vec::new(),
        text,
    })
}

#[derive(Deserialize)]
pub struct TextForm {
    #[serde(default)]
    text: String,
}

pub async fn save_synonyms(
    State(state): State<AppState>,
    StaffForm(staff, form): StaffForm<TextForm>,
) -> Result<Response, Error> {
    staff.require(Permission::EditSynonyms)?;
    let layout = Layout::new(&state, Some(&staff));
    match onetrip_app::catalog::save_synonyms(&state.app, &staff.actor, &form.text).await.map_err(Error::from) {
        Ok(count) => render(&SynonymsPage {
            layout,
            csrf_token: staff.csrf_token.clone(),
            flash: format!("已保存 {count} 条同义词，搜索已更新。"),
            error_list: Vec::new(),
            text: form.text,
        }),
        Err(Error::Validation(errors)) => {
            let mut response = render(&SynonymsPage {
                layout,
                csrf_token: staff.csrf_token.clone(),
                flash: String::new(),
                error_list: listed(&errors),
                text: form.text,
            })?;
            *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(other) => Err(other),
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    layout: Layout,
    rows: Vec<(String, String, String, String, String)>,
}

pub async fn audit(State(state): State<AppState>, StaffPage(staff): StaffPage) -> Result<Response, Error> {
    let rows = onetrip_app::audit::events(&state.app, &staff.actor, 200)
        .await?
        .into_iter()
        .map(|event| {
            (
                state.local(event.at).format("%Y-%m-%d %H:%M").to_string(),
                event.actor,
                event.action,
                event.subject,
                event.detail,
            )
        })
        .collect();
    render(&AuditPage { layout: Layout::new(&state, Some(&staff)), rows })
}
