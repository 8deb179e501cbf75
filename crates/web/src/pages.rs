//! The public pages: home, search, the catalog by department, theme and life event, the guide of a matter
//! (办事指南), its printable one-time notice (一次性告知单) and its history. Every page is a typed askama
//! template, rendered on the server, usable without JavaScript; askama escapes everything shown.

use crate::auth::{MaybeStaff, Staff};
use crate::error::Error;
use crate::state::{AppState, CachedPage, CatalogSnapshot};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use onetrip_domain::catalog::{HandlingForm, Matter, MatterVersion, OnlineDepth, ServiceObject};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The configured centre name, for pages rendered where the state is out of reach (error pages).
static CENTRE_NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();

pub fn set_centre_name(name: &str) {
    let _ = CENTRE_NAME.set(name.to_string());
}

fn centre_name() -> String {
    CENTRE_NAME.get().cloned().unwrap_or_else(|| crate::state::WebConfig::default().centre_name)
}

/// What the layout shows on every page.
pub struct Layout {
    pub centre_name: String,
    pub staff: Option<StaffBadge>,
    /// The applicant logged in to the portal, if any.
    pub applicant: Option<StaffBadge>,
}

pub struct StaffBadge {
    pub display_name: String,
    pub csrf_token: String,
}

impl Layout {
    pub fn new(state: &AppState, staff: Option<&Staff>) -> Self {
        Self {
            centre_name: state.config.centre_name.clone(),
            staff: staff.map(|staff| StaffBadge {
                display_name: staff.user.display_name.clone(),
                csrf_token: staff.csrf_token.clone(),
            }),
            applicant: None,
        }
    }

    /// The layout of a portal page, for a logged-in applicant.
    pub fn portal(state: &AppState, user: &crate::portal::PortalUser) -> Self {
        Self {
            centre_name: state.config.centre_name.clone(),
            staff: None,
            applicant: Some(StaffBadge {
                display_name: user.applicant.name.clone(),
                csrf_token: user.csrf_token.clone(),
            }),
        }
    }
}

/// Renders a template as an HTML response.
pub fn render(template: &impl Template) -> Result<Response, Error> {
    Ok(Html(template.render()?).into_response())
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    layout: Layout,
    title: String,
    message: String,
    fields: Vec<(String, String)>,
    show_login: bool,
}

impl ErrorPage {
    pub fn new(error: &Error) -> Self {
        let title = match error.status() {
            StatusCode::NOT_FOUND => "页面不存在",
            StatusCode::UNAUTHORIZED => "请先登录",
            StatusCode::FORBIDDEN => "无法完成操作",
            StatusCode::INTERNAL_SERVER_ERROR => "系统出错",
            _ => "请求有误",
        };
        let fields = error
            .fields()
            .map(|errors| errors.iter().map(|(field, messages)| (field.to_string(), messages.join("；"))).collect())
            .unwrap_or_default();
        Self {
            layout: Layout { centre_name: centre_name(), staff: None, applicant: None },
            title: title.to_string(),
            message: error.message(),
            fields,
            show_login: matches!(error, Error::Unauthenticated),
        }
    }
}

impl IntoResponse for ErrorPage {
    fn into_response(self) -> Response {
        match self.render() {
            Ok(html) => Html(html).into_response(),
            Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "系统出错，请稍后重试").into_response(),
        }
    }
}

/// A matter as a line of a list.
pub struct ListItem {
    pub code: String,
    pub name: String,
    pub department: String,
    pub promised: String,
    pub trips: u8,
    pub online: bool,
}

fn list_item(catalog: &CatalogSnapshot, matter: &Matter) -> ListItem {
    ListItem {
        code: matter.code.clone(),
        name: matter.name.clone(),
        department: catalog.department_name(&matter.department).to_string(),
        promised: matter.promised_limit.to_string(),
        trips: matter.trips_required,
        online: matter.online_depth >= OnlineDepth::Accept,
    }
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    query: String,
    popular: Vec<&'static str>,
    life_events: Vec<(String, usize)>,
    themes: Vec<(String, usize)>,
    departments: Vec<(String, String, usize)>,
    bundles: Vec<(String, String, String)>,
}

/// Searches people often make, shown as links on the home page.
const POPULAR: [&str; 8] = ["开公司", "社保", "过户", "生孩子", "身份证", "结婚", "公积金", "交暖气费"];

fn counts(groups: BTreeMap<&str, Vec<&Matter>>) -> Vec<(String, usize)> {
    groups.into_iter().map(|(key, matters)| (key.to_string(), matters.len())).collect()
}

pub async fn home(State(state): State<AppState>, MaybeStaff(staff): MaybeStaff) -> Result<Response, Error> {
    let catalog = state.catalog();
    let by_department = catalog.grouped(|matter| vec![matter.department.as_str()]);
    let departments = catalog
        .departments
        .iter()
        .filter_map(|department| {
            by_department
                .get(department.code.as_str())
                .map(|matters| (department.code.clone(), department.name.clone(), matters.len()))
        })
        .collect();
    render(&HomePage {
        layout: Layout::new(&state, staff.as_ref()),
        query: String::new(),
        popular: POPULAR.to_vec(),
        life_events: counts(catalog.grouped(|matter| matter.life_events.iter().map(String::as_str).collect())),
        themes: counts(catalog.grouped(|matter| matter.themes.iter().map(String::as_str).collect())),
        departments,
        bundles: catalog
            .bundles
            .iter()
            .map(|bundle| (bundle.code.clone(), bundle.name.clone(), bundle.summary.clone()))
            .collect(),
    })
}

#[derive(Template)]
#[template(path = "bundle.html")]
struct BundlePage {
    layout: Layout,
    code: String,
    name: String,
    summary: String,
    matters: Vec<(String, String, String, String)>,
    materials: Vec<(String, &'static str)>,
}

/// `GET /bundles/{code}`: a "one thing" bundle: its matters and the one list of materials.
pub async fn bundle(
    State(state): State<AppState>,
    MaybeStaff(staff): MaybeStaff,
    Path(code): Path<String>,
) -> Result<Response, Error> {
    let catalog = state.catalog();
    let bundle = catalog.bundle(&code).ok_or_else(|| Error::NotFound("这个一件事".to_string()))?;
    let matters: Vec<&Matter> =
        bundle.matters.iter().filter_map(|code| catalog.version(code).map(|version| &version.matter)).collect();
    render(&BundlePage {
        layout: Layout::new(&state, staff.as_ref()),
        code: bundle.code.clone(),
        name: bundle.name.clone(),
        summary: bundle.summary.clone(),
        matters: matters
            .iter()
            .map(|matter| {
                (
                    matter.code.clone(),
                    matter.name.clone(),
                    catalog.department_name(&matter.department).to_string(),
                    matter.promised_limit.to_string(),
                )
            })
            .collect(),
        materials: onetrip_domain::bundle::combined_materials(bundle, &matters)
            .into_iter()
            .map(|entry| (entry.name, entry.necessity.label()))
            .collect(),
    })
}

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    layout: Layout,
    query: String,
    items: Vec<ListItem>,
}

/// The longest query we look at; longer ones are cut, not refused.
pub const MAX_QUERY_CHARS: usize = 50;

pub fn clip_query(query: &str) -> String {
    query.trim().chars().take(MAX_QUERY_CHARS).collect()
}

pub async fn search(
    State(state): State<AppState>,
    MaybeStaff(staff): MaybeStaff,
    Query(query): Query<SearchQuery>,
) -> Result<Response, Error> {
    let catalog = state.catalog();
    let text = clip_query(&query.q);
    let items = catalog.search(&text, 50).into_iter().map(|matter| list_item(&catalog, matter)).collect();
    render(&SearchPage { layout: Layout::new(&state, staff.as_ref()), query: text, items })
}

#[derive(Deserialize)]
pub struct ListFilter {
    department: Option<String>,
    theme: Option<String>,
    life_event: Option<String>,
}

#[derive(Template)]
#[template(path = "matters.html")]
struct MattersPage {
    layout: Layout,
    heading: String,
    items: Vec<ListItem>,
}

pub async fn matters(
    State(state): State<AppState>,
    MaybeStaff(staff): MaybeStaff,
    Query(filter): Query<ListFilter>,
) -> Result<Response, Error> {
    let catalog = state.catalog();
    let (heading, selected): (String, Vec<&Matter>) = match (&filter.department, &filter.theme, &filter.life_event) {
        (Some(code), _, _) => (
            format!("{} 的事项", catalog.department_name(code)),
            catalog.active_matters().filter(|matter| &matter.department == code).collect(),
        ),
        (_, Some(theme), _) => (
            format!("主题：{theme}"),
            catalog.active_matters().filter(|matter| matter.themes.contains(theme)).collect(),
        ),
        (_, _, Some(event)) => (
            format!("人生事件：{event}"),
            catalog.active_matters().filter(|matter| matter.life_events.contains(event)).collect(),
        ),
        _ => ("全部事项".to_string(), catalog.active_matters().collect()),
    };
    let items = selected.into_iter().map(|matter| list_item(&catalog, matter)).collect();
    render(&MattersPage { layout: Layout::new(&state, staff.as_ref()), heading, items })
}

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
    Ok(MatterPage {
        layout: Layout::new(state, staff),
        m: matter,
        version,
        is_current,
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
        if let Some(page) = catalog.cached_page(&path) {
            return Ok(cached_response(page, gzip));
        }
    }
    let version = catalog.version(&code).ok_or_else(|| Error::NotFound("这个事项".to_string()))?;
    let page = Bytes::from(matter_page(&state, &catalog, staff.as_ref(), version, true)?);
    if staff.is_some() {
        return Ok(Html(page).into_response());
    }
    let cached = CachedPage::new(page);
    catalog.cache_page(&path, cached.clone());
    Ok(cached_response(cached, gzip))
}

pub async fn matter_version(
    State(state): State<AppState>,
    MaybeStaff(staff): MaybeStaff,
    Path((code, number)): Path<(String, u32)>,
) -> Result<Response, Error> {
    let catalog = state.catalog();
    let versions = state.store.matter_versions(&code).await?;
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
    department_name: String,
    today: String,
}

pub async fn notice(State(state): State<AppState>, Path(code): Path<String>) -> Result<Response, Error> {
    let catalog = state.catalog();
    let version = catalog
        .version(&code)
        .filter(|version| !version.adjustment.kind.ends_the_matter())
        .ok_or_else(|| Error::NotFound("这个事项".to_string()))?;
    render(&NoticePage {
        centre_name: state.config.centre_name.clone(),
        m: &version.matter,
        version: version.version,
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
    pub changes: Vec<&'static str>,
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
    let versions = state.store.matter_versions(&code).await?;
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
                .map(|previous| crate::catalog_io::changed_elements(&versions[previous].matter, &version.matter))
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

pub async fn stylesheet() -> impl IntoResponse {
    static_file("text/css; charset=utf-8", include_str!("../static/site.css"))
}

pub async fn print_stylesheet() -> impl IntoResponse {
    static_file("text/css; charset=utf-8", include_str!("../static/print.css"))
}

pub async fn print_script() -> impl IntoResponse {
    static_file("text/javascript; charset=utf-8", include_str!("../static/print.js"))
}

pub async fn display_script() -> impl IntoResponse {
    static_file("text/javascript; charset=utf-8", include_str!("../static/display.js"))
}

fn static_file(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=3600")], body)
}
