//! The store contract: every behaviour the rest of Onetrip relies on, run against every backend.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests say what they expect by panicking.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use onetrip_domain::access::Role;
use onetrip_domain::calendar::{parse_notice, DayKind};
use onetrip_domain::catalog::{Adjustment, AdjustmentKind, Department, Matter};
use onetrip_domain::ids::CreditCode;
use onetrip_store::testing::test_stores;
use onetrip_store::{AuditEvent, Idempotency, NewUser, NewVersion, StoreError};

fn department(code: &str, prefix: &str) -> Department {
    Department {
        code: code.to_string(),
        name: format!("{code} 部门"),
        credit_code: CreditCode::with_check_character(prefix).expect("valid prefix"),
    }
}

fn matter(code: &str, name: &str) -> Matter {
    let mut matter: Matter = serde_json::from_str(include_str!("fixtures/matter.json")).expect("fixture parses");
    matter.code = code.to_string();
    matter.name = name.to_string();
    matter
}

fn version(matter: Matter, kind: AdjustmentKind, effective: &str) -> NewVersion {
    NewVersion {
        adjustment: Adjustment {
            kind,
            reason: "测试".to_string(),
            effective_date: NaiveDate::parse_from_str(effective, "%Y-%m-%d").expect("date"),
            merged_into: String::new(),
        },
        author: "editor".to_string(),
        matter,
    }
}

fn at(seconds: i64) -> chrono::DateTime<Utc> {
    Utc.timestamp_opt(1_790_000_000 + seconds, 0).single().expect("instant")
}

#[tokio::test]
async fn matters_are_versioned_never_edited_in_place() {
    for test in test_stores().await {
        let store = &test.store;
        store.put_departments(&[department("scjgj", "11654301MB0000001")], at(0)).await.expect("departments");
        let first = version(matter("M1", "公司设立登记"), AdjustmentKind::Create, "2026-01-01");
        assert_eq!(store.add_matter_version(&first, None, at(1)).await.expect("create"), 1, "{}", test.name);
        let second = version(matter("M1", "公司设立登记（新）"), AdjustmentKind::Adjust, "2026-06-01");
        assert_eq!(store.add_matter_version(&second, Some(1), at(2)).await.expect("adjust"), 2);

        // Saving from a stale version, or creating an existing code, changes nothing.
        let stale = version(matter("M1", "冲突"), AdjustmentKind::Adjust, "2026-07-01");
        assert!(matches!(store.add_matter_version(&stale, Some(1), at(3)).await, Err(StoreError::Conflict(_))));
        assert!(matches!(store.add_matter_version(&first, None, at(3)).await, Err(StoreError::Conflict(_))));

        let history = store.matter_versions("M1").await.expect("history");
        assert_eq!(
            history.iter().map(|v| v.matter.name.as_str()).collect::<Vec<_>>(),
            ["公司设立登记", "公司设立登记（新）"]
        );
        assert_eq!(history[1].adjustment.kind, AdjustmentKind::Adjust);
        assert_eq!(history[1].author, "editor");

        let in_march =
            store.versions_in_force(NaiveDate::from_ymd_opt(2026, 3, 1).expect("date")).await.expect("in force");
        assert_eq!(in_march.len(), 1);
        assert_eq!(in_march[0].version, 1, "{}: the June version is not yet in force in March", test.name);
        let in_july =
            store.versions_in_force(NaiveDate::from_ymd_opt(2026, 7, 1).expect("date")).await.expect("in force");
        assert_eq!(in_july[0].version, 2);
        assert!(store
            .versions_in_force(NaiveDate::from_ymd_opt(2025, 1, 1).expect("date"))
            .await
            .expect("q")
            .is_empty());
        assert!(store.matter_versions("nope").await.expect("empty").is_empty());
        let latest = store.latest_versions().await.expect("latest");
        assert_eq!(latest.len(), 1);
        assert_eq!(latest[0].version, 2, "{}: the newest version, in force or not", test.name);
        test.finish().await;
    }
}

#[tokio::test]
async fn an_import_is_all_or_nothing() {
    for test in test_stores().await {
        let store = &test.store;
        let good = version(matter("A1", "甲"), AdjustmentKind::Create, "2026-01-01");
        let mut duplicate_department = department("d2", "11654301MB0000002");
        duplicate_department.credit_code = department("d1", "11654301MB0000001").credit_code;
        let result = store
            .import_catalog(
                &[department("d1", "11654301MB0000001"), duplicate_department],
                std::slice::from_ref(&good),
                at(0),
            )
            .await;
        assert!(matches!(result, Err(StoreError::Conflict(_))), "{}: {result:?}", test.name);
        assert_eq!(store.matter_count().await.expect("count"), 0, "{}: nothing half-saved", test.name);
        assert!(store.departments().await.expect("departments").is_empty());

        let written = store
            .import_catalog(
                &[department("d1", "11654301MB0000001")],
                &[good.clone(), version(matter("A2", "乙"), AdjustmentKind::Create, "2026-01-01")],
                at(1),
            )
            .await
            .expect("import");
        assert_eq!(written, 2);
        // Importing again adds versions; it never overwrites.
        store
            .import_catalog(&[], &[version(matter("A1", "甲"), AdjustmentKind::Confirm, "2026-02-01")], at(2))
            .await
            .expect("again");
        assert_eq!(store.matter_versions("A1").await.expect("history").len(), 2);
        test.finish().await;
    }
}

#[tokio::test]
async fn a_notice_year_is_replaced_as_a_whole() {
    for test in test_stores().await {
        let store = &test.store;
        let first = parse_notice(2027, "2027-01-01 holiday 元旦\n2027-02-06..2027-02-08 holiday 春节").expect("valid");
        store.replace_notice(2027, &first).await.expect("load");
        let corrected = parse_notice(2027, "2027-01-01 holiday 元旦\n2027-02-07 makeup_workday 春节").expect("valid");
        store.replace_notice(2027, &corrected).await.expect("reload");
        let entries = store.calendar_entries().await.expect("entries");
        assert_eq!(entries.len(), 2, "{}", test.name);
        assert_eq!(entries[1].kind, DayKind::MakeupWorkday);
        assert_eq!(entries[1].notice_year, 2027);
        test.finish().await;
    }
}

#[tokio::test]
async fn users_sessions_and_login_failures() {
    for test in test_stores().await {
        let store = &test.store;
        let new_user = NewUser {
            username: "admin".into(),
            display_name: "管理员".into(),
            password_hash: "hash".into(),
            roles: vec![Role::Admin, Role::CatalogEditor],
            department: None,
        };
        let id = store.create_user(&new_user, at(0)).await.expect("create");
        assert!(matches!(store.create_user(&new_user, at(0)).await, Err(StoreError::Conflict(_))), "{}", test.name);
        let user = store.user_by_username("admin").await.expect("query").expect("exists");
        assert_eq!(user.roles, vec![Role::Admin, Role::CatalogEditor]);
        assert!(store.user_by_username("nobody").await.expect("query").is_none());

        store.create_session("t1", id, "csrf", at(0), at(0) + Duration::hours(8)).await.expect("session");
        let session = store.session("t1", at(60)).await.expect("query").expect("live");
        assert_eq!(session.user.username, "admin");
        assert_eq!(session.csrf_token, "csrf");
        assert!(store.session("t1", at(0) + Duration::hours(9)).await.expect("query").is_none(), "expired");
        store.set_password(id, "new-hash").await.expect("password");
        assert!(store.session("t1", at(60)).await.expect("query").is_none(), "a new password ends sessions");

        store.create_session("t2", id, "csrf", at(0), at(0) + Duration::hours(8)).await.expect("session");
        store.set_user_disabled(id, true).await.expect("disable");
        assert!(store.session("t2", at(60)).await.expect("query").is_none(), "disabling ends sessions");
        assert!(store.user_by_username("admin").await.expect("query").expect("exists").disabled);
        store.set_user_disabled(id, false).await.expect("enable");
        assert!(matches!(store.set_user_disabled(9999, true).await, Err(StoreError::NotFound)));

        // Failed attempts: tallied by subject and address, before a given attempt, since a time.
        let attempt = |subject, address, second| onetrip_store::FailedAttempt {
            kind: "staff_login",
            subject,
            address,
            at: at(second),
        };
        let mut ids = Vec::new();
        for (subject, address, second) in [("admin", "a", 0), ("admin", "a", 1), ("admin", "b", 2), ("editor", "a", 3)]
        {
            ids.push(store.record_failure(&attempt(subject, address, second)).await.expect("failure"));
        }
        let other_kind = onetrip_store::FailedAttempt { kind: "progress", ..attempt("admin", "a", 3) };
        store.record_failure(&other_kind).await.expect("failure");
        let latest = store.record_failure(&attempt("admin", "a", 4)).await.expect("failure");
        let tallies = store.failure_tallies(&attempt("admin", "a", 4), latest, at(1)).await.expect("tallies");
        assert_eq!((tallies.subject_at_address.count, tallies.subject_at_address.last), (1, Some(at(1))));
        assert_eq!((tallies.subject.count, tallies.subject.last), (2, Some(at(2))));
        assert_eq!((tallies.address.count, tallies.address.last), (2, Some(at(3))));
        assert_eq!((tallies.kind.count, tallies.kind.last), (3, Some(at(3))));
        let summary = store.failures_of("staff_login", "admin", at(0)).await.expect("summary");
        assert_eq!((summary.count, summary.addresses, summary.last), (4, 2, Some(at(4))));
        store.forget_failure(latest).await.expect("forget");
        store.clear_failures(&attempt("admin", "a", 0)).await.expect("clear");
        let summary = store.failures_of("staff_login", "admin", at(0)).await.expect("summary");
        assert_eq!((summary.count, summary.addresses), (1, 1), "{}: only the attempt from b is left", test.name);
        test.finish().await;
    }
}

#[tokio::test]
async fn settings_and_audit_events() {
    for test in test_stores().await {
        let store = &test.store;
        assert_eq!(store.setting("synonyms").await.expect("query"), None);
        store.put_setting("synonyms", "开公司 = 企业设立登记", at(0)).await.expect("put");
        store.put_setting("synonyms", "过户 = 不动产转移登记", at(1)).await.expect("put");
        assert_eq!(store.setting("synonyms").await.expect("query").as_deref(), Some("过户 = 不动产转移登记"));
        for index in 0..3 {
            let event = AuditEvent {
                at: at(index),
                actor: "admin".into(),
                action: "calendar.load".into(),
                subject: format!("{index}"),
                detail: String::new(),
            };
            store.record_audit(&event).await.expect("audit");
        }
        let events = store.audit_events(2).await.expect("events");
        assert_eq!(events.iter().map(|e| e.subject.as_str()).collect::<Vec<_>>(), ["2", "1"], "{}", test.name);
        test.finish().await;
    }
}

/// Both backends must have the same migrations, file for file, so that neither falls behind.
#[test]
fn migrations_are_kept_in_step() {
    let names = |backend: &str| {
        let directory = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/");
        let mut names: Vec<String> = std::fs::read_dir(format!("{directory}{backend}"))
            .expect("migrations directory")
            .map(|entry| entry.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert!(!names("sqlite").is_empty());
    assert_eq!(names("sqlite"), names("postgres"));
}

fn new_case(applicant_id: i64, day: &str) -> onetrip_store::NewCase {
    onetrip_store::NewCase {
        day: NaiveDate::parse_from_str(day, "%Y-%m-%d").expect("date"),
        matter_code: "00013112700401".into(),
        matter_version: 1,
        department: "scjgj".into(),
        applicant_id,
        channel: onetrip_domain::actor::Channel::Window,
        document: document(),
        received_at: at(0),
        draft: None,
        files: Vec::new(),
        notifications: vec![onetrip_store::Notification {
            channel: "sms".into(),
            recipient: "13800000000".into(),
            body: "办件 {number} 已收件".into(),
        }],
    }
}

/// A case's document as received: two materials, the first provided with a file.
fn document() -> onetrip_domain::case::CaseDocument {
    let received = at(0).naive_utc();
    onetrip_domain::case::CaseDocument::received(
        received,
        2,
        vec![onetrip_domain::acceptance::Supplied::Provided],
        vec![vec!["file-1".to_string()]],
        None,
    )
}

fn event(action: &str, from: &str, to: &str, seconds: i64) -> onetrip_store::CaseEvent {
    onetrip_store::CaseEvent {
        at: at(seconds),
        actor: "窗口一".into(),
        role: "window_staff".into(),
        action: action.into(),
        from_phase: from.into(),
        to_phase: to.into(),
        detail: String::new(),
    }
}

#[tokio::test]
async fn cases_get_numbers_events_and_trips_and_retries_make_no_second_case() {
    use onetrip_domain::applicant::ApplicantIdentity;
    for test in test_stores().await {
        let store = &test.store;
        let identity = ApplicantIdentity::parse("natural_person", "11010519491231002X").expect("valid");
        let applicant = onetrip_store::NewApplicant {
            identity: identity.clone(),
            name: "张三".into(),
            phone: "13912345678".into(),
            password_hash: None,
        };
        let id = store.create_applicant(&applicant, at(0)).await.expect("applicant");
        assert!(
            matches!(store.create_applicant(&applicant, at(0)).await, Err(StoreError::Conflict(_))),
            "{}",
            test.name
        );
        assert_eq!(store.applicant_by_identity(&identity).await.expect("query").map(|a| a.id), Some(id));
        assert_eq!(
            store.applicant(id).await.expect("query").map(|a| a.identity.shown()),
            Some("1101**********002X".to_string())
        );

        let (first, created) = store
            .create_case(
                &new_case(id, "2026-11-27"),
                Some(&Idempotency::new("window-1", "key-1", "request-1")),
                &event("submit", "", "received", 1),
                Some("递交材料"),
            )
            .await
            .expect("case");
        assert!(created);
        assert_eq!(first.number.to_string()[..16], *"20261127-000001-");
        let (again, created) = store
            .create_case(
                &new_case(id, "2026-11-27"),
                Some(&Idempotency::new("window-1", "key-1", "request-1")),
                &event("submit", "", "received", 2),
                Some("递交材料"),
            )
            .await
            .expect("retry");
        assert!(!created, "{}: a retry with the same key makes no second case", test.name);
        assert_eq!(again.number, first.number);
        // The same key with another request is refused, and takes no number.
        let reused = store
            .create_case(
                &new_case(id, "2026-11-27"),
                Some(&Idempotency::new("window-1", "key-1", "request-2")),
                &event("submit", "", "received", 2),
                None,
            )
            .await;
        assert!(matches!(reused, Err(StoreError::IdempotencyKeyReused)), "{}: {reused:?}", test.name);
        let looked_up = store.case_by_idempotency_key(&Idempotency::new("window-1", "key-1", "request-2")).await;
        assert!(matches!(looked_up, Err(StoreError::IdempotencyKeyReused)), "{}", test.name);
        let (second, _) = store
            .create_case(&new_case(id, "2026-11-27"), None, &event("submit", "", "received", 3), None)
            .await
            .expect("second");
        assert_eq!(second.number.sequence(), 2);
        let (next_day, _) = store
            .create_case(&new_case(id, "2026-11-28"), None, &event("submit", "", "received", 4), None)
            .await
            .expect("next day");
        assert_eq!(next_day.number.sequence(), 1, "numbers restart each day");

        let mut accepted_document = first.document.clone();
        accepted_document.refusal_reasons = "（改动只写给出的列）".into();
        let change = onetrip_domain::case::CaseChange {
            phase: Some(onetrip_domain::case::Phase::Accepted),
            document: Some(accepted_document.clone()),
            accepted_at: Some(at(10)),
            due_at: Some(at(100_000)),
            warn_at: Some(at(80_000)),
            ..Default::default()
        };
        let task = |task: u32, department: &str, name: &str, state: &str, due: Option<i64>| onetrip_store::CaseTask {
            task,
            department: department.into(),
            name: name.into(),
            state: state.into(),
            due_at: due.map(at),
            warn_at: due.map(|due| at(due - 1_000)),
        };
        let tasks = [
            task(0, "swj", "税款核定", "open", Some(5_000)),
            task(1, "zjj", "合同核验", "open", Some(4_000)),
            task(2, "swj", "复核", "waiting", None),
        ];
        let accept = event("accept", "received", "accepted", 10);
        let update = onetrip_store::CaseUpdate {
            expected_revision: first.revision,
            change: &change,
            notifications: &[],
            event: &accept,
            trip: None,
            tasks: Some(&tasks),
            rating_slot: None,
            accepted_by: None,
            licence: None,
            action_key: None,
        };
        let accepted = store.update_case(&first.number, &update).await.expect("accept");
        let inbox = store.inbox("swj", 10).await.expect("inbox");
        assert_eq!(
            inbox.iter().map(|item| item.name.as_str()).collect::<Vec<_>>(),
            ["税款核定"],
            "{}: only open tasks",
            test.name
        );
        assert_eq!(inbox[0].case_number, first.number);
        assert_eq!(accepted.phase, onetrip_domain::case::Phase::Accepted);
        assert_eq!(accepted.revision, first.revision + 1);
        assert_eq!(accepted.due_at, Some(at(100_000)));
        assert_eq!(accepted.document, accepted_document);
        assert_eq!(
            (accepted.received_at, accepted.corrections),
            (first.received_at, first.corrections),
            "what the change does not name stays as it was"
        );
        let again = event("accept", "received", "accepted", 11);
        let stale_update = onetrip_store::CaseUpdate { event: &again, trip: Some("x"), tasks: Some(&[]), ..update };
        let stale = store.update_case(&first.number, &stale_update).await;
        assert_eq!(
            store.inbox("zjj", 10).await.expect("inbox").len(),
            1,
            "a refused change leaves the tasks as they were"
        );
        assert!(matches!(stale, Err(StoreError::RevisionChanged(_))), "{}: a stale change is refused", test.name);

        let events = store.case_events(&first.number).await.expect("events");
        assert_eq!(
            events.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
            ["submit", "accept"],
            "the refused change wrote no event"
        );
        assert_eq!(events[1].from_phase, "received");
        let trips = store.case_trips(&first.number).await.expect("trips");
        assert_eq!(trips.iter().map(|(_, reason)| reason.as_str()).collect::<Vec<_>>(), ["递交材料"]);

        // The message written with the case names its number.
        let messages = store.case_notifications(&first.number).await.expect("messages");
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0].notification.body, format!("办件 {} 已收件", first.number));
        assert_eq!(store.outbox(10).await.expect("outbox").len(), 3, "one message per case created");

        // Supervision: nothing is at risk before the warning instants; after them, yellow, then red.
        assert!(store.at_risk(at(2_500), 10).await.expect("at risk").is_empty());
        let yellow = store.at_risk(at(4_500), 10).await.expect("at risk");
        assert_eq!(yellow.len(), 2, "{}: both open tasks are past their warning", test.name);
        assert!(yellow.iter().all(|item| item.task.is_some()));
        assert!(store.risk_counts(at(4_500)).await.expect("counts").is_empty(), "the case itself is still green");
        let late = store.at_risk(at(100_001), 10).await.expect("at risk");
        assert_eq!(late.iter().filter(|item| item.task.is_none()).count(), 1, "the case itself is now at risk");
        let counts = store.risk_counts(at(100_001)).await.expect("counts");
        assert_eq!(counts.len(), 1);
        assert_eq!((counts[0].yellow, counts[0].red), (0, 1), "{}: overdue is red", test.name);
        let counts = store.risk_counts(at(90_000)).await.expect("counts");
        assert_eq!((counts[0].yellow, counts[0].red), (1, 0), "{}: past the warning is yellow", test.name);
        test.finish().await;
    }
}

#[tokio::test]
async fn portal_sessions_drafts_and_files_keep_what_they_are_given() {
    for test in test_stores().await {
        let store = &test.store;
        let identity = onetrip_domain::applicant::ApplicantIdentity::parse("natural_person", "11010519491231002X")
            .expect("identity");
        let id = store
            .create_applicant(
                &onetrip_store::NewApplicant {
                    identity,
                    name: "张三".into(),
                    phone: "13800000000".into(),
                    password_hash: None,
                },
                at(0),
            )
            .await
            .expect("applicant");
        store.create_portal_session("hash-1", id, "csrf-1", at(0), at(7_200)).await.expect("session");
        let (applicant, csrf) = store.portal_session("hash-1", at(60)).await.expect("query").expect("session");
        assert_eq!((applicant.id, csrf.as_str()), (id, "csrf-1"));
        assert!(store.portal_session("hash-1", at(7_201)).await.expect("query").is_none(), "expired");
        store.set_applicant_password(id, "argon-hash", "13900000000").await.expect("password");
        assert!(store.portal_session("hash-1", at(60)).await.expect("query").is_none(), "a new password ends sessions");
        let applicant = store.applicant(id).await.expect("query").expect("applicant");
        assert_eq!((applicant.password_hash.as_deref(), applicant.phone.as_str()), (Some("argon-hash"), "13900000000"));

        let file = onetrip_store::StoredFile {
            id: "file-0123456789".into(),
            owner: format!("applicant:{id}"),
            name: "身份证.pdf".into(),
            kind: "pdf".into(),
            size: 1234,
            sha256: "ab".repeat(32),
            created_at: at(5),
        };
        store.add_file(&file).await.expect("file");
        assert_eq!(store.file(&file.id).await.expect("query"), Some(file.clone()));

        let draft = onetrip_store::Draft {
            id: "draft-1".into(),
            applicant_id: id,
            matter_code: "00013112700401".into(),
            document: "{}".into(),
            case_number: None,
            created_at: at(1),
            updated_at: at(1),
        };
        store.create_draft(&draft).await.expect("draft");
        store.save_draft("draft-1", "{\"phone\":\"1\"}", at(2)).await.expect("save");
        assert_eq!(store.open_drafts(id).await.expect("drafts").len(), 1);
        let mut case = new_case(id, "2026-11-27");
        case.draft = Some("draft-1".into());
        let (record, _) =
            store.create_case(&case, None, &event("submit", "", "received", 3), None).await.expect("case");
        let submitted = store.draft("draft-1").await.expect("query").expect("draft");
        assert_eq!(submitted.case_number, Some(record.number.clone()));
        assert!(
            store.open_drafts(id).await.expect("drafts").is_empty(),
            "{}: submitted drafts are not open",
            test.name
        );
        assert!(matches!(store.save_draft("draft-1", "{}", at(4)).await, Err(StoreError::Conflict(_))));
        let again = store.create_case(&case, None, &event("submit", "", "received", 4), None).await;
        assert!(matches!(again, Err(StoreError::Conflict(_))), "a draft becomes one case only");
        assert_eq!(
            store.cases_of_applicant(id, 10).await.expect("cases").len(),
            1,
            "the refused second case left nothing"
        );
        let received = onetrip_domain::case::Phase::Received;
        assert_eq!(store.cases_in_phase(received, Some("scjgj"), 10).await.expect("queue").len(), 1);
        assert!(store.cases_in_phase(received, Some("swj"), 10).await.expect("queue").is_empty());
        test.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cases_submitted_at_once_get_distinct_numbers_and_one_failure_spoils_no_other() {
    for test in test_stores().await {
        let store = test.store.clone();
        let identity = onetrip_domain::applicant::ApplicantIdentity::parse("natural_person", "11010519491231002X")
            .expect("identity");
        let id = store
            .create_applicant(
                &onetrip_store::NewApplicant {
                    identity,
                    name: "张三".into(),
                    phone: "13800000000".into(),
                    password_hash: None,
                },
                at(0),
            )
            .await
            .expect("applicant");
        // A draft already submitted: a second case from it must fail, alone.
        let draft = onetrip_store::Draft {
            id: "used".into(),
            applicant_id: id,
            matter_code: "00013112700401".into(),
            document: "{}".into(),
            case_number: None,
            created_at: at(1),
            updated_at: at(1),
        };
        store.create_draft(&draft).await.expect("draft");
        let mut first = new_case(id, "2026-11-27");
        first.draft = Some("used".into());
        store.create_case(&first, None, &event("submit", "", "received", 2), None).await.expect("first");
        let mut tasks = Vec::new();
        for index in 0..24 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let mut case = new_case(id, "2026-11-27");
                if index == 7 {
                    case.draft = Some("used".into());
                }
                let key = format!("k-{index}");
                store
                    .create_case(
                        &case,
                        Some(&Idempotency::new("test", &key, "")),
                        &event("submit", "", "received", 3),
                        None,
                    )
                    .await
            }));
        }
        let mut numbers = Vec::new();
        let mut failures = 0;
        for task in tasks {
            match task.await.expect("task") {
                Ok((record, created)) => {
                    assert!(created);
                    numbers.push(record.number.compact());
                }
                Err(StoreError::Conflict(_)) => failures += 1,
                Err(other) => panic!("{}: {other}", test.name),
            }
        }
        assert_eq!(failures, 1, "{}: only the case from the used draft fails", test.name);
        numbers.sort();
        numbers.dedup();
        assert_eq!(numbers.len(), 23, "{}: every other case has its own number", test.name);
        for number in &numbers {
            let parsed = onetrip_domain::case_number::CaseNumber::parse(number).expect("number");
            assert!(store.case(&parsed).await.expect("query").is_some(), "{}: acknowledged means stored", test.name);
        }
        test.finish().await;
    }
}

/// A client that retries while its first request is still in flight: every request with one key and one
/// body gets the one case, and a request with the same key and another body is refused, however they race.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_idempotency_key_sent_many_times_at_once_makes_one_case() {
    for test in test_stores().await {
        let store = test.store.clone();
        let identity = onetrip_domain::applicant::ApplicantIdentity::parse("natural_person", "11010519491231002X")
            .expect("identity");
        let applicant = onetrip_store::NewApplicant {
            identity,
            name: "张三".into(),
            phone: "13800000000".into(),
            password_hash: None,
        };
        let id = store.create_applicant(&applicant, at(0)).await.expect("applicant");
        let start = std::sync::Arc::new(tokio::sync::Barrier::new(16));
        let mut tasks = Vec::new();
        for index in 0..16 {
            let (store, start) = (store.clone(), start.clone());
            tasks.push(tokio::spawn(async move {
                let fingerprint = if index == 15 { "other request" } else { "the request" };
                let key = Idempotency::new("window-9", "retry-key", fingerprint);
                start.wait().await;
                store
                    .create_case(&new_case(id, "2026-11-27"), Some(&key), &event("submit", "", "received", 1), None)
                    .await
            }));
        }
        let (mut numbers, mut created, mut refused) = (Vec::new(), 0, 0);
        for task in tasks {
            match task.await.expect("task") {
                Ok((case, new)) => {
                    created += usize::from(new);
                    numbers.push(case.number.compact());
                }
                Err(StoreError::IdempotencyKeyReused) => refused += 1,
                Err(other) => panic!("{}: {other}", test.name),
            }
        }
        numbers.dedup();
        assert_eq!(created, 1, "{}: one case made", test.name);
        assert_eq!(numbers.len(), 1, "{}: every retry got the one case: {numbers:?}", test.name);
        // The odd request is refused unless it came first, in which case the 15 others are.
        assert!(refused == 1 || refused == 15, "{}: {refused} refused", test.name);
        test.finish().await;
    }
}

/// A case whose document an older build stored (schema 1: answers and files in two lists) reads as the
/// current schema, and its next change writes the current schema.
#[tokio::test]
async fn a_case_stored_in_schema_1_reads_as_schema_2_and_is_written_back_as_schema_2() {
    use onetrip_domain::applicant::ApplicantIdentity;
    for test in test_stores().await {
        let store = &test.store;
        let identity = ApplicantIdentity::parse("natural_person", "11010519491231002X").expect("valid");
        let applicant = onetrip_store::NewApplicant {
            identity,
            name: "张三".into(),
            phone: "13912345678".into(),
            password_hash: None,
        };
        let id = store.create_applicant(&applicant, at(0)).await.expect("applicant");
        let (case, _) = store
            .create_case(&new_case(id, "2026-11-27"), None, &event("submit", "", "received", 1), None)
            .await
            .expect("case");
        let schema_1 = r#"{"acceptance":{"state":{"state":"received"},"received_at":"2026-11-27T09:30:00","corrections":0},"supplied":["provided","missing"],"correction_notice":[],"refusal_reasons":"","review":null,"files":[["old-file"],[]],"delivery":null,"clock":{"pauses":[],"extensions":[]},"bundle":null}"#;
        test.execute(&format!("UPDATE cases SET document = '{schema_1}' WHERE number = '{}'", case.number.compact()))
            .await;
        let read = store.case(&case.number).await.expect("read").expect("case");
        assert_eq!(read.document.schema, 2, "{}", test.name);
        assert_eq!(read.document.files(0), ["old-file"]);
        assert_eq!(
            read.document.supplied(),
            [onetrip_domain::acceptance::Supplied::Provided, onetrip_domain::acceptance::Supplied::Missing]
        );
        let change = onetrip_domain::case::CaseChange { document: Some(read.document.clone()), ..Default::default() };
        let touch = event("notify", "received", "received", 2);
        let update = onetrip_store::CaseUpdate {
            expected_revision: read.revision,
            change: &change,
            notifications: &[],
            event: &touch,
            trip: None,
            tasks: None,
            rating_slot: None,
            accepted_by: None,
            licence: None,
            action_key: None,
        };
        store.update_case(&case.number, &update).await.expect("change");
        let stored = test.text(&format!("SELECT document FROM cases WHERE number = '{}'", case.number.compact())).await;
        assert!(stored.contains(r#""schema":2"#) && stored.contains(r#""materials""#), "{}: {stored}", test.name);
        test.finish().await;
    }
}

/// Case events and the audit log are hash chains: an intact history verifies, and a row changed or removed
/// directly in the database is named (the first one that does not fit), on every backend.
#[tokio::test]
async fn a_row_changed_behind_the_applications_back_is_named_by_the_chain() {
    use onetrip_domain::applicant::ApplicantIdentity;
    for test in test_stores().await {
        let store = &test.store;
        let identity = ApplicantIdentity::parse("natural_person", "11010519491231002X").expect("valid");
        let applicant = onetrip_store::NewApplicant {
            identity,
            name: "张三".into(),
            phone: "13912345678".into(),
            password_hash: None,
        };
        let id = store.create_applicant(&applicant, at(0)).await.expect("applicant");
        let mut numbers = Vec::new();
        for day in ["2026-11-27", "2026-11-28"] {
            let (case, _) = store
                .create_case(&new_case(id, day), None, &event("submit", "", "received", 1), None)
                .await
                .expect("case");
            numbers.push(case.number.compact());
        }
        for second in 0..3 {
            let audit = AuditEvent {
                at: at(second),
                actor: "admin".into(),
                action: "calendar.load".into(),
                subject: format!("{}", 2027 + second),
                detail: "1 个日期".into(),
            };
            store.record_audit(&audit).await.expect("audit");
        }
        let intact = store.verify_chains().await.expect("verify");
        assert_eq!(
            (intact.case_events, intact.audit_events, intact.first_break.clone()),
            (2, 3, None),
            "{}",
            test.name
        );

        // Someone edits an audit entry's words in the database.
        test.execute("UPDATE audit_events SET detail = '0 个日期' WHERE subject = '2028'").await;
        let found = store.verify_chains().await.expect("verify").first_break.expect("caught");
        assert_eq!((found.table, found.case_number.as_deref()), ("audit_events", None), "{}", test.name);
        assert!(found.reason.contains("内容被改动"), "{}", found.reason);
        let altered: i64 =
            test.text("SELECT CAST(id AS TEXT) FROM audit_events WHERE subject = '2028'").await.parse().expect("id");
        assert_eq!(found.id, altered);
        test.execute("UPDATE audit_events SET detail = '1 个日期' WHERE subject = '2028'").await;
        assert_eq!(store.verify_chains().await.expect("verify").first_break, None, "put back, it fits again");

        // Someone removes an audit entry: the next one no longer fits.
        test.execute("DELETE FROM audit_events WHERE subject = '2028'").await;
        let found = store.verify_chains().await.expect("verify").first_break.expect("caught");
        let next: i64 =
            test.text("SELECT CAST(id AS TEXT) FROM audit_events WHERE subject = '2029'").await.parse().expect("id");
        assert_eq!((found.table, found.id), ("audit_events", next), "{}", test.name);
        assert!(found.reason.contains("前面的记录被改动或删除"), "{}", found.reason);

        // Someone changes who did something in a case's history.
        test.execute(&format!("UPDATE case_events SET actor = '别人' WHERE case_number = '{}'", numbers[1])).await;
        let found = store.verify_chains().await.expect("verify").first_break.expect("caught");
        assert_eq!(
            (found.table, found.case_number.as_deref()),
            ("case_events", Some(numbers[1].as_str())),
            "{}",
            test.name
        );
        test.finish().await;
    }
}
