//! 数据共享统计 (issue 12 part 6): per matter and month, the cases that took a material from a shared
//! source, the materials shared (uploads avoided) and uploaded, and the requests to sources that failed, for
//! the centre's managers.

use super::statistics::MonthQuery;
use crate::error::Error;
use crate::extract::StaffPage;
use crate::layout::Layout;
use crate::public::ratings::percent;
use crate::render::render;
use crate::source_view::source_label;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use onetrip_app::sharing::figures::{self, MatterSharing};

/// A matter's line (or the centre's total).
pub struct SharingLine {
    pub code: String,
    pub name: String,
    pub department: String,
    pub sources: String,
    pub received: u64,
    pub with_shared: u64,
    pub shared: u64,
    pub uploaded: u64,
    pub shared_rate: String,
    pub requests: u64,
    pub failures: u64,
    pub applications_failed: u64,
}

fn line(state: &AppState, row: &MatterSharing) -> SharingLine {
    SharingLine {
        code: row.matter_code.clone(),
        name: row.matter_name.clone(),
        department: row.department_name.clone(),
        sources: row.sources.iter().map(|code| source_label(state, code)).collect::<Vec<_>>().join("、"),
        received: row.received,
        with_shared: row.with_shared,
        shared: row.materials_shared,
        uploaded: row.materials_uploaded,
        shared_rate: percent(row.shared_rate()),
        requests: row.source_requests,
        failures: row.source_failures,
        applications_failed: row.applications_failed,
    }
}

pub struct SourceLine {
    pub name: String,
    pub requests: u64,
    pub failures: u64,
    pub applications_failed: u64,
}

#[derive(Template)]
#[template(path = "staff_sharing.html")]
struct SharingPage {
    layout: Layout,
    month: String,
    total: SharingLine,
    matters: Vec<SharingLine>,
    sources: Vec<SourceLine>,
}

/// `GET /staff/statistics/sharing?month=`.
pub async fn sharing(
    State(state): State<AppState>,
    Query(query): Query<MonthQuery>,
    StaffPage(staff): StaffPage,
) -> Result<Response, Error> {
    let figures = figures::month(&state.app, &staff.actor, &query.month).await?;
    render(&SharingPage {
        layout: Layout::new(&state, Some(&staff)),
        month: figures.month.clone(),
        total: line(&state, &figures.total),
        matters: figures.matters.iter().map(|row| line(&state, row)).collect(),
        sources: figures
            .sources
            .iter()
            .map(|source| SourceLine {
                name: source_label(&state, &source.source),
                requests: source.requests,
                failures: source.failures,
                applications_failed: source.applications_failed,
            })
            .collect(),
    })
}
