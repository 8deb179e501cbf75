//! The centre's settings pages: the working-day calendar (loading a year's holiday notice), the synonym
//! list for search, and the audit log.

use crate::auth::Staff;
use crate::error::Error;
use crate::extract::{StaffForm, StaffPage};
use crate::layout::Layout;
use crate::render::render;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use chrono::Datelike;
use onetrip_domain::access::Permission;
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
    month: Vec<(String, &'static str, &'static str)>,
}

fn calendar_page(
    state: &AppState,
    staff: &Staff,
    flash: String,
    errors: Vec<(String, String)>,
    year: String,
    text: String,
) -> Result<Response, Error> {
    let calendar = state.calendar();
    let today = state.today();
    let first = today.with_day(1).unwrap_or(today);
    let last =
        (first + chrono::Duration::days(40)).with_day(1).map(|next| next - chrono::Duration::days(1)).unwrap_or(today);
    let month = calendar
        .days(first, last)
        .unwrap_or_default()
        .into_iter()
        .map(|(date, kind)| (date.format("%m月%d日").to_string(), kind.code(), kind.label()))
        .collect();
    let failed = !errors.is_empty();
    let mut response = render(&CalendarPage {
        layout: Layout::new(state, Some(staff)),
        csrf_token: staff.csrf_token.clone(),
        flash,
        years: calendar.loaded_years().iter().copied().collect(),
        error_list: errors,
        year,
        text,
        month_title: format!("{}年{}月", first.year(), first.month()),
        month,
    })?;
    if failed {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

pub async fn calendar(State(state): State<AppState>, StaffPage(staff): StaffPage) -> Result<Response, Error> {
    staff.require(Permission::LoadCalendar)?;
    let next_year = (state.today().year() + 1).to_string();
    calendar_page(&state, &staff, String::new(), Vec::new(), next_year, String::new())
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
    let Ok(year) = form.year.trim().parse::<i32>() else {
        return calendar_page(
            &state,
            &staff,
            String::new(),
            vec![("年份".to_string(), "请填写四位数的年份，例如 2027".to_string())],
            form.year,
            form.text,
        );
    };
    match onetrip_app::calendar::load_notice(&state.app, &staff.actor, year, &form.text).await.map_err(Error::from) {
        Ok(count) => calendar_page(
            &state,
            &staff,
            format!("已载入 {year} 年的放假安排，共 {count} 个日期。"),
            Vec::new(),
            form.year,
            String::new(),
        ),
        Err(Error::Validation(errors)) => {
            calendar_page(&state, &staff, String::new(), listed(&errors), form.year, form.text)
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
