//! The catalog in the API: matters in force (searchable), one matter with every element, its versions,
//! new matters and versions, departments, the synonym list, the "one thing" bundles, and the catalog as a
//! file to export and import.

use super::responses::{BadJson, BadParameter, Internal, Invalid, Refused, TooLarge, Unauthenticated};
use super::ApiResult;
use crate::error::{Error, ErrorBody};
use crate::extract::{ApiJson, ApiStaff};
use crate::public::clip_query;
use crate::staff::catalog::xlsx_response;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use onetrip_app::catalog::{self, CatalogFile, ImportFailure, ImportReport};
use onetrip_domain::bundle::Bundle;
use onetrip_domain::catalog::{Adjustment, Department, Matter, MatterKind, MatterVersion, OnlineDepth};
use onetrip_domain::FieldErrors;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

/// 事项摘要
#[derive(Serialize, ToSchema)]
pub struct MatterSummary<'a> {
    code: &'a str,
    name: &'a str,
    department: &'a str,
    department_name: &'a str,
    kind: MatterKind,
    /// 承诺时限，显示用文字，例如“即办”“5个工作日”
    promised_limit: String,
    /// 法定时限，显示用文字
    statutory_limit: String,
    trips_required: u8,
    online_depth: OnlineDepth,
}

#[derive(Serialize, ToSchema)]
pub struct MatterList<'a> {
    count: usize,
    items: Vec<MatterSummary<'a>>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MatterQuery {
    /// 搜索词，例如 开公司、社保
    #[serde(default)]
    q: String,
    /// 部门编码
    department: Option<String>,
    /// 主题分类
    theme: Option<String>,
    /// 人生事件
    life_event: Option<String>,
    /// 最多返回条数，1–1000，默认 100（超出范围按边界算）
    limit: Option<usize>,
}

/// `GET /api/v1/matters`: the matters in force; with `q`, ranked by relevance.
#[utoipa::path(get, path = "/matters", tag = "事项目录", params(MatterQuery),
    summary = "现行事项列表；带 q 时按相关度排序（支持群众常用说法）",
    responses(
        (status = 200, description = "事项摘要", body = MatterList),
        (status = 400, response = inline(BadParameter)),
    )
)]
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
            kind: m.kind,
            promised_limit: m.promised_limit.to_string(),
            statutory_limit: m.statutory_limit.to_string(),
            trips_required: m.trips_required,
            online_depth: m.online_depth,
        })
        .collect();
    Ok(Json(MatterList { count: items.len(), items }).into_response())
}

/// One version of a matter, with every element.
#[derive(Serialize, ToSchema)]
#[schema(as = MatterVersion)]
pub struct ApiMatterVersion<'a> {
    version: u32,
    /// 是否为现行版本
    in_force: bool,
    adjustment: &'a Adjustment,
    author: &'a str,
    /// 办件类型：即办件 或 承诺件
    case_kind: &'static str,
    matter: &'a Matter,
}

impl<'a> ApiMatterVersion<'a> {
    fn of(version: &'a MatterVersion, in_force: bool) -> Self {
        Self {
            version: version.version,
            in_force,
            adjustment: &version.adjustment,
            author: &version.author,
            case_kind: version.matter.case_kind_label(),
            matter: &version.matter,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct VersionList<'a> {
    code: String,
    /// 旧的在前
    versions: Vec<ApiMatterVersion<'a>>,
}

/// `GET /api/v1/matters/{code}`: the version in force, with every element.
#[utoipa::path(get, path = "/matters/{code}", tag = "事项目录", summary = "一个事项的现行版本，含全部要素",
    params(("code" = String, Path, description = "业务办理项编码")),
    responses(
        (status = 200, description = "现行版本", body = ApiMatterVersion),
        (status = 404, description = "没有这个事项", body = ErrorBody),
    )
)]
pub async fn matter(State(state): State<AppState>, Path(code): Path<String>) -> ApiResult {
    let catalog = state.catalog();
    let version = catalog.version(&code).ok_or_else(|| Error::NotFound(format!("事项 {code}")))?;
    Ok(Json(ApiMatterVersion::of(version, true)).into_response())
}

/// `GET /api/v1/matters/{code}/versions`: the history, oldest first.
#[utoipa::path(get, path = "/matters/{code}/versions", tag = "事项目录", summary = "事项的全部版本（修订记录），旧的在前",
    params(("code" = String, Path, description = "业务办理项编码")),
    responses(
        (status = 200, description = "版本列表", body = VersionList),
        (status = 404, description = "没有这个事项", body = ErrorBody),
        (status = 500, response = inline(Internal)),
    )
)]
pub async fn versions(State(state): State<AppState>, Path(code): Path<String>) -> ApiResult {
    let versions = catalog::versions(&state.app, &code).await?;
    let in_force = state.catalog().version(&code).map(|version| version.version);
    let items =
        versions.iter().map(|version| ApiMatterVersion::of(version, Some(version.version) == in_force)).collect();
    Ok(Json(VersionList { code, versions: items }).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct NewMatterBody {
    adjustment: Adjustment,
    matter: Matter,
}

/// The matter and the number of the version just saved.
#[derive(Serialize, ToSchema)]
pub struct SavedMatter {
    code: String,
    version: u32,
}

/// `POST /api/v1/matters`: a new matter (its first version).
#[utoipa::path(post, path = "/matters", tag = "事项目录", security(("bearer" = []), ("cookie" = [])),
    summary = "新增事项（第一个版本，调整类型为 create 或 take_over）",
    request_body = NewMatterBody,
    responses(
        (status = 201, description = "已保存", body = SavedMatter),
        (status = 400, response = inline(BadJson)),
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, response = inline(Refused)),
        (status = 409, description = "事项编码已存在（already_exists）", body = ErrorBody),
        (status = 413, response = inline(TooLarge)),
        (status = 422, response = inline(Invalid)),
        (status = 500, response = inline(Internal)),
    )
)]
pub async fn create_matter(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    ApiJson(body): ApiJson<NewMatterBody>,
) -> ApiResult {
    let code = body.matter.code.clone();
    let version = catalog::save_matter_version(&state.app, &staff.actor, body.matter, body.adjustment, None).await?;
    Ok((StatusCode::CREATED, Json(SavedMatter { code, version })).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct MatterVersionBody {
    /// 须为最新版本号
    expected_version: u32,
    adjustment: Adjustment,
    matter: Matter,
}

/// `PUT /api/v1/matters/{code}`: a new version; `expected_version` must be the latest, or 409.
#[utoipa::path(put, path = "/matters/{code}", tag = "事项目录", security(("bearer" = []), ("cookie" = [])),
    summary = "调整事项：生成新版本，原版本保留；expected_version 须为最新版本号",
    params(("code" = String, Path, description = "业务办理项编码")),
    request_body = MatterVersionBody,
    responses(
        (status = 200, description = "已保存", body = SavedMatter),
        (status = 400, response = inline(BadJson)),
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, response = inline(Refused)),
        (status = 404, description = "没有这个事项", body = ErrorBody),
        (status = 409, description = "他人已先保存了新版本（revision_changed）", body = ErrorBody),
        (status = 413, response = inline(TooLarge)),
        (status = 422, response = inline(Invalid)),
        (status = 500, response = inline(Internal)),
    )
)]
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
    Ok(Json(SavedMatter { code, version }).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct DepartmentList<'a> {
    items: &'a [Department],
}

/// `GET /api/v1/departments`
#[utoipa::path(get, path = "/departments", tag = "事项目录", summary = "实施部门",
    responses((status = 200, description = "部门列表", body = DepartmentList))
)]
pub async fn departments(State(state): State<AppState>) -> ApiResult {
    Ok(Json(DepartmentList { items: &state.catalog().departments }).into_response())
}

/// A text to load: a holiday notice or the synonym list.
#[derive(Deserialize, ToSchema)]
pub struct TextBody {
    /// 放假通知每行：日期或“起..止” 种类 节日名称，例如 2027-02-06..2027-02-12 holiday 春节；
    /// 同义词表每行：群众说法 = 事项用词, 事项用词
    text: String,
}

impl TextBody {
    pub fn text(&self) -> &str {
        &self.text
    }
}

#[derive(Serialize, ToSchema)]
pub struct SynonymList {
    text: String,
    count: usize,
}

/// How many entries a saved list has.
#[derive(Serialize, ToSchema)]
pub struct SavedCount {
    count: usize,
}

/// `GET /api/v1/synonyms`
#[utoipa::path(get, path = "/synonyms", tag = "事项目录", summary = "搜索同义词表",
    responses(
        (status = 200, description = "同义词表", body = SynonymList),
        (status = 500, response = inline(Internal)),
    )
)]
pub async fn synonyms(State(state): State<AppState>) -> ApiResult {
    let text = catalog::synonyms_text(&state.app).await?;
    Ok(Json(SynonymList { text, count: state.catalog().synonyms.len() }).into_response())
}

/// `PUT /api/v1/synonyms` (centre admins)
#[utoipa::path(put, path = "/synonyms", tag = "事项目录", security(("bearer" = []), ("cookie" = [])),
    summary = "替换同义词表，需中心管理员",
    request_body(content = TextBody, description = "text 每行：群众说法 = 事项用词, 事项用词"),
    responses(
        (status = 200, description = "已保存", body = SavedCount),
        (status = 400, response = inline(BadJson)),
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, response = inline(Refused)),
        (status = 413, response = inline(TooLarge)),
        (status = 422, response = inline(Invalid)),
        (status = 500, response = inline(Internal)),
    )
)]
pub async fn save_synonyms(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    ApiJson(body): ApiJson<TextBody>,
) -> ApiResult {
    let count = catalog::save_synonyms(&state.app, &staff.actor, &body.text).await?;
    Ok(Json(SavedCount { count }).into_response())
}

/// The "one thing" bundles: what `GET /api/v1/bundles` answers and `PUT` takes (the application layer reads
/// the body itself, so that its messages name the bundle field by field).
#[derive(Serialize, ToSchema)]
pub struct BundleList<'a> {
    bundles: &'a [Bundle],
}

/// `GET /api/v1/bundles`: the "one thing" bundles on offer.
#[utoipa::path(get, path = "/bundles", tag = "事项目录",
    summary = "一件事清单（如企业开办）：几个部门的事项一次申请、一套材料",
    responses((status = 200, description = "一件事清单", body = BundleList))
)]
pub async fn bundles(State(state): State<AppState>) -> ApiResult {
    Ok(Json(BundleList { bundles: &state.catalog().bundles }).into_response())
}

/// `PUT /api/v1/bundles`: replaces the bundles (catalog editors); every matter must be in force and open to
/// online application.
#[utoipa::path(put, path = "/bundles", tag = "事项目录", security(("bearer" = []), ("cookie" = [])),
    summary = "替换一件事清单（事项目录编辑）；其中每个事项须现行且可网上申请",
    request_body = BundleList,
    responses(
        (status = 200, description = "已保存", body = SavedCount),
        (status = 400, response = inline(BadJson)),
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, response = inline(Refused)),
        (status = 413, response = inline(TooLarge)),
        (status = 422, response = inline(Invalid)),
        (status = 500, response = inline(Internal)),
    )
)]
pub async fn save_bundles(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult {
    let count = catalog::save_bundles(&state.app, &staff.actor, &body.to_string()).await?;
    Ok(Json(SavedCount { count }).into_response())
}

/// `GET /api/v1/catalog/export.json`
#[utoipa::path(get, path = "/catalog/export.json", tag = "事项目录", summary = "导出整个目录（JSON）",
    responses(
        (status = 200, description = "目录", body = CatalogFile),
        (status = 500, response = inline(Internal)),
    )
)]
pub async fn export_json(State(state): State<AppState>) -> ApiResult {
    Ok(Json(catalog::export(&state.app).await?).into_response())
}

/// `GET /api/v1/catalog/export.xlsx`
#[utoipa::path(get, path = "/catalog/export.xlsx", tag = "事项目录", summary = "导出整个目录（Excel 工作簿）",
    responses(
        (status = 200, description = "工作簿", content(("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 500, response = inline(Internal)),
    )
)]
pub async fn export_xlsx(State(state): State<AppState>) -> ApiResult {
    Ok(xlsx_response(&state).await?)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// 导入原因（必填，200 字以内；缺少时按字段错误答复）
    #[serde(default)]
    #[param(required = true, min_length = 1, max_length = 200)]
    reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct ImportResult {
    imported: ImportReport,
}

/// `POST /api/v1/catalog/import?reason=`: the body is the .xlsx or .json file itself.
#[utoipa::path(post, path = "/catalog/import", tag = "事项目录", security(("bearer" = []), ("cookie" = [])),
    summary = "导入目录：请求体即 .xlsx 或 .json 文件；全部正确才导入，否则逐行列出问题",
    params(ImportQuery),
    request_body(content((CatalogFile = "application/json"), ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    responses(
        (status = 200, description = "导入结果", body = ImportResult),
        (status = 400, response = inline(BadParameter)),
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, response = inline(Refused)),
        (status = 413, response = inline(TooLarge)),
        (status = 422, description = "文件有问题，什么都没有导入（validation_failed）；fields 中按位置列出每个问题", body = ErrorBody),
        (status = 500, response = inline(Internal)),
    )
)]
pub async fn import(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    Query(query): Query<ImportQuery>,
    body: Bytes,
) -> ApiResult {
    let problems_response = |problems: Vec<(String, String)>| {
        let body = ErrorBody {
            error: "validation_failed",
            message: "文件有问题，什么都没有导入；请按 fields 中的提示修改后重试".to_string(),
            fields: Some(problems.into_iter().collect()),
            request_id: None,
        };
        (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
    };
    let file = match catalog::parse_upload(body.to_vec()) {
        Ok(file) => file,
        Err(problems) => return Ok(problems_response(problems)),
    };
    match catalog::import(&state.app, &staff.actor, file, &query.reason).await {
        Ok(report) => Ok(Json(ImportResult { imported: report }).into_response()),
        Err(ImportFailure::Problems(problems)) => Ok(problems_response(problems)),
        Err(ImportFailure::Error(error)) => Err(error.into()),
    }
}
