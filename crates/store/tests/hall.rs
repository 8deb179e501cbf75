//! The hall's queue in the store, on every backend: numbers, the calling order, a ticket never given to two
//! windows however many call at once, changes guarded against races, and who sits where.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests say what they expect by panicking.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use onetrip_domain::queue::{next_ticket, Priority, Ticket, TicketState, WindowServes};
use onetrip_store::hall::{CallNext, NewTicket};
use onetrip_store::testing::test_stores;
use onetrip_store::{Store, StoreError};
use std::collections::HashSet;
use std::sync::Arc;

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 27).expect("date")
}

fn at(minute: i64) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 1, 0, 0).single().expect("instant") + Duration::minutes(minute)
}

fn new_ticket(zone: &str, prefix: char, priority: i64, minute: i64) -> NewTicket {
    let priority = Priority::from_rank(priority).expect("a rank");
    NewTicket {
        hall: "centre".into(),
        day: day(),
        prefix,
        zone: zone.into(),
        matter_code: None,
        priority,
        channel: "kiosk".into(),
        id_last_four: None,
        at: at(minute),
    }
}

fn call<'a>(window: &'a str, zones: &'a [String], matters: &'a [String], minute: i64) -> CallNext<'a> {
    CallNext { hall: "centre", day: day(), window, zones, matters, actor: "window", at: at(minute) }
}

#[tokio::test]
async fn numbers_run_per_zone_letter_and_the_queue_keeps_its_order() {
    for test in test_stores().await {
        let store = &test.store;
        let first = store.issue_ticket(&new_ticket("bs", 'D', 3, 0)).await.expect("issue");
        let second = store.issue_ticket(&new_ticket("bs", 'D', 3, 1)).await.expect("issue");
        let other_zone = store.issue_ticket(&new_ticket("ga", 'B', 3, 2)).await.expect("issue");
        let elderly = store.issue_ticket(&new_ticket("bs", 'D', 1, 3)).await.expect("issue");
        assert_eq!((first.number.as_str(), second.number.as_str()), ("D001", "D002"), "{}", test.name);
        assert_eq!(other_zone.number, "B001");
        assert_eq!(elderly.number, "D003");
        assert_eq!(first.state, TicketState::Waiting);

        let zones = vec!["bs".to_string()];
        let called = store.call_next(&call("D01", &zones, &[], 5)).await.expect("call").expect("a ticket");
        assert_eq!(called.number, "D003", "the elderly visitor first");
        assert_eq!((called.state, called.window_code.as_deref(), called.calls), (TicketState::Called, Some("D01"), 1));
        // Calling again finishes the one being served and takes the longest waiting.
        let next = store.call_next(&call("D01", &zones, &[], 9)).await.expect("call").expect("a ticket");
        assert_eq!(next.number, "D001");
        let finished = store.ticket(called.id).await.expect("read").expect("ticket");
        assert_eq!((finished.state, finished.finished_at), (TicketState::Finished, Some(at(9))));
        // A window of another zone does not see this zone's queue; a matter window sees only its matter.
        let other = vec!["ss".to_string()];
        assert!(store.call_next(&call("F01", &other, &[], 10)).await.expect("call").is_none());
        let events: Vec<String> =
            store.ticket_events(called.id).await.expect("events").into_iter().map(|event| event.action).collect();
        assert_eq!(events, vec!["issued", "called", "finished"]);
        let listed = store.tickets_of_day("centre", day()).await.expect("list");
        assert_eq!(listed.len(), 4);
        assert_eq!(
            store.ticket_by_number("centre", day(), "B001").await.expect("read").map(|ticket| ticket.id),
            Some(other_zone.id)
        );
        assert!(store.ticket_by_number("centre", day() + Duration::days(1), "B001").await.expect("read").is_none());
        test.finish().await;
    }
}

#[tokio::test]
async fn a_transferred_ticket_goes_only_to_its_window_and_first() {
    for test in test_stores().await {
        let store = &test.store;
        let zones = vec!["bs".to_string()];
        let early = store.issue_ticket(&new_ticket("bs", 'D', 3, 0)).await.expect("issue");
        let moved = store.issue_ticket(&new_ticket("bs", 'D', 3, 1)).await.expect("issue");
        let called = store.call_next(&call("D01", &zones, &[], 2)).await.expect("call").expect("ticket");
        assert_eq!(called.id, early.id);
        // D01 finishes the first, calls the second, then sends it to window D05.
        store.call_next(&call("D01", &zones, &[], 3)).await.expect("call");
        let serving = store.ticket(moved.id).await.expect("read").expect("ticket");
        let mut transferred = serving.clone();
        transferred.state = TicketState::Waiting;
        transferred.window_code = None;
        transferred.target_window = Some("D05".into());
        store.change_ticket(&serving, &transferred, "transferred", "window", "→ D05", at(4)).await.expect("transfer");
        let later = store.issue_ticket(&new_ticket("bs", 'D', 0, 5)).await.expect("issue an appointment");
        let at_d02 = store.call_next(&call("D02", &zones, &[], 6)).await.expect("call").expect("ticket");
        assert_eq!(at_d02.id, later.id, "another window does not take a ticket sent to D05");
        let at_d05 = store.call_next(&call("D05", &zones, &[], 7)).await.expect("call").expect("ticket");
        assert_eq!((at_d05.id, at_d05.target_window.clone()), (moved.id, None));
        // The old copy of the ticket is stale now: a change based on it is refused and changes nothing.
        let mut stale = transferred.clone();
        stale.state = TicketState::Finished;
        let refused = store.change_ticket(&transferred, &stale, "finished", "window", "", at(8)).await;
        assert!(matches!(refused, Err(StoreError::Conflict(_))), "{refused:?}");
        assert_eq!(store.ticket(moved.id).await.expect("read").expect("ticket").state, TicketState::Called);
        test.finish().await;
    }
}

/// 120 windows call at once over 500 waiting tickets, several rounds: every ticket is called exactly once.
async fn many_windows_at_once(store: Arc<dyn Store>, backend: &str) {
    let zones: Vec<String> = (0..9).map(|zone| format!("z{zone}")).collect();
    for index in 0..500i64 {
        let zone = index % 9;
        let prefix = char::from(b'A' + zone as u8);
        store.issue_ticket(&new_ticket(&format!("z{zone}"), prefix, 3 - index % 2, index % 60)).await.expect("issue");
    }
    let mut tasks = Vec::new();
    for window in 0..120 {
        let store = store.clone();
        let zones = zones.clone();
        tasks.push(tokio::spawn(async move {
            let code = format!("W{window:03}");
            let mut got: Vec<Ticket> = Vec::new();
            for round in 0..6 {
                let request = CallNext {
                    hall: "centre",
                    day: day(),
                    window: &code,
                    zones: &zones,
                    matters: &[],
                    actor: "w",
                    at: at(61 + round),
                };
                if let Some(ticket) = store.call_next(&request).await.expect("call") {
                    got.push(ticket);
                }
            }
            got
        }));
    }
    let mut seen = HashSet::new();
    let mut total = 0;
    for task in tasks {
        for ticket in task.await.expect("task") {
            total += 1;
            assert!(seen.insert(ticket.id), "{backend}: ticket {} given twice", ticket.number);
        }
    }
    assert_eq!(total, 500, "{backend}: every ticket called once (120 windows × 6 calls ≥ 500)");
    let tickets = store.tickets_of_day("centre", day()).await.expect("list");
    assert!(tickets.iter().all(|ticket| ticket.calls == 1), "{backend}: no ticket called twice");
    assert_eq!(tickets.iter().filter(|ticket| ticket.state == TicketState::Waiting).count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_windows_calling_at_once_never_share_a_ticket() {
    for test in test_stores().await {
        many_windows_at_once(test.store.clone(), test.name).await;
        test.finish().await;
    }
}

#[tokio::test]
async fn one_person_per_window_and_one_window_per_person() {
    for test in test_stores().await {
        let store = &test.store;
        store.set_presence("B01", "li", "李", "sign_in", at(0)).await.expect("sign in");
        let taken = store.set_presence("B01", "wang", "王", "sign_in", at(1)).await;
        assert!(matches!(taken, Err(StoreError::Conflict(_))), "{}: {taken:?}", test.name);
        assert!(matches!(store.set_presence("B01", "wang", "王", "break", at(1)).await, Err(StoreError::NotFound)));
        store.set_presence("B01", "li", "李", "break", at(2)).await.expect("break");
        let presence = store.presence().await.expect("presence");
        assert_eq!(presence.len(), 1);
        assert_eq!((presence[0].state.as_str(), presence[0].since), ("break", at(2)));
        // Signing in elsewhere leaves the first window.
        store.set_presence("B02", "li", "李", "sign_in", at(3)).await.expect("sign in");
        let presence = store.presence().await.expect("presence");
        assert_eq!(presence.iter().map(|line| line.window_code.as_str()).collect::<Vec<_>>(), vec!["B02"]);
        store.set_presence("B02", "li", "李", "sign_out", at(4)).await.expect("sign out");
        assert!(store.presence().await.expect("presence").is_empty());
        test.finish().await;
    }
}

async fn applicant(store: &Arc<dyn Store>, id_number: &str) -> i64 {
    let identity = onetrip_domain::applicant::ApplicantIdentity::parse("natural_person", id_number).expect("identity");
    store
        .create_applicant(
            &onetrip_store::NewApplicant {
                identity,
                name: "预约人".into(),
                phone: "13912345678".into(),
                password_hash: None,
            },
            at(0),
        )
        .await
        .expect("applicant")
}

fn booking(applicant_id: i64, code: &str, capacity: i64) -> onetrip_store::hall::NewAppointment {
    onetrip_store::hall::NewAppointment {
        hall: "centre".into(),
        zone: "bs".into(),
        matter_code: None,
        day: day(),
        half: "am".into(),
        applicant_id,
        code: code.into(),
        capacity,
        at: at(0),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_last_place_goes_to_one_booking_and_a_check_in_jumps_the_queue() {
    for test in test_stores().await {
        let store = test.store.clone();
        let mut applicants = Vec::new();
        for id_number in ["11010519491231002X", "110105194912310038", "110105194912310046", "110105194912310054"] {
            applicants.push(applicant(&store, id_number).await);
        }
        // Three places, four people booking at once: exactly one is told it is full.
        let mut tasks = Vec::new();
        for (index, applicant) in applicants.iter().copied().enumerate() {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                store.book_appointment(&booking(applicant, &format!("CODE000{index}"), 3), None).await
            }));
        }
        let mut full = 0;
        let mut booked = Vec::new();
        for task in tasks {
            match task.await.expect("task") {
                Ok(appointment) => booked.push(appointment),
                Err(StoreError::Conflict(reason)) if reason == "full" => full += 1,
                Err(other) => panic!("{}: {other:?}", test.name),
            }
        }
        assert_eq!((booked.len(), full), (3, 1), "{}", test.name);
        assert_eq!(store.booked("centre", "bs", day(), "am").await.expect("count"), 3);
        // A cancellation frees a place; someone else's appointment cannot be cancelled.
        let first = &booked[0];
        let other = applicants.iter().copied().find(|id| *id != first.applicant_id).expect("other");
        assert!(matches!(store.cancel_appointment(first.id, other, at(1)).await, Err(StoreError::NotFound)));
        store.cancel_appointment(first.id, first.applicant_id, at(1)).await.expect("cancel");
        assert_eq!(store.booked("centre", "bs", day(), "am").await.expect("count"), 2);
        // A change of time is one step: the old place is given back with the new one taken.
        let second = &booked[1];
        let mut afternoon = booking(second.applicant_id, "CODE0009", 3);
        afternoon.half = "pm".into();
        let moved = store.book_appointment(&afternoon, Some(second.id)).await.expect("change");
        assert_eq!(moved.half, "pm");
        assert_eq!(store.booked("centre", "bs", day(), "am").await.expect("count"), 1);
        let mine = store.appointments_of(second.applicant_id).await.expect("mine");
        assert_eq!(
            mine.iter().map(|appointment| appointment.state.as_str()).collect::<Vec<_>>(),
            vec!["booked", "cancelled"]
        );

        // A plain ticket waits; the checked-in appointment is called first.
        store.issue_ticket(&new_ticket("bs", 'D', 3, 0)).await.expect("plain ticket");
        let mut ticket = new_ticket("bs", 'D', 0, 5);
        ticket.channel = "appointment".into();
        let checked = store.check_in(moved.id, &ticket).await.expect("check in");
        assert_eq!(checked.number, "D002");
        let again = store.check_in(moved.id, &ticket).await;
        assert!(matches!(again, Err(StoreError::Conflict(_))), "{}: checked in twice: {again:?}", test.name);
        assert_eq!(
            store.tickets_of_day("centre", day()).await.expect("list").len(),
            2,
            "the refused check-in left nothing"
        );
        let found = store.appointment_by_code("CODE0009").await.expect("read").expect("appointment");
        assert_eq!((found.state.as_str(), found.ticket_id), ("checked_in", Some(checked.id)));
        let zones = vec!["bs".to_string()];
        let called = store.call_next(&call("D01", &zones, &[], 6)).await.expect("call").expect("ticket");
        assert_eq!(called.id, checked.id, "the appointment goes first");
        test.finish().await;
    }
}

/// A small deterministic generator (xorshift), so that every run checks the same queues and a failure can be
/// replayed from its seed.
struct Generator(u64);

impl Generator {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound
    }
}

/// The store's calling order (SQL, `FOR UPDATE SKIP LOCKED` on PostgreSQL) is the domain's `next_ticket`: on
/// generated queues — zones, matters, priorities, ties in queue time, transfers to windows, tickets called,
/// missed and finished — the ticket the store calls is the one `next_ticket` picks, every time.
#[tokio::test]
async fn the_store_calls_the_ticket_the_domain_rule_picks_on_generated_queues() {
    let zones = ["za", "zb", "zc"];
    let matters = ["m1", "m2"];
    let windows = ["W1", "W2", "W3"];
    for test in test_stores().await {
        let store = &test.store;
        let mut generator = Generator(0x9e37_79b9_7f4a_7c15);
        let mut compared = 0;
        for queue in 0..40i64 {
            let day = NaiveDate::from_ymd_opt(2026, 1, 1).expect("date") + Duration::days(queue);
            let instant = |minute: u64| {
                day.and_hms_opt(1, 0, 0).expect("time").and_utc()
                    + Duration::minutes(i64::try_from(minute).unwrap_or(0))
            };
            for _ in 0..(4 + generator.below(12)) {
                let zone = zones[generator.below(3) as usize];
                let ticket = NewTicket {
                    hall: "centre".into(),
                    day,
                    prefix: zone.chars().nth(1).unwrap_or('A').to_ascii_uppercase(),
                    zone: zone.into(),
                    matter_code: (generator.below(3) == 0).then(|| matters[generator.below(2) as usize].to_string()),
                    priority: Priority::ALL[generator.below(4) as usize],
                    channel: "kiosk".into(),
                    id_last_four: None,
                    // Few distinct minutes: many tickets share their queue time and the id decides.
                    at: instant(generator.below(5)),
                };
                let issued = store.issue_ticket(&ticket).await.expect("issue");
                // Some tickets move on before the comparison: sent to a window, called, missed or finished.
                let mut changed = issued.clone();
                match generator.below(6) {
                    0 => changed.target_window = Some(windows[generator.below(3) as usize].to_string()),
                    1 => {
                        changed.state = TicketState::Called;
                        changed.window_code = Some("W9".into());
                        changed.calls = 1;
                    }
                    2 => changed.state = TicketState::Missed,
                    3 => changed.state = TicketState::Finished,
                    _ => continue,
                }
                store.change_ticket(&issued, &changed, "test", "test", "", instant(6)).await.expect("change");
            }
            // Each window, serving a random set of zones and matters, calls until nobody is left for it.
            for round in 0..20u64 {
                let window = windows[generator.below(3) as usize];
                let serves = WindowServes {
                    zones: zones.iter().filter(|_| generator.below(2) == 0).map(|zone| zone.to_string()).collect(),
                    matters: matters.iter().filter(|_| generator.below(3) == 0).map(|m| m.to_string()).collect(),
                };
                let tickets: Vec<Ticket> = store.tickets_of_day("centre", day).await.expect("list");
                let expected = next_ticket(&tickets, window, &serves).map(|ticket| ticket.id);
                let request = CallNext {
                    hall: "centre",
                    day,
                    window,
                    zones: &serves.zones,
                    matters: &serves.matters,
                    actor: "w",
                    at: instant(10 + round),
                };
                let called = store.call_next(&request).await.expect("call").map(|ticket| ticket.id);
                assert_eq!(
                    called, expected,
                    "{}: queue {queue}, round {round}, window {window} serving {serves:?}",
                    test.name
                );
                compared += 1;
            }
        }
        assert_eq!(compared, 40 * 20);
        test.finish().await;
    }
}
