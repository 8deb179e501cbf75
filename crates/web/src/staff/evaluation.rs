//! The quarterly evaluation of window staff on the staff pages: the ranked list with every figure, its
//! workbook, and the weighting a manager edits (refused, with each problem, when it does not add up).

use crate::error::Error;
use crate::extract::{FormValues, StaffForm, StaffPage};
use crate::layout::Layout;
use crate::links::see_other;
use crate::render::{render, render_with};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use onetrip_app::evaluation::{self, QuarterEvaluation};
use onetrip_app::AppError;
use onetrip_domain::evaluation::Metric;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct QuarterQuery {
    #[serde(default)]
    quarter: String,
}

/// One person's line.
pub struct EvaluationLine {
    pub rank: usize,
    pub name: String,
    pub score: String,
    pub grade: &'static str,
    pub grade_code: &'static str,
    pub advanced: bool,
    /// Each metric's value as shown, in the order of `Metric::ALL`.
    pub values: Vec<String>,
    pub ratings: String,
}

fn shown(metric: Metric, value: Option<f64>) -> String {
    match (metric, value) {
        (_, None) => "—".to_string(),
        (Metric::GoodRate | Metric::OnTimeRate | Metric::Attendance, Some(value)) => format!("{:.1}%", value * 100.0),
        (Metric::WaitMinutes | Metric::ServiceMinutes, Some(value)) => format!("{value:.1}"),
        (_, Some(value)) => format!("{value:.0}"),
    }
}

fn lines(evaluation: &QuarterEvaluation) -> Vec<EvaluationLine> {
    evaluation
        .rows
        .iter()
        .map(|row| EvaluationLine {
            rank: row.rank,
            name: if row.figures.name.is_empty() { row.figures.username.clone() } else { row.figures.name.clone() },
            score: format!("{:.1}", row.score),
            grade: row.grade.label(),
            grade_code: row.grade.code(),
            advanced: row.advanced,
            values: Metric::ALL.iter().map(|metric| shown(*metric, row.figures.value(*metric))).collect(),
            ratings: format!("{}（好 {} / 差 {}）", row.figures.rated, row.figures.good, row.figures.bad),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "staff_evaluation.html")]
struct EvaluationPage {
    layout: Layout,
    quarter: String,
    label: String,
    previous: String,
    next: String,
    running: bool,
    metrics: Vec<&'static str>,
    weights: Vec<(&'static str, u32)>,
    lines: Vec<EvaluationLine>,
    advanced: Vec<String>,
    thresholds: String,
    /// When and by whom it was finalized, as shown; empty when it is not.
    finalized: String,
    csrf_token: String,
}

/// `GET /staff/evaluation?quarter=2026-Q4`.
pub async fn evaluation_page(
    State(state): State<AppState>,
    Query(query): Query<QuarterQuery>,
    StaffPage(staff): StaffPage,
) -> Result<Response, Error> {
    let evaluation = evaluation::evaluate_quarter(&state.app, &staff.actor, &query.quarter).await?;
    let lines = lines(&evaluation);
    let weighting = &evaluation.weighting;
    render(&EvaluationPage {
        layout: Layout::new(&state, Some(&staff)),
        quarter: evaluation.quarter.code(),
        label: evaluation.quarter.label(),
        previous: evaluation.quarter.previous().code(),
        next: evaluation.quarter.next().code(),
        running: evaluation.running,
        metrics: Metric::ALL.iter().map(|metric| metric.label()).collect(),
        weights: weighting.weights.iter().map(|(metric, weight)| (metric.label(), *weight)).collect(),
        advanced: lines.iter().filter(|line| line.advanced).map(|line| line.name.clone()).collect(),
        thresholds: format!(
            "优秀 ≥ {}，良好 ≥ {}，合格 ≥ {}；先进工作人员为得分前 {}% 中的优秀者",
            weighting.excellent, weighting.good, weighting.pass, weighting.advanced_share
        ),
        finalized: evaluation
            .finalized
            .as_ref()
            .map(|(at, by)| format!("{} 由 {by}", state.app.local(*at).format("%Y-%m-%d %H:%M")))
            .unwrap_or_default(),
        csrf_token: staff.csrf_token.clone(),
        lines,
    })
}

/// `POST /staff/evaluation/finalize`: keeps an ended quarter's list as it stands (定稿), once.
pub async fn finalize(
    State(state): State<AppState>,
    StaffForm(staff, values): StaffForm<FormValues>,
) -> Result<Response, Error> {
    let evaluation = evaluation::finalize_quarter(&state.app, &staff.actor, values.get("quarter")).await?;
    Ok(see_other(&format!("/staff/evaluation?quarter={}", evaluation.quarter.code())))
}

/// `GET /staff/evaluation/export.xlsx?quarter=`.
pub async fn export(
    State(state): State<AppState>,
    Query(query): Query<QuarterQuery>,
    StaffPage(staff): StaffPage,
) -> Result<Response, Error> {
    let evaluation = evaluation::evaluate_quarter(&state.app, &staff.actor, &query.quarter).await?;
    let bytes = evaluation::export_xlsx(&evaluation)?;
    let name = format!("onetrip-evaluation-{}.xlsx", evaluation.quarter.code());
    Ok(crate::render::xlsx_attachment(&name, bytes))
}

#[derive(Template)]
#[template(path = "staff_evaluation_weights.html")]
struct WeightsPage {
    layout: Layout,
    csrf_token: String,
    text: String,
    errors: Vec<(String, String)>,
}

/// `GET /staff/evaluation/weights`.
pub async fn weights(State(state): State<AppState>, StaffPage(staff): StaffPage) -> Result<Response, Error> {
    if !staff.actor.may(onetrip_domain::access::Permission::Supervise) {
        return Err(Error::Forbidden);
    }
    let (text, _) = evaluation::weighting(&state.app).await?;
    render(&WeightsPage {
        layout: Layout::new(&state, Some(&staff)),
        csrf_token: staff.csrf_token.clone(),
        text,
        errors: Vec::new(),
    })
}

/// `POST /staff/evaluation/weights`: the whole weighting, all or nothing.
pub async fn save_weights(
    State(state): State<AppState>,
    StaffForm(staff, values): StaffForm<FormValues>,
) -> Result<Response, Error> {
    let text = values.get("text").to_string();
    match evaluation::save_weighting(&state.app, &staff.actor, &text).await {
        Ok(_) => Ok(see_other("/staff/evaluation")),
        Err(AppError::Validation(errors)) => render_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            &WeightsPage {
                layout: Layout::new(&state, Some(&staff)),
                csrf_token: staff.csrf_token.clone(),
                text,
                errors: crate::extract::by_line(&errors),
            },
        ),
        Err(other) => Err(other.into()),
    }
}
