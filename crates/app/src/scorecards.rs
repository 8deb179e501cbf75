//! Department scorecards (the source report's sections 二 and 五 as figures): per department and month, what
//! it has in the catalog and in the hall (应进必进), what can be applied for online, the cases received with
//! their online share, decisions on time, 即办 and 一次办结 shares, trips and second corrections, supervision
//! orders answered late, how its own windows were staffed, and its 好差评 — ranked, with the trend against the month before. Every figure is
//! counted from the records.
//!
//! The rank orders by a composite: the mean of the department's on-time rate, 好评率, 一次办结 share and 网办率
//! (each as a percentage, over the ones it has).

use crate::app::App;
use crate::error::{AppError, AppResult};
use crate::ratings::figures::share as ratio;
use crate::ratings::figures::{first_of_month, RatingFigures};
use chrono::{Months, NaiveDate};
use onetrip_domain::access::Permission;
use onetrip_domain::actor::Actor;
use onetrip_domain::catalog::{OnlineDepth, TimeLimit};
use std::collections::BTreeMap;

/// Cases received in a period and what became of them: the counts behind 网办率, 按期办结率 and 一次办结率.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CaseCounts {
    pub received: u64,
    /// Applied for online.
    pub online: u64,
    /// Decided, decided within the promised limit, and decided after at most one trip to the hall.
    pub decided: u64,
    pub on_time: u64,
    pub one_trip: u64,
}

impl CaseCounts {
    /// 网办率: cases applied for online.
    pub fn online_rate(&self) -> Option<f64> {
        ratio(self.online, self.received)
    }
    pub fn on_time_rate(&self) -> Option<f64> {
        ratio(self.on_time, self.decided)
    }
    /// 一次办结: decided cases that needed at most one trip.
    pub fn one_trip_rate(&self) -> Option<f64> {
        ratio(self.one_trip, self.decided)
    }

    pub fn add(&mut self, other: &CaseCounts) {
        self.received += other.received;
        self.online += other.online;
        self.decided += other.decided;
        self.on_time += other.on_time;
        self.one_trip += other.one_trip;
    }
}

/// One department's month.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scorecard {
    pub department: String,
    pub name: String,
    /// Matters in force in the catalog, and of those in the hall (the department has a zone or a window
    /// there) and applicable online (网上办理深度 at least 互联网收件).
    pub matters: u64,
    pub in_hall: bool,
    pub online_matters: u64,
    /// Cases received in the month, online, decided, on time and in one trip.
    pub counts: CaseCounts,
    pub accepted: u64,
    /// Cases of matters promised 即办 (on the spot).
    pub immediate: u64,
    pub trips: u64,
    /// The trips the catalog publishes for the cases received (跑动次数 of each case's matter), in all.
    pub published_trips: u64,
    /// Yellow and red cards of the department's cases now (shown for the current month only: cards are a
    /// state, not a record).
    pub cards: Option<(u64, u64)>,
    pub second_corrections: u64,
    /// Decided cases concluded at the window, without a review step sent to the back office (窗口授权).
    pub at_window: u64,
    /// Cases received that the department's own system registered or acted on (the rest were typed at a
    /// window or handled on Onetrip's pages).
    pub via_system: u64,
    pub late_orders: u64,
    /// The department's own windows in the hall and how they were staffed.
    pub staffing: Staffing,
    pub ratings: RatingFigures,
    /// The composite the rank orders by, 0–100; `None` with nothing to measure.
    pub composite: Option<f64>,
    /// The composite of the month before.
    pub previous: Option<f64>,
    pub rank: usize,
}

impl Scorecard {
    /// 网上可办率: matters that can be applied for online.
    pub fn online_matter_rate(&self) -> Option<f64> {
        ratio(self.online_matters, self.matters)
    }
    pub fn immediate_rate(&self) -> Option<f64> {
        ratio(self.immediate, self.counts.received)
    }
    /// 窗口办结率: decided cases concluded at the window, of those decided.
    pub fn window_rate(&self) -> Option<f64> {
        ratio(self.at_window, self.counts.decided)
    }
    /// Of the cases received, the share handled through the department's own system.
    pub fn via_system_rate(&self) -> Option<f64> {
        ratio(self.via_system, self.counts.received)
    }
    /// Decided cases whose review went to the back office for sign-off (回单位审批).
    pub fn signed_off_outside(&self) -> u64 {
        self.counts.decided.saturating_sub(self.at_window)
    }
    /// Trips per case received as the catalog publishes them.
    pub fn published_trips_per_case(&self) -> Option<f64> {
        ratio(self.published_trips, self.counts.received)
    }
    /// Trips per case received.
    pub fn trips_per_case(&self) -> Option<f64> {
        ratio(self.trips, self.counts.received)
    }

    fn compose(&mut self) {
        let counts = self.counts;
        let parts: Vec<f64> =
            [counts.on_time_rate(), self.ratings.good_rate(), counts.one_trip_rate(), counts.online_rate()]
                .into_iter()
                .flatten()
                .collect();
        #[allow(clippy::cast_precision_loss)]
        let composite = (!parts.is_empty()).then(|| parts.iter().sum::<f64>() / parts.len() as f64 * 100.0);
        self.composite = composite.map(|value| (value * 10.0).round() / 10.0);
    }
}

/// How a department staffed its own windows (those of the hall layout that serve it alone; general windows
/// shared by several departments are the centre's) over a month's working days up to today.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Staffing {
    pub windows: u64,
    /// Window-days to staff (windows × working days) and window-days with someone posted all day.
    pub required: u64,
    pub staffed: u64,
    /// Posts at its windows ended before their term in the month (withdrawn or moved, with a reason).
    pub ended_early: u64,
}

impl Staffing {
    /// 在岗率: staffed window-days of those required.
    pub fn rate(&self) -> Option<f64> {
        ratio(self.staffed, self.required)
    }
}

/// The departments' staffing of the month starting `first`: a post counts on a working day it covers if it was
/// not ended before that day.
async fn staffing(app: &App, first: NaiveDate, next: NaiveDate) -> AppResult<BTreeMap<String, Staffing>> {
    let catalog = app.catalog();
    let calendar = app.calendar();
    let last = app.today().min(next - chrono::Duration::days(1));
    let mut days = Vec::new();
    let mut day = first;
    while day <= last {
        if calendar.is_working_day(day).unwrap_or(false) {
            days.push(day);
        }
        day += chrono::Duration::days(1);
    }
    let posts = app.store.assignments_between(first, next).await?;
    let mut staffing: BTreeMap<String, Staffing> = BTreeMap::new();
    for window in &catalog.hall.windows {
        let [department] = window.departments.as_slice() else { continue };
        let entry = staffing.entry(department.clone()).or_default();
        entry.windows += 1;
        entry.required += days.len() as u64;
        let here: Vec<_> = posts.iter().filter(|post| post.window_code == window.code).collect();
        entry.staffed += days
            .iter()
            .filter(|day| {
                here.iter().any(|post| {
                    post.starts <= **day
                        && **day <= post.ends
                        && post.ended_at.is_none_or(|ended| app.local_naive(ended).date() > **day)
                })
            })
            .count() as u64;
        entry.ended_early += here
            .iter()
            .filter(|post| {
                post.ended_at.is_some_and(|ended| {
                    let ended = app.local_naive(ended).date();
                    first <= ended && ended < next
                })
            })
            .count() as u64;
    }
    Ok(staffing)
}

/// A month's scorecards, the best first.
#[derive(Debug, Clone)]
pub struct Scorecards {
    pub month: String,
    pub rows: Vec<Scorecard>,
}

pub(crate) async fn month_cards(app: &App, first: NaiveDate) -> AppResult<Vec<Scorecard>> {
    let catalog = app.catalog();
    let next = first.checked_add_months(Months::new(1)).unwrap_or(first);
    let from = app.utc_of(first.and_hms_opt(0, 0, 0).unwrap_or_default());
    let to = app.utc_of(next.and_hms_opt(0, 0, 0).unwrap_or_default());
    let mut cards: BTreeMap<String, Scorecard> = BTreeMap::new();
    for department in &catalog.departments {
        let in_hall = catalog.hall.zones.iter().any(|zone| zone.departments.contains(&department.code))
            || catalog.hall.windows.iter().any(|window| window.departments.contains(&department.code));
        cards.insert(
            department.code.clone(),
            Scorecard {
                department: department.code.clone(),
                name: department.name.clone(),
                in_hall,
                ..Scorecard::default()
            },
        );
    }
    for matter in catalog.active_matters() {
        let card = cards.entry(matter.department.clone()).or_default();
        card.matters += 1;
        if matter.online_depth >= OnlineDepth::Receive {
            card.online_matters += 1;
        }
    }
    for row in app.store.matter_cases(from, to).await? {
        let matter = catalog.version(&row.matter_code).map(|version| &version.matter);
        let immediate = matter.is_some_and(|matter| matter.promised_limit == TimeLimit::OnTheSpot);
        let published = matter.map_or(0, |matter| u64::from(matter.trips_required));
        let card = cards.entry(row.department.clone()).or_default();
        card.counts.add(&CaseCounts {
            received: row.received,
            online: row.online,
            decided: row.decided,
            on_time: row.decided_on_time,
            one_trip: row.one_trip,
        });
        card.accepted += row.accepted;
        card.trips += row.trips;
        card.published_trips += row.received * published;
        card.second_corrections += row.second_corrections;
        card.at_window += row.at_window;
        card.via_system += row.via_system;
        if immediate {
            card.immediate += row.received;
        }
    }
    for (department, late) in app.store.late_orders(from, to, app.now()).await? {
        cards.entry(department).or_default().late_orders += late;
    }
    if first <= app.today() && app.today() < next {
        for card in cards.values_mut() {
            card.cards = Some((0, 0));
        }
        for count in app.store.risk_counts(app.now()).await? {
            if let Some((yellow, red)) = cards.get_mut(&count.department).and_then(|card| card.cards.as_mut()) {
                *yellow += count.yellow;
                *red += count.red;
            }
        }
    }
    for (department, figures) in staffing(app, first, next).await? {
        if let Some(card) = cards.get_mut(&department) {
            card.staffing = figures;
        }
    }
    let month = first.format("%Y-%m").to_string();
    let disclosure = crate::ratings::figures::disclosure(app, &month).await?;
    for figures in disclosure.departments {
        if let Some(card) = cards.get_mut(&figures.department) {
            card.ratings = figures;
        }
    }
    let mut rows: Vec<Scorecard> = cards
        .into_values()
        .filter(|card| !card.department.is_empty())
        .map(|mut card| {
            card.compose();
            card
        })
        .collect();
    rows.sort_by(|a, b| {
        b.composite
            .unwrap_or(-1.0)
            .total_cmp(&a.composite.unwrap_or(-1.0))
            .then_with(|| a.department.cmp(&b.department))
    });
    let mut previous_value = None;
    let mut rank = 0;
    for (index, card) in rows.iter_mut().enumerate() {
        if previous_value != Some(card.composite) {
            rank = index + 1;
            previous_value = Some(card.composite);
        }
        card.rank = rank;
    }
    Ok(rows)
}

/// The scorecards of `month` (`YYYY-MM`; empty: this month), with last month's composite beside each.
/// Managers only.
pub async fn scorecards(app: &App, actor: &Actor, month: &str) -> AppResult<Scorecards> {
    if !actor.may(Permission::Supervise) {
        return Err(AppError::Forbidden);
    }
    let first = first_of_month(app, month)?;
    let mut rows = month_cards(app, first).await?;
    let before = first.checked_sub_months(Months::new(1)).unwrap_or(first);
    let previous: BTreeMap<String, Option<f64>> =
        month_cards(app, before).await?.into_iter().map(|card| (card.department, card.composite)).collect();
    for card in &mut rows {
        card.previous = previous.get(&card.department).copied().flatten();
    }
    Ok(Scorecards { month: first.format("%Y-%m").to_string(), rows })
}
