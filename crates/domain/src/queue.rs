//! The hall's queue rules (取号 / 叫号) and window planning (Erlang C), as pure functions for the hall
//! (issue 4): which waiting ticket a window calls next, how ticket numbers look, and how many windows a
//! zone needs for the average wait to stay under a target.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

/// Why a ticket goes ahead of the plain queue. Appointments first, then the elderly and the disabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Appointment,
    Elderly,
    Disabled,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketState {
    Waiting,
    Called,
    /// 过号: called and not present; the visitor may rejoin.
    Missed,
    Finished,
}

/// A ticket as the calling rule sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    /// Shown and announced, e.g. `B023`.
    pub number: String,
    pub zone: String,
    /// The matter the visitor came for, if they chose one at the kiosk.
    pub matter: Option<String>,
    pub priority: Priority,
    pub issued_at: NaiveDateTime,
    pub state: TicketState,
}

/// What a window serves: whole zones (a general window may serve several) and single matters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WindowServes {
    pub zones: Vec<String>,
    pub matters: Vec<String>,
}

impl WindowServes {
    pub fn serves(&self, ticket: &Ticket) -> bool {
        self.zones.contains(&ticket.zone) || ticket.matter.as_ref().is_some_and(|matter| self.matters.contains(matter))
    }
}

/// The ticket a window should call next: among waiting tickets it serves, the highest priority, then the
/// one waiting longest (ties by number, so two windows computing at once agree on the order; the store
/// makes sure only one of them gets it).
pub fn next_ticket<'a>(tickets: &'a [Ticket], window: &WindowServes) -> Option<&'a Ticket> {
    tickets
        .iter()
        .filter(|ticket| ticket.state == TicketState::Waiting && window.serves(ticket))
        .min_by(|a, b| (a.priority, a.issued_at, &a.number).cmp(&(b.priority, b.issued_at, &b.number)))
}

/// The number printed on the `sequence`-th ticket of a zone today: its letter and three digits (`B023`);
/// past 999 the digits grow (`B1000`) rather than wrap, so a number is never given twice in a day.
pub fn ticket_number(prefix: char, sequence: u32) -> String {
    format!("{}{sequence:03}", prefix.to_ascii_uppercase())
}

/// The probability that a visitor has to wait, with `servers` windows and an offered load of `load`
/// Erlangs (arrivals per unit time × mean service time), by the Erlang C formula. `None` when the windows
/// cannot keep up (`load >= servers`): the queue grows without end.
pub fn erlang_c(servers: u32, load: f64) -> Option<f64> {
    if servers == 0 || !load.is_finite() || load < 0.0 || load >= f64::from(servers) {
        return None;
    }
    // Erlang B by its stable recursion, then C from B.
    let mut blocking = 1.0;
    for n in 1..=servers {
        blocking = load * blocking / (f64::from(n) + load * blocking);
    }
    let n = f64::from(servers);
    Some(n * blocking / (n - load * (1.0 - blocking)))
}

/// The average wait (same unit as `mean_service`) with `servers` windows, `arrivals` per unit of time.
pub fn average_wait(servers: u32, arrivals: f64, mean_service: f64) -> Option<f64> {
    let load = arrivals * mean_service;
    erlang_c(servers, load).map(|waiting| waiting * mean_service / (f64::from(servers) - load))
}

/// The fewest windows that keep the average wait at or under `target_wait`, up to `max_windows`.
/// Arrivals per minute and times in minutes (any one unit will do).
pub fn windows_needed(arrivals: f64, mean_service: f64, target_wait: f64, max_windows: u32) -> Option<u32> {
    if arrivals <= 0.0 {
        return Some(0);
    }
    (1..=max_windows)
        .find(|servers| average_wait(*servers, arrivals, mean_service).is_some_and(|wait| wait <= target_wait))
}

/// What the recorded tickets of one zone and half day say, and how many windows that calls for.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowPlan {
    /// Visitors per hour, on average over the days observed.
    pub arrivals_per_hour: f64,
    /// Mean minutes at the window, from the finished tickets; `None` when none was finished.
    pub mean_service: Option<f64>,
    /// The fewest windows keeping the average wait under the target; `None` when even `max_windows` cannot.
    pub recommended: Option<u32>,
    /// The average wait (minutes) with the recommended windows.
    pub expected_wait: Option<f64>,
}

/// Plans a zone's windows for a half day from what was recorded: `arrivals` tickets over `days` such half
/// days of `minutes` each, and the service times (minutes) of the finished ones. Without any finished
/// ticket, `assumed_service` minutes stand in (and `mean_service` stays `None`, to say so).
pub fn plan_windows(
    arrivals: usize,
    days: usize,
    minutes: i64,
    services: &[f64],
    assumed_service: f64,
    target_wait: f64,
    max_windows: u32,
) -> WindowPlan {
    let per_minute = if days == 0 || minutes <= 0 { 0.0 } else { arrivals as f64 / (days as f64 * minutes as f64) };
    let mean_service = (!services.is_empty()).then(|| services.iter().sum::<f64>() / services.len() as f64);
    let service = mean_service.unwrap_or(assumed_service);
    let recommended = windows_needed(per_minute, service, target_wait, max_windows);
    WindowPlan {
        arrivals_per_hour: per_minute * 60.0,
        mean_service,
        recommended,
        expected_wait: recommended.and_then(|windows| {
            if windows == 0 {
                Some(0.0)
            } else {
                average_wait(windows, per_minute, service)
            }
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::at;

    fn ticket(number: &str, zone: &str, priority: Priority, issued: &str) -> Ticket {
        Ticket {
            number: number.to_string(),
            zone: zone.to_string(),
            matter: None,
            priority,
            issued_at: at(issued),
            state: TicketState::Waiting,
        }
    }

    #[test]
    fn priorities_go_first_then_the_longest_waiting() {
        let tickets = vec![
            ticket("B001", "B", Priority::None, "2026-03-02 09:00"),
            ticket("B002", "B", Priority::Elderly, "2026-03-02 09:05"),
            ticket("B003", "B", Priority::Appointment, "2026-03-02 09:10"),
            ticket("C001", "C", Priority::Appointment, "2026-03-02 08:50"),
        ];
        let window = WindowServes { zones: vec!["B".into()], matters: vec![] };
        assert_eq!(next_ticket(&tickets, &window).map(|t| t.number.as_str()), Some("B003"));
        let mut served = tickets.clone();
        served[2].state = TicketState::Called;
        assert_eq!(next_ticket(&served, &window).map(|t| t.number.as_str()), Some("B002"));
        served[1].state = TicketState::Missed;
        assert_eq!(next_ticket(&served, &window).map(|t| t.number.as_str()), Some("B001"));
        let general = WindowServes { zones: vec!["B".into(), "C".into()], matters: vec![] };
        assert_eq!(
            next_ticket(&tickets, &general).map(|t| t.number.as_str()),
            Some("C001"),
            "a general window serves both zones"
        );
        let nobody = WindowServes::default();
        assert_eq!(next_ticket(&tickets, &nobody), None);
    }

    #[test]
    fn a_window_serving_a_matter_takes_tickets_for_that_matter() {
        let mut for_matter = ticket("A001", "A", Priority::None, "2026-03-02 09:00");
        for_matter.matter = Some("00013112700401".into());
        let window = WindowServes { zones: vec![], matters: vec!["00013112700401".into()] };
        assert_eq!(next_ticket(std::slice::from_ref(&for_matter), &window).map(|t| t.number.as_str()), Some("A001"));
    }

    #[test]
    fn ticket_numbers_never_wrap() {
        assert_eq!(ticket_number('b', 23), "B023");
        assert_eq!(ticket_number('B', 999), "B999");
        assert_eq!(ticket_number('B', 1000), "B1000");
    }

    #[test]
    fn erlang_c_matches_the_textbook_values() {
        // Two Erlangs on three servers: P(wait) = 4/9.
        let waiting = erlang_c(3, 2.0).expect("stable");
        assert!((waiting - 4.0 / 9.0).abs() < 1e-12, "{waiting}");
        // One server: P(wait) equals the utilisation (M/M/1).
        assert!((erlang_c(1, 0.7).expect("stable") - 0.7).abs() < 1e-12);
        assert_eq!(erlang_c(2, 2.0), None, "windows that cannot keep up");
        // M/M/1 wait: ρ/(1-ρ) × S = 0.7/0.3 × 10 minutes.
        let wait = average_wait(1, 0.07, 10.0).expect("stable");
        assert!((wait - 70.0 / 3.0).abs() < 1e-9, "{wait}");
    }

    #[test]
    fn a_plan_comes_from_the_recorded_arrivals_and_service_times() {
        // 20 mornings of 180 minutes with 3,600 tickets: one a minute; 12 minutes each: 13 windows (see below).
        let services = vec![10.0, 14.0, 12.0];
        let plan = plan_windows(3600, 20, 180, &services, 8.0, 20.0, 100);
        assert!((plan.arrivals_per_hour - 60.0).abs() < 1e-9);
        assert_eq!(plan.mean_service, Some(12.0));
        assert_eq!(plan.recommended, Some(13));
        assert!(plan.expected_wait.is_some_and(|wait| wait <= 20.0));
        // Nothing finished yet: the assumed service time is used and the plan says so.
        let assumed = plan_windows(3600, 20, 180, &[], 12.0, 20.0, 100);
        assert_eq!((assumed.mean_service, assumed.recommended), (None, Some(13)));
        // More than the zone's windows could handle, and no visitors at all.
        assert_eq!(plan_windows(3600, 20, 180, &services, 8.0, 20.0, 10).recommended, None);
        let empty = plan_windows(0, 20, 180, &[], 8.0, 20.0, 10);
        assert_eq!((empty.recommended, empty.expected_wait), (Some(0), Some(0.0)));
        assert_eq!(plan_windows(10, 0, 180, &[], 8.0, 20.0, 10).arrivals_per_hour, 0.0);
    }

    #[test]
    fn windows_needed_is_the_smallest_number_meeting_the_target() {
        // 60 visitors an hour, 12 minutes each: 12 Erlangs. Under 20 minutes' average wait.
        let needed = windows_needed(1.0, 12.0, 20.0, 100).expect("reachable");
        assert!(average_wait(needed, 1.0, 12.0).expect("stable") <= 20.0);
        assert!(average_wait(needed - 1, 1.0, 12.0).is_none_or(|wait| wait > 20.0), "one fewer is not enough");
        assert_eq!(needed, 13);
        assert_eq!(windows_needed(0.0, 12.0, 20.0, 100), Some(0));
        assert_eq!(windows_needed(10.0, 12.0, 1.0, 5), None, "not reachable within the windows there are");
    }
}
