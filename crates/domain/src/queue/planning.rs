//! Window planning (Erlang C): how many windows a zone needs for the average wait to stay under a target,
//! from the arrivals and service times the hall recorded.

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
