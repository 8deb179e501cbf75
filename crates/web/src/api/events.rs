//! Departmental systems in the API (ADR 0021): the event feed in order, webhook subscriptions with their
//! replay and dead letters, the system's own key replaced, and its own case numbers attached to cases.

use super::responses::{
    BadInput, BadJson, BadParameter, Forbidden, Internal, Invalid, Refused, TooLarge, Unauthenticated,
};
use super::ApiResult;
use crate::error::{Error, ErrorBody};
use crate::extract::{ApiJson, ApiStaff};
use crate::links::parse_case_number;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use onetrip_app::events::{self, delivery, keys, webhooks};
use onetrip_app::records::Subscription;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// 上次处理到的事件位置（position）；从头读取用 0
    #[param(minimum = 0)]
    after: i64,
    /// 最多返回多少条，1–500，默认 100
    #[serde(default)]
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
}

/// One event, as CloudEvents 1.0 attributes with its position.
#[derive(Serialize, ToSchema)]
pub struct EventBody {
    specversion: String,
    /// 事件编号，重复推送时不变（即 webhook-id）
    id: String,
    source: String,
    /// 如 cn.onetrip.case.accept、cn.onetrip.case.review_approve、cn.onetrip.licence.issue
    #[schema(rename = "type")]
    #[serde(rename = "type")]
    kind: String,
    /// 办件编号（紧凑形式）或证照标识
    subject: String,
    time: String,
    datacontenttype: String,
    /// 在事件流中的位置：连续、不重复、不会变
    position: i64,
    department: String,
    matter_code: String,
    /// 变更的内容（动作、前后状态、角色），不含个人信息
    #[schema(value_type = Object)]
    data: serde_json::Value,
}

#[derive(Serialize, ToSchema)]
pub struct FeedBody {
    events: Vec<EventBody>,
    /// 下次读取时用作 after 的位置（没有新事件时不变）
    next_after: i64,
}

fn event_body(value: serde_json::Value) -> Result<EventBody, Error> {
    let text = |key: &str| value[key].as_str().unwrap_or_default().to_string();
    Ok(EventBody {
        specversion: text("specversion"),
        id: text("id"),
        source: text("source"),
        kind: text("type"),
        subject: text("subject"),
        time: text("time"),
        datacontenttype: text("datacontenttype"),
        position: value["position"].as_i64().ok_or_else(|| Error::Internal("event without position".to_string()))?,
        department: text("department"),
        matter_code: text("matter_code"),
        data: value["data"].clone(),
    })
}

/// `GET /api/v1/events?after=&limit=`
#[utoipa::path(get, path = "/events", tag = "部门系统", params(FeedQuery), security(("bearer" = []), ("cookie" = [])),
    summary = "按顺序读取本部门的事件（办件、审批环节、证照的每一次变更）；记下最后的 position，下次从它之后读，不漏不重",
    responses(
        (status = 200, description = "after 之后的事件，按 position 升序", body = FeedBody),
        (status = 400, response = inline(BadParameter)),
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, response = inline(Forbidden)),
        (status = 422, description = "after 小于 0（validation_failed）", body = ErrorBody),
        (status = 500, response = inline(Internal)),
    )
)]
pub async fn feed(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    Query(query): Query<FeedQuery>,
) -> ApiResult {
    let events = events::feed(&state.app, &staff.actor, query.after, query.limit.unwrap_or(100)).await?;
    let next_after = events.last().map_or(query.after, |event| event.position);
    let events =
        events.iter().map(|event| event_body(delivery::envelope(&state.app, event))).collect::<Result<Vec<_>, _>>()?;
    Ok(Json(FeedBody { events, next_after }).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SubscribeBody {
    /// 接收地址，https://（内网可以 http://），500 个字符以内
    #[schema(max_length = 500)]
    pub url: String,
    /// 从哪个位置之后开始推送；不填则只推送今后的事件
    #[serde(default)]
    #[schema(minimum = 0)]
    pub after: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct SubscriptionBody {
    id: i64,
    url: String,
    /// 已确认送达到的位置
    delivered: i64,
    /// 下一条事件已失败的次数
    attempts: u32,
    /// 最近一次失败的原因
    last_error: String,
}

impl From<&Subscription> for SubscriptionBody {
    fn from(subscription: &Subscription) -> Self {
        Self {
            id: subscription.id,
            url: subscription.url.clone(),
            delivered: subscription.delivered,
            attempts: subscription.attempts,
            last_error: subscription.last_error.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SubscribedBody {
    id: i64,
    /// 签名密钥（whsec_…），只显示这一次；按 Standard Webhooks 验证 webhook-signature
    secret: String,
}

/// `POST /api/v1/webhooks`
#[utoipa::path(post, path = "/webhooks", tag = "部门系统", security(("bearer" = []), ("cookie" = [])),
    summary = "订阅本部门事件的推送：按顺序推送，HMAC 签名（Standard Webhooks），失败按间隔重试，多次失败进入死信，可重放",
    request_body = SubscribeBody,
    responses(
        (status = 201, description = "已订阅", body = SubscribedBody),
        (status = 400, response = inline(BadJson)),
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, response = inline(Refused)),
        (status = 413, response = inline(TooLarge)),
        (status = 422, response = inline(Invalid)),
        (status = 500, response = inline(Internal)),
    )
)]
pub async fn subscribe(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    ApiJson(body): ApiJson<SubscribeBody>,
) -> ApiResult {
    let (id, secret) = webhooks::subscribe(&state.app, &staff.actor, &body.url, body.after).await?;
    Ok((StatusCode::CREATED, Json(SubscribedBody { id, secret })).into_response())
}

/// `GET /api/v1/webhooks`
#[utoipa::path(get, path = "/webhooks", tag = "部门系统", security(("bearer" = []), ("cookie" = [])),
    summary = "本系统的订阅和推送进度",
    responses(
        (status = 200, description = "订阅", body = Vec<SubscriptionBody>),
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, response = inline(Forbidden)),
        (status = 500, response = inline(Internal)),
    )
)]
pub async fn subscriptions(State(state): State<AppState>, ApiStaff(staff): ApiStaff) -> ApiResult {
    let list = webhooks::list(&state.app, &staff.actor).await?;
    Ok(Json(list.iter().map(SubscriptionBody::from).collect::<Vec<_>>()).into_response())
}

/// `DELETE /api/v1/webhooks/{id}`
#[utoipa::path(delete, path = "/webhooks/{id}", tag = "部门系统", security(("bearer" = []), ("cookie" = [])),
    summary = "取消一个订阅",
    params(("id" = i64, Path, description = "订阅编号")),
    responses(
        (status = 204, description = "已取消"),
        (status = 400, response = inline(BadParameter)),
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, response = inline(Refused)),
        (status = 404, description = "没有这个订阅（not_found）", body = ErrorBody),
        (status = 500, response = inline(Internal)),
    )
)]
pub async fn unsubscribe(State(state): State<AppState>, ApiStaff(staff): ApiStaff, Path(id): Path<i64>) -> ApiResult {
    webhooks::delete(&state.app, &staff.actor, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReplayBody {
    /// 从这个位置之后重新推送
    #[schema(minimum = 0)]
    pub after: i64,
}

/// `POST /api/v1/webhooks/{id}/replay`
#[utoipa::path(post, path = "/webhooks/{id}/replay", tag = "部门系统", security(("bearer" = []), ("cookie" = [])),
    summary = "从某个位置之后重新推送（含进入死信的事件）",
    params(("id" = i64, Path, description = "订阅编号")),
    request_body = ReplayBody,
    responses(
        (status = 200, description = "已安排重新推送", body = SubscriptionBody),
        (status = 400, response = inline(BadInput)),
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, response = inline(Refused)),
        (status = 404, description = "没有这个订阅（not_found）", body = ErrorBody),
        (status = 413, response = inline(TooLarge)),
        (status = 422, response = inline(Invalid)),
        (status = 500, response = inline(Internal)),
    )
)]
pub async fn replay(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ReplayBody>,
) -> ApiResult {
    let subscription = webhooks::replay(&state.app, &staff.actor, id, body.after).await?;
    Ok(Json(SubscriptionBody::from(&subscription)).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct DeadLetterBody {
    position: i64,
    attempts: u32,
    last_error: String,
    at: String,
}

/// `GET /api/v1/webhooks/{id}/dead-letters`
#[utoipa::path(get, path = "/webhooks/{id}/dead-letters", tag = "部门系统", security(("bearer" = []), ("cookie" = [])),
    summary = "多次推送失败、已放弃的事件（可用 replay 重新推送）",
    params(("id" = i64, Path, description = "订阅编号")),
    responses(
        (status = 200, description = "死信", body = Vec<DeadLetterBody>),
        (status = 400, response = inline(BadParameter)),
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, response = inline(Forbidden)),
        (status = 404, description = "没有这个订阅（not_found）", body = ErrorBody),
        (status = 500, response = inline(Internal)),
    )
)]
pub async fn dead_letters(State(state): State<AppState>, ApiStaff(staff): ApiStaff, Path(id): Path<i64>) -> ApiResult {
    let letters = webhooks::dead_letters(&state.app, &staff.actor, id).await?;
    let body: Vec<DeadLetterBody> = letters
        .iter()
        .map(|letter| DeadLetterBody {
            position: letter.position,
            attempts: letter.attempts,
            last_error: letter.last_error.clone(),
            at: letter.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        })
        .collect();
    Ok(Json(body).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct KeyBody {
    /// 新的 API 密钥，只显示这一次（Authorization: Bearer 密钥）
    key: String,
    /// 原来的密钥到这个时间为止仍然有效
    previous_valid_until: String,
}

/// `POST /api/v1/keys`
#[utoipa::path(post, path = "/keys", tag = "部门系统", security(("bearer" = [])),
    summary = "部门系统更换自己的 API 密钥；原密钥 24 小时内仍可用，便于切换",
    responses(
        (status = 201, description = "新密钥", body = KeyBody),
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, response = inline(Refused)),
        (status = 500, response = inline(Internal)),
    )
)]
pub async fn rotate_key(State(state): State<AppState>, ApiStaff(staff): ApiStaff) -> ApiResult {
    let (key, until) = keys::rotate_own(&state.app, &staff.actor).await?;
    let previous_valid_until = until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    Ok((StatusCode::CREATED, Json(KeyBody { key, previous_valid_until })).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReferenceBody {
    /// 部门系统自己的办件编号，1–64 个字符（字母、数字、- _ . /）
    #[schema(min_length = 1, max_length = 64)]
    pub reference: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReferenceAnswer {
    /// Onetrip 的办件编号
    number: String,
    system: String,
    reference: String,
}

/// `PUT /api/v1/cases/{number}/external-reference`
#[utoipa::path(put, path = "/cases/{number}/external-reference", tag = "部门系统", security(("bearer" = [])),
    summary = "部门系统登记自己的办件编号，此后可以按它查到办件",
    params(("number" = String, Path, description = "办件编号")),
    request_body = ReferenceBody,
    responses(
        (status = 200, description = "已登记", body = ReferenceAnswer),
        (status = 400, response = inline(BadInput)),
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, response = inline(Refused)),
        (status = 404, description = "没有这个办件，或不是本部门的（not_found）", body = ErrorBody),
        (status = 409, description = "这个编号已经对应另一个办件（already_exists）", body = ErrorBody),
        (status = 413, response = inline(TooLarge)),
        (status = 422, response = inline(Invalid)),
        (status = 500, response = inline(Internal)),
    )
)]
pub async fn set_reference(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<ReferenceBody>,
) -> ApiResult {
    let number = parse_case_number(&number)?;
    let system = events::references::set(&state.app, &staff.actor, &number, &body.reference).await?;
    Ok(Json(ReferenceAnswer { number: number.to_string(), system, reference: body.reference.trim().to_string() })
        .into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReferenceQuery {
    /// 本系统的办件编号
    reference: String,
}

/// `GET /api/v1/cases/by-reference?reference=`
#[utoipa::path(get, path = "/cases/by-reference", tag = "部门系统", params(ReferenceQuery), security(("bearer" = [])),
    summary = "按本部门系统的办件编号查 Onetrip 的办件编号",
    responses(
        (status = 200, description = "对应的办件", body = ReferenceAnswer),
        (status = 400, response = inline(BadParameter)),
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, response = inline(Forbidden)),
        (status = 404, description = "没有登记过这个编号（not_found）", body = ErrorBody),
        (status = 500, response = inline(Internal)),
    )
)]
pub async fn by_reference(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    Query(query): Query<ReferenceQuery>,
) -> ApiResult {
    let (number, system) = events::references::find(&state.app, &staff.actor, &query.reference).await?;
    Ok(Json(ReferenceAnswer { number: number.to_string(), system, reference: query.reference.trim().to_string() })
        .into_response())
}
