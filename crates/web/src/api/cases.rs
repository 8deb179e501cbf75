//! Cases in the API, for departmental systems and window software: registering (idempotent), reading a
//! case and its files, every decision (acceptance, review, the clock, supervision orders, delivery), a
//! reviewer's inbox, and the public progress lookup. Each write answers with the case as it is afterwards.

use super::responses::Unauthenticated;
use super::responses::{one_of, BadInput, BadJson, BadParameter, Forbidden, Internal, Invalid, Refused, TooLarge};
use super::types::{ApiCase, ApiProgress};
use super::ApiResult;
use crate::error::ErrorBody;
use crate::extract::{ApiJson, ApiStaff};
use crate::links::parse_case_number;
use crate::staff::cases::notices::staff_case_file;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use onetrip_app::cases::{self, ApplicantInput, Attachment, SubmitCase};
use onetrip_domain::acceptance::{MaterialProblem, Supplied};
use onetrip_domain::case::{CaseAction, OrderRef};
use onetrip_domain::review::ReviewAction;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

fn applicant_kinds() -> utoipa::openapi::schema::Object {
    one_of(&["natural_person", "legal_person"])
}

/// The applicant as a request names them.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ApplicantBody {
    /// natural_person（自然人，证件为身份证）或 legal_person（法人，证件为统一社会信用代码）
    #[schema(schema_with = applicant_kinds)]
    pub kind: String,
    /// 身份证号或统一社会信用代码：18 位，末位为校验码
    #[schema(min_length = 18, max_length = 18, pattern = "^[0-9A-Za-z]{18}$")]
    pub id_number: String,
    /// 姓名或单位名称：1 到 100 个字，不含控制字符和改变文字方向的字符，不以 = + - @ 开头
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// 11 位手机号，或带区号的固定电话（如 0906-2123456）
    #[schema(min_length = 10, max_length = 14, pattern = "^[0-9][0-9 -]{9,13}$")]
    pub phone: String,
}

/// One electronic material, its content in base64.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct AttachmentBody {
    /// 材料在清单中的位置
    pub material: usize,
    /// 文件名：1 到 255 个字，不含控制字符和改变文字方向的字符
    #[schema(min_length = 1, max_length = 255)]
    pub name: String,
    pub content_base64: String,
}

/// An application registered by a window's software or sent by a departmental system.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SubmitCaseBody {
    #[schema(min_length = 1, max_length = 36)]
    pub matter_code: String,
    pub applicant: ApplicantBody,
    /// 按事项材料清单顺序，每份材料的提交情况
    #[serde(default)]
    pub supplied: Vec<Supplied>,
    /// 电子材料（PDF、JPG、PNG，每个不超过 5 MB，按内容判断类型）
    #[serde(default)]
    #[schema(max_items = 20)]
    pub attachments: Vec<AttachmentBody>,
}

async fn answer(state: &AppState, acted: cases::Acted) -> ApiResult {
    let applicant = cases::applicant_of(&state.app, &acted.case).await?;
    Ok(Json(ApiCase::of(state, &acted.case, applicant.as_ref())).into_response())
}

/// `POST /api/v1/cases`: registers an application; `Idempotency-Key` makes a retry return the first case.
#[utoipa::path(post, path = "/cases", tag = "办件", security(("bearer" = []), ("cookie" = [])),
    summary = "登记办件（窗口收件或部门系统报送）；带 Idempotency-Key 请求头时，重试不会生成第二个办件",
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, min_length = 1, max_length = 100, description = "幂等键，1 到 100 个字符")),
    request_body = SubmitCaseBody,
    responses(
        (status = 201, description = "新办件", body = ApiCase),
        (status = 200, description = "同一 Idempotency-Key 已登记过的办件", body = ApiCase),
        (status = 400, response = inline(BadJson)),
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, response = inline(Refused)),
        (status = 413, response = inline(TooLarge)),
        (status = 422, description = "字段校验失败（validation_failed，fields 中逐项说明，例如部门窗口登记别的部门的事项），或 Idempotency-Key 已用于另一份不同的申请（idempotency_key_reused，什么都没有登记）", body = ErrorBody),
        (status = 500, response = inline(Internal)),
    )
)]
pub async fn submit_case(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SubmitCaseBody>,
) -> ApiResult {
    let key = headers.get("idempotency-key").and_then(|value| value.to_str().ok()).map(str::trim);
    let request = SubmitCase {
        matter_code: body.matter_code,
        applicant: ApplicantInput {
            kind: body.applicant.kind,
            id_number: body.applicant.id_number,
            name: body.applicant.name,
            phone: body.applicant.phone,
        },
        supplied: body.supplied,
        // Taking a material from its source needs the applicant's consent in person: not through the API.
        shared: Vec::new(),
        attachments: body
            .attachments
            .into_iter()
            .map(|attachment| Attachment {
                material: attachment.material,
                name: attachment.name,
                content_base64: attachment.content_base64,
            })
            .collect(),
    };
    let (case, created) = cases::submit(&state.app, &staff.actor, request, key).await?;
    let applicant = cases::applicant_of(&state.app, &case).await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(ApiCase::of(&state, &case, applicant.as_ref()))).into_response())
}

/// `GET /api/v1/cases/{number}`: managers and general windows see any case, a department's window and
/// reviewers their department's (and reviewers the cases they have a step in).
#[utoipa::path(get, path = "/cases/{number}", tag = "办件", security(("bearer" = []), ("cookie" = [])),
    summary = "办件详情（申请人证件号已遮挡），含全部事件与到现场次数；窗口与管理员可看全部，审查人员只看本部门",
    params(("number" = String, Path, description = "办件编号，例如 20261127-000017-1")),
    responses(
        (status = 200, description = "办件", body = ApiCase),
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, response = inline(Forbidden)),
        (status = 404, description = "没有这个办件", body = ErrorBody),
        (status = 500, response = inline(Internal)),
    )
)]
pub async fn case(State(state): State<AppState>, ApiStaff(staff): ApiStaff, Path(number): Path<String>) -> ApiResult {
    let number = parse_case_number(&number)?;
    let details = cases::details(&state.app, &staff.actor, &number).await?;
    Ok(Json(ApiCase::detailed(&state, &details)).into_response())
}

/// `GET /api/v1/cases/{number}/files/{id}`: a material of a case the caller may see, as uploaded.
#[utoipa::path(get, path = "/cases/{number}/files/{id}", tag = "办件", security(("bearer" = []), ("cookie" = [])),
    summary = "办件的一份电子材料（原样返回，类型见 Content-Type）；文件编号见办件的 files，能看办件的才能取",
    params(("number" = String, Path, description = "办件编号"), ("id" = String, Path, description = "文件编号")),
    responses(
        (status = 200, description = "文件内容", content(("application/pdf"), ("image/jpeg"), ("image/png"))),
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, response = inline(Forbidden)),
        (status = 404, description = "没有这个办件或文件", body = ErrorBody),
        (status = 500, response = inline(Internal)),
    )
)]
pub async fn case_file(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    Path((number, id)): Path<(String, String)>,
) -> ApiResult {
    Ok(staff_case_file(&state, &staff, &number, &id).await?)
}

/// What a window decides on a received case.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case", tag = "decision")]
pub enum AcceptanceDecision {
    /// 一次性告知补正：所交材料的全部问题，以及手工记下的问题
    CorrectionNotice {
        supplied: Vec<Supplied>,
        #[serde(default)]
        notes: Vec<MaterialProblem>,
        /// 第二次补正须由负责人签批并写明原因
        #[serde(default)]
        supervisor_reason: Option<String>,
    },
    /// 补正材料已收
    Corrected { supplied: Vec<Supplied> },
    /// 受理
    Accept { supplied: Vec<Supplied> },
    /// 不予受理
    Refuse {
        /// 不予受理的理由（必填）
        #[schema(min_length = 1, max_length = 2000)]
        reasons: String,
    },
}

#[derive(Deserialize, ToSchema)]
pub struct AcceptanceBody {
    #[serde(flatten)]
    decision: AcceptanceDecision,
    /// 读到的办件修订号；办件已被他人改过时答复 409（revision_changed）
    #[serde(default)]
    expected_revision: Option<i64>,
}

/// `POST /api/v1/cases/{number}/acceptance`: `correction_notice`, `corrected`, `accept` or `refuse`.
#[utoipa::path(post, path = "/cases/{number}/acceptance", tag = "办件", security(("bearer" = []), ("cookie" = [])),
    summary = "窗口的受理决定：correction_notice（一次性告知补正）、corrected（补正材料已收）、accept（受理）、refuse（不予受理）",
    params(("number" = String, Path, description = "办件编号"), ("Idempotency-Key" = Option<String>, Header, nullable = false, min_length = 1, max_length = 100, description = "幂等键：网络重试时带同一个键，不会重复办理；同一个键用于另一个请求时答复 422 idempotency_key_reused")),
    request_body = AcceptanceBody,
    responses(
        (status = 200, description = "办件", body = ApiCase),
        (status = 400, response = inline(BadJson)),
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, response = inline(Refused)),
        (status = 404, description = "没有这个办件", body = ErrorBody),
        (status = 409, description = "办件状态不允许此操作（case_not_in_state），或已被他人处理（revision_changed）", body = ErrorBody),
        (status = 413, response = inline(TooLarge)),
        (status = 422, response = inline(Invalid)),
        (status = 500, response = inline(Internal)),
    )
)]
pub async fn case_acceptance(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    Path(number): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<AcceptanceBody>,
) -> ApiResult {
    let number = parse_case_number(&number)?;
    let revision = body.expected_revision;
    let action = match body.decision {
        AcceptanceDecision::CorrectionNotice { supplied, notes, supervisor_reason } => {
            CaseAction::RequestCorrection { supplied, notes, supervisor_reason }
        }
        AcceptanceDecision::Corrected { supplied } => CaseAction::RecordCorrection { supplied },
        AcceptanceDecision::Accept { supplied } => CaseAction::Accept { supplied },
        AcceptanceDecision::Refuse { reasons } => CaseAction::RefuseToAccept { reasons },
    };
    let what = format!("{action:?}");
    let key = idempotency_key(&headers);
    let acted =
        cases::act_once(&state.app, &staff.actor, &number, action, revision, key.map(|key| (key, what.as_str())))
            .await?;
    answer(&state, acted).await
}

/// What a reviewer does with one task of a case; `task` is its place in `review.tasks`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum ReviewBody {
    /// 通过
    Approve { task: usize },
    /// 建议作出不予决定
    ProposeRefusal {
        task: usize,
        #[schema(min_length = 1, max_length = 2000)]
        reason: String,
    },
    /// 退回到更早阶段
    Return {
        task: usize,
        #[schema(minimum = 0, maximum = 65535)]
        to_stage: u16,
        #[schema(min_length = 1, max_length = 2000)]
        reason: String,
    },
    /// 决定环节作出准予或不予决定
    Decide {
        task: usize,
        granted: bool,
        #[serde(default)]
        reasons: String,
    },
}

/// The request's `Idempotency-Key`, if it has one that reads as text.
fn idempotency_key(headers: &HeaderMap) -> Option<&str> {
    headers.get("idempotency-key").and_then(|value| value.to_str().ok())
}

/// `POST /api/v1/cases/{number}/review`: a reviewer approves, returns, proposes refusal or decides.
#[utoipa::path(post, path = "/cases/{number}/review", tag = "办件", security(("bearer" = []), ("cookie" = [])),
    summary = "审查人员办理本部门的环节：approve（通过）、propose_refusal（建议作出不予决定）、return（退回到更早阶段）、decide（决定环节作出准予或不予决定）",
    params(("number" = String, Path, description = "办件编号"), ("Idempotency-Key" = Option<String>, Header, nullable = false, min_length = 1, max_length = 100, description = "幂等键：网络重试时带同一个键，不会重复办理；同一个键用于另一个请求时答复 422 idempotency_key_reused")),
    request_body = ReviewBody,
    responses(
        (status = 200, description = "办件", body = ApiCase),
        (status = 400, response = inline(BadJson)),
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, response = inline(Refused)),
        (status = 404, description = "没有这个办件或环节", body = ErrorBody),
        (status = 409, description = "环节尚未轮到或已被办理（task_not_open）、已会签（already_signed）、办件不在审查中（case_not_in_state）", body = ErrorBody),
        (status = 413, response = inline(TooLarge)),
        (status = 422, response = inline(Invalid)),
        (status = 500, response = inline(Internal)),
    )
)]
pub async fn case_review(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    Path(number): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ReviewBody>,
) -> ApiResult {
    let number = parse_case_number(&number)?;
    let action = match body {
        ReviewBody::Approve { task } => ReviewAction::Approve { task },
        ReviewBody::ProposeRefusal { task, reason } => ReviewAction::ProposeRefusal { task, reason },
        ReviewBody::Return { task, to_stage, reason } => ReviewAction::Return { task, to_stage, reason },
        ReviewBody::Decide { task, granted, reasons } => ReviewAction::Decide { task, granted, reasons },
    };
    let action = CaseAction::Review(action);
    let what = format!("{action:?}");
    let key = idempotency_key(&headers);
    let acted =
        cases::act_once(&state.app, &staff.actor, &number, action, None, key.map(|key| (key, what.as_str()))).await?;
    answer(&state, acted).await
}

/// A change of a case's clock.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum ClockBody {
    /// 特别程序开始，暂停计时
    Pause {
        /// 特别程序名称，如 听证、专家评审、检验检测、鉴定
        #[schema(min_length = 1, max_length = 100)]
        procedure: String,
        #[schema(min_length = 1, max_length = 2000)]
        reason: String,
    },
    /// 特别程序结束，恢复计时
    Resume,
    /// 延长办理时限，须大厅负责人批准
    Extend {
        #[schema(minimum = 1, maximum = 30)]
        working_days: u32,
        reason: String,
    },
}

/// `POST /api/v1/cases/{number}/clock`: a special procedure starts (`pause`) or ends (`resume`), or a
/// manager extends the limit (`extend`).
#[utoipa::path(post, path = "/cases/{number}/clock", tag = "办件", security(("bearer" = []), ("cookie" = [])),
    summary = "计时：pause（特别程序开始，暂停计时；本部门或大厅负责人）、resume（特别程序结束，恢复计时）、extend（延长办理时限，须大厅负责人批准）；每次都会通知申请人",
    params(("number" = String, Path, description = "办件编号"), ("Idempotency-Key" = Option<String>, Header, nullable = false, min_length = 1, max_length = 100, description = "幂等键：网络重试时带同一个键，不会重复办理；同一个键用于另一个请求时答复 422 idempotency_key_reused")),
    request_body = ClockBody,
    responses(
        (status = 200, description = "办件", body = ApiCase),
        (status = 400, response = inline(BadJson)),
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, response = inline(Refused)),
        (status = 404, description = "没有这个办件", body = ErrorBody),
        (status = 409, description = "办件不在审查中（case_not_in_state），或已暂停（clock_paused）/未暂停（clock_not_paused）", body = ErrorBody),
        (status = 413, response = inline(TooLarge)),
        (status = 422, response = inline(Invalid)),
        (status = 500, response = inline(Internal)),
    )
)]
pub async fn case_clock(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    Path(number): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ClockBody>,
) -> ApiResult {
    let number = parse_case_number(&number)?;
    let action = match body {
        ClockBody::Pause { procedure, reason } => CaseAction::Pause { procedure, reason },
        ClockBody::Resume => CaseAction::Resume,
        ClockBody::Extend { working_days, reason } => CaseAction::Extend { working_days, reason },
    };
    let what = format!("{action:?}");
    let key = idempotency_key(&headers);
    let acted =
        cases::act_once(&state.app, &staff.actor, &number, action, None, key.map(|key| (key, what.as_str()))).await?;
    answer(&state, acted).await
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct OrderBody {
    /// 督办要求：2 到 500 个字
    #[schema(min_length = 2, max_length = 500)]
    pub instruction: String,
    /// 回复期限：60 天内的一个工作日，当天下班前回复
    #[schema(format = Date)]
    pub deadline: String,
}

/// The supervision order just issued.
#[derive(Serialize, ToSchema)]
pub struct IssuedOrder {
    /// 督办单编号
    id: i64,
}

/// `POST /api/v1/cases/{number}/orders`: a manager issues a supervision order (督办).
#[utoipa::path(post, path = "/cases/{number}/orders", tag = "办件", security(("bearer" = []), ("cookie" = [])),
    summary = "下达督办（大厅负责人）：督办要求和回复期限（工作日，60 天内），发给办件最紧急环节的责任部门",
    params(("number" = String, Path, description = "办件编号")),
    request_body = OrderBody,
    responses(
        (status = 201, description = "督办单", body = IssuedOrder),
        (status = 400, response = inline(BadJson)),
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, response = inline(Refused)),
        (status = 404, description = "没有这个办件", body = ErrorBody),
        (status = 409, description = "办件已办结（case_not_in_state）", body = ErrorBody),
        (status = 413, response = inline(TooLarge)),
        (status = 422, response = inline(Invalid)),
        (status = 500, response = inline(Internal)),
    )
)]
pub async fn case_order(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<OrderBody>,
) -> ApiResult {
    let number = parse_case_number(&number)?;
    let action = CaseAction::IssueOrder { instruction: body.instruction, deadline: body.deadline };
    let acted = cases::act(&state.app, &staff.actor, &number, action, None).await?;
    Ok((StatusCode::CREATED, Json(IssuedOrder { id: acted.order.unwrap_or_default() })).into_response())
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct AnswerBody {
    /// 回复：2 到 1000 个字
    #[schema(min_length = 2, max_length = 1000)]
    pub answer: String,
}

/// `POST /api/v1/cases/{number}/orders/{id}/answer`: the responsible department answers an order.
#[utoipa::path(post, path = "/cases/{number}/orders/{id}/answer", tag = "办件", security(("bearer" = []), ("cookie" = [])),
    summary = "责任部门回复督办",
    params(("number" = String, Path, description = "办件编号"), ("id" = i64, Path, description = "督办单编号")),
    request_body = AnswerBody,
    responses(
        (status = 204, description = "已回复"),
        (status = 400, response = inline(BadInput)),
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, response = inline(Refused)),
        (status = 404, description = "没有这个办件或督办单", body = ErrorBody),
        (status = 409, description = "已经回复过（already_answered）", body = ErrorBody),
        (status = 413, response = inline(TooLarge)),
        (status = 422, response = inline(Invalid)),
        (status = 500, response = inline(Internal)),
    )
)]
pub async fn case_order_answer(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    Path((number, id)): Path<(String, i64)>,
    ApiJson(body): ApiJson<AnswerBody>,
) -> ApiResult {
    let number = parse_case_number(&number)?;
    let order = OrderRef { id, department: String::new(), answered: false };
    cases::act(&state.app, &staff.actor, &number, CaseAction::AnswerOrder { order, answer: body.answer }, None).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn delivery_methods() -> utoipa::openapi::schema::Object {
    one_of(&["pickup", "post", "online"])
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct DeliveryBody {
    /// pickup（窗口领取，记一次到现场）、post（邮寄，须填邮件号）或 online（网上下载）
    #[schema(schema_with = delivery_methods)]
    pub method: String,
    #[serde(default)]
    pub tracking_number: String,
}

/// `POST /api/v1/cases/{number}/delivery`: the window records how the result reached the applicant.
#[utoipa::path(post, path = "/cases/{number}/delivery", tag = "办件", security(("bearer" = []), ("cookie" = [])),
    summary = "送达结果：pickup（窗口领取，记一次到现场）、post（邮寄，须填邮件号）、online（网上下载）",
    params(("number" = String, Path, description = "办件编号"), ("Idempotency-Key" = Option<String>, Header, nullable = false, min_length = 1, max_length = 100, description = "幂等键：网络重试时带同一个键，不会重复办理；同一个键用于另一个请求时答复 422 idempotency_key_reused")),
    request_body = DeliveryBody,
    responses(
        (status = 200, description = "办件", body = ApiCase),
        (status = 400, response = inline(BadJson)),
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, response = inline(Refused)),
        (status = 404, description = "没有这个办件", body = ErrorBody),
        (status = 409, description = "办件还没有可送达的结果（case_not_in_state）", body = ErrorBody),
        (status = 413, response = inline(TooLarge)),
        (status = 422, response = inline(Invalid)),
        (status = 500, response = inline(Internal)),
    )
)]
pub async fn case_delivery(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    Path(number): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<DeliveryBody>,
) -> ApiResult {
    let number = parse_case_number(&number)?;
    let action = CaseAction::Deliver { method: body.method, tracking_number: body.tracking_number };
    let what = format!("{action:?}");
    let key = idempotency_key(&headers);
    let acted =
        cases::act_once(&state.app, &staff.actor, &number, action, None, key.map(|key| (key, what.as_str()))).await?;
    answer(&state, acted).await
}

/// A reviewer's open tasks.
#[derive(Serialize, ToSchema)]
pub struct Inbox {
    /// 审查人员所在部门
    department: String,
    items: Vec<InboxItem>,
}

#[derive(Serialize, ToSchema)]
pub struct InboxItem {
    case_number: String,
    /// 环节在办件 review.tasks 中的位置
    task: u32,
    name: String,
    matter_code: String,
    #[schema(format = DateTime)]
    due_at: Option<String>,
}

/// `GET /api/v1/inbox`: the open review tasks of the reviewer's department, the soonest due first.
#[utoipa::path(get, path = "/inbox", tag = "办件", security(("bearer" = []), ("cookie" = [])),
    summary = "审查人员的待办：本部门已开启的环节，按到期时间先后",
    responses(
        (status = 200, description = "待办", body = Inbox),
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, description = "不是审查人员或未归属部门（forbidden）", body = ErrorBody),
        (status = 500, response = inline(Internal)),
    )
)]
pub async fn inbox(State(state): State<AppState>, ApiStaff(staff): ApiStaff) -> ApiResult {
    let (department, items) = cases::inbox(&state.app, &staff.actor, 200).await?;
    let items = items
        .into_iter()
        .map(|item| InboxItem {
            case_number: item.case_number.to_string(),
            task: item.task,
            name: item.name,
            matter_code: item.matter_code,
            due_at: item.due_at.map(|due| state.local(due).to_rfc3339()),
        })
        .collect();
    Ok(Json(Inbox { department, items }).into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProgressQuery {
    /// 办件编号
    #[serde(default)]
    #[param(required = true, min_length = 15)]
    number: String,
    /// 申请人证件号后四位
    #[serde(default)]
    #[param(required = true, pattern = "^[0-9]{3}[0-9Xx]$")]
    last_four: String,
}

/// `GET /api/v1/progress?number=&last_four=`: a case's progress for anyone who has both.
#[utoipa::path(get, path = "/progress", tag = "办件", params(ProgressQuery),
    summary = "公开查询办件进度：办件编号加申请人证件号后四位；不显示任何个人信息",
    responses(
        (status = 200, description = "进度", body = ApiProgress),
        (status = 400, response = inline(BadParameter)),
        (status = 404, description = "编号与后四位不相符", body = ErrorBody),
        (status = 422, description = "编号格式不对", body = ErrorBody),
        (status = 429, description = "查询失败次数过多（too_many_attempts）：同一编号或同一地址失败 5 次以后，每次再试须等待的时间加倍；Retry-After 响应头给出秒数", body = ErrorBody,
            headers(("Retry-After" = u64, description = "再试前须等待的秒数"))),
        (status = 500, response = inline(Internal)),
    )
)]
pub async fn progress(
    State(state): State<AppState>,
    address: crate::extract::ClientAddress,
    Query(query): Query<ProgressQuery>,
) -> ApiResult {
    let progress = cases::progress(&state.app, &query.number, &query.last_four, &address.0).await?;
    Ok(Json(ApiProgress::of(&state, &progress)).into_response())
}
