//! The catalog in the API: matters in force (searchable), one matter with every element, its versions,
//! new matters and versions, departments, the synonym list, the "one thing" bundles, and the catalog as a
//! file to export and import.

use super::ApiResult;
use crate::error::Error;
use crate::extract::{ApiJson, ApiStaff};
use crate::public::clip_query;
use crate::staff::catalog::xlsx_response;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use onetrip_app::catalog::{self, ImportFailure};
use onetrip_domain::catalog::{Adjustment, Matter, MatterVersion};
use onetrip_domain::FieldErrors;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

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
    let versions = catalog::versions(&state.app, &code).await?;
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
    let version = catalog::save_matter_version(&state.app, &staff.actor, body.matter, body.adjustment, None).await?;
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
    let expected = Some(body.expected_version);
    let version =
        catalog::save_matter_version(&state.app, &staff.actor, body.matter, body.adjustment, expected).await?;
    Ok(Json(json!({ "code": code, "version": version })).into_response())
}

pub async fn departments(State(state): State<AppState>) -> ApiResult {
    Ok(Json(json!({ "items": state.catalog().departments })).into_response())
}

#[derive(Deserialize)]
pub struct TextBody {
    text: String,
}

impl TextBody {
    pub fn text(&self) -> &str {
        &self.text
    }
}

pub async fn synonyms(State(state): State<AppState>) -> ApiResult {
    let text = catalog::synonyms_text(&state.app).await?;
    Ok(Json(json!({ "text": text, "count": state.catalog().synonyms.len() })).into_response())
}

pub async fn save_synonyms(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    ApiJson(body): ApiJson<TextBody>,
) -> ApiResult {
    let count = catalog::save_synonyms(&state.app, &staff.actor, &body.text).await?;
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
    let count = catalog::save_bundles(&state.app, &staff.actor, &body.to_string()).await?;
    Ok(Json(json!({ "count": count })).into_response())
}

pub async fn export_json(State(state): State<AppState>) -> ApiResult {
    Ok(Json(catalog::export(&state.app).await?).into_response())
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
    let file = match catalog::parse_upload(body.to_vec()) {
        Ok(file) => file,
        Err(problems) => return Ok(problems_response(problems)),
    };
    match catalog::import(&state.app, &staff.actor, file, &query.reason).await {
        Ok(report) => Ok(Json(json!({ "imported": report })).into_response()),
        Err(ImportFailure::Problems(problems)) => Ok(problems_response(problems)),
        Err(ImportFailure::Error(error)) => Err(error.into()),
    }
}
