//! The case aggregate's rules, phase by phase: every action against every phase for every kind of actor
//! (what `allowed_actions` offers, `decide` accepts, and what it leaves out, `decide` refuses), and the
//! exact refusals and transitions the edges rely on.

use super::*;
use crate::acceptance::{MaterialProblem, Supplied};
use crate::access::Role;
use crate::actor::Channel;
use crate::catalog::tests::sample_matter;
use crate::catalog::{Material, MaterialNecessity, Matter, Step, StepKind, TimeLimit};
use crate::review::ReviewAction;
use crate::test_support::calendar;
use chrono::{NaiveDate, TimeZone};

fn offset() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(8 * 3600).expect("offset")
}

/// Local time at the centre as an instant.
fn at(text: &str) -> DateTime<Utc> {
    let local = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("date-time");
    offset().from_local_datetime(&local).single().expect("instant").with_timezone(&Utc)
}

/// 受理 → (市场监管 审核 ∥ 税务 审核) → 决定 (市场监管), two materials, by post.
fn matter() -> Matter {
    let mut matter = sample_matter();
    let step = |name: &str, kind, department: &str, stage| Step {
        name: name.to_string(),
        kind,
        department: department.to_string(),
        stage,
        limit: TimeLimit::HalfDays(2),
        standard: String::new(),
        result: String::new(),
        sign_offs: 1,
    };
    matter.steps = vec![
        step("受理", StepKind::Accept, "", 1),
        step("登记审核", StepKind::Check, "", 2),
        step("税务核验", StepKind::Check, "swj", 2),
        step("决定", StepKind::Decide, "", 3),
        step("送达", StepKind::Deliver, "", 4),
    ];
    matter.promised_limit = TimeLimit::HalfDays(10);
    let mut second: Material = matter.materials[0].clone();
    second.name = "股东会决议".to_string();
    second.necessity = MaterialNecessity::Deferrable;
    matter.materials.push(second);
    matter
}

fn rules<'a>(matter: &'a Matter, calendar: &'a crate::calendar::Calendar) -> Rules<'a> {
    Rules { matter, calendar, utc_offset: offset(), warn_share: 0.25, department_name: &|code| format!("部门{code}") }
}

fn staff(name: &str, roles: &[Role], department: Option<&str>) -> Actor {
    Actor::staff(1, name, name, roles.to_vec(), department.map(str::to_string), Channel::Window)
}

fn actors() -> Vec<Actor> {
    vec![
        staff("综合窗口", &[Role::WindowStaff], None),
        staff("税务窗口", &[Role::WindowStaff], Some("swj")),
        staff("大厅负责人", &[Role::HallManager], None),
        staff("管理员", &[Role::Admin], None),
        staff("市场监管审查", &[Role::Reviewer], Some("scjgj")),
        staff("税务审查", &[Role::Reviewer], Some("swj")),
        staff("无部门审查", &[Role::Reviewer], None),
        staff("目录编辑", &[Role::CatalogEditor], None),
        Actor::applicant(42, "申请人"),
        Actor::applicant(43, "别人"),
        Actor::system("系统（依法视为受理）"),
    ]
}

fn received(matter: &Matter) -> Case {
    let received = at("2026-11-23 09:30");
    Case {
        number: crate::case_number::CaseNumber::new(NaiveDate::from_ymd_opt(2026, 11, 23).expect("day"), 17)
            .expect("number"),
        matter_code: matter.code.clone(),
        matter_version: 1,
        department: matter.department.clone(),
        applicant_id: 42,
        channel: Channel::Window,
        phase: Phase::Received,
        document: CaseDocument::received(
            received.with_timezone(&offset()).naive_local(),
            matter.materials.len(),
            vec![Supplied::Provided, Supplied::Missing],
            vec![vec!["f1".to_string()]],
            None,
        ),
        revision: 1,
        corrections: 0,
        received_at: received,
        accepted_at: None,
        due_at: None,
        warn_at: None,
        created_at: received,
        updated_at: received,
    }
}

/// The case after a transition, as the store would keep it.
fn apply(case: &Case, transition: &Transition) -> Case {
    let change = &transition.change;
    let mut next = case.clone();
    next.phase = change.phase.unwrap_or(case.phase);
    if let Some(document) = &change.document {
        next.document = document.clone();
    }
    next.corrections = change.corrections.unwrap_or(case.corrections);
    next.received_at = change.received_at.unwrap_or(case.received_at);
    next.accepted_at = change.accepted_at.or(case.accepted_at);
    next.due_at = change.due_at.or(case.due_at);
    next.warn_at = change.warn_at.or(case.warn_at);
    next.revision += 1;
    next
}

fn run(case: &Case, action: CaseAction, actor: &Actor, when: &str) -> Case {
    let matter = matter();
    let calendar = calendar();
    let transition = decide(case, &action, actor, &rules(&matter, &calendar), at(when))
        .unwrap_or_else(|error| panic!("{action:?} by {} refused: {error}", actor.name));
    assert_eq!(transition.from, case.phase);
    apply(case, &transition)
}

fn window() -> Actor {
    staff("综合窗口", &[Role::WindowStaff], None)
}

fn manager() -> Actor {
    staff("大厅负责人", &[Role::HallManager], None)
}

const ALL_PROVIDED: [Supplied; 2] = [Supplied::Provided, Supplied::Provided];

/// A case in every phase (and the interesting variants of some), reached through `decide` itself.
fn cases_in_every_phase() -> Vec<(&'static str, Case)> {
    let matter = matter();
    let first = received(&matter);
    let noticed = run(
        &first,
        CaseAction::RequestCorrection { supplied: vec![Supplied::Provided], notes: vec![], supervisor_reason: None },
        &window(),
        "2026-11-23 10:00",
    );
    let corrected_once =
        run(&noticed, CaseAction::RecordCorrection { supplied: ALL_PROVIDED.to_vec() }, &window(), "2026-11-24 10:00");
    let accepted = run(&first, CaseAction::Accept { supplied: ALL_PROVIDED.to_vec() }, &window(), "2026-11-23 10:00");
    let land = staff("市场监管审查", &[Role::Reviewer], Some("scjgj"));
    let tax = staff("税务审查", &[Role::Reviewer], Some("swj"));
    let half_reviewed =
        run(&accepted, CaseAction::Review(ReviewAction::Approve { task: 0 }), &land, "2026-11-23 11:00");
    let suspended = run(
        &accepted,
        CaseAction::Pause { procedure: "专家评审".into(), reason: "需专家论证".into() },
        &manager(),
        "2026-11-23 11:00",
    );
    let refused_to_accept =
        run(&first, CaseAction::RefuseToAccept { reasons: "不属于本机关职权".into() }, &window(), "2026-11-23 10:00");
    let both = run(&half_reviewed, CaseAction::Review(ReviewAction::Approve { task: 1 }), &tax, "2026-11-23 11:30");
    let granted = run(
        &both,
        CaseAction::Review(ReviewAction::Decide { task: 2, granted: true, reasons: String::new() }),
        &land,
        "2026-11-23 14:00",
    );
    let refused = run(
        &both,
        CaseAction::Review(ReviewAction::Decide { task: 2, granted: false, reasons: "不符合条件".into() }),
        &land,
        "2026-11-23 14:00",
    );
    let delivered = run(
        &granted,
        CaseAction::Deliver { method: "online".into(), tracking_number: String::new() },
        &window(),
        "2026-11-23 15:00",
    );
    vec![
        ("received", first),
        ("awaiting_correction", noticed),
        ("received after one correction", corrected_once),
        ("accepted", accepted),
        ("accepted, one parallel step done", half_reviewed),
        ("suspended", suspended),
        ("refused_to_accept", refused_to_accept),
        ("granted", granted),
        ("refused", refused),
        ("delivered", delivered),
    ]
}

/// One action of every kind, with content the rules accept when the action itself is allowed.
fn one_of_each(case: &Case) -> Vec<CaseAction> {
    let mut actions = vec![
        CaseAction::RequestCorrection {
            supplied: vec![Supplied::Provided],
            notes: vec![],
            supervisor_reason: Some("材料确有新问题".into()),
        },
        CaseAction::RecordCorrection { supplied: ALL_PROVIDED.to_vec() },
        CaseAction::CorrectOnline {
            uploads: case
                .document
                .correction_notice
                .iter()
                .map(|problem| (problem.material, "u1".to_string()))
                .collect(),
        },
        CaseAction::Accept { supplied: ALL_PROVIDED.to_vec() },
        CaseAction::RefuseToAccept { reasons: "不属于本机关职权".into() },
        CaseAction::AcceptByLaw,
        CaseAction::Pause { procedure: "听证".into(), reason: "依法听证".into() },
        CaseAction::Resume,
        CaseAction::Extend { working_days: 5, reason: "情况复杂".into() },
        CaseAction::Deliver { method: "pickup".into(), tracking_number: String::new() },
        CaseAction::IssueOrder { instruction: "请加快办理".into(), deadline: "2026-11-27".into() },
    ];
    for task in 0..3 {
        actions.push(CaseAction::Review(if task == 2 {
            ReviewAction::Decide { task, granted: true, reasons: String::new() }
        } else {
            ReviewAction::Approve { task }
        }));
    }
    actions
}

#[test]
fn decide_accepts_what_allowed_actions_offers_and_refuses_the_rest_for_every_phase_and_actor() {
    let matter = matter();
    let calendar = calendar();
    let rules = rules(&matter, &calendar);
    let mut checked = 0;
    for (name, case) in cases_in_every_phase() {
        for actor in actors() {
            let allowed = allowed_actions(&case, &actor);
            for action in one_of_each(&case) {
                let kind = action.kind().expect("every action but answering has a kind");
                let outcome = decide(&case, &action, &actor, &rules, at("2026-11-25 10:00"));
                if allowed.contains(&kind) {
                    if let Err(error) = &outcome {
                        assert!(
                            !error.refuses_the_action(),
                            "{name}: {} was offered {kind:?} but refused: {error}",
                            actor.name
                        );
                    }
                } else {
                    match &outcome {
                        Ok(_) => panic!("{name}: {} was not offered {kind:?} but decide accepted it", actor.name),
                        Err(error) => assert!(
                            error.refuses_the_action(),
                            "{name}: {} not offered {kind:?}, refused for the wrong reason: {error}",
                            actor.name
                        ),
                    }
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 10 * 11 * 14);
}

#[test]
fn each_phase_offers_the_window_exactly_its_actions() {
    let window = window();
    let kinds = |case: &Case| allowed_actions(case, &window);
    let by_phase: std::collections::HashMap<&str, Case> = cases_in_every_phase().into_iter().collect();
    assert_eq!(
        kinds(&by_phase["received"]),
        [ActionKind::RequestCorrection, ActionKind::Accept, ActionKind::RefuseToAccept]
    );
    assert_eq!(kinds(&by_phase["received after one correction"]), [ActionKind::Accept, ActionKind::RefuseToAccept]);
    assert_eq!(kinds(&by_phase["awaiting_correction"]), [ActionKind::RecordCorrection, ActionKind::RefuseToAccept]);
    assert!(kinds(&by_phase["accepted"]).is_empty());
    assert_eq!(kinds(&by_phase["granted"]), [ActionKind::Deliver]);
    assert_eq!(kinds(&by_phase["refused"]), [ActionKind::Deliver]);
    assert!(kinds(&by_phase["delivered"]).is_empty());
    let manager = manager();
    assert_eq!(
        allowed_actions(&by_phase["accepted"], &manager),
        [ActionKind::Pause, ActionKind::Extend, ActionKind::IssueOrder]
    );
    assert_eq!(allowed_actions(&by_phase["suspended"], &manager), [ActionKind::Resume, ActionKind::IssueOrder]);
    assert!(allowed_actions(&by_phase["delivered"], &manager).is_empty());
    let tax = staff("税务审查", &[Role::Reviewer], Some("swj"));
    assert_eq!(allowed_actions(&by_phase["accepted"], &tax), [ActionKind::Review { task: 1 }]);
    assert!(allowed_actions(&by_phase["suspended"], &tax).is_empty(), "nobody reviews while the clock stands still");
    let land = staff("市场监管审查", &[Role::Reviewer], Some("scjgj"));
    assert_eq!(
        allowed_actions(&by_phase["accepted"], &land),
        [ActionKind::Review { task: 0 }, ActionKind::Pause],
        "the owning department reviews its step and may stop the clock"
    );
    assert_eq!(
        allowed_actions(&by_phase["awaiting_correction"], &Actor::applicant(42, "申请人")),
        [ActionKind::CorrectOnline]
    );
    assert!(allowed_actions(&by_phase["awaiting_correction"], &Actor::applicant(43, "别人")).is_empty());
}

#[test]
fn refusals_by_phase_say_where_the_case_stands() {
    let matter = matter();
    let calendar = calendar();
    let rules = rules(&matter, &calendar);
    let cases: std::collections::HashMap<&str, Case> = cases_in_every_phase().into_iter().collect();
    let now = at("2026-11-25 10:00");
    let refuse =
        decide(&cases["delivered"], &CaseAction::RefuseToAccept { reasons: "x".into() }, &window(), &rules, now);
    assert_eq!(refuse, Err(CaseError::NotInState("办件现在是“已办结送达”，不能不予受理".into())));
    let accept =
        decide(&cases["accepted"], &CaseAction::Accept { supplied: ALL_PROVIDED.to_vec() }, &window(), &rules, now);
    assert_eq!(accept, Err(CaseError::NotInState("办件现在是“已受理，审查中”，不能受理".into())));
    let deliver = CaseAction::Deliver { method: "pickup".into(), tracking_number: String::new() };
    assert_eq!(
        decide(&cases["accepted"], &deliver, &window(), &rules, now),
        Err(CaseError::NotInState("办件现在是“已受理，审查中”，还没有可送达的结果".into()))
    );
    let tax = staff("税务审查", &[Role::Reviewer], Some("swj"));
    assert_eq!(
        decide(&cases["suspended"], &CaseAction::Review(ReviewAction::Approve { task: 1 }), &tax, &rules, now),
        Err(CaseError::NotInState("办件处于特别程序中（计时暂停），请先结束特别程序再办理".into()))
    );
    assert_eq!(
        decide(&cases["received"], &CaseAction::Review(ReviewAction::Approve { task: 1 }), &tax, &rules, now),
        Err(CaseError::NotInState("办件现在是“已收件，待受理”，还没有进入审查".into()))
    );
    assert_eq!(
        decide(
            &cases["granted"],
            &CaseAction::Pause { procedure: "听证".into(), reason: "x".into() },
            &manager(),
            &rules,
            now
        ),
        Err(CaseError::NotInState("办件现在是“已作出准予决定，待送达”，只有审查中的办件才能暂停计时或延期".into()))
    );
    assert_eq!(
        decide(
            &cases["delivered"],
            &CaseAction::IssueOrder { instruction: "请说明".into(), deadline: "2026-11-27".into() },
            &manager(),
            &rules,
            now
        ),
        Err(CaseError::NotInState("办件已经办结，不能再督办".into()))
    );
    assert_eq!(
        decide(
            &cases["received"],
            &CaseAction::CorrectOnline { uploads: vec![] },
            &Actor::applicant(42, "申请人"),
            &rules,
            now
        ),
        Err(CaseError::NotInState("办件现在是“已收件，待受理”，不需要补正".into()))
    );
    assert_eq!(
        decide(&cases["accepted"], &CaseAction::Resume, &manager(), &rules, now).map(|_| ()),
        Err(CaseError::ClockRunning("计时没有暂停".into()))
    );
    assert!(matches!(
        decide(
            &cases["suspended"],
            &CaseAction::Extend { working_days: 3, reason: "x".into() },
            &manager(),
            &rules,
            now
        ),
        Err(CaseError::ClockPaused(_))
    ));
}

#[test]
fn a_second_correction_notice_needs_a_supervisor_and_a_reason() {
    let matter = matter();
    let calendar = calendar();
    let rules = rules(&matter, &calendar);
    let cases: std::collections::HashMap<&str, Case> = cases_in_every_phase().into_iter().collect();
    let again = |reason: Option<&str>| CaseAction::RequestCorrection {
        supplied: vec![Supplied::Missing],
        notes: vec![],
        supervisor_reason: reason.map(str::to_string),
    };
    let case = &cases["received after one correction"];
    let now = at("2026-11-25 10:00");
    assert_eq!(decide(case, &again(Some("理由")), &window(), &rules, now), Err(CaseError::Forbidden));
    let supervisor = staff("负责人", &[Role::HallManager, Role::WindowStaff], None);
    let Err(CaseError::Invalid(errors)) = decide(case, &again(None), &supervisor, &rules, now) else {
        panic!("a supervisor without a reason is asked for one");
    };
    assert_eq!(errors.fields().collect::<Vec<_>>(), ["supervisor_reason"]);
    let signed = decide(case, &again(Some("原件与复印件不一致")), &supervisor, &rules, now).expect("signed off");
    assert_eq!(signed.detail, "第二次补正（负责人签批，计入部门）");
    assert_eq!(signed.change.corrections, Some(2));
}

#[test]
fn acceptance_starts_the_clock_opens_the_first_stage_and_checks_every_material() {
    let matter = matter();
    let calendar = calendar();
    let rules = rules(&matter, &calendar);
    let case = received(&matter);
    let now = at("2026-11-23 10:00");
    let Err(CaseError::Invalid(errors)) =
        decide(&case, &CaseAction::Accept { supplied: vec![Supplied::Provided] }, &window(), &rules, now)
    else {
        panic!("an incomplete case is not accepted");
    };
    assert_eq!(errors.first("supplied[1]"), Some("股东会决议：缺少本材料。要求：法定代表人签字"));
    let deferred = CaseAction::Accept { supplied: vec![Supplied::Provided, Supplied::Deferred] };
    let transition = decide(&case, &deferred, &window(), &rules, now).expect("容缺 accepted");
    assert_eq!((transition.event, transition.to), (EventKind::Accept, Phase::Accepted));
    assert_eq!(transition.change.accepted_at, Some(now));
    // Five working days, the day of acceptance not counted: the Monday after, at the close of office.
    assert_eq!(transition.change.due_at, Some(at("2026-11-30 17:00")));
    assert!(transition.change.warn_at.is_some_and(|warn| warn > now && Some(warn) < transition.change.due_at));
    assert!(transition.reindex_tasks);
    let review = transition.change.document.as_ref().and_then(|document| document.review.as_ref()).expect("review");
    assert_eq!(review.tasks.iter().filter(|task| task.state == crate::review::TaskState::Open).count(), 2);
    assert_eq!(transition.notice, Some(Notice::Accepted { due: rules.local(at("2026-11-30 17:00")) }));

    let mut on_the_spot = matter.clone();
    on_the_spot.steps.retain(|step| matches!(step.kind, StepKind::Accept | StepKind::Deliver));
    let spot_rules = Rules { matter: &on_the_spot, ..rules };
    let concluded = decide(&case, &deferred, &window(), &spot_rules, now).expect("accepted");
    assert_eq!(concluded.to, Phase::Granted, "a matter without review steps is concluded at acceptance");
}

#[test]
fn the_one_correction_notice_lists_every_problem_and_the_correction_restarts_the_period() {
    let matter = matter();
    let calendar = calendar();
    let rules = rules(&matter, &calendar);
    let case = received(&matter);
    let note =
        MaterialProblem { material: 0, name: "公司登记（备案）申请书".into(), problem: "未签字".into() };
    let action = CaseAction::RequestCorrection {
        supplied: vec![Supplied::Provided],
        notes: vec![note],
        supervisor_reason: None,
    };
    let transition = decide(&case, &action, &window(), &rules, at("2026-11-23 10:00")).expect("notice");
    assert_eq!(transition.to, Phase::AwaitingCorrection);
    assert_eq!(transition.detail, "一次性告知补正 2 项");
    assert_eq!(
        transition.notice,
        Some(Notice::CorrectionNeeded {
            materials: vec!["公司登记（备案）申请书".into(), "股东会决议".into()]
        })
    );
    let noticed = apply(&case, &transition);
    let applicant = Actor::applicant(42, "申请人");
    let Err(CaseError::Invalid(errors)) = decide(
        &noticed,
        &CaseAction::CorrectOnline { uploads: vec![(1, "u1".into())] },
        &applicant,
        &rules,
        at("2026-11-24 10:00"),
    ) else {
        panic!("every listed material must be uploaded");
    };
    assert_eq!(errors.first("material_0"), Some("请上传“公司登记（备案）申请书”"));
    let online = CaseAction::CorrectOnline { uploads: vec![(0, "u0".into()), (1, "u1".into())] };
    let corrected = decide(&noticed, &online, &applicant, &rules, at("2026-11-24 10:00")).expect("corrected");
    assert_eq!((corrected.to, corrected.trip, corrected.detail.as_str()), (Phase::Received, None, "网上补正"));
    assert_eq!(corrected.change.received_at, Some(at("2026-11-24 10:00")));
    let document = corrected.change.document.expect("document");
    assert_eq!(document.files(0), ["u0"], "the file judged wrong is replaced, not listed beside the new one");
    assert_eq!(document.supplied(), ALL_PROVIDED);
    let at_window = decide(
        &noticed,
        &CaseAction::RecordCorrection { supplied: ALL_PROVIDED.to_vec() },
        &window(),
        &rules,
        at("2026-11-24 10:00"),
    )
    .expect("at the window");
    assert_eq!(at_window.trip, Some("补正材料"), "bringing the papers is a trip to the hall");
}

#[test]
fn a_material_handed_in_but_judged_defective_is_listed_once_in_the_clerks_words() {
    let matter = matter();
    let calendar = calendar();
    let rules = rules(&matter, &calendar);
    let case = received(&matter);
    let mut supplied = ALL_PROVIDED.to_vec();
    supplied[0] = Supplied::Missing;
    let note =
        |problem: &str| MaterialProblem { material: 0, name: "表单里的名字".into(), problem: problem.into() };
    let action = CaseAction::RequestCorrection {
        supplied: supplied.clone(),
        notes: vec![note("复印件不清晰，请带原件"), note("未签字")],
        supervisor_reason: None,
    };
    let transition = decide(&case, &action, &window(), &rules, at("2026-11-23 10:00")).expect("notice");
    assert_eq!(transition.detail, "一次性告知补正 1 项");
    assert_eq!(transition.notice, Some(Notice::CorrectionNeeded { materials: vec!["公司登记（备案）申请书".into()] }));
    let document = transition.change.document.expect("document");
    assert_eq!(
        document.correction_notice,
        vec![MaterialProblem {
            material: 0,
            name: "公司登记（备案）申请书".into(),
            problem: "复印件不清晰，请带原件；未签字".into()
        }]
    );
    let bare = CaseAction::RequestCorrection { supplied, notes: vec![], supervisor_reason: None };
    let transition = decide(&case, &bare, &window(), &rules, at("2026-11-23 10:00")).expect("notice");
    let document = transition.change.document.expect("document");
    assert_eq!(document.correction_notice.len(), 1);
    assert!(
        document.correction_notice[0].problem.starts_with("已提交的材料不符合要求，请按要求重新提供。"),
        "a file was there: not called missing: {}",
        document.correction_notice[0].problem
    );
}

#[test]
fn only_the_system_accepts_by_law_and_only_after_five_working_days() {
    let matter = matter();
    let calendar = calendar();
    let rules = rules(&matter, &calendar);
    let case = received(&matter);
    let system = Actor::system("系统（依法视为受理）");
    assert_eq!(
        decide(&case, &CaseAction::AcceptByLaw, &manager(), &rules, at("2026-12-10 10:00")),
        Err(CaseError::Forbidden)
    );
    assert!(matches!(
        decide(&case, &CaseAction::AcceptByLaw, &system, &rules, at("2026-11-27 10:00")),
        Err(CaseError::Invalid(_))
    ));
    let accepted = decide(&case, &CaseAction::AcceptByLaw, &system, &rules, at("2026-12-01 10:00")).expect("by law");
    assert_eq!(accepted.change.accepted_at, Some(case.received_at), "accepted from the day of receipt");
    assert_eq!(accepted.event, EventKind::AcceptByLaw);
}

#[test]
fn resuming_moves_every_open_step_by_the_time_the_clock_stood_still() {
    let matter = matter();
    let calendar = calendar();
    let rules = rules(&matter, &calendar);
    let cases: std::collections::HashMap<&str, Case> = cases_in_every_phase().into_iter().collect();
    let suspended = &cases["suspended"];
    let before: Vec<_> =
        suspended.document.review.as_ref().expect("review").tasks.iter().map(|task| task.due).collect();
    // Paused Monday 11:00, resumed Wednesday 11:00: two working days stood still.
    let resumed = decide(suspended, &CaseAction::Resume, &manager(), &rules, at("2026-11-25 11:00")).expect("resume");
    assert_eq!(resumed.to, Phase::Accepted);
    assert!(resumed.reindex_tasks);
    let document = resumed.change.document.as_ref().expect("document");
    for (task, was) in document.review.as_ref().expect("review").tasks.iter().zip(before) {
        match (task.state, was, task.due) {
            (crate::review::TaskState::Open, Some(was), Some(now)) => {
                assert_eq!(calendar.working_time_between(was, now, &[]).expect("between").minutes, 2 * 7 * 60)
            }
            (_, was, now) => assert_eq!(was, now),
        }
    }
    let due = resumed.change.due_at.expect("due");
    assert_eq!(due, at("2026-12-02 17:00"), "the case's own limit moves by the same two days");
    assert_eq!(resumed.notice, Some(Notice::Resumed { due: rules.local(due) }));
}

#[test]
fn delivery_follows_the_matter_and_a_pickup_is_a_trip() {
    let matter = matter();
    let calendar = calendar();
    let mut no_post = matter.clone();
    no_post.postal_supported = false;
    let cases: std::collections::HashMap<&str, Case> = cases_in_every_phase().into_iter().collect();
    let now = at("2026-11-25 10:00");
    let post = |tracking: &str| CaseAction::Deliver { method: "post".into(), tracking_number: tracking.into() };
    let field = |result: Result<Transition, CaseError>| match result {
        Err(CaseError::Invalid(errors)) => errors.fields().map(str::to_string).collect::<Vec<_>>(),
        other => panic!("expected a field error, got {other:?}"),
    };
    assert_eq!(
        field(decide(&cases["granted"], &post("1100123456789"), &window(), &rules(&no_post, &calendar), now)),
        ["method"]
    );
    assert_eq!(
        field(decide(&cases["granted"], &post("12"), &window(), &rules(&matter, &calendar), now)),
        ["tracking_number"]
    );
    let fax = CaseAction::Deliver { method: "fax".into(), tracking_number: String::new() };
    assert_eq!(field(decide(&cases["granted"], &fax, &window(), &rules(&matter, &calendar), now)), ["method"]);
    let posted =
        decide(&cases["granted"], &post("1100123456789"), &window(), &rules(&matter, &calendar), now).expect("post");
    assert_eq!((posted.to, posted.trip), (Phase::Delivered, None));
    assert_eq!(posted.detail, "营业执照：邮寄（邮件号 1100123456789）");
    let pickup = CaseAction::Deliver { method: "pickup".into(), tracking_number: String::new() };
    let refused = decide(&cases["refused"], &pickup, &window(), &rules(&matter, &calendar), now).expect("pickup");
    assert_eq!(refused.trip, Some("领取办理结果"));
    assert_eq!(
        refused.notice,
        Some(Notice::Delivered { results: vec!["不予许可决定书".into()], how: "窗口领取".into() })
    );
}

#[test]
fn an_order_goes_to_the_most_urgent_open_step_and_is_answered_once_by_its_department() {
    let matter = matter();
    let calendar = calendar();
    let rules = rules(&matter, &calendar);
    let cases: std::collections::HashMap<&str, Case> = cases_in_every_phase().into_iter().collect();
    let now = at("2026-11-25 10:00");
    let order = |deadline: &str| CaseAction::IssueOrder {
        instruction: "请说明延误原因".into(),
        deadline: deadline.into(),
    };
    let Err(CaseError::Invalid(errors)) = decide(&cases["accepted"], &order("2026-11-28"), &manager(), &rules, now)
    else {
        panic!("a Saturday is refused");
    };
    assert_eq!(errors.first("deadline"), Some("回复期限应是工作日，请另选一天"));
    let issued = decide(&cases["accepted, one parallel step done"], &order("2026-11-27"), &manager(), &rules, now)
        .expect("issued");
    assert_eq!(
        issued.order,
        Some(OrderEffect::Issue {
            department: "swj".into(),
            instruction: "请说明延误原因".into(),
            deadline: at("2026-11-27 17:00"),
        })
    );
    assert_eq!(issued.detail, "督办部门swj：请说明延误原因（2026-11-27 前回复）");
    let open = OrderRef { id: 7, department: "swj".into(), answered: false };
    let tax = staff("税务审查", &[Role::Reviewer], Some("swj"));
    let answer = |order: &OrderRef, text: &str| CaseAction::AnswerOrder { order: order.clone(), answer: text.into() };
    assert!(action::may_answer(&open, &tax));
    assert!(!action::may_answer(&open, &manager()));
    assert_eq!(
        decide(&cases["accepted"], &answer(&open, "已加快"), &manager(), &rules, now),
        Err(CaseError::Forbidden)
    );
    let answered = decide(&cases["accepted"], &answer(&open, "已加快办理"), &tax, &rules, now).expect("answered");
    assert_eq!(answered.order, Some(OrderEffect::Answer { id: 7, answer: "已加快办理".into() }));
    let done = OrderRef { answered: true, ..open };
    assert!(!action::may_answer(&done, &tax));
    assert_eq!(
        decide(&cases["accepted"], &answer(&done, "再答一次"), &tax, &rules, now),
        Err(CaseError::AlreadyAnswered)
    );
}

#[test]
fn who_may_see_a_case() {
    let cases: std::collections::HashMap<&str, Case> = cases_in_every_phase().into_iter().collect();
    let actors = actors();
    let seen: Vec<&str> =
        actors.iter().filter(|actor| may_see(&cases["accepted"], actor)).map(|actor| actor.name.as_str()).collect();
    // The tax office sees it because it has a step in the review; another department's window does not.
    assert_eq!(seen, ["综合窗口", "大厅负责人", "管理员", "市场监管审查", "税务审查", "申请人"]);
    let before_review: Vec<&str> =
        actors.iter().filter(|actor| may_see(&cases["received"], actor)).map(|actor| actor.name.as_str()).collect();
    assert_eq!(before_review, ["综合窗口", "大厅负责人", "管理员", "市场监管审查", "申请人"]);
}
