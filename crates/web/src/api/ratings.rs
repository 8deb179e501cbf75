//! 好差评 in the API: a departmental system sends a rating it collected for a case of its department, and
//! anyone reads a month's public figures by department and matter.

use super::responses::{one_of, BadInput, BadParameter, Internal, Invalid, Refused, TooLarge, Unauthenticated};
use super::ApiResult;
use crate::error::{Error, ErrorBody};
use crate::extract::{ApiJson, ApiStaff};
use crate::links::parse_case_number;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use onetrip_app::ratings::figures::{self, RatingFigures};
use onetrip_domain::rating::{RatingInput, Stage};
use onetrip_domain::FieldErrors;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

fn stages() -> utoipa::openapi::schema::Object {
    one_of(&["acceptance", "conclusion"])
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct RatingBody {
    /// 评价的阶段：acceptance（受理后）或 conclusion（办结后）
    #[schema(schema_with = stages)]
    pub stage: String,
    /// 1 = 非常不满意 … 5 = 非常满意
    #[schema(minimum = 1, maximum = 5)]
    pub level: i64,
    /// 差评（1、2）必填：不满意的评价指标代码，如 overall、efficiency、attitude、guide
    #[serde(default)]
    #[schema(max_items = 20)]
    pub indicators: Vec<String>,
    /// 意见，差评必填，最多 500 字
    #[serde(default)]
    #[schema(max_length = 500)]
    pub comment: String,
}

#[derive(Serialize, ToSchema)]
pub struct RatingCreated {
    /// 评价编号
    id: i64,
}

/// `POST /api/v1/cases/{number}/ratings`: a rating collected by a departmental system (一事一评).
#[utoipa::path(post, path = "/cases/{number}/ratings", tag = "好差评", security(("bearer" = []), ("cookie" = [])),
    summary = "部门业务系统提交办事人对办件某一阶段的评价",
    params(("number" = String, Path, description = "办件编号")),
    request_body = RatingBody,
    responses(
        (status = 201, description = "已保存；差评已分派给责任部门", body = RatingCreated),
        (status = 400, response = inline(BadInput)),
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, response = inline(Refused)),
        (status = 404, description = "没有这个办件", body = ErrorBody),
        (status = 409, description = "这一阶段已评价过（already_rated）或还没到（not_ratable）", body = ErrorBody),
        (status = 413, response = inline(TooLarge)),
        (status = 422, response = inline(Invalid)),
        (status = 500, response = inline(Internal)),
    )
)]
pub async fn rate_case(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<RatingBody>,
) -> ApiResult {
    let number = parse_case_number(&number)?;
    let stage = Stage::parse(&body.stage).filter(|stage| *stage != Stage::Window).ok_or_else(|| {
        Error::Validation(FieldErrors::single("stage", "stage 应为 acceptance（受理后）或 conclusion（办结后）"))
    })?;
    let input = RatingInput { level: body.level, indicators: body.indicators, comment: body.comment };
    let id = onetrip_app::ratings::rate_from_system(&state.app, &staff.actor, &number, stage, &input).await?;
    Ok((StatusCode::CREATED, Json(RatingCreated { id })).into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonthQuery {
    /// 月份 YYYY-MM；不填为本月
    #[serde(default)]
    #[param(pattern = "^[0-9]{4}-[0-9]{2}$")]
    month: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RatingFiguresBody {
    /// 部门代码；全中心合计时为空
    department: String,
    department_name: String,
    /// 事项编码；部门或全中心合计时为空
    matter_code: String,
    matter_name: String,
    /// 计入统计的评价数（不含剔除的）
    rated: u64,
    /// 各等级的评价数，依次为 1（非常不满意）到 5（非常满意）
    levels: Vec<u64>,
    good: u64,
    neutral: u64,
    bad: u64,
    /// 逾期未评、默认基本满意的条数（已计入 neutral）
    defaulted: u64,
    /// 经申诉复核剔除的条数
    excluded: u64,
    /// 好评率 0–1；没有评价时为 null
    good_rate: Option<f64>,
    /// 主动评价率 0–1
    active_rate: Option<f64>,
    /// 实名差评回访率 0–1；没有差评时为 null
    callback_rate: Option<f64>,
    /// 差评整改率 0–1
    rectify_rate: Option<f64>,
    /// 整改按期率 0–1
    in_time_rate: Option<f64>,
}

impl From<&RatingFigures> for RatingFiguresBody {
    fn from(figures: &RatingFigures) -> Self {
        Self {
            department: figures.department.clone(),
            department_name: figures.department_name.clone(),
            matter_code: figures.matter_code.clone(),
            matter_name: figures.matter_name.clone(),
            rated: figures.rated(),
            levels: figures.levels.to_vec(),
            good: figures.good(),
            neutral: figures.neutral(),
            bad: figures.bad(),
            defaulted: figures.defaulted,
            excluded: figures.excluded,
            good_rate: figures.good_rate(),
            active_rate: figures.active_rate(),
            callback_rate: figures.callback_rate(),
            rectify_rate: figures.rectify_rate(),
            in_time_rate: figures.in_time_rate(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DisclosureBody {
    month: String,
    total: RatingFiguresBody,
    departments: Vec<RatingFiguresBody>,
    matters: Vec<RatingFiguresBody>,
}

/// `GET /api/v1/ratings/disclosure?month=`: a month's public figures.
#[utoipa::path(get, path = "/ratings/disclosure", tag = "好差评", params(MonthQuery),
    summary = "某月好差评公开数据：按部门、按事项和全中心",
    responses(
        (status = 200, description = "该月的统计", body = DisclosureBody),
        (status = 400, response = inline(BadParameter)),
        (status = 422, description = "月份格式不对", body = ErrorBody),
        (status = 500, response = inline(Internal)),
    )
)]
pub async fn disclosure(State(state): State<AppState>, Query(query): Query<MonthQuery>) -> ApiResult {
    // Absent: this month. Present, it must be a month (an empty value is not one).
    let month = match query.month.as_deref() {
        None => "",
        Some(month) => {
            figures::parse_month(month)?;
            month
        }
    };
    let disclosure = figures::disclosure(&state.app, month).await?;
    Ok(Json(DisclosureBody {
        month: disclosure.month.clone(),
        total: RatingFiguresBody::from(&disclosure.total),
        departments: disclosure.departments.iter().map(RatingFiguresBody::from).collect(),
        matters: disclosure.matters.iter().map(RatingFiguresBody::from).collect(),
    })
    .into_response())
}
