//! The figures' counters (migration 0014) kept by every case write, on every backend: cases written and
//! changed at once, with a change that loses a race, still add up to the hand-counted figures, and to what a
//! recount from the cases finds.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests say what they expect by panicking.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use onetrip_domain::actor::Channel;
use onetrip_domain::case::{CaseChange, Phase};
use onetrip_store::evaluation::{MatterCases, StaffCases};
use onetrip_store::testing::test_stores;
use onetrip_store::{CaseEvent, CaseUpdate, NewCase, Store, StoreError};
use std::sync::Arc;

/// 2026-11-02 00:00 UTC plus `minutes`.
fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).single().unwrap() + Duration::minutes(minutes)
}

fn event(action: &str, minutes: i64) -> CaseEvent {
    CaseEvent {
        at: at(minutes),
        actor: "窗口".into(),
        role: "window_staff".into(),
        action: action.into(),
        from_phase: String::new(),
        to_phase: String::new(),
        detail: String::new(),
    }
}

fn new_case(applicant_id: i64, index: i64) -> NewCase {
    NewCase {
        day: NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(),
        matter_code: if index % 2 == 0 { "m-even" } else { "m-odd" }.into(),
        matter_version: 1,
        department: "scjgj".into(),
        applicant_id,
        channel: if index % 3 == 0 { Channel::Online } else { Channel::Window },
        document: onetrip_domain::case::CaseDocument::received(at(0).naive_utc(), 0, Vec::new(), Vec::new(), None),
        // Two hours of receipt: cases 0–9 in the first, 10–19 in the second.
        received_at: at(if index < 10 { 5 } else { 65 }),
        draft: None,
        files: Vec::new(),
        notifications: Vec::new(),
    }
}

/// Accepts a case by `a` or `b` (due two days later) and decides it, on time for even cases and late for
/// the others, with a second trip for every fourth; each step its own update, as the application makes them.
async fn accept_and_decide(store: Arc<dyn Store>, number: onetrip_domain::case_number::CaseNumber, index: i64) {
    let case = store.case(&number).await.unwrap().unwrap();
    let change = CaseChange {
        phase: Some(Phase::Accepted),
        accepted_at: Some(at(120)),
        due_at: Some(at(120 + 2 * 24 * 60)),
        corrections: Some(if index == 7 { 2 } else { 0 }),
        ..CaseChange::default()
    };
    let accept = event("accept", 120);
    let by = if index % 2 == 0 { "a" } else { "b" };
    // Case 0 has a review step in the back office; the others are concluded at the window.
    let review = [onetrip_store::CaseTask {
        task: 0,
        department: "scjgj".into(),
        name: "审查".into(),
        state: "done".into(),
        due_at: None,
        warn_at: None,
    }];
    let update = CaseUpdate {
        expected_revision: case.revision,
        change: &change,
        notifications: &[],
        event: &accept,
        trip: Some("交材料"),
        tasks: (index == 0).then_some(&review[..]),
        rating_slot: None,
        accepted_by: Some(by),
        licence: None,
        action_key: None,
    };
    let accepted = store.update_case(&number, &update).await.unwrap();
    let decided_at = if index % 2 == 0 { 120 + 24 * 60 } else { 120 + 3 * 24 * 60 };
    let change = CaseChange { phase: Some(Phase::Granted), ..CaseChange::default() };
    let mut decide = event("decide", decided_at);
    // Every fifth case is decided by the department's own system.
    if index % 5 == 0 {
        decide.role = "department_system,reviewer".into();
    }
    let trip = (index % 4 == 0).then_some("领证");
    let update = CaseUpdate {
        expected_revision: accepted.revision,
        change: &change,
        notifications: &[],
        event: &decide,
        trip,
        tasks: None,
        rating_slot: None,
        accepted_by: None,
        licence: None,
        action_key: None,
    };
    store.update_case(&number, &update).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counters_written_by_racing_changes_add_up_to_a_recount() {
    for test in test_stores().await {
        let store = test.store.clone();
        let identity =
            onetrip_domain::applicant::ApplicantIdentity::parse("natural_person", "11010519491231002X").unwrap();
        let applicant = onetrip_store::NewApplicant {
            identity,
            name: "张三".into(),
            phone: "13800000000".into(),
            password_hash: None,
        };
        let id = store.create_applicant(&applicant, at(0)).await.unwrap();
        // Twenty cases submitted at once, each with a trip to the hall.
        let mut submitted = Vec::new();
        for index in 0..20 {
            let store = store.clone();
            submitted.push(tokio::spawn(async move {
                let (case, _) =
                    store.create_case(&new_case(id, index), None, &event("submit", 5), Some("递交")).await.unwrap();
                (index, case.number)
            }));
        }
        let mut numbers = Vec::new();
        for task in submitted {
            numbers.push(task.await.unwrap());
        }
        // Two changes of case 19 from the same revision race: exactly one is written, and the loser adds
        // nothing to the counters.
        let case = store.case(&numbers[19].1).await.unwrap().unwrap();
        let mut racers = Vec::new();
        for who in ["a", "b"] {
            let store = store.clone();
            let number = case.number.clone();
            let revision = case.revision;
            racers.push(tokio::spawn(async move {
                let change = CaseChange {
                    phase: Some(Phase::Accepted),
                    accepted_at: Some(at(100)),
                    due_at: Some(at(200)),
                    ..CaseChange::default()
                };
                let accept = event("accept", 100);
                let update = CaseUpdate {
                    expected_revision: revision,
                    change: &change,
                    notifications: &[],
                    event: &accept,
                    trip: Some("补材料"),
                    tasks: None,
                    rating_slot: None,
                    accepted_by: Some(who),
                    licence: None,
                    action_key: None,
                };
                store.update_case(&number, &update).await.map(|_| who)
            }));
        }
        let mut winners = Vec::new();
        for racer in racers {
            match racer.await.unwrap() {
                Ok(who) => winners.push(who),
                Err(StoreError::RevisionChanged(_)) => {}
                Err(other) => panic!("{}: {other}", test.name),
            }
        }
        assert_eq!(winners.len(), 1, "{}: one change of the race is written", test.name);
        // Cases 0–18 accepted and decided at once.
        let mut changes = Vec::new();
        for (index, number) in numbers.iter().take(19).cloned() {
            changes.push(tokio::spawn(accept_and_decide(store.clone(), number, index)));
        }
        for change in changes {
            change.await.unwrap();
        }

        let figures = |store: Arc<dyn Store>| async move {
            let cases = store.matter_cases(at(0), at(24 * 60 * 10)).await.unwrap();
            let staff = store.staff_cases(at(0), at(24 * 60 * 10)).await.unwrap();
            let first_hour = store.matter_cases(at(0), at(60)).await.unwrap();
            (cases, staff, first_hour)
        };
        let (cases, staff, first_hour) = figures(store.clone()).await;
        // By hand: even cases 0,2,…,18 (10; online: 0,6,12,18; all decided on time; trips 2 and for 0,4,8,
        // 12,16 a third: one trip none, 5 cases × 3 + 5 × 2 = 25; second correction none).
        // Odd cases 1,…,17 decided late and 19 only accepted (10; online: 3,9,15; trips 2 each = 20; case 7 a
        // second correction). Decided at the window: all but case 0, whose review went to the back office.
        // Decided by the department's system: 0, 10 (even) and 5, 15 (odd).
        let matter = |code: &str, received, online, accepted, decided, on_time, trips, second, at_window| MatterCases {
            department: "scjgj".into(),
            matter_code: code.into(),
            received,
            online,
            accepted,
            decided,
            decided_on_time: on_time,
            one_trip: 0,
            second_corrections: second,
            trips,
            at_window,
            via_system: 2,
        };
        assert_eq!(
            cases,
            vec![matter("m-even", 10, 4, 10, 10, 10, 25, 0, 9), matter("m-odd", 10, 3, 10, 9, 0, 20, 1, 9)],
            "{}",
            test.name
        );
        // The first hour holds cases 0–9 only: even 0,2,4,6,8 (online 0 and 6), odd 1,3,5,7,9 (online 3, 9).
        assert_eq!(
            first_hour.iter().map(|row| (row.matter_code.as_str(), row.received, row.online)).collect::<Vec<_>>(),
            [("m-even", 5, 2), ("m-odd", 5, 2)],
            "{}",
            test.name
        );
        let person = |username: &str, accepted, decided, on_time, second| StaffCases {
            username: username.into(),
            accepted,
            decided,
            decided_on_time: on_time,
            second_corrections: second,
        };
        let b_accepted = if winners == ["b"] { 10 } else { 9 };
        let a_accepted = 20 - b_accepted;
        assert_eq!(staff, vec![person("a", a_accepted, 10, 10, 0), person("b", b_accepted, 9, 0, 1)], "{}", test.name);
        // A recount from the cases finds the same.
        store.rebuild_rollups().await.unwrap();
        assert_eq!(figures(store.clone()).await, (cases, staff, first_hour), "{}: recount", test.name);
        test.finish().await;
    }
}

#[tokio::test]
async fn counters_are_filled_when_a_database_has_cases_but_none() {
    for test in test_stores().await {
        let store = test.store.clone();
        let identity =
            onetrip_domain::applicant::ApplicantIdentity::parse("natural_person", "11010519491231002X").unwrap();
        let applicant = onetrip_store::NewApplicant {
            identity,
            name: "张三".into(),
            phone: "13800000000".into(),
            password_hash: None,
        };
        let id = store.create_applicant(&applicant, at(0)).await.unwrap();
        for index in 0..3 {
            store.create_case(&new_case(id, index), None, &event("submit", 5), None).await.unwrap();
        }
        // As a database migrated from before the counters looks: cases, no counters.
        test.execute("DELETE FROM case_rollups").await;
        assert!(store.matter_cases(at(0), at(60)).await.unwrap().is_empty(), "{}", test.name);
        let reopened = test.reopen().await;
        let rows = reopened.matter_cases(at(0), at(60)).await.unwrap();
        assert_eq!(
            rows.iter().map(|row| (row.matter_code.as_str(), row.received)).collect::<Vec<_>>(),
            [("m-even", 2), ("m-odd", 1)],
            "{}",
            test.name
        );
        test.finish().await;
    }
}
