//! 电子证照 in the API: anyone verifies a licence by its identifier (what its QR code carries); the issuing
//! department's systems and staff suspend, reinstate, revoke or cancel one, with a reason.

use super::responses::{one_of, BadJson, BadParameter, Internal, Invalid, Refused, TooLarge, Unauthenticated};
use super::ApiResult;
use crate::error::{Error, ErrorBody};
use crate::extract::{ApiJson, ApiStaff};
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use axum::Json;
use onetrip_app::licences::registry::{self as licences, Outcome, PublicLicence};
use onetrip_app::records::StoredLicence;
use onetrip_domain::licence::{LicenceAction, LicenceStatus};
use onetrip_domain::FieldErrors;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VerificationQuery {
    /// 证照标识，如 1.2.156.3005.2.116543010119671377001.116543010119671377.20260000001.001.X
    id: String,
}

fn statuses() -> utoipa::openapi::schema::Object {
    one_of(&["valid", "suspended", "revoked", "cancelled", "superseded", "expired"])
}

fn outcomes() -> utoipa::openapi::schema::Object {
    one_of(&["valid", "not_in_force", "tampered"])
}

/// What anyone may see of a licence.
#[derive(Serialize, ToSchema)]
pub struct PublicLicenceBody {
    /// 证照标识
    id: String,
    /// 证照名称
    name: String,
    /// 持证主体名称
    holder_name: String,
    /// 持证主体证件号码：统一社会信用代码全文，公民身份号码只显示首尾
    holder_number: String,
    /// 发证机关
    issuer_name: String,
    /// 发证日期 YYYY-MM-DD
    issued_on: String,
    /// 有效期至 YYYY-MM-DD；长期有效时为 null
    valid_until: Option<String>,
    /// 今天的状态
    #[schema(schema_with = statuses)]
    status: String,
}

impl From<&PublicLicence> for PublicLicenceBody {
    fn from(licence: &PublicLicence) -> Self {
        Self {
            id: licence.id.clone(),
            name: licence.name.clone(),
            holder_name: licence.holder_name.clone(),
            holder_number: licence.holder_number.clone(),
            issuer_name: licence.issuer_name.clone(),
            issued_on: licence.issued_on.format("%Y-%m-%d").to_string(),
            valid_until: licence.valid_until.map(|day| day.format("%Y-%m-%d").to_string()),
            status: licence.status.code().to_string(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct VerificationBody {
    /// valid：真实且有效；not_in_force：真实但已暂扣、撤销、注销、换发或过期；tampered：签章不成立（数据或文件被改动，或不是本中心签发）
    #[schema(schema_with = outcomes)]
    outcome: String,
    /// 结论的说明
    message: String,
    licence: PublicLicenceBody,
}

/// `GET /api/v1/licences/verification?id=…`
#[utoipa::path(get, path = "/licences/verification", tag = "电子证照", params(VerificationQuery),
    summary = "按证照标识核验电子证照：签章、状态和有效期（不需要登录）",
    responses(
        (status = 200, description = "找到了这份证照；outcome 说明是否可信、是否有效", body = VerificationBody),
        (status = 400, response = inline(BadParameter)),
        (status = 404, description = "没有这个证照标识的证照（not_found）", body = ErrorBody),
        (status = 422, description = "不是一个有效的证照标识（validation_failed，fields.id 说明哪一段不对）", body = ErrorBody),
        (status = 500, response = inline(Internal)),
    )
)]
pub async fn verification(State(state): State<AppState>, Query(query): Query<VerificationQuery>) -> ApiResult {
    let verification = licences::verify(&state.app, &query.id).await?;
    match (&verification.outcome, &verification.licence) {
        (Outcome::Malformed(reason), _) => Err(Error::Validation(FieldErrors::single("id", reason.clone())).into()),
        (Outcome::NotFound, _) | (_, None) => Err(Error::NotFound("这个证照标识的证照".to_string()).into()),
        (outcome, Some(licence)) => Ok(Json(VerificationBody {
            outcome: outcome.code().to_string(),
            message: outcome.message(),
            licence: PublicLicenceBody::from(licence),
        })
        .into_response()),
    }
}

fn actions() -> utoipa::openapi::schema::Object {
    one_of(&["suspend", "reinstate", "revoke", "cancel"])
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct StatusChangeBody {
    /// 证照标识
    pub id: String,
    /// suspend（暂扣）、reinstate（恢复有效）、revoke（撤销）、cancel（注销）
    #[schema(schema_with = actions)]
    pub action: String,
    /// 理由和依据，必填，最多 500 字
    #[schema(max_length = 500)]
    pub reason: String,
    /// 证照的版本号（上次读到的 revision）；不填则以当前为准
    #[serde(default)]
    pub revision: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct LicenceStatusBody {
    id: String,
    #[schema(schema_with = statuses)]
    status: String,
    revision: i64,
}

fn status_body(stored: &StoredLicence, today: chrono::NaiveDate) -> LicenceStatusBody {
    let status: LicenceStatus = stored.licence.status_on(today);
    LicenceStatusBody {
        id: stored.licence.id.to_string(),
        status: status.code().to_string(),
        revision: stored.revision,
    }
}

/// `POST /api/v1/licences/status`
#[utoipa::path(post, path = "/licences/status", tag = "电子证照", security(("bearer" = []), ("cookie" = [])),
    summary = "发证部门暂扣、恢复、撤销或注销一份电子证照（写明理由，记入证照历史和审计日志）",
    request_body = StatusChangeBody,
    responses(
        (status = 200, description = "已变更", body = LicenceStatusBody),
        (status = 400, response = inline(BadJson)),
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, response = inline(Refused)),
        (status = 404, description = "没有这份证照（not_found）", body = ErrorBody),
        (status = 409, description = "证照现在的状态不能这样变更（licence_not_in_state），或刚被他人变更（revision_changed）", body = ErrorBody),
        (status = 413, response = inline(TooLarge)),
        (status = 422, response = inline(Invalid)),
        (status = 500, response = inline(Internal)),
    )
)]
pub async fn change_status(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    ApiJson(body): ApiJson<StatusChangeBody>,
) -> ApiResult {
    let action = LicenceAction::parse(&body.action).ok_or_else(|| {
        Error::Validation(FieldErrors::single("action", "action 应为 suspend、reinstate、revoke 或 cancel"))
    })?;
    let changed =
        licences::change(&state.app, &staff.actor, body.id.trim(), &action, &body.reason, body.revision).await?;
    Ok(Json(status_body(&changed, state.app.today())).into_response())
}
