//! The JSON API under `/api/v1/`, described by `openapi.rs`. Errors are
//! `{"error": "<stable_code>", "message": "…", "fields": {…}}`. Writes need a staff session: a bearer token
//! from `POST /api/v1/sessions`, or the browser's cookie plus the `X-CSRF-Token` header.

use crate::actions::{self, ImportFailure};
use crate::auth::{self, Staff};
use crate::error::{ApiError, Error};
use crate::pages::clip_query;
use crate::staff::{catalog_file, parse_catalog_upload, xlsx_response};
use crate::state::{AppState, SYNONYMS_SETTING};
use axum::body::Bytes;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, NaiveDate, Utc};
use onetrip_domain::calendar::DayKind;
use onetrip_domain::catalog::{Adjustment, Matter, MatterVersion};
use onetrip_domain::FieldErrors;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

type ApiResult = Result<Response, ApiError>;

/// A JSON body whose errors name the field (`matter.materials[0].necessity`) and say what is wrong.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = request
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("application/json"));
        if !is_json {
            return Err(Error::BadRequest("请求体应为 JSON，并带 Content-Type: application/json".to_string()).into());
        }
        let bytes = Bytes::from_request(request, state).await.map_err(|_| Error::PayloadTooLarge)?;
        let deserializer = &mut serde_json::Deserializer::from_slice(&bytes);
        serde_path_to_error::deserialize(deserializer).map(ApiJson).map_err(|error| {
            let path = error.path().to_string();
            let message = error.inner().to_string();
            if path == "." || path.is_empty() {
                Error::BadRequest(format!("JSON 无法解析：{message}")).into()
            } else {
                Error::Validation(FieldErrors::single(path, format!("取值不对：{message}"))).into()
            }
        })
    }
}

/// A logged-in staff member making an API request: without a session the answer is a JSON error, and a
/// state-changing request made with the browser's cookie must carry the session's `X-CSRF-Token` header
/// (a bearer token needs none: browsers never send one on their own).
pub struct ApiStaff(pub Staff);

impl axum::extract::FromRequestParts<AppState> for ApiStaff {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let staff = Staff::from_request_parts(parts, state).await?;
        if !parts.method.is_safe() {
            staff.check_csrf(parts.headers.get("x-csrf-token").and_then(|value| value.to_str().ok()))?;
        }
        Ok(ApiStaff(staff))
    }
}

#[derive(Serialize)]
struct MatterSummary<'a> {
    code: &'a str,
    name: &'a str,
    department: &'a str,
    department_name: &'a str,
    kind: &'static str,
    promised_limit: String,
    statutory_limit: String,
    trips_required: u8,
    online_depth: &'static str,
}

#[derive(Deserialize)]
pub struct MatterQuery {
    #[serde(default)]
    q: String,
    department: Option<String>,
    theme: Option<String>,
    life_event: Option<String>,
    limit: Option<usize>,
}

/// `GET /api/v1/matters`: the matters in force; with `q`, ranked by relevance.
pub async fn matters(State(state): State<AppState>, Query(query): Query<MatterQuery>) -> ApiResult {
    let catalog = state.catalog();
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    let text = clip_query(&query.q);
    let candidates: Vec<&Matter> =
        if text.is_empty() { catalog.active_matters().collect() } else { catalog.search(&text, usize::MAX) };
    let items: Vec<MatterSummary> = candidates
        .into_iter()
        .filter(|m| query.department.as_ref().is_none_or(|code| &m.department == code))
        .filter(|m| query.theme.as_ref().is_none_or(|theme| m.themes.contains(theme)))
        .filter(|m| query.life_event.as_ref().is_none_or(|event| m.life_events.contains(event)))
        .take(limit)
        .map(|m| MatterSummary {
            code: &m.code,
            name: &m.name,
            department: &m.department,
            department_name: catalog.department_name(&m.department),
            kind: m.kind.code(),
            promised_limit: m.promised_limit.to_string(),
            statutory_limit: m.statutory_limit.to_string(),
            trips_required: m.trips_required,
            online_depth: m.online_depth.code(),
        })
        .collect();
    Ok(Json(json!({ "count": items.len(), "items": items })).into_response())
}

fn version_json(version: &MatterVersion, in_force: bool) -> Value {
    json!({
        "version": version.version,
        "in_force": in_force,
        "adjustment": version.adjustment,
        "author": version.author,
        "case_kind": version.matter.case_kind_label(),
        "matter": version.matter,
    })
}

/// `GET /api/v1/matters/{code}`: the version in force, with every element.
pub async fn matter(State(state): State<AppState>, Path(code): Path<String>) -> ApiResult {
    let catalog = state.catalog();
    let version = catalog.version(&code).ok_or_else(|| Error::NotFound(format!("事项 {code}")))?;
    Ok(Json(version_json(version, true)).into_response())
}

/// `GET /api/v1/matters/{code}/versions`: the history, oldest first.
pub async fn versions(State(state): State<AppState>, Path(code): Path<String>) -> ApiResult {
    let versions = state.store.matter_versions(&code).await?;
    if versions.is_empty() {
        return Err(Error::NotFound(format!("事项 {code}")).into());
    }
    let in_force = state.catalog().version(&code).map(|version| version.version);
    let items: Vec<Value> =
        versions.iter().map(|version| version_json(version, Some(version.version) == in_force)).collect();
    Ok(Json(json!({ "code": code, "versions": items })).into_response())
}

#[derive(Deserialize)]
pub struct NewMatterBody {
    adjustment: Adjustment,
    matter: Matter,
}

/// `POST /api/v1/matters`: a new matter (its first version).
pub async fn create_matter(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    ApiJson(body): ApiJson<NewMatterBody>,
) -> ApiResult {
    let code = body.matter.code.clone();
    let version = actions::save_matter_version(&state, &staff, body.matter, body.adjustment, None).await?;
    Ok((StatusCode::CREATED, Json(json!({ "code": code, "version": version }))).into_response())
}

#[derive(Deserialize)]
pub struct MatterVersionBody {
    expected_version: u32,
    adjustment: Adjustment,
    matter: Matter,
}

/// `PUT /api/v1/matters/{code}`: a new version; `expected_version` must be the latest, or 409.
pub async fn update_matter(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<MatterVersionBody>,
) -> ApiResult {
    if body.matter.code != code {
        return Err(Error::Validation(FieldErrors::single(
            "matter.code",
            "事项编码须与地址中的编码一致；编码不能修改",
        ))
        .into());
    }
    let version =
        actions::save_matter_version(&state, &staff, body.matter, body.adjustment, Some(body.expected_version)).await?;
    Ok(Json(json!({ "code": code, "version": version })).into_response())
}

pub async fn departments(State(state): State<AppState>) -> ApiResult {
    Ok(Json(json!({ "items": state.catalog().departments })).into_response())
}

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
    DateTime::parse_from_rfc3339(value).map(|instant| instant.with_timezone(&state.config.utc_offset)).map_err(|_| {
        Error::Validation(FieldErrors::single(
            field,
            format!("“{value}”不是 RFC 3339 时间，格式如 2026-03-02T09:30:00+08:00"),
        ))
    })
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
        .and_local_timezone(state.config.utc_offset)
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

#[derive(Deserialize)]
pub struct TextBody {
    text: String,
}

/// `PUT /api/v1/calendar/notices/{year}`: loads a year's holiday notice, replacing what that year had.
pub async fn load_notice(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    Path(year): Path<i32>,
    ApiJson(body): ApiJson<TextBody>,
) -> ApiResult {
    let count = actions::load_notice(&state, &staff, year, &body.text).await?;
    Ok(Json(json!({ "year": year, "dates": count })).into_response())
}

pub async fn synonyms(State(state): State<AppState>) -> ApiResult {
    let text = state.store.setting(SYNONYMS_SETTING).await?.unwrap_or_default();
    Ok(Json(json!({ "text": text, "count": state.catalog().synonyms.len() })).into_response())
}

pub async fn save_synonyms(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    ApiJson(body): ApiJson<TextBody>,
) -> ApiResult {
    let count = actions::save_synonyms(&state, &staff, &body.text).await?;
    Ok(Json(json!({ "count": count })).into_response())
}

/// `GET /api/v1/bundles`: the "one thing" bundles on offer.
pub async fn bundles(State(state): State<AppState>) -> ApiResult {
    Ok(Json(json!({ "bundles": state.catalog().bundles })).into_response())
}

/// `PUT /api/v1/bundles`: replaces the bundles (catalog editors); every matter must be in force and open to
/// online application.
pub async fn save_bundles(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult {
    let count = actions::save_bundles(&state, &staff, &body.to_string()).await?;
    Ok(Json(json!({ "count": count })).into_response())
}

pub async fn export_json(State(state): State<AppState>) -> ApiResult {
    Ok(Json(catalog_file(&state).await?).into_response())
}

pub async fn export_xlsx(State(state): State<AppState>) -> ApiResult {
    Ok(xlsx_response(&state).await?)
}

#[derive(Deserialize)]
pub struct ImportQuery {
    #[serde(default)]
    reason: String,
}

/// `POST /api/v1/catalog/import?reason=`: the body is the .xlsx or .json file itself.
pub async fn import(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    Query(query): Query<ImportQuery>,
    body: Bytes,
) -> ApiResult {
    let problems_response = |problems: Vec<(String, String)>| {
        let fields: serde_json::Map<String, Value> =
            problems.into_iter().map(|(place, message)| (place, Value::from(message))).collect();
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({ "error": "validation_failed", "message": "文件有问题，什么都没有导入；请按 fields 中的提示修改后重试", "fields": fields })),
        )
            .into_response()
    };
    let file = match parse_catalog_upload(body.to_vec()) {
        Ok(file) => file,
        Err(problems) => return Ok(problems_response(problems)),
    };
    match actions::import_catalog(&state, &staff, file, &query.reason).await {
        Ok(report) => Ok(Json(json!({ "imported": report })).into_response()),
        Err(ImportFailure::Problems(problems)) => Ok(problems_response(problems)),
        Err(ImportFailure::Error(error)) => Err(error.into()),
    }
}

#[derive(Deserialize)]
pub struct LoginBody {
    username: String,
    password: String,
}

/// `POST /api/v1/sessions`: a bearer token for a staff account.
pub async fn create_session(State(state): State<AppState>, ApiJson(body): ApiJson<LoginBody>) -> ApiResult {
    let user = auth::authenticate(&state, body.username.trim(), &body.password).await?;
    let token = auth::open_session(&state, &user).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "token": token, "token_type": "Bearer", "expires_in": auth::SESSION_HOURS * 3600, "roles": user.roles })),
    )
        .into_response())
}

/// `DELETE /api/v1/sessions/current`: ends the session.
pub async fn delete_session(State(state): State<AppState>, ApiStaff(staff): ApiStaff) -> ApiResult {
    state.store.delete_session(&staff.token_hash).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A case as the API shows it to staff: the applicant's identity number masked.
async fn case_json(state: &AppState, record: &onetrip_store::CaseRecord) -> Result<Value, Error> {
    let applicant = state.store.applicant(record.applicant_id).await?;
    let document: Value = serde_json::from_str(&record.document).unwrap_or(Value::Null);
    let at = |instant: DateTime<Utc>| state.local(instant).to_rfc3339();
    Ok(json!({
        "number": record.number.to_string(),
        "matter_code": record.matter_code,
        "matter_version": record.matter_version,
        "department": record.department,
        "channel": record.channel,
        "phase": record.phase,
        "phase_label": crate::cases::phase_label(&record.phase),
        "revision": record.revision,
        "corrections": record.corrections,
        "received_at": at(record.received_at),
        "accepted_at": record.accepted_at.map(at),
        "due_at": record.due_at.map(at),
        "applicant": applicant.map(|a| json!({ "kind": a.identity.kind(), "name": a.name, "id_number": a.identity.shown() })),
        "supplied": document.get("supplied").cloned().unwrap_or(Value::Null),
        "correction_notice": document.get("correction_notice").cloned().unwrap_or(Value::Null),
        "review": document.get("review").cloned().unwrap_or(Value::Null),
        "clock": document.get("clock").cloned().unwrap_or(Value::Null),
        "delivery": document.get("delivery").cloned().unwrap_or(Value::Null),
        "warn_at": record.warn_at.map(at),
        // Per material, the ids of its files: `GET /api/v1/cases/{number}/files/{id}` gives the bytes.
        "files": document.get("files").cloned().unwrap_or(Value::Null),
    }))
}

fn parse_case_number(text: &str) -> Result<onetrip_domain::case_number::CaseNumber, Error> {
    onetrip_domain::case_number::CaseNumber::parse(text).map_err(|_| Error::NotFound(format!("办件 {text}")))
}

/// `GET /api/v1/cases/{number}/files/{id}`: a material of a case the caller may see, as uploaded.
pub async fn case_file(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    Path((number, id)): Path<(String, String)>,
) -> ApiResult {
    Ok(crate::case_pages::staff_case_file(&state, &staff, &number, &id).await?)
}

/// `POST /api/v1/cases`: registers an application; `Idempotency-Key` makes a retry return the first case.
pub async fn submit_case(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    headers: axum::http::HeaderMap,
    ApiJson(body): ApiJson<crate::cases::SubmitCase>,
) -> ApiResult {
    let key = headers.get("idempotency-key").and_then(|value| value.to_str().ok()).map(str::trim);
    let (record, created) = crate::cases::submit(&state, &staff, body, key).await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(case_json(&state, &record).await?)).into_response())
}

/// `GET /api/v1/cases/{number}`: managers and general windows see any case, a department's window and
/// reviewers their department's (and reviewers the cases they have a step in).
pub async fn case(State(state): State<AppState>, ApiStaff(staff): ApiStaff, Path(number): Path<String>) -> ApiResult {
    let number = parse_case_number(&number)?;
    let (record, _) = crate::cases::case_for_staff(&state, &staff, &number).await?;
    let mut body = case_json(&state, &record).await?;
    let events: Vec<Value> = state
        .store
        .case_events(&number)
        .await?
        .into_iter()
        .map(|event| {
            json!({ "at": state.local(event.at).to_rfc3339(), "actor": event.actor, "role": event.role, "action": event.action,
                    "from": event.from_phase, "to": event.to_phase, "detail": event.detail })
        })
        .collect();
    body["events"] = Value::from(events);
    body["trips"] = Value::from(state.store.case_trips(&number).await?.len());
    Ok(Json(body).into_response())
}

#[derive(Deserialize)]
pub struct AcceptanceBody {
    #[serde(flatten)]
    decision: crate::cases::AcceptanceRequest,
    #[serde(default)]
    expected_revision: Option<i64>,
}

/// `POST /api/v1/cases/{number}/acceptance`: the window's decision (`correction_notice`, `corrected`,
/// `accept` or `refuse`).
pub async fn case_acceptance(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<AcceptanceBody>,
) -> ApiResult {
    let number = parse_case_number(&number)?;
    let record =
        crate::cases::decide_acceptance(&state, &staff, &number, body.decision, body.expected_revision).await?;
    Ok(Json(case_json(&state, &record).await?).into_response())
}

/// `POST /api/v1/cases/{number}/review`: a reviewer approves, returns, proposes refusal or decides.
pub async fn case_review(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<crate::cases::ReviewRequest>,
) -> ApiResult {
    let number = parse_case_number(&number)?;
    let record = crate::cases::review_case(&state, &staff, &number, body).await?;
    Ok(Json(case_json(&state, &record).await?).into_response())
}

/// `POST /api/v1/cases/{number}/clock`: a special procedure starts (`pause`) or ends (`resume`), or a
/// manager extends the limit (`extend`).
pub async fn case_clock(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<crate::cases::ClockRequest>,
) -> ApiResult {
    let number = parse_case_number(&number)?;
    let record = crate::cases::change_clock(&state, &staff, &number, body).await?;
    Ok(Json(case_json(&state, &record).await?).into_response())
}

/// `POST /api/v1/cases/{number}/orders`: a manager issues a supervision order (督办).
pub async fn case_order(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<crate::cases::OrderRequest>,
) -> ApiResult {
    let number = parse_case_number(&number)?;
    let id = crate::cases::issue_order(&state, &staff, &number, body).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
}

/// `POST /api/v1/cases/{number}/orders/{id}/answer`: the responsible department answers an order.
pub async fn case_order_answer(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    Path((number, id)): Path<(String, i64)>,
    ApiJson(body): ApiJson<crate::cases::AnswerRequest>,
) -> ApiResult {
    let number = parse_case_number(&number)?;
    crate::cases::answer_order(&state, &staff, &number, id, body).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /api/v1/cases/{number}/delivery`: the window records how the result reached the applicant.
pub async fn case_delivery(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<crate::cases::DeliveryRequest>,
) -> ApiResult {
    let number = parse_case_number(&number)?;
    let record = crate::cases::deliver(&state, &staff, &number, body).await?;
    Ok(Json(case_json(&state, &record).await?).into_response())
}

/// `GET /api/v1/inbox`: the open review tasks of the reviewer's department, the soonest due first.
pub async fn inbox(State(state): State<AppState>, ApiStaff(staff): ApiStaff) -> ApiResult {
    staff.require(onetrip_domain::access::Permission::ReviewCases)?;
    let department = staff.user.department.clone().ok_or(Error::Forbidden)?;
    let items: Vec<Value> = state
        .store
        .inbox(&department, 200)
        .await?
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
    Ok(Json(crate::cases::progress(&state, &query.number, &query.last_four).await?).into_response())
}

pub async fn not_found() -> ApiError {
    ApiError(Error::NotFound("这个接口".to_string()))
}

pub async fn health(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => Json(json!({ "status": "ok", "database": state.store.backend(), "at": Utc::now().to_rfc3339() }))
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "unavailable" }))).into_response()
        }
    }
}

pub async fn metrics(State(state): State<AppState>) -> Response {
    let body = state.metrics.render(state.catalog().versions.len());
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}
