//! The statistics in the API, for the city's own systems: a month's report (headline figures, key matters,
//! the days), the departments' scorecards and a quarter's staff evaluation. Managers only.

use super::responses::{BadParameter, Forbidden, Internal, Unauthenticated};
use super::ApiResult;
use crate::error::ErrorBody;
use crate::extract::ApiStaff;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use axum::Json;
use onetrip_app::scorecards::Scorecard;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonthQuery {
    /// 月份 YYYY-MM；不填为本月
    #[param(pattern = "^[0-9]{4}-[0-9]{2}$")]
    month: Option<String>,
}

/// An absent month is this month; a present one must be a month.
fn month_of(month: Option<&str>) -> Result<&str, onetrip_app::AppError> {
    match month {
        None => Ok(""),
        Some(month) => onetrip_app::ratings::figures::parse_month(month).map(|_| month),
    }
}

#[derive(Serialize, ToSchema)]
pub struct KeyMatterBody {
    matter_code: String,
    name: String,
    /// 改革前（工作日）
    before_days: f64,
    /// 改革目标（工作日）
    target_days: f64,
    /// 目录中的承诺时限（工作日）
    promised_days: f64,
    /// 本月作出的决定
    decided: u64,
    /// 本月受理到决定的平均工作日；本月没有决定时为 null
    mean_days: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct DayBody {
    #[schema(format = Date)]
    date: String,
    received: u64,
    online: u64,
}

#[derive(Serialize, ToSchema)]
pub struct MonthlyBody {
    month: String,
    received: u64,
    /// 网上申请，含帮办代办
    online: u64,
    /// 其中由窗口帮助填写、申请人自己提交的（帮办代办）
    assisted: u64,
    /// 网办率 0–1；没有收件时为 null
    online_rate: Option<f64>,
    matters: u64,
    matters_in_hall: u64,
    departments: u64,
    departments_in_hall: u64,
    decided: u64,
    on_time_rate: Option<f64>,
    one_trip_rate: Option<f64>,
    good_rate: Option<f64>,
    key_matters: Vec<KeyMatterBody>,
    days: Vec<DayBody>,
}

/// `GET /api/v1/statistics/monthly?month=`.
#[utoipa::path(get, path = "/statistics/monthly", tag = "统计", params(MonthQuery), security(("bearer" = []), ("cookie" = [])),
    summary = "某月的主要数字、关键事项用时和每日收件",
    responses(
        (status = 200, description = "月报数据", body = MonthlyBody),
        (status = 400, response = inline(BadParameter)),
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, response = inline(Forbidden)),
        (status = 422, description = "月份格式不对", body = ErrorBody),
        (status = 500, response = inline(Internal)),
    )
)]
pub async fn monthly(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    Query(query): Query<MonthQuery>,
) -> ApiResult {
    let month = month_of(query.month.as_deref())?;
    let report = onetrip_app::statistics::monthly_report(&state.app, &staff.actor, month).await?;
    Ok(Json(MonthlyBody {
        month: report.month.clone(),
        received: report.counts.received,
        online: report.counts.online,
        assisted: report.assisted,
        online_rate: report.counts.online_rate(),
        matters: report.matters,
        matters_in_hall: report.matters_in_hall,
        departments: report.departments,
        departments_in_hall: report.departments_in_hall,
        decided: report.counts.decided,
        on_time_rate: report.counts.on_time_rate(),
        one_trip_rate: report.counts.one_trip_rate(),
        good_rate: report.good_rate,
        key_matters: report
            .key_matters
            .iter()
            .map(|key| KeyMatterBody {
                matter_code: key.target.code.clone(),
                name: key.name.clone(),
                before_days: key.target.before_days,
                target_days: key.target.target_days,
                promised_days: key.promised_days,
                decided: key.decided,
                mean_days: key.mean_days,
            })
            .collect(),
        days: report
            .days
            .iter()
            .map(|(day, received, online)| DayBody { date: day.to_string(), received: *received, online: *online })
            .collect(),
    })
    .into_response())
}

#[derive(Serialize, ToSchema)]
pub struct ScorecardBody {
    rank: usize,
    department: String,
    name: String,
    /// 综合得分 0–100；没有可计算的数字时为 null
    composite: Option<f64>,
    /// 上月的综合得分
    previous: Option<f64>,
    matters: u64,
    in_hall: bool,
    online_matter_rate: Option<f64>,
    received: u64,
    online_rate: Option<f64>,
    on_time_rate: Option<f64>,
    immediate_rate: Option<f64>,
    one_trip_rate: Option<f64>,
    trips_per_case: Option<f64>,
    /// 各收件所属事项在目录中公布的到现场次数的平均
    published_trips_per_case: Option<f64>,
    /// 现在的黄牌数、红牌数（只在本月给出，以前的月份为 null）
    yellow_cards: Option<u64>,
    red_cards: Option<u64>,
    second_corrections: u64,
    /// 窗口办结率 = 受理后没有送部门审查环节、在窗口办结的 ÷ 已作出决定的
    window_rate: Option<f64>,
    /// 已作出决定的办件中送回部门审查（审批盖章）的
    signed_off_outside: u64,
    /// 收件中由本部门业务系统报送或办理过环节的（其余在窗口录入、在 Onetrip 页面上办理）
    via_system: u64,
    /// via_system ÷ 收件
    via_system_rate: Option<f64>,
    late_orders: u64,
    /// 本部门独用的大厅窗口数
    windows: u64,
    /// 本月截至今天的工作日里应有人在岗的窗口·日数，和实际全天有人派驻的窗口·日数
    post_days_required: u64,
    post_days_staffed: u64,
    /// 在岗率 = post_days_staffed ÷ post_days_required
    staffing_rate: Option<f64>,
    /// 本月提前结束（撤回或调岗）的派驻
    posts_ended_early: u64,
    good_rate: Option<f64>,
    rectify_rate: Option<f64>,
}

impl From<&Scorecard> for ScorecardBody {
    fn from(card: &Scorecard) -> Self {
        Self {
            rank: card.rank,
            department: card.department.clone(),
            name: card.name.clone(),
            composite: card.composite,
            previous: card.previous,
            matters: card.matters,
            in_hall: card.in_hall,
            online_matter_rate: card.online_matter_rate(),
            received: card.counts.received,
            online_rate: card.counts.online_rate(),
            on_time_rate: card.counts.on_time_rate(),
            immediate_rate: card.immediate_rate(),
            one_trip_rate: card.counts.one_trip_rate(),
            trips_per_case: card.trips_per_case(),
            published_trips_per_case: card.published_trips_per_case(),
            yellow_cards: card.cards.map(|(yellow, _)| yellow),
            red_cards: card.cards.map(|(_, red)| red),
            second_corrections: card.second_corrections,
            window_rate: card.window_rate(),
            signed_off_outside: card.signed_off_outside(),
            via_system: card.via_system,
            via_system_rate: card.via_system_rate(),
            late_orders: card.late_orders,
            windows: card.staffing.windows,
            post_days_required: card.staffing.required,
            post_days_staffed: card.staffing.staffed,
            staffing_rate: card.staffing.rate(),
            posts_ended_early: card.staffing.ended_early,
            good_rate: card.ratings.good_rate(),
            rectify_rate: card.ratings.rectify_rate(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ScorecardsBody {
    month: String,
    departments: Vec<ScorecardBody>,
}

/// `GET /api/v1/statistics/scorecards?month=`.
#[utoipa::path(get, path = "/statistics/scorecards", tag = "统计", params(MonthQuery), security(("bearer" = []), ("cookie" = [])),
    summary = "某月各部门考核数字，按综合得分排名",
    responses(
        (status = 200, description = "部门考核", body = ScorecardsBody),
        (status = 400, response = inline(BadParameter)),
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, response = inline(Forbidden)),
        (status = 422, description = "月份格式不对", body = ErrorBody),
        (status = 500, response = inline(Internal)),
    )
)]
pub async fn scorecards(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    Query(query): Query<MonthQuery>,
) -> ApiResult {
    let month = month_of(query.month.as_deref())?;
    let cards = onetrip_app::scorecards::scorecards(&state.app, &staff.actor, month).await?;
    Ok(Json(ScorecardsBody {
        month: cards.month.clone(),
        departments: cards.rows.iter().map(ScorecardBody::from).collect(),
    })
    .into_response())
}

#[derive(Serialize, ToSchema)]
pub struct MatterSharingBody {
    /// 事项编码；全中心合计时为空
    matter_code: String,
    matter_name: String,
    department_name: String,
    /// 目录中为本事项材料写明的数据来源（`licence:证照类型`、`external:部门系统`）
    sources: Vec<String>,
    /// 本月收件
    received: u64,
    /// 至少有一项材料通过数据共享获取的办件
    with_shared: u64,
    /// 通过数据共享获取的材料，即免于上传的材料
    materials_shared: u64,
    /// 上传（或窗口扫描）了文件的材料
    materials_uploaded: u64,
    /// materials_shared ÷ (materials_shared + materials_uploaded)；都为 0 时为 null
    shared_rate: Option<f64>,
    /// 本月向数据来源发出的请求
    source_requests: u64,
    /// 来源没有答复的请求（无法连接、超时、答复无法识别或过大、暂停调用）
    source_failures: u64,
    /// 至少有一次来源出错的网上申请
    applications_failed: u64,
}

impl From<&onetrip_app::sharing::figures::MatterSharing> for MatterSharingBody {
    fn from(row: &onetrip_app::sharing::figures::MatterSharing) -> Self {
        Self {
            matter_code: row.matter_code.clone(),
            matter_name: row.matter_name.clone(),
            department_name: row.department_name.clone(),
            sources: row.sources.clone(),
            received: row.received,
            with_shared: row.with_shared,
            materials_shared: row.materials_shared,
            materials_uploaded: row.materials_uploaded,
            shared_rate: row.shared_rate(),
            source_requests: row.source_requests,
            source_failures: row.source_failures,
            applications_failed: row.applications_failed,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SourceMonthBody {
    source: String,
    requests: u64,
    failures: u64,
    applications_failed: u64,
}

#[derive(Serialize, ToSchema)]
pub struct SharingBody {
    month: String,
    /// 全中心合计（包括没有数据来源的事项的办件）
    total: MatterSharingBody,
    /// 目录中写明数据来源的事项，以及本月调用过数据来源的事项
    matters: Vec<MatterSharingBody>,
    sources: Vec<SourceMonthBody>,
}

/// `GET /api/v1/statistics/sharing?month=`.
#[utoipa::path(get, path = "/statistics/sharing", tag = "统计", params(MonthQuery), security(("bearer" = []), ("cookie" = [])),
    summary = "某月各事项通过数据共享获取与上传的材料，及数据来源出错",
    responses(
        (status = 200, description = "数据共享统计", body = SharingBody),
        (status = 400, response = inline(BadParameter)),
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, response = inline(Forbidden)),
        (status = 422, description = "月份格式不对", body = ErrorBody),
        (status = 500, response = inline(Internal)),
    )
)]
pub async fn sharing(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    Query(query): Query<MonthQuery>,
) -> ApiResult {
    let month = month_of(query.month.as_deref())?;
    let figures = onetrip_app::sharing::figures::month(&state.app, &staff.actor, month).await?;
    Ok(Json(SharingBody {
        month: figures.month.clone(),
        total: MatterSharingBody::from(&figures.total),
        matters: figures.matters.iter().map(MatterSharingBody::from).collect(),
        sources: figures
            .sources
            .iter()
            .map(|source| SourceMonthBody {
                source: source.source.clone(),
                requests: source.requests,
                failures: source.failures,
                applications_failed: source.applications_failed,
            })
            .collect(),
    })
    .into_response())
}
