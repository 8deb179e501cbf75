//! Department scorecards on the staff pages: a month's figures per department, ranked, with the trend against
//! the month before and how each figure is computed.

use crate::error::Error;
use crate::extract::StaffPage;
use crate::layout::Layout;
use crate::public::ratings::percent;
use crate::render::render;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use onetrip_app::scorecards::{self, Scorecard};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct MonthQuery {
    #[serde(default)]
    month: String,
}

/// One department's line, formatted.
pub struct CardLine {
    pub rank: usize,
    pub department: String,
    pub name: String,
    pub composite: String,
    /// `up`, `down`, `same` or `new`, with words.
    pub trend: &'static str,
    pub trend_words: String,
    pub matters: u64,
    pub in_hall: &'static str,
    pub online_matter_rate: String,
    pub received: u64,
    pub online_rate: String,
    pub on_time_rate: String,
    pub immediate_rate: String,
    pub one_trip_rate: String,
    pub trips_per_case: String,
    pub published_trips_per_case: String,
    /// 黄牌 / 红牌 now, or — for a past month.
    pub cards: String,
    pub second_corrections: u64,
    pub window_rate: String,
    pub signed_off_outside: u64,
    /// Cases handled through the department's own system, and their share of those received.
    pub via_system: String,
    pub late_orders: u64,
    pub windows: u64,
    pub staffing_rate: String,
    pub ended_early: u64,
    pub good_rate: String,
    pub rectify_rate: String,
}

fn line(card: &Scorecard) -> CardLine {
    let (trend, trend_words) = match (card.composite, card.previous) {
        (Some(now), Some(before)) if now > before => ("up", format!("升 {:.1}", now - before)),
        (Some(now), Some(before)) if now < before => ("down", format!("降 {:.1}", before - now)),
        (Some(_), Some(_)) => ("same", "持平".to_string()),
        _ => ("new", "上月无数据".to_string()),
    };
    CardLine {
        rank: card.rank,
        department: card.department.clone(),
        name: card.name.clone(),
        composite: card.composite.map(|value| format!("{value:.1}")).unwrap_or_else(|| "—".to_string()),
        trend,
        trend_words,
        matters: card.matters,
        in_hall: if card.in_hall { "已进驻" } else { "未进驻" },
        online_matter_rate: percent(card.online_matter_rate()),
        received: card.counts.received,
        online_rate: percent(card.counts.online_rate()),
        on_time_rate: percent(card.counts.on_time_rate()),
        immediate_rate: percent(card.immediate_rate()),
        one_trip_rate: percent(card.counts.one_trip_rate()),
        trips_per_case: card.trips_per_case().map(|value| format!("{value:.2}")).unwrap_or_else(|| "—".to_string()),
        published_trips_per_case: card
            .published_trips_per_case()
            .map(|value| format!("{value:.2}"))
            .unwrap_or_else(|| "—".to_string()),
        cards: card.cards.map(|(yellow, red)| format!("{yellow} / {red}")).unwrap_or_else(|| "—".to_string()),
        second_corrections: card.second_corrections,
        window_rate: percent(card.window_rate()),
        signed_off_outside: card.signed_off_outside(),
        via_system: format!("{}（{}）", card.via_system, percent(card.via_system_rate())),
        late_orders: card.late_orders,
        windows: card.staffing.windows,
        staffing_rate: percent(card.staffing.rate()),
        ended_early: card.staffing.ended_early,
        good_rate: percent(card.ratings.good_rate()),
        rectify_rate: percent(card.ratings.rectify_rate()),
    }
}

#[derive(Template)]
#[template(path = "staff_scorecards.html")]
struct ScorecardsPage {
    layout: Layout,
    month: String,
    lines: Vec<CardLine>,
}

/// `GET /staff/scorecards?month=2026-12`.
pub async fn scorecards_page(
    State(state): State<AppState>,
    Query(query): Query<MonthQuery>,
    StaffPage(staff): StaffPage,
) -> Result<Response, Error> {
    let cards = scorecards::scorecards(&state.app, &staff.actor, &query.month).await?;
    render(&ScorecardsPage {
        layout: Layout::new(&state, Some(&staff)),
        month: cards.month.clone(),
        lines: cards.rows.iter().map(line).collect(),
    })
}
