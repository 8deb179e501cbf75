//! Cases in the API, for departmental systems and window software: registering (idempotent), reading a
//! case and its files, every decision (acceptance, review, the clock, supervision orders, delivery), a
//! reviewer's inbox, and the public progress lookup. Each write answers with the case as it is afterwards.

use super::types::{ApiCase, ApiProgress};
use super::ApiResult;
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
use serde::Deserialize;
use serde_json::{json, Value};

/// The applicant as a request names them.
#[derive(Debug, Clone, Deserialize)]
pub struct ApplicantBody {
    pub kind: String,
    pub id_number: String,
    pub name: String,
    pub phone: String,
}

/// One electronic material, its content in base64.
#[derive(Debug, Clone, Deserialize)]
pub struct AttachmentBody {
    /// Position of the material in the matter's list.
    pub material: usize,
    pub name: String,
    pub content_base64: String,
}

/// An application registered by a window's software or sent by a departmental system.
#[derive(Debug, Clone, Deserialize)]
pub struct SubmitCaseBody {
    pub matter_code: String,
    pub applicant: ApplicantBody,
    #[serde(default)]
    pub supplied: Vec<Supplied>,
    #[serde(default)]
    pub attachments: Vec<AttachmentBody>,
}

async fn answer(state: &AppState, acted: cases::Acted) -> ApiResult {
    let applicant = cases::applicant_of(&state.app, &acted.case).await?;
    Ok(Json(ApiCase::of(state, &acted.case, applicant.as_ref())).into_response())
}

/// `POST /api/v1/cases`: registers an application; `Idempotency-Key` makes a retry return the first case.
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
pub async fn case(State(state): State<AppState>, ApiStaff(staff): ApiStaff, Path(number): Path<String>) -> ApiResult {
    let number = parse_case_number(&number)?;
    let details = cases::details(&state.app, &staff.actor, &number).await?;
    Ok(Json(ApiCase::detailed(&state, &details)).into_response())
}

/// `GET /api/v1/cases/{number}/files/{id}`: a material of a case the caller may see, as uploaded.
pub async fn case_file(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    Path((number, id)): Path<(String, String)>,
) -> ApiResult {
    Ok(staff_case_file(&state, &staff, &number, &id).await?)
}

/// What a window decides on a received case.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", tag = "decision")]
pub enum AcceptanceDecision {
    /// Issue the one correction notice: every problem of what was supplied, and any noted by hand.
    CorrectionNotice {
        supplied: Vec<Supplied>,
        #[serde(default)]
        notes: Vec<MaterialProblem>,
        #[serde(default)]
        supervisor_reason: Option<String>,
    },
    /// The applicant brought what the notice asked for.
    Corrected {
        supplied: Vec<Supplied>,
    },
    Accept {
        supplied: Vec<Supplied>,
    },
    Refuse {
        reasons: String,
    },
}

#[derive(Deserialize)]
pub struct AcceptanceBody {
    #[serde(flatten)]
    decision: AcceptanceDecision,
    #[serde(default)]
    expected_revision: Option<i64>,
}

/// `POST /api/v1/cases/{number}/acceptance`: `correction_notice`, `corrected`, `accept` or `refuse`.
pub async fn case_acceptance(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<AcceptanceBody>,
) -> ApiResult {
    let number = parse_case_number(&number)?;
    let action = match body.decision {
        AcceptanceDecision::CorrectionNotice { supplied, notes, supervisor_reason } => {
            CaseAction::RequestCorrection { supplied, notes, supervisor_reason }
        }
        AcceptanceDecision::Corrected { supplied } => CaseAction::RecordCorrection { supplied },
        AcceptanceDecision::Accept { supplied } => CaseAction::Accept { supplied },
        AcceptanceDecision::Refuse { reasons } => CaseAction::RefuseToAccept { reasons },
    };
    let acted = cases::act(&state.app, &staff.actor, &number, action, body.expected_revision).await?;
    answer(&state, acted).await
}

/// What a reviewer does with one task of a case.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum ReviewBody {
    Approve {
        task: usize,
    },
    ProposeRefusal {
        task: usize,
        reason: String,
    },
    Return {
        task: usize,
        to_stage: u16,
        reason: String,
    },
    Decide {
        task: usize,
        granted: bool,
        #[serde(default)]
        reasons: String,
    },
}

/// `POST /api/v1/cases/{number}/review`: a reviewer approves, returns, proposes refusal or decides.
pub async fn case_review(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<ReviewBody>,
) -> ApiResult {
    let number = parse_case_number(&number)?;
    let action = match body {
        ReviewBody::Approve { task } => ReviewAction::Approve { task },
        ReviewBody::ProposeRefusal { task, reason } => ReviewAction::ProposeRefusal { task, reason },
        ReviewBody::Return { task, to_stage, reason } => ReviewAction::Return { task, to_stage, reason },
        ReviewBody::Decide { task, granted, reasons } => ReviewAction::Decide { task, granted, reasons },
    };
    let acted = cases::act(&state.app, &staff.actor, &number, CaseAction::Review(action), None).await?;
    answer(&state, acted).await
}

/// A change of a case's clock.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum ClockBody {
    Pause { procedure: String, reason: String },
    Resume,
    Extend { working_days: u32, reason: String },
}

/// `POST /api/v1/cases/{number}/clock`: a special procedure starts (`pause`) or ends (`resume`), or a
/// manager extends the limit (`extend`).
pub async fn case_clock(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<ClockBody>,
) -> ApiResult {
    let number = parse_case_number(&number)?;
    let action = match body {
        ClockBody::Pause { procedure, reason } => CaseAction::Pause { procedure, reason },
        ClockBody::Resume => CaseAction::Resume,
        ClockBody::Extend { working_days, reason } => CaseAction::Extend { working_days, reason },
    };
    let acted = cases::act(&state.app, &staff.actor, &number, action, None).await?;
    answer(&state, acted).await
}

#[derive(Debug, Clone, Deserialize)]
pub struct OrderBody {
    pub instruction: String,
    /// `YYYY-MM-DD`, a working day; the order is due at the close of office.
    pub deadline: String,
}

/// `POST /api/v1/cases/{number}/orders`: a manager issues a supervision order (督办).
pub async fn case_order(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<OrderBody>,
) -> ApiResult {
    let number = parse_case_number(&number)?;
    let action = CaseAction::IssueOrder { instruction: body.instruction, deadline: body.deadline };
    let acted = cases::act(&state.app, &staff.actor, &number, action, None).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": acted.order.unwrap_or_default() }))).into_response())
}

#[derive(Debug, Clone, Deserialize)]
pub struct AnswerBody {
    pub answer: String,
}

/// `POST /api/v1/cases/{number}/orders/{id}/answer`: the responsible department answers an order.
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

#[derive(Debug, Clone, Deserialize)]
pub struct DeliveryBody {
    /// `pickup`, `post` or `online`.
    pub method: String,
    #[serde(default)]
    pub tracking_number: String,
}

/// `POST /api/v1/cases/{number}/delivery`: the window records how the result reached the applicant.
pub async fn case_delivery(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<DeliveryBody>,
) -> ApiResult {
    let number = parse_case_number(&number)?;
    let action = CaseAction::Deliver { method: body.method, tracking_number: body.tracking_number };
    let acted = cases::act(&state.app, &staff.actor, &number, action, None).await?;
    answer(&state, acted).await
}

/// `GET /api/v1/inbox`: the open review tasks of the reviewer's department, the soonest due first.
pub async fn inbox(State(state): State<AppState>, ApiStaff(staff): ApiStaff) -> ApiResult {
    let (department, items) = cases::inbox(&state.app, &staff.actor, 200).await?;
    let items: Vec<Value> = items
        .into_iter()
        .map(|item| {
            json!({ "case_number": item.case_number.to_string(), "task": item.task, "name": item.name,
                    "matter_code": item.matter_code, "due_at": item.due_at.map(|due| state.local(due).to_rfc3339()) })
        })
        .collect();
    Ok(Json(json!({ "department": department, "items": items })).into_response())
}

#[derive(Deserialize)]
pub struct ProgressQuery {
    #[serde(default)]
    number: String,
    #[serde(default)]
    last_four: String,
}

/// `GET /api/v1/progress?number=&last_four=`: a case's progress for anyone who has both.
pub async fn progress(State(state): State<AppState>, Query(query): Query<ProgressQuery>) -> ApiResult {
    let progress = cases::progress(&state.app, &query.number, &query.last_four).await?;
    Ok(Json(ApiProgress::of(&state, &progress)).into_response())
}
