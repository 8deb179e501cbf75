//! What the window (and the applicant) decide: the correction notice, corrected materials at the window or
//! online, acceptance, refusal to accept, acceptance by law, and the delivery of the result.

use super::{now_is, CaseError, Notice, Rules, Transition};
use crate::acceptance::{self, AcceptanceAction, AcceptanceError, AcceptanceState, Supplied};
use crate::access::Permission;
use crate::actor::{Actor, ActorKind};
use crate::case::document::Delivery;
use crate::case::{Case, CaseAction, DeliveryMethod, EventKind, Phase};
use crate::review::{self, Outcome};
use crate::supervision;
use crate::FieldErrors;
use chrono::{DateTime, Utc};

/// The words of a refusal by phase: "…，不能受理".
fn cannot(event: EventKind) -> &'static str {
    match event {
        EventKind::CorrectionNotice => "发补正告知",
        EventKind::Corrected => "登记补正",
        EventKind::Accept => "受理",
        _ => "不予受理",
    }
}

/// One answer per material of the matter's list.
fn fitted(supplied: &[Supplied], count: usize) -> Vec<Supplied> {
    let mut supplied = supplied.to_vec();
    supplied.resize(count, Supplied::Missing);
    supplied
}

fn incomplete(problems: &[acceptance::MaterialProblem]) -> CaseError {
    let mut errors = FieldErrors::default();
    for problem in problems {
        errors.add(format!("supplied[{}]", problem.material), format!("{}：{}", problem.name, problem.problem));
    }
    CaseError::Invalid(errors)
}

/// The correction notice's items: one per material, in the catalog's order. The clerk's note on a
/// material says what is wrong with it in place of the generic "缺少本材料"; a material handed in but
/// not accepted without a note asks for it again rather than calling it missing; notes on the same
/// material are joined.
fn correction_problems(
    matter: &crate::catalog::Matter,
    document: &crate::case::document::CaseDocument,
    supplied: &[Supplied],
    notes: &[acceptance::MaterialProblem],
) -> Vec<acceptance::MaterialProblem> {
    let mut problems = acceptance::check_completeness(matter, supplied);
    for problem in &mut problems {
        let handed_in = document.materials.get(problem.material).is_some_and(|material| !material.files.is_empty());
        if handed_in && supplied.get(problem.material) == Some(&Supplied::Missing) {
            let standard = matter.materials.get(problem.material).map(|m| m.acceptance_standard.as_str());
            problem.problem =
                format!("已提交的材料不符合要求，请按要求重新提供。要求：{}", standard.unwrap_or_default());
        }
    }
    let mut noted: Vec<usize> = Vec::new();
    for note in notes.iter().filter(|note| note.material < matter.materials.len() && !note.problem.trim().is_empty()) {
        let text = note.problem.trim();
        match problems.iter_mut().find(|problem| problem.material == note.material) {
            Some(problem) if noted.contains(&note.material) => problem.problem = format!("{}；{text}", problem.problem),
            Some(problem) => problem.problem = text.to_string(),
            None => problems.push(acceptance::MaterialProblem {
                material: note.material,
                name: matter.materials[note.material].name.clone(),
                problem: text.to_string(),
            }),
        }
        noted.push(note.material);
    }
    problems.sort_by_key(|problem| problem.material);
    problems
}

pub(super) fn acceptance(
    case: &Case,
    action: &CaseAction,
    actor: &Actor,
    rules: &Rules,
    now: DateTime<Utc>,
) -> Result<Transition, CaseError> {
    let matter = rules.matter;
    let count = matter.materials.len();
    let mut document = case.document.clone();
    document.fit(count);
    match action {
        CaseAction::AcceptByLaw if actor.kind != ActorKind::System => return Err(CaseError::Forbidden),
        CaseAction::CorrectOnline { .. } if actor.applicant_id() != Some(case.applicant_id) => {
            return Err(CaseError::Forbidden)
        }
        CaseAction::AcceptByLaw | CaseAction::CorrectOnline { .. } => {}
        _ if !actor.may(Permission::AcceptCases) => return Err(CaseError::Forbidden),
        _ => {}
    }
    let (rule, event, trip) = match action {
        CaseAction::RequestCorrection { supplied, notes, supervisor_reason } => {
            let supplied = fitted(supplied, count);
            let problems = correction_problems(matter, &document, &supplied, notes);
            document.set_supplied(&supplied);
            document.correction_notice = problems.clone();
            (
                AcceptanceAction::RequestCorrection { problems, supervisor_reason: supervisor_reason.clone() },
                EventKind::CorrectionNotice,
                None,
            )
        }
        CaseAction::RecordCorrection { supplied } => {
            document.set_supplied(&fitted(supplied, count));
            (AcceptanceAction::SupplyCorrection, EventKind::Corrected, Some("补正材料"))
        }
        CaseAction::CorrectOnline { uploads } => {
            let mut errors = FieldErrors::default();
            for problem in &case.document.correction_notice {
                if !uploads.iter().any(|(index, _)| *index == problem.material) {
                    let name = matter.materials.get(problem.material).map(|m| m.name.as_str()).unwrap_or_default();
                    errors.add(format!("material_{}", problem.material), format!("请上传“{name}”"));
                }
            }
            errors.into_result().map_err(CaseError::Invalid)?;
            // What the notice asked again replaces what was judged wrong: the old file is not listed on.
            for (index, _) in uploads {
                if let Some(material) = document.materials.get_mut(*index) {
                    material.files.clear();
                }
            }
            for (index, file) in uploads {
                if let Some(material) = document.materials.get_mut(*index) {
                    material.files.push(file.clone());
                    material.supplied = Supplied::Provided;
                }
            }
            (AcceptanceAction::SupplyCorrection, EventKind::Corrected, None)
        }
        CaseAction::Accept { supplied } => {
            let supplied = fitted(supplied, count);
            document.set_supplied(&supplied);
            (AcceptanceAction::Accept { supplied }, EventKind::Accept, None)
        }
        CaseAction::RefuseToAccept { reasons } => {
            document.refusal_reasons = reasons.trim().to_string();
            (AcceptanceAction::RefuseToAccept { reasons: reasons.clone() }, EventKind::RefuseToAccept, None)
        }
        _ => (AcceptanceAction::AcceptByLaw, EventKind::AcceptByLaw, None),
    };
    let online = matches!(action, CaseAction::CorrectOnline { .. });
    let supervisor = actor.may(Permission::SignOffCorrection);
    let rule_actor = acceptance::Actor { name: actor.name.clone(), supervisor };
    let local_now = rules.local(now);
    let decided = acceptance::decide(&document.acceptance, matter, &rule, &rule_actor, rules.calendar, local_now)
        .map_err(|error| match error {
            _ if online => CaseError::NotInState(format!("{}，不需要补正", now_is(case))),
            AcceptanceError::Incomplete(problems) => incomplete(&problems),
            AcceptanceError::SecondCorrectionNeedsSupervisor if supervisor => {
                CaseError::field("supervisor_reason", error.to_string())
            }
            AcceptanceError::SecondCorrectionNeedsSupervisor => CaseError::Forbidden,
            AcceptanceError::CaseNotInState => {
                CaseError::NotInState(format!("{}，不能{}", now_is(case), cannot(event)))
            }
            other => CaseError::field("decision", other.to_string()),
        })?;
    document.acceptance.state = decided.to.clone();
    document.acceptance.received_at = decided.received_at;
    document.acceptance.corrections = decided.corrections;
    let mut to = match &decided.to {
        AcceptanceState::Received => Phase::Received,
        AcceptanceState::AwaitingCorrection => Phase::AwaitingCorrection,
        AcceptanceState::Accepted { .. } => Phase::Accepted,
        AcceptanceState::RefusedToAccept => Phase::RefusedToAccept,
    };
    let mut transition = Transition::new(case, event, to);
    transition.trip = trip;
    transition.change.received_at = Some(rules.utc(decided.received_at));
    transition.change.corrections = Some(u32::from(decided.corrections));
    if let AcceptanceState::Accepted { accepted_at, .. } = &decided.to {
        let due = rules.calendar.due(*accepted_at, matter.promised_limit.half_days())?;
        let warn = supervision::warn_at(rules.calendar, *accepted_at, due, rules.warn_share)?;
        // Acceptance opens the review: its first stage's tasks go to their departments' inboxes.
        let opened = review::open_review(matter, rules.calendar, *accepted_at)?;
        // A matter without review steps is concluded at acceptance (受理即办结).
        if opened.outcome == Some(Outcome::Granted) {
            to = Phase::Granted;
        }
        document.review = Some(opened);
        transition.reindex_tasks = true;
        transition.change.accepted_at = Some(rules.utc(*accepted_at));
        transition.change.due_at = Some(rules.utc(due));
        transition.change.warn_at = Some(rules.utc(warn));
        transition.notice = Some(Notice::Accepted { due });
    }
    transition.to = to;
    transition.detail = match event {
        EventKind::CorrectionNotice if decided.extra_correction => "第二次补正（负责人签批，计入部门）".to_string(),
        EventKind::CorrectionNotice => format!("一次性告知补正 {} 项", document.correction_notice.len()),
        EventKind::RefuseToAccept => document.refusal_reasons.clone(),
        EventKind::Corrected if online => "网上补正".to_string(),
        _ => String::new(),
    };
    match event {
        EventKind::CorrectionNotice => {
            transition.notice = Some(Notice::CorrectionNeeded {
                materials: document.correction_notice.iter().map(|problem| problem.name.clone()).collect(),
            })
        }
        EventKind::RefuseToAccept => {
            transition.notice = Some(Notice::RefusedToAccept { reasons: document.refusal_reasons.clone() })
        }
        _ => {}
    }
    transition.change.phase = Some(to);
    transition.change.document = Some(document);
    Ok(transition)
}

/// Records the delivery of the result (送达) of a decided case; a pick-up is a trip to the hall.
pub(super) fn deliver(
    case: &Case,
    method: &str,
    tracking_number: &str,
    actor: &Actor,
    rules: &Rules,
    now: DateTime<Utc>,
) -> Result<Transition, CaseError> {
    if !actor.may(Permission::AcceptCases) {
        return Err(CaseError::Forbidden);
    }
    if !matches!(case.phase, Phase::Granted | Phase::Refused) {
        return Err(CaseError::NotInState(format!("{}，还没有可送达的结果", now_is(case))));
    }
    let matter = rules.matter;
    let tracking = tracking_number.trim().to_string();
    let method = DeliveryMethod::parse(method)
        .ok_or_else(|| CaseError::field("method", "请选择送达方式：窗口领取、邮寄或网上下载"))?;
    let (trip, how) = match method {
        DeliveryMethod::Pickup => (Some("领取办理结果"), "窗口领取".to_string()),
        DeliveryMethod::Post if !matter.postal_supported => {
            return Err(CaseError::field("method", "本事项不提供邮寄送达，请选择窗口领取或网上下载"))
        }
        DeliveryMethod::Post
            if tracking.len() < 8
                || tracking.len() > 30
                || !tracking.bytes().all(|byte| byte.is_ascii_alphanumeric()) =>
        {
            return Err(CaseError::field(
                "tracking_number",
                "请填写邮件号：8 到 30 位字母或数字，如 EMS 单号 1100123456789",
            ))
        }
        DeliveryMethod::Post => (None, format!("邮寄（邮件号 {tracking}）")),
        DeliveryMethod::Online => (None, "网上下载".to_string()),
    };
    let results: Vec<String> = if case.phase == Phase::Granted {
        matter.results.iter().map(|result| result.name.clone()).collect()
    } else {
        vec![matter.decision_words().refusal_document()]
    };
    let mut document = case.document.clone();
    document.delivery = Some(Delivery {
        method,
        tracking_number: if method == DeliveryMethod::Post { tracking } else { String::new() },
        results: results.clone(),
        at: rules.local(now),
        by: actor.name.clone(),
    });
    let mut transition = Transition::new(case, EventKind::Deliver, Phase::Delivered);
    transition.trip = trip;
    transition.detail = format!("{}：{how}", results.join("、"));
    transition.notice = Some(Notice::Delivered { results, how });
    transition.change.phase = Some(Phase::Delivered);
    transition.change.document = Some(document);
    Ok(transition)
}
