//! A matter's guide (办事指南) — the version in force, cached per catalog snapshot for visitors, or any
//! earlier version — its printable one-time notice (一次性告知单), and its history of versions.

use crate::auth::{MaybeStaff, Staff};
use crate::error::Error;
use crate::layout::Layout;
use crate::render::render;
use crate::state::{AppState, CachedPage};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use onetrip_app::CatalogSnapshot;
use onetrip_domain::catalog::{HandlingForm, Matter, MatterVersion, ServiceObject};

/// A step as the guide shows it.
pub struct StepView {
    pub name: String,
    pub kind: &'static str,
    pub department: String,
    pub limit: String,
    pub parallel: bool,
    pub standard: String,
    pub result: String,
}

#[derive(Template)]
#[template(path = "matter.html")]
struct MatterPage<'a> {
    layout: Layout,
    m: &'a Matter,
    version: &'a MatterVersion,
    is_current: bool,
    /// The number of the version in force, which an older version's page names.
    current_version: u32,
    ended: bool,
    department_name: String,
    joint_departments: String,
    handling_forms: String,
    service_objects: String,
    steps: Vec<StepView>,
}

fn labels<T: Copy>(items: &[T], label: impl Fn(T) -> &'static str) -> String {
    items.iter().map(|item| label(*item)).collect::<Vec<_>>().join("、")
}

fn matter_page(
    state: &AppState,
    catalog: &CatalogSnapshot,
    staff: Option<&Staff>,
    version: &MatterVersion,
    is_current: bool,
) -> Result<String, Error> {
    let matter = &version.matter;
    let steps = matter
        .steps
        .iter()
        .map(|step| StepView {
            name: step.name.clone(),
            kind: step.kind.label(),
            department: catalog
                .department_name(if step.department.is_empty() { &matter.department } else { &step.department })
                .to_string(),
            limit: step.limit.to_string(),
            parallel: matter.steps.iter().filter(|other| other.stage == step.stage).count() > 1,
            standard: step.standard.clone(),
            result: step.result.clone(),
        })
        .collect();
    let current_version = catalog.version(&matter.code).map(|current| current.version).unwrap_or(version.version);
    Ok(MatterPage {
        layout: Layout::new(state, staff),
        m: matter,
        version,
        is_current,
        current_version,
        ended: version.adjustment.kind.ends_the_matter(),
        department_name: catalog.department_name(&matter.department).to_string(),
        joint_departments: matter
            .joint_departments
            .iter()
            .map(|code| catalog.department_name(code))
            .collect::<Vec<_>>()
            .join("、"),
        handling_forms: labels(&matter.handling_forms, HandlingForm::label),
        service_objects: labels(&matter.service_objects, ServiceObject::label),
        steps,
    }
    .render()?)
}

/// Whether the client accepts a gzip-compressed body (every browser does).
pub struct AcceptsGzip(pub bool);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for AcceptsGzip {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .headers
                .get(header::ACCEPT_ENCODING)
                .and_then(|value| value.to_str().ok())
                .is_some_and(|value| value.split(',').any(|coding| coding.trim().starts_with("gzip"))),
        ))
    }
}

/// A cached page as the response, compressed when the client accepts it.
fn cached_response(page: CachedPage, AcceptsGzip(accepts_gzip): AcceptsGzip) -> Response {
    if accepts_gzip && !page.gzip.is_empty() {
        ([(header::CONTENT_ENCODING, "gzip"), (header::VARY, "accept-encoding")], Html(page.gzip)).into_response()
    } else {
        ([(header::VARY, "accept-encoding")], Html(page.plain)).into_response()
    }
}

/// The guide page. For visitors who are not logged in it is rendered once per catalog snapshot.
pub async fn matter(
    State(state): State<AppState>,
    MaybeStaff(staff): MaybeStaff,
    gzip: AcceptsGzip,
    Path(code): Path<String>,
) -> Result<Response, Error> {
    let catalog = state.catalog();
    let path = format!("/matters/{code}");
    if staff.is_none() {
        if let Some(page) = state.cached_page(&catalog, &path) {
            return Ok(cached_response(page, gzip));
        }
    }
    let version = catalog.version(&code).ok_or_else(|| Error::NotFound("这个事项".to_string()))?;
    let page = Bytes::from(matter_page(&state, &catalog, staff.as_ref(), version, true)?);
    if staff.is_some() {
        return Ok(Html(page).into_response());
    }
    let cached = CachedPage::new(page);
    state.cache_page(&catalog, &path, cached.clone());
    Ok(cached_response(cached, gzip))
}

pub async fn matter_version(
    State(state): State<AppState>,
    MaybeStaff(staff): MaybeStaff,
    Path((code, number)): Path<(String, u32)>,
) -> Result<Response, Error> {
    let catalog = state.catalog();
    let versions = onetrip_app::catalog::versions(&state.app, &code).await.unwrap_or_default();
    let version = versions
        .iter()
        .find(|version| version.version == number)
        .ok_or_else(|| Error::NotFound("这个版本".to_string()))?;
    let is_current = catalog.version(&code).is_some_and(|current| current.version == number);
    Ok(Html(matter_page(&state, &catalog, staff.as_ref(), version, is_current)?).into_response())
}

#[derive(Template)]
#[template(path = "notice.html")]
struct NoticePage<'a> {
    centre_name: String,
    m: &'a Matter,
    version: u32,
    /// When this is an older version: the version in force.
    current: Option<u32>,
    department_name: String,
    today: String,
}

pub async fn notice(State(state): State<AppState>, Path(code): Path<String>) -> Result<Response, Error> {
    let catalog = state.catalog();
    let version = catalog
        .version(&code)
        .filter(|version| !version.adjustment.kind.ends_the_matter())
        .ok_or_else(|| Error::NotFound("这个事项".to_string()))?;
    notice_page(&state, &catalog, version, None)
}

/// `GET /matters/{code}/versions/{version}/notice`: an older version's notice, marked as such, so that the
/// old version's page prints what it shows.
pub async fn version_notice(
    State(state): State<AppState>,
    Path((code, number)): Path<(String, u32)>,
) -> Result<Response, Error> {
    let catalog = state.catalog();
    let versions = onetrip_app::catalog::versions(&state.app, &code).await.unwrap_or_default();
    let version = versions
        .iter()
        .find(|version| version.version == number)
        .ok_or_else(|| Error::NotFound("这个版本".to_string()))?;
    let current = catalog.version(&code).map(|current| current.version).filter(|current| *current != number);
    notice_page(&state, &catalog, version, current)
}

fn notice_page(
    state: &AppState,
    catalog: &CatalogSnapshot,
    version: &MatterVersion,
    current: Option<u32>,
) -> Result<Response, Error> {
    render(&NoticePage {
        centre_name: state.centre_name().to_string(),
        m: &version.matter,
        version: version.version,
        current,
        department_name: catalog.department_name(&version.matter.department).to_string(),
        today: state.today().format("%Y年%m月%d日").to_string(),
    })
}

pub struct HistoryRow {
    pub version: u32,
    pub kind: &'static str,
    pub effective_date: String,
    pub reason: String,
    pub author: String,
    pub changes: Vec<onetrip_app::catalog::ElementChange>,
    pub in_force: bool,
}

#[derive(Template)]
#[template(path = "history.html")]
struct HistoryPage {
    layout: Layout,
    code: String,
    name: String,
    rows: Vec<HistoryRow>,
}

pub async fn history(
    State(state): State<AppState>,
    MaybeStaff(staff): MaybeStaff,
    Path(code): Path<String>,
) -> Result<Response, Error> {
    let versions = onetrip_app::catalog::versions(&state.app, &code).await.unwrap_or_default();
    let latest = versions.last().ok_or_else(|| Error::NotFound("这个事项".to_string()))?;
    let in_force = onetrip_domain::catalog::version_in_force(&versions, state.today()).map(|version| version.version);
    let mut rows: Vec<HistoryRow> = versions
        .iter()
        .enumerate()
        .map(|(index, version)| HistoryRow {
            version: version.version,
            kind: version.adjustment.kind.label(),
            effective_date: version.adjustment.effective_date.to_string(),
            reason: version.adjustment.reason.clone(),
            author: version.author.clone(),
            changes: index
                .checked_sub(1)
                .map(|previous| onetrip_app::catalog::element_changes(&versions[previous].matter, &version.matter))
                .unwrap_or_default(),
            in_force: in_force == Some(version.version),
        })
        .collect();
    rows.reverse();
    render(&HistoryPage {
        layout: Layout::new(&state, staff.as_ref()),
        code: code.clone(),
        name: latest.matter.name.clone(),
        rows,
    })
}
