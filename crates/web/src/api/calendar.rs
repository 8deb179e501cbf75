//! The working-day calendar in the API: each day's kind, when a limit runs out, the office time between
//! two instants, and loading a year's holiday notice.

use super::responses::{BadInput, BadParameter, Internal, Invalid, Refused, TooLarge, Unauthenticated};
use super::ApiResult;
use crate::error::{Error, ErrorBody};
use crate::extract::{ApiJson, ApiStaff};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use axum::Json;
use chrono::{DateTime, NaiveDate};
use onetrip_domain::calendar::DayKind;
use onetrip_domain::FieldErrors;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DaysQuery {
    /// 开始日期 YYYY-MM-DD（必填）
    #[param(required = true, format = Date)]
    from: Option<String>,
    /// 结束日期 YYYY-MM-DD（必填），区间不超过 3 年
    #[param(required = true, format = Date)]
    to: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CalendarDays {
    #[schema(format = Date)]
    from: String,
    #[schema(format = Date)]
    to: String,
    days: Vec<CalendarDay>,
}

#[derive(Serialize, ToSchema)]
pub struct CalendarDay {
    #[schema(format = Date)]
    date: String,
    kind: DayKind,
    working: bool,
    /// 该年的放假通知已载入
    confirmed: bool,
}

fn parse_date(field: &str, value: Option<&str>) -> Result<NaiveDate, Error> {
    let value = value.ok_or_else(|| Error::Validation(FieldErrors::single(field, "请提供日期，格式 2026-01-31")))?;
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map_err(|_| Error::Validation(FieldErrors::single(field, format!("“{value}”不是日期，格式应为 2026-01-31"))))
}

/// `GET /api/v1/calendar/days?from=&to=`: each date with its kind; at most 3 years at a time.
#[utoipa::path(get, path = "/calendar/days", tag = "工作日历", params(DaysQuery),
    summary = "逐日列出日期类型：workday / weekend / holiday / makeup_workday",
    responses(
        (status = 200, description = "日期列表", body = CalendarDays),
        (status = 400, response = inline(BadParameter)),
        (status = 422, description = "日期格式或区间不对", body = ErrorBody),
    )
)]
pub async fn calendar_days(State(state): State<AppState>, Query(query): Query<DaysQuery>) -> ApiResult {
    let from = parse_date("from", query.from.as_deref())?;
    let to = parse_date("to", query.to.as_deref())?;
    if to < from || (to - from).num_days() > 3 * 366 {
        return Err(Error::Validation(FieldErrors::single("to", "结束日期应不早于开始日期，且区间不超过 3 年")).into());
    }
    let calendar = state.calendar();
    let days =
        calendar.days(from, to).map_err(|error| Error::Validation(FieldErrors::single("from", error.to_string())))?;
    let days = days
        .into_iter()
        .map(|(date, kind)| CalendarDay {
            date: date.to_string(),
            kind,
            working: kind.is_working(),
            confirmed: calendar.loaded_years().contains(&date.format("%Y").to_string().parse::<i32>().unwrap_or(0))
                || kind == DayKind::Holiday
                || kind == DayKind::MakeupWorkday,
        })
        .collect();
    Ok(Json(CalendarDays { from: from.to_string(), to: to.to_string(), days }).into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DueQuery {
    /// 起算时刻（必填），RFC 3339，例如 2026-03-02T09:30:00+08:00
    #[param(required = true, format = DateTime)]
    start: Option<String>,
    /// 工作日数（必填），可为 0.5 的倍数；0 或“即办”表示当日办结
    #[param(required = true, pattern = "^(即办|[0-9]{1,3}(\\.[05])?)$")]
    working_days: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Due {
    #[schema(format = DateTime)]
    start: String,
    working_days: f64,
    #[schema(format = DateTime)]
    due: String,
    /// 从起算到届满跨越的、节假日安排尚未载入的年份：不为空时届满时刻按常规周末暂算
    unconfirmed_years: Vec<i32>,
    /// 届满时刻是否为暂算（unconfirmed_years 不为空）
    provisional: bool,
    /// 计算规则的说明
    rule: &'static str,
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
#[utoipa::path(get, path = "/calendar/due", tag = "工作日历", params(DueQuery),
    summary = "期限届满时刻：受理当日不计入，半个工作日从下一个办公时段起算",
    responses(
        (status = 200, description = "届满时刻", body = Due),
        (status = 400, response = inline(BadParameter)),
        (status = 422, description = "参数不对", body = ErrorBody),
        (status = 500, response = inline(Internal)),
    )
)]
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
    let unconfirmed_years = calendar.unconfirmed_years(start.date_naive(), due.date_naive());
    Ok(Json(Due {
        start: start.to_rfc3339(),
        working_days: f64::from(limit.half_days()) / 2.0,
        due: due.to_rfc3339(),
        provisional: !unconfirmed_years.is_empty(),
        unconfirmed_years,
        rule: "受理当日不计入（民法典第二百零一条）；半个工作日从受理后的下一个办公时段起算",
    })
    .into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BetweenQuery {
    /// 开始时刻（必填），RFC 3339
    #[param(required = true, format = DateTime)]
    from: Option<String>,
    /// 结束时刻（必填），RFC 3339
    #[param(required = true, format = DateTime)]
    to: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct OfficeTime {
    #[schema(format = DateTime)]
    from: String,
    #[schema(format = DateTime)]
    to: String,
    office_minutes: i64,
    working_days: f64,
}

/// `GET /api/v1/calendar/between?from=&to=`: office time between two instants, in working days.
#[utoipa::path(get, path = "/calendar/between", tag = "工作日历", params(BetweenQuery),
    summary = "两个时刻之间的办公时间（工作日数）",
    responses(
        (status = 200, description = "办公时间", body = OfficeTime),
        (status = 400, response = inline(BadParameter)),
        (status = 422, description = "参数不对", body = ErrorBody),
    )
)]
pub async fn calendar_between(State(state): State<AppState>, Query(query): Query<BetweenQuery>) -> ApiResult {
    let from = parse_instant(&state, "from", query.from.as_deref())?;
    let to = parse_instant(&state, "to", query.to.as_deref())?;
    let time = state
        .calendar()
        .working_time_between(from.naive_local(), to.naive_local(), &[])
        .map_err(|error| Error::Validation(FieldErrors::single("from", error.to_string())))?;
    let time = OfficeTime {
        from: from.to_rfc3339(),
        to: to.to_rfc3339(),
        office_minutes: time.minutes,
        working_days: time.days(),
    };
    Ok(Json(time).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct LoadedNotice {
    year: i32,
    /// 载入的日期数
    dates: usize,
}

/// `PUT /api/v1/calendar/notices/{year}`: loads a year's holiday notice, replacing what that year had.
#[utoipa::path(put, path = "/calendar/notices/{year}", tag = "工作日历", security(("bearer" = []), ("cookie" = [])),
    summary = "载入某年的放假安排（替换该年已有内容），需中心管理员",
    params(("year" = i32, Path, minimum = 2000, maximum = 2099, description = "通知年份，2000 到 2099")),
    request_body(content = super::catalog::TextBody,
        description = "text 每行：日期或“起..止” 种类 节日名称，例如 2027-02-06..2027-02-12 holiday 春节"),
    responses(
        (status = 200, description = "已载入", body = LoadedNotice),
        (status = 400, response = inline(BadInput)),
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, response = inline(Refused)),
        (status = 413, response = inline(TooLarge)),
        (status = 422, response = inline(Invalid)),
        (status = 500, response = inline(Internal)),
    )
)]
pub async fn load_notice(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    Path(year): Path<i32>,
    ApiJson(body): ApiJson<super::catalog::TextBody>,
) -> ApiResult {
    let count = onetrip_app::calendar::load_notice(&state.app, &staff.actor, year, body.text()).await?;
    Ok(Json(LoadedNotice { year, dates: count }).into_response())
}
