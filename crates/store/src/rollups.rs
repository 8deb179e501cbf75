//! The counters behind the figures (migration 0014): what one case adds to the row of its department,
//! matter and hour of receipt, and to the row of the person who accepted it and the hour of acceptance.
//!
//! Every write of a case reads the case's share before and after the change, in the same transaction, and
//! adds the difference to the rows it touches (`sql/rollups.rs`); a change that moves no counter writes
//! nothing. The rows are always touched in one order (case rows by key, then staff rows by key), so that two
//! transactions never wait on each other in a circle. `share` is the one definition of a case's share: the
//! store's rebuild (`EvaluationStore::rebuild_rollups`) adds the same shares up from the cases, and the tests
//! compare the two.

use std::collections::BTreeMap;

/// Milliseconds per rollup bucket: an hour, so that the days of any whole-hour time zone are whole buckets.
pub const BUCKET_MILLIS: i64 = 3_600_000;

/// The counters of a department and matter.
pub(crate) const CASE_COUNTERS: [&str; 10] = [
    "received",
    "online",
    "accepted",
    "decided",
    "on_time",
    "one_trip",
    "second_corrections",
    "trips",
    "at_window",
    "via_system",
];
/// The counters of a person.
pub(crate) const STAFF_COUNTERS: [&str; 4] = ["accepted", "decided", "on_time", "second_corrections"];

/// The columns of a case that its share depends on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CaseColumns {
    pub department: String,
    pub matter_code: String,
    pub channel: String,
    pub received_at: i64,
    pub accepted_at: Option<i64>,
    pub accepted_by: Option<String>,
    pub decided_at: Option<i64>,
    pub due_at: Option<i64>,
    pub trips: i64,
    pub corrections: i64,
    /// Whether the case has review tasks (steps after acceptance, in the back office).
    pub reviewed: bool,
    /// Whether a department system registered it or acted on it.
    pub via_system: bool,
}

/// The bucket an instant (milliseconds since the epoch) falls in.
pub fn bucket(millis: i64) -> i64 {
    millis.div_euclid(BUCKET_MILLIS)
}

/// The first bucket after a period that ends at `millis` (exclusive): a period ending inside an hour counts
/// that whole hour, so that a period ending now counts the cases of the hour under way.
pub fn bucket_after(millis: i64) -> i64 {
    bucket(millis - 1) + 1
}

/// A row's key: (hour, department, matter) for cases, (hour, username) for staff.
pub(crate) type CaseKey = (i64, String, String);
pub(crate) type StaffKey = (i64, String);

/// What one case adds to the counters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Share {
    pub case: BTreeMap<CaseKey, [i64; 10]>,
    pub staff: BTreeMap<StaffKey, [i64; 4]>,
}

/// A case's share of the counters.
pub(crate) fn share(case: &CaseColumns) -> Share {
    let flag = |yes: bool| i64::from(yes);
    let decided = case.decided_at.is_some();
    let on_time = matches!((case.decided_at, case.due_at), (Some(decided), Some(due)) if decided <= due);
    let second = case.corrections >= 2;
    let counts = [
        1,
        flag(case.channel == "online"),
        flag(case.accepted_at.is_some()),
        flag(decided),
        flag(on_time),
        flag(decided && case.trips <= 1),
        flag(second),
        case.trips,
        // Decided at the window: concluded without a review step sent to the back office.
        flag(decided && !case.reviewed),
        flag(case.via_system),
    ];
    let mut share = Share::default();
    share.case.insert((bucket(case.received_at), case.department.clone(), case.matter_code.clone()), counts);
    if let (Some(accepted_at), Some(by)) = (case.accepted_at, &case.accepted_by) {
        share.staff.insert((bucket(accepted_at), by.clone()), [1, flag(decided), flag(on_time), flag(second)]);
    }
    share
}

/// What to add to each row to go from the share `before` to the share `after`, leaving out rows that do not
/// change; in key order.
pub(crate) fn difference(before: &Share, after: &Share) -> Share {
    fn diff<K: Ord + Clone, const N: usize>(
        before: &BTreeMap<K, [i64; N]>,
        after: &BTreeMap<K, [i64; N]>,
    ) -> BTreeMap<K, [i64; N]> {
        let mut out: BTreeMap<K, [i64; N]> = BTreeMap::new();
        for (key, counts) in after {
            let entry = out.entry(key.clone()).or_insert([0; N]);
            for (slot, value) in entry.iter_mut().zip(counts) {
                *slot += value;
            }
        }
        for (key, counts) in before {
            let entry = out.entry(key.clone()).or_insert([0; N]);
            for (slot, value) in entry.iter_mut().zip(counts) {
                *slot -= value;
            }
        }
        out.retain(|_, counts| counts.iter().any(|value| *value != 0));
        out
    }
    Share { case: diff(&before.case, &after.case), staff: diff(&before.staff, &after.staff) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn columns() -> impl Strategy<Value = CaseColumns> {
        (
            prop_oneof![Just("zrzyj"), Just("scjgj")],
            prop_oneof![Just("online"), Just("window"), Just("api")],
            0i64..10 * BUCKET_MILLIS,
            proptest::option::of(0i64..10 * BUCKET_MILLIS),
            proptest::option::of(prop_oneof![Just("a"), Just("b")]),
            proptest::option::of(0i64..10 * BUCKET_MILLIS),
            proptest::option::of(0i64..10 * BUCKET_MILLIS),
            (0i64..4, 0i64..4, any::<bool>(), any::<bool>()),
        )
            .prop_map(
                |(
                    department,
                    channel,
                    received_at,
                    accepted_at,
                    by,
                    decided_at,
                    due_at,
                    (trips, corrections, reviewed, via_system),
                )| {
                    CaseColumns {
                        department: department.to_string(),
                        matter_code: "m".to_string(),
                        channel: channel.to_string(),
                        received_at,
                        accepted_at,
                        accepted_by: by.map(str::to_string),
                        decided_at,
                        due_at,
                        trips,
                        corrections,
                        reviewed,
                        via_system,
                    }
                },
            )
    }

    /// `totals + change`: the difference from `-change` to `totals`.
    fn apply(totals: &mut Share, change: &Share) {
        let negated = difference(change, &Share::default());
        *totals = difference(&negated, totals);
    }

    proptest! {
        /// Whatever a case goes through, the differences added up are its last share: the counters never
        /// drift from what a recount would find.
        #[test]
        fn differences_add_up_to_the_last_share(states in proptest::collection::vec(columns(), 1..8)) {
            let mut totals = Share::default();
            let mut before = Share::default();
            for state in &states {
                let after = share(state);
                apply(&mut totals, &difference(&before, &after));
                before = after;
            }
            prop_assert_eq!(totals, share(states.last().unwrap()));
        }
    }

    #[test]
    fn a_decided_case_counts_once_in_each_figure() {
        let case = CaseColumns {
            department: "zrzyj".to_string(),
            matter_code: "m".to_string(),
            channel: "online".to_string(),
            received_at: 3 * BUCKET_MILLIS + 5,
            accepted_at: Some(4 * BUCKET_MILLIS),
            accepted_by: Some("a".to_string()),
            decided_at: Some(9 * BUCKET_MILLIS),
            due_at: Some(9 * BUCKET_MILLIS),
            trips: 1,
            corrections: 2,
            reviewed: false,
            via_system: true,
        };
        let share = share(&case);
        assert_eq!(share.case[&(3, "zrzyj".to_string(), "m".to_string())], [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
        assert_eq!(share.staff[&(4, "a".to_string())], [1, 1, 1, 1]);
        let late = CaseColumns {
            decided_at: Some(9 * BUCKET_MILLIS + 1),
            trips: 2,
            reviewed: true,
            via_system: false,
            ..case
        };
        assert_eq!(
            super::share(&late).case[&(3, "zrzyj".to_string(), "m".to_string())],
            [1, 1, 1, 1, 0, 0, 1, 2, 0, 0]
        );
        assert_eq!(super::share(&late).staff[&(4, "a".to_string())], [1, 1, 0, 1]);
    }

    #[test]
    fn a_period_counts_the_hours_it_touches() {
        assert_eq!((bucket(0), bucket_after(BUCKET_MILLIS)), (0, 1));
        assert_eq!(bucket_after(BUCKET_MILLIS + 1), 2);
        assert_eq!(bucket(BUCKET_MILLIS - 1), 0);
    }

    #[test]
    fn nothing_changes_when_the_counters_do_not() {
        let case = CaseColumns { received_at: 7, channel: "window".to_string(), ..CaseColumns::default() };
        assert_eq!(difference(&share(&case), &share(&case)), Share::default());
        let moved = CaseColumns { received_at: BUCKET_MILLIS + 7, ..case.clone() };
        let change = difference(&share(&case), &share(&moved));
        assert_eq!(change.case.len(), 2);
        assert_eq!(change.case[&(0, String::new(), String::new())][0], -1);
        assert_eq!(change.case[&(1, String::new(), String::new())][0], 1);
    }
}
