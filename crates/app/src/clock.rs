//! The one clock of the application: every rule, record and session reads the time from the [`Clock`] it
//! was given. In service that is the system clock; tests and demonstrations give one they can move forward
//! (to watch a case turn yellow, then red) without waiting days.

use chrono::{DateTime, Utc};
use std::sync::atomic::{AtomicI64, Ordering};

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// The system clock moved forward by an offset that can grow (tests and demonstrations only).
#[derive(Default)]
pub struct MovableClock {
    offset_seconds: AtomicI64,
}

impl MovableClock {
    pub fn advance(&self, by: chrono::Duration) {
        self.offset_seconds.fetch_add(by.num_seconds(), Ordering::Relaxed);
    }
}

impl Clock for MovableClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::seconds(self.offset_seconds.load(Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_movable_clock_moves_only_forward_by_what_it_is_told() {
        let clock = MovableClock::default();
        let before = clock.now();
        clock.advance(chrono::Duration::days(3));
        let after = clock.now();
        assert!(after - before >= chrono::Duration::days(3));
        assert!(after - before < chrono::Duration::days(3) + chrono::Duration::minutes(1));
    }
}
