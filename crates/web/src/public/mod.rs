//! The public pages: home, search, the catalog by department, theme and life event, and the "one thing"
//! bundles (here); the guide of a matter with its printable one-time notice and its history (`guide.rs`);
//! the stylesheets and scripts (`assets.rs`). Every page is a typed askama template, rendered on the
//! server, usable without JavaScript.

pub mod assets;
pub mod guide;
pub mod licences;
pub mod progress;
pub mod ratings;

use crate::auth::MaybeStaff;
use crate::error::Error;
use crate::layout::Layout;
use crate::render::render;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use onetrip_app::CatalogSnapshot;
use onetrip_domain::catalog::{Matter, OnlineDepth};
use serde::Deserialize;
use std::collections::BTreeMap;

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
    /// What the query was read as (pinyin, a corrected character): "您是不是要找".
    read_as: Option<String>,
    /// When nothing was found: the matters whose names come closest, and the life events to browse.
    closest: Vec<ListItem>,
    life_events: Vec<(String, usize)>,
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
    let (found, read_as) = catalog.find(&text, 50);
    let items: Vec<ListItem> = found.into_iter().map(|matter| list_item(&catalog, matter)).collect();
    let (closest, life_events) = if items.is_empty() && !text.is_empty() {
        (
            catalog.closest(&text, 5).into_iter().map(|matter| list_item(&catalog, matter)).collect(),
            counts(catalog.grouped(|matter| matter.life_events.iter().map(String::as_str).collect())),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    render(&SearchPage {
        layout: Layout::new(&state, staff.as_ref()),
        query: text,
        items,
        read_as,
        closest,
        life_events,
    })
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
