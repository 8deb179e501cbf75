//! Window planning (窗口测算): for each zone and half day, how many windows keep the average wait under a
//! target (Erlang C, `onetrip_domain::queue::plan_windows`), from the tickets of the last working days, next
//! to today's staffing.

use super::tickets::service_minutes;
use super::{require, DEFAULT_SERVICE_MINUTES};
use crate::app::App;
use crate::error::{AppError, AppResult};
use onetrip_domain::access::Permission;
use onetrip_domain::actor::Actor;
use onetrip_domain::hall::Window;
use onetrip_domain::queue::{Ticket, TicketState};
use std::collections::HashSet;

/// Working days looked back at when planning windows.
const PLANNING_DAYS: usize = 20;

/// One zone and half day of the plan.
#[derive(Debug, Clone)]
pub struct PlanLine {
    pub zone: String,
    pub zone_name: String,
    /// `上午` or `下午`.
    pub half: &'static str,
    /// Tickets of the zone in this half day over the period; with none there is nothing to plan from.
    pub tickets: usize,
    pub arrivals_per_hour: f64,
    /// Mean minutes at the window from the record; `None`: nothing finished, the default was assumed.
    pub mean_service: Option<f64>,
    pub recommended: Option<u32>,
    pub expected_wait: Option<f64>,
    /// The zone's open windows, and how many have somebody at them now.
    pub windows_open: usize,
    pub staffed_now: usize,
}

#[derive(Debug, Clone)]
pub struct HallPlan {
    pub hall: String,
    pub hall_name: String,
    pub target_wait: f64,
    pub from: String,
    pub to: String,
    /// Days in that range on which the hall issued any ticket.
    pub days: usize,
    pub assumed_service: f64,
    pub lines: Vec<PlanLine>,
}

fn round1(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// Recommends, for each zone and half day, how many windows keep the average wait under `target_wait`
/// minutes (Erlang C), from the tickets of the last working days, next to today's staffing.
pub async fn plan(app: &App, actor: &Actor, hall: &str, target_wait: f64) -> AppResult<HallPlan> {
    require(actor, Permission::ManageHall)?;
    if !(1.0..=120.0).contains(&target_wait) {
        return Err(AppError::field("target", "目标平均等候时间请填 1 到 120 分钟"));
    }
    let catalog = app.catalog();
    let layout = &catalog.hall;
    let hall_record = layout
        .halls
        .iter()
        .find(|known| known.code == hall)
        .ok_or_else(|| AppError::NotFound(format!("大厅 {hall}")))?;
    let calendar = app.calendar();
    let today = app.today();
    let mut days = Vec::new();
    let mut day = today;
    while days.len() < PLANNING_DAYS {
        day -= chrono::Duration::days(1);
        match calendar.is_working_day(day) {
            Ok(true) => days.push(day),
            Ok(false) => {}
            Err(_) => break, // before the first loaded year
        }
    }
    let (from, to) = (days.last().copied().unwrap_or(today), days.first().copied().unwrap_or(today));
    let working: HashSet<chrono::NaiveDate> = days.iter().copied().collect();
    let tickets: Vec<Ticket> = app
        .store
        .tickets_between(hall, from, to)
        .await?
        .into_iter()
        .filter(|ticket| working.contains(&ticket.day))
        .collect();
    let observed = tickets.iter().map(|ticket| ticket.day).collect::<HashSet<_>>().len();
    let hours = app.config.office_hours;
    let morning = (hours.morning_end - hours.morning_start).num_minutes();
    let afternoon = (hours.afternoon_end - hours.afternoon_start).num_minutes();
    let presence = app.store.presence().await?;
    let mut lines = Vec::new();
    for zone in layout.zones.iter().filter(|zone| zone.hall == hall) {
        let open: Vec<&Window> =
            layout.windows.iter().filter(|window| window.open && window.zone == zone.code).collect();
        let staffed_now =
            open.iter().filter(|window| presence.iter().any(|line| line.window_code == window.code)).count();
        for (half, minutes, is_morning) in [("上午", morning, true), ("下午", afternoon, false)] {
            let of_half: Vec<&Ticket> = tickets
                .iter()
                .filter(|ticket| ticket.zone == zone.code)
                .filter(|ticket| (app.local(ticket.issued_at).time() < hours.morning_end) == is_morning)
                .collect();
            let services: Vec<f64> = of_half
                .iter()
                .filter(|ticket| ticket.state == TicketState::Finished)
                .filter_map(|ticket| service_minutes(ticket))
                .collect();
            let plan = onetrip_domain::queue::plan_windows(
                of_half.len(),
                observed,
                minutes,
                &services,
                DEFAULT_SERVICE_MINUTES,
                target_wait,
                open.len().max(1) as u32 * 2,
            );
            lines.push(PlanLine {
                zone: zone.code.clone(),
                zone_name: zone.name.clone(),
                half,
                tickets: of_half.len(),
                arrivals_per_hour: round1(plan.arrivals_per_hour),
                mean_service: plan.mean_service.map(round1),
                recommended: plan.recommended,
                expected_wait: plan.expected_wait.map(round1),
                windows_open: open.len(),
                staffed_now,
            });
        }
    }
    Ok(HallPlan {
        hall: hall.to_string(),
        hall_name: hall_record.name.clone(),
        target_wait,
        from: from.to_string(),
        to: to.to_string(),
        days: observed,
        assumed_service: DEFAULT_SERVICE_MINUTES,
        lines,
    })
}
