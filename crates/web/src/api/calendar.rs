//! The working-day calendar in the API: each day's kind, when a limit runs out, the office time between
//! two instants, and loading a year's holiday notice.

use super::ApiResult;
use crate::error::Error;
use crate::extract::{ApiJson, ApiStaff};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use axum::Json;
use chrono::{DateTime, NaiveDate};
use onetrip_domain::calendar::DayKind;
use onetrip_domain::FieldErrors;
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
pub struct DaysQuery {
    from: Option<String>,
    to: Option<String>,
}

fn parse_date(field: &str, value: Option<&str>) -> Result<NaiveDate, Error> {
    let value = value.ok_or_else(|| Error::Validation(FieldErrors::single(field, "请提供日期，格式 2026-01-31")))?;
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map_err(|_| Error::Validation(FieldErrors::single(field, format!("“{value}”不是日期，格式应为 2026-01-31"))))
}

/// `GET /api/v1/calendar/days?from=&to=`: each date with its kind; at most 3 years at a time.
pub async fn calendar_days(State(state): State<AppState>, Query(query): Query<DaysQuery>) -> ApiResult {
    let from = parse_date("from", query.from.as_deref())?;
    let to = parse_date("to", query.to.as_deref())?;
    if to < from || (to - from).num_days() > 3 * 366 {
        return Err(Error::Validation(FieldErrors::single("to", "结束日期应不早于开始日期，且区间不超过 3 年")).into());
    }
    let calendar = state.calendar();
    let days =
        calendar.days(from, to).map_err(|error| Error::Validation(FieldErrors::single("from", error.to_string())))?;
    let items: Vec<Value> = days
        .into_iter()
        .map(|(date, kind)| {
            json!({
                "date": date.to_string(),
                "kind": kind.code(),
                "working": kind.is_working(),
                "confirmed": calendar.loaded_years().contains(&date.format("%Y").to_string().parse::<i32>().unwrap_or(0))
                    || kind == DayKind::Holiday || kind == DayKind::MakeupWorkday,
            })
        })
        .collect();
    Ok(Json(json!({ "from": from.to_string(), "to": to.to_string(), "days": items })).into_response())
}

#[derive(Deserialize)]
pub struct DueQuery {
    start: Option<String>,
    working_days: Option<String>,
}

fn parse_instant(state: &AppState, field: &str, value: Option<&str>) -> Result<DateTime<chrono::FixedOffset>, Error> {
    let value = value
        .ok_or_else(|| Error::Validation(FieldErrors::single(field, "请提供时间，格式如 2026-03-02T09:30:00+08:00")))?;
    DateTime::parse_from_rfc3339(value).map(|instant| instant.with_timezone(&state.app.config.utc_offset)).map_err(
        |_| {
            Error::Validation(FieldErrors::single(
                field,
                format!("“{value}”不是 RFC 3339 时间，格式如 2026-03-02T09:30:00+08:00"),
            ))
        },
    )
}

/// `GET /api/v1/calendar/due?start=&working_days=`: when a limit that starts at `start` runs out.
pub async fn calendar_due(State(state): State<AppState>, Query(query): Query<DueQuery>) -> ApiResult {
    let start = parse_instant(&state, "start", query.start.as_deref())?;
    let text = query.working_days.unwrap_or_default();
    let limit = onetrip_domain::catalog::TimeLimit::parse_text(&text)
        .or_else(
            |error| {
                if text.trim() == "0" {
                    Ok(onetrip_domain::catalog::TimeLimit::OnTheSpot)
                } else {
                    Err(error)
                }
            },
        )
        .map_err(|message| Error::Validation(FieldErrors::single("working_days", message)))?;
    let calendar = state.calendar();
    let due = calendar
        .due(start.naive_local(), limit.half_days())
        .map_err(|error| Error::Validation(FieldErrors::single("start", error.to_string())))?;
    let due = due
        .and_local_timezone(state.app.config.utc_offset)
        .single()
        .ok_or_else(|| Error::Internal("offset".to_string()))?;
    Ok(Json(json!({
        "start": start.to_rfc3339(),
        "working_days": f64::from(limit.half_days()) / 2.0,
        "due": due.to_rfc3339(),
        "rule": "受理当日不计入（民法典第二百零一条）；半个工作日从受理后的下一个办公时段起算",
    }))
    .into_response())
}

#[derive(Deserialize)]
pub struct BetweenQuery {
    from: Option<String>,
    to: Option<String>,
}

/// `GET /api/v1/calendar/between?from=&to=`: office time between two instants, in working days.
pub async fn calendar_between(State(state): State<AppState>, Query(query): Query<BetweenQuery>) -> ApiResult {
    let from = parse_instant(&state, "from", query.from.as_deref())?;
    let to = parse_instant(&state, "to", query.to.as_deref())?;
    let time = state
        .calendar()
        .working_time_between(from.naive_local(), to.naive_local(), &[])
        .map_err(|error| Error::Validation(FieldErrors::single("from", error.to_string())))?;
    Ok(Json(json!({ "from": from.to_rfc3339(), "to": to.to_rfc3339(), "office_minutes": time.minutes, "working_days": time.days() })).into_response())
}

/// `PUT /api/v1/calendar/notices/{year}`: loads a year's holiday notice, replacing what that year had.
pub async fn load_notice(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    Path(year): Path<i32>,
    ApiJson(body): ApiJson<super::catalog::TextBody>,
) -> ApiResult {
    let count = onetrip_app::calendar::load_notice(&state.app, &staff.actor, year, body.text()).await?;
    Ok(Json(json!({ "year": year, "dates": count })).into_response())
}
