//! The hall as it is now, for the hall manager: each zone's queue and times, each window's state (serving,
//! idle, on a break, an empty post), and today's empty-post minutes from the window log; and the latest
//! calls for a display that has just connected.

use super::tickets::service_minutes;
use super::{announcement, require, HallCall};
use crate::app::App;
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Utc};
use onetrip_domain::access::Permission;
use onetrip_domain::actor::Actor;
use onetrip_domain::queue::{Ticket, TicketState};
use std::collections::{HashMap, HashSet};

/// One zone, now.
#[derive(Debug, Clone)]
pub struct ZoneLive {
    pub code: String,
    pub name: String,
    pub prefix: char,
    pub waiting: usize,
    /// Minutes the longest-waiting ticket has waited.
    pub longest_wait: i64,
    /// Today's mean wait (issued → called) and service (called → finished), in minutes.
    pub mean_wait: Option<f64>,
    pub mean_service: Option<f64>,
    pub served: usize,
    pub windows_open: usize,
    pub windows_serving: usize,
    pub windows_empty: usize,
}

/// One window, now.
#[derive(Debug, Clone)]
pub struct WindowLive {
    pub code: String,
    pub zone: String,
    pub general: bool,
    /// `closed` (not in service), `empty` (空岗: open, nobody there in office hours), `off` (open, nobody, outside
    /// office hours), `break`, `idle` (someone there, nobody being served) or `serving`.
    pub status: &'static str,
    pub status_label: &'static str,
    pub staff: String,
    pub ticket: String,
    pub served_today: usize,
    /// Office minutes today so far with nobody signed in (an open window only).
    pub empty_minutes_today: i64,
}

#[derive(Debug, Clone)]
pub struct HallLive {
    pub hall: String,
    pub hall_name: String,
    pub zones: Vec<ZoneLive>,
    pub windows: Vec<WindowLive>,
    pub empty_posts: usize,
    /// Office minutes today so far, over all open windows, with nobody signed in.
    pub empty_minutes_today: i64,
    /// Office minutes of today so far (the same for every window).
    pub office_minutes_today: i64,
    /// Windows in service.
    pub open_windows: usize,
    pub waiting: usize,
}

impl HallLive {
    /// The empty minutes of an average open window today.
    pub fn empty_minutes_per_window(&self) -> i64 {
        if self.open_windows == 0 {
            0
        } else {
            (self.empty_minutes_today as f64 / self.open_windows as f64).round() as i64
        }
    }

    /// The share of the open windows' office time today that nobody staffed, as a percentage with one
    /// decimal; `None` before office hours have begun.
    pub fn empty_share_percent(&self) -> Option<f64> {
        let possible = self.office_minutes_today * self.open_windows as i64;
        (possible > 0).then(|| (self.empty_minutes_today as f64 * 1000.0 / possible as f64).round() / 10.0)
    }
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| (values.iter().sum::<f64>() / values.len() as f64 * 10.0).round() / 10.0)
}

pub async fn live(app: &App, actor: &Actor, hall: &str) -> AppResult<HallLive> {
    require(actor, Permission::ManageHall)?;
    let catalog = app.catalog();
    let layout = &catalog.hall;
    let hall_record = layout
        .halls
        .iter()
        .find(|known| known.code == hall)
        .ok_or_else(|| AppError::NotFound(format!("大厅 {hall}")))?;
    let now = app.now();
    let tickets = app.store.tickets_of_day(hall, app.local(now).date_naive()).await?;
    let presence: HashMap<String, onetrip_store::hall::Presence> =
        app.store.presence().await?.into_iter().map(|line| (line.window_code.clone(), line)).collect();
    let in_office = app.calendar().is_office_time(app.local(now).naive_local());
    let (empty_minutes, office_minutes_today) = empty_minutes_today(app, now).await?;
    let zone_codes: HashSet<&str> =
        layout.zones.iter().filter(|zone| zone.hall == hall).map(|zone| zone.code.as_str()).collect();
    let mut windows = Vec::new();
    for window in layout.windows.iter().filter(|window| zone_codes.contains(window.zone.as_str())) {
        let serving = tickets.iter().find(|ticket| {
            ticket.state == TicketState::Called && ticket.window_code.as_deref() == Some(window.code.as_str())
        });
        let here = presence.get(&window.code);
        let (status, status_label) = match (window.open, here, serving) {
            (false, _, _) => ("closed", "暂停使用"),
            (true, None, _) if in_office => ("empty", "空岗"),
            (true, None, _) => ("off", "未上岗（非办公时间）"),
            (true, Some(line), _) if line.state == "break" => ("break", "暂离"),
            (true, Some(_), Some(_)) => ("serving", "办理中"),
            (true, Some(_), None) => ("idle", "空闲"),
        };
        windows.push(WindowLive {
            code: window.code.clone(),
            zone: window.zone.clone(),
            general: window.is_general(),
            status,
            status_label,
            staff: here.map(|line| line.display_name.clone()).unwrap_or_default(),
            ticket: serving.map(|ticket| ticket.number.clone()).unwrap_or_default(),
            served_today: tickets
                .iter()
                .filter(|ticket| {
                    ticket.state == TicketState::Finished && ticket.window_code.as_deref() == Some(window.code.as_str())
                })
                .count(),
            empty_minutes_today: if window.open { empty_minutes.get(&window.code).copied().unwrap_or(0) } else { 0 },
        });
    }
    let zones = layout
        .zones
        .iter()
        .filter(|zone| zone.hall == hall)
        .map(|zone| {
            let of_zone: Vec<&Ticket> = tickets.iter().filter(|ticket| ticket.zone == zone.code).collect();
            let waiting: Vec<&&Ticket> = of_zone.iter().filter(|ticket| ticket.state == TicketState::Waiting).collect();
            let waits: Vec<f64> = of_zone
                .iter()
                .filter_map(|ticket| Some((ticket.called_at? - ticket.issued_at).num_seconds() as f64 / 60.0))
                .collect();
            let services: Vec<f64> = of_zone
                .iter()
                .filter(|ticket| ticket.state == TicketState::Finished)
                .filter_map(|ticket| service_minutes(ticket))
                .collect();
            let zone_windows: Vec<&WindowLive> = windows.iter().filter(|window| window.zone == zone.code).collect();
            ZoneLive {
                code: zone.code.clone(),
                name: zone.name.clone(),
                prefix: zone.prefix,
                waiting: waiting.len(),
                longest_wait: waiting.iter().map(|ticket| (now - ticket.queued_at).num_minutes()).max().unwrap_or(0),
                mean_wait: mean(&waits),
                mean_service: mean(&services),
                served: services.len(),
                windows_open: zone_windows.iter().filter(|window| window.status != "closed").count(),
                windows_serving: zone_windows
                    .iter()
                    .filter(|window| matches!(window.status, "serving" | "idle"))
                    .count(),
                windows_empty: zone_windows.iter().filter(|window| window.status == "empty").count(),
            }
        })
        .collect::<Vec<_>>();
    Ok(HallLive {
        hall: hall.to_string(),
        hall_name: hall_record.name.clone(),
        empty_posts: windows.iter().filter(|window| window.status == "empty").count(),
        empty_minutes_today: windows.iter().map(|window| window.empty_minutes_today).sum(),
        office_minutes_today,
        open_windows: windows.iter().filter(|window| window.status != "closed").count(),
        waiting: zones.iter().map(|zone| zone.waiting).sum(),
        zones,
        windows,
    })
}

/// For every window, the office minutes of today up to `now` during which nobody was signed in, from the
/// window log (a person signed in before today and still there counts as there from the start); and the
/// office minutes of today so far.
async fn empty_minutes_today(app: &App, now: DateTime<Utc>) -> AppResult<(HashMap<String, i64>, i64)> {
    let local_now = app.local(now).naive_local();
    let day = local_now.date();
    let calendar = app.calendar();
    if !calendar.is_working_day(day).unwrap_or(false) {
        return Ok((HashMap::new(), 0));
    }
    let hours = app.config.office_hours;
    let office: Vec<(chrono::NaiveDateTime, chrono::NaiveDateTime)> = [
        (day.and_time(hours.morning_start), day.and_time(hours.morning_end)),
        (day.and_time(hours.afternoon_start), day.and_time(hours.afternoon_end)),
    ]
    .into_iter()
    .filter(|(start, _)| *start < local_now)
    .map(|(start, end)| (start, end.min(local_now)))
    .collect();
    let office_minutes: i64 = office.iter().map(|(start, end)| (*end - *start).num_minutes()).sum();
    let start_of_day = app.utc_of(day.and_hms_opt(0, 0, 0).unwrap_or_default());
    let log = app.store.window_log_between(start_of_day, now).await?;
    let presence = app.store.presence().await?;
    let catalog = app.catalog();
    let mut result = HashMap::new();
    for window in catalog.hall.windows.iter().filter(|window| window.open) {
        let events: Vec<(&str, chrono::NaiveDateTime)> = log
            .iter()
            .filter(|(code, _, _, _)| *code == window.code)
            .map(|(_, _, action, at)| (action.as_str(), app.local(*at).naive_local()))
            .collect();
        // Signed in at the start of the day: the first event of today is not a sign-in, or there is none
        // and somebody is there now.
        let mut since = match events.first() {
            Some((action, _)) => (*action != "sign_in").then(|| day.and_hms_opt(0, 0, 0).unwrap_or_default()),
            None => presence
                .iter()
                .any(|line| line.window_code == window.code)
                .then(|| day.and_hms_opt(0, 0, 0).unwrap_or_default()),
        };
        let mut staffed = Vec::new();
        for (action, at) in events {
            match (action, since) {
                ("sign_in", None) => since = Some(at),
                ("sign_out", Some(start)) => {
                    staffed.push((start, at));
                    since = None;
                }
                _ => {}
            }
        }
        if let Some(start) = since {
            staffed.push((start, local_now));
        }
        let covered: i64 = office
            .iter()
            .flat_map(|(office_start, office_end)| {
                staffed.iter().map(move |(start, end)| {
                    let from = (*start).max(*office_start);
                    let to = (*end).min(*office_end);
                    if to > from {
                        (to - from).num_minutes()
                    } else {
                        0
                    }
                })
            })
            .sum();
        result.insert(window.code.clone(), (office_minutes - covered).max(0));
    }
    Ok((result, office_minutes))
}

/// The latest calls of a hall today, newest first, for a display that has just connected.
pub async fn recent_calls(app: &App, hall: &str, limit: usize) -> AppResult<Vec<HallCall>> {
    let mut tickets: Vec<Ticket> = app
        .store
        .tickets_of_day(hall, app.today())
        .await?
        .into_iter()
        .filter(|ticket| ticket.called_at.is_some() && ticket.window_code.is_some())
        .collect();
    tickets.sort_by_key(|ticket| std::cmp::Reverse(ticket.called_at));
    Ok(tickets
        .into_iter()
        .take(limit)
        .map(|ticket| {
            let window = ticket.window_code.clone().unwrap_or_default();
            HallCall {
                hall: ticket.hall.clone(),
                announcement: announcement(&ticket.number, &window),
                number: ticket.number,
                window,
                zone: ticket.zone,
                kind: "call".to_string(),
                at: ticket.called_at.map(|at| app.local(at).format("%H:%M:%S").to_string()).unwrap_or_default(),
            }
        })
        .collect())
}
