//! The acceptance phase of a case (受理), where "at most one trip" is won or lost: checking an application
//! against the catalog's material list, the one correction notice (补正告知书) that must list every missing
//! or defective item at once, acceptance (受理) that starts the legal clock, refusal to accept (不予受理)
//! with reasons, and acceptance by law when nobody decides in time (行政许可法 第三十二条).
//!
//! Every change is a pure decision: `decide(&case, action, &actor, now)` returns the transition to store, or
//! a [`AcceptanceError`] that says why not. Time is an argument; the calendar is passed in.

use crate::calendar::{Calendar, CalendarError};
use crate::catalog::{MaterialNecessity, Matter};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

/// What the applicant has supplied for one material of the matter's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(description = "按事项材料清单顺序：已提供、缺少、容缺后补、告知承诺")
)]
#[serde(rename_all = "snake_case")]
pub enum Supplied {
    /// Handed in (or uploaded).
    Provided,
    /// Not handed in.
    Missing,
    /// Will follow after acceptance, on the applicant's signed pledge (容缺受理); only for 容缺 materials.
    Deferred,
    /// A signed pledge replaces the document (告知承诺制); only where the catalog allows it.
    Pledged,
}

/// One problem with one material, as the correction notice lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MaterialProblem {
    /// Position of the material in the matter's list.
    pub material: usize,
    pub name: String,
    /// What is wrong and what to bring, in plain words.
    pub problem: String,
}

/// Checks what was supplied against the matter's material list; returns every problem at once.
/// `supplied` is indexed like `matter.materials`; a missing entry counts as [`Supplied::Missing`].
pub fn check_completeness(matter: &Matter, supplied: &[Supplied]) -> Vec<MaterialProblem> {
    let mut problems = Vec::new();
    for (index, material) in matter.materials.iter().enumerate() {
        let state = supplied.get(index).copied().unwrap_or(Supplied::Missing);
        let problem = match (material.necessity, state) {
            (_, Supplied::Provided) | (MaterialNecessity::Optional, Supplied::Missing) => None,
            (MaterialNecessity::Deferrable, Supplied::Deferred) => None,
            (_, Supplied::Pledged) if material.pledge_allowed => None,
            (_, Supplied::Pledged) => Some("本材料不适用告知承诺，请提供材料本身".to_string()),
            (_, Supplied::Deferred) => Some("本材料不能容缺后补，请在受理前提供".to_string()),
            (_, Supplied::Missing) => Some(format!("缺少本材料。要求：{}", material.acceptance_standard)),
        };
        if let Some(problem) = problem {
            problems.push(MaterialProblem { material: index, name: material.name.clone(), problem });
        }
    }
    problems
}

/// Where a case stands in the acceptance phase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum AcceptanceState {
    /// Materials received, waiting for the window's decision.
    Received,
    /// A correction notice was issued; waiting for the applicant.
    AwaitingCorrection,
    /// 受理: the legal clock runs from `accepted_at`.
    Accepted { accepted_at: NaiveDateTime, by_law: bool },
    /// 不予受理.
    RefusedToAccept,
}

/// The facts of a case that the acceptance rules look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseAcceptance {
    pub state: AcceptanceState,
    /// When the materials were first received (the start of the 5-working-day period of Art. 32).
    pub received_at: NaiveDateTime,
    /// How many correction notices this case has had.
    pub corrections: u8,
}

/// Who acts, as far as these rules care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub name: String,
    /// A supervisor (科室负责人/中心值班长) may sign off a second correction notice.
    pub supervisor: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AcceptanceAction {
    /// Issue the correction notice listing every problem found.
    RequestCorrection { problems: Vec<MaterialProblem>, supervisor_reason: Option<String> },
    /// The applicant brought or uploaded what the notice asked for.
    SupplyCorrection,
    /// 受理, after checking what was supplied.
    Accept { supplied: Vec<Supplied> },
    /// 不予受理, with reasons and the right of appeal stated on the notice.
    RefuseToAccept { reasons: String },
    /// Run by the system: accept by law if nobody decided within the period.
    AcceptByLaw,
}

/// What happened, for the store to apply and record as an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub from: AcceptanceState,
    pub to: AcceptanceState,
    /// When the (complete) materials were received: moves to the moment corrected materials arrive.
    pub received_at: NaiveDateTime,
    pub corrections: u8,
    /// A second (or later) correction notice, signed off by a supervisor: counted against the department.
    pub extra_correction: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AcceptanceError {
    #[error("办件当前状态下不能进行此操作")]
    CaseNotInState,
    #[error("补正告知书至少要列出一项需补正的材料")]
    EmptyCorrection,
    #[error("本件已发过补正告知，再次补正须由负责人签批并写明原因")]
    SecondCorrectionNeedsSupervisor,
    #[error("材料不齐全，不能受理；请一次性告知申请人补正全部材料")]
    Incomplete(Vec<MaterialProblem>),
    #[error("不予受理须写明理由")]
    ReasonsRequired,
    #[error("受理期限尚未届满，不能依法视为受理")]
    PeriodNotOver,
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}

/// Working days after receipt within which the window must decide or tell the applicant what to correct
/// (行政许可法 第三十二条: 当场或者在五日内一次告知).
pub const DECISION_PERIOD_WORKING_DAYS: u32 = 5;

/// When the period to decide on acceptance ends for a case received at `received_at`.
pub fn decision_deadline(calendar: &Calendar, received_at: NaiveDateTime) -> Result<NaiveDateTime, CalendarError> {
    calendar.due(received_at, DECISION_PERIOD_WORKING_DAYS * 2)
}

/// Decides an acceptance action. Nothing changes unless this returns a transition.
pub fn decide(
    case: &CaseAcceptance,
    matter: &Matter,
    action: &AcceptanceAction,
    actor: &Actor,
    calendar: &Calendar,
    now: NaiveDateTime,
) -> Result<Transition, AcceptanceError> {
    use AcceptanceState::{Accepted, AwaitingCorrection, Received, RefusedToAccept};
    let transition = |to: AcceptanceState, corrections: u8, extra_correction: bool| Transition {
        from: case.state.clone(),
        to,
        received_at: case.received_at,
        corrections,
        extra_correction,
    };
    match (action, &case.state) {
        (AcceptanceAction::RequestCorrection { problems, supervisor_reason }, Received) => {
            if problems.is_empty() {
                return Err(AcceptanceError::EmptyCorrection);
            }
            let extra = case.corrections > 0;
            if extra {
                let signed =
                    actor.supervisor && supervisor_reason.as_ref().is_some_and(|reason| !reason.trim().is_empty());
                if !signed {
                    return Err(AcceptanceError::SecondCorrectionNeedsSupervisor);
                }
            }
            Ok(transition(AwaitingCorrection, case.corrections.saturating_add(1), extra))
        }
        // The period to decide starts again from the day the corrected materials are complete.
        (AcceptanceAction::SupplyCorrection, AwaitingCorrection) => {
            Ok(Transition { received_at: now, ..transition(Received, case.corrections, false) })
        }
        (AcceptanceAction::Accept { supplied }, Received) => {
            let problems = check_completeness(matter, supplied);
            if !problems.is_empty() {
                return Err(AcceptanceError::Incomplete(problems));
            }
            Ok(transition(Accepted { accepted_at: now, by_law: false }, case.corrections, false))
        }
        (AcceptanceAction::RefuseToAccept { reasons }, Received | AwaitingCorrection) => {
            if reasons.trim().is_empty() {
                return Err(AcceptanceError::ReasonsRequired);
            }
            Ok(transition(RefusedToAccept, case.corrections, false))
        }
        (AcceptanceAction::AcceptByLaw, Received) => {
            // Only when no correction notice was given in time: then the application counts as accepted
            // from the day the materials were received.
            if now < decision_deadline(calendar, case.received_at)? {
                return Err(AcceptanceError::PeriodNotOver);
            }
            Ok(transition(Accepted { accepted_at: case.received_at, by_law: true }, case.corrections, false))
        }
        _ => Err(AcceptanceError::CaseNotInState),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::tests::sample_matter;
    use crate::catalog::Material;
    use crate::test_support::{at, calendar};

    /// The sample matter with three materials: required, deferrable (容缺), and required but pledgeable.
    fn matter() -> Matter {
        let mut matter = sample_matter();
        let base = matter.materials[0].clone();
        let material = |name: &str, necessity, pledge_allowed| Material {
            name: name.to_string(),
            necessity,
            pledge_allowed,
            ..base.clone()
        };
        matter.materials = vec![
            material("申请书", MaterialNecessity::Required, false),
            material("住所使用证明", MaterialNecessity::Deferrable, false),
            material("资金落实证明", MaterialNecessity::Required, true),
        ];
        matter
    }

    fn received() -> CaseAcceptance {
        CaseAcceptance { state: AcceptanceState::Received, received_at: at("2026-03-02 10:00"), corrections: 0 }
    }

    fn clerk() -> Actor {
        Actor { name: "窗口".into(), supervisor: false }
    }

    #[test]
    fn every_problem_is_listed_at_once() {
        let problems = check_completeness(&matter(), &[Supplied::Missing, Supplied::Missing, Supplied::Missing]);
        assert_eq!(problems.iter().map(|p| p.material).collect::<Vec<_>>(), vec![0, 1, 2]);
        let problems = check_completeness(&matter(), &[Supplied::Provided, Supplied::Deferred, Supplied::Pledged]);
        assert!(problems.is_empty(), "容缺 may follow and the pledge replaces the certificate: {problems:?}");
        let problems = check_completeness(&matter(), &[Supplied::Pledged, Supplied::Provided, Supplied::Deferred]);
        assert_eq!(problems.len(), 2, "no pledge for the application, no deferral for a required material");
    }

    #[test]
    fn an_incomplete_application_is_not_accepted() {
        let action =
            AcceptanceAction::Accept { supplied: vec![Supplied::Provided, Supplied::Missing, Supplied::Missing] };
        let result = decide(&received(), &matter(), &action, &clerk(), &calendar(), at("2026-03-02 10:30"));
        assert!(matches!(result, Err(AcceptanceError::Incomplete(problems)) if problems.len() == 2));
    }

    #[test]
    fn acceptance_starts_the_clock_now() {
        let action =
            AcceptanceAction::Accept { supplied: vec![Supplied::Provided, Supplied::Deferred, Supplied::Provided] };
        let transition =
            decide(&received(), &matter(), &action, &clerk(), &calendar(), at("2026-03-02 10:30")).expect("accepted");
        assert_eq!(transition.to, AcceptanceState::Accepted { accepted_at: at("2026-03-02 10:30"), by_law: false });
    }

    #[test]
    fn a_second_correction_notice_needs_a_supervisor_and_counts_against_the_department() {
        let problems = vec![MaterialProblem { material: 0, name: "申请书".into(), problem: "未签字".into() }];
        let first = AcceptanceAction::RequestCorrection { problems: problems.clone(), supervisor_reason: None };
        let transition = decide(&received(), &matter(), &first, &clerk(), &calendar(), at("2026-03-02 10:30"))
            .expect("first notice");
        assert_eq!((transition.corrections, transition.extra_correction), (1, false));
        let case = CaseAcceptance { corrections: 1, ..received() };
        assert_eq!(
            decide(&case, &matter(), &first, &clerk(), &calendar(), at("2026-03-03 10:30")),
            Err(AcceptanceError::SecondCorrectionNeedsSupervisor)
        );
        let supervisor = Actor { name: "科长".into(), supervisor: true };
        assert_eq!(
            decide(&case, &matter(), &first, &supervisor, &calendar(), at("2026-03-03 10:30")),
            Err(AcceptanceError::SecondCorrectionNeedsSupervisor),
            "the sign-off needs a written reason"
        );
        let signed = AcceptanceAction::RequestCorrection {
            problems,
            supervisor_reason: Some("申请人补交的证明已过期".into()),
        };
        let transition =
            decide(&case, &matter(), &signed, &supervisor, &calendar(), at("2026-03-03 10:30")).expect("signed");
        assert_eq!((transition.corrections, transition.extra_correction), (2, true));
        let empty = AcceptanceAction::RequestCorrection { problems: vec![], supervisor_reason: None };
        assert_eq!(
            decide(&received(), &matter(), &empty, &clerk(), &calendar(), at("2026-03-02 10:30")),
            Err(AcceptanceError::EmptyCorrection)
        );
    }

    #[test]
    fn without_a_decision_in_five_working_days_the_case_is_accepted_from_receipt() {
        let case = received();
        // Received Monday 2 March 2026 10:00: five working days end on Monday 9 March at 17:00.
        assert_eq!(decision_deadline(&calendar(), case.received_at), Ok(at("2026-03-09 17:00")));
        assert_eq!(
            decide(&case, &matter(), &AcceptanceAction::AcceptByLaw, &clerk(), &calendar(), at("2026-03-09 16:59")),
            Err(AcceptanceError::PeriodNotOver)
        );
        let transition =
            decide(&case, &matter(), &AcceptanceAction::AcceptByLaw, &clerk(), &calendar(), at("2026-03-09 17:00"))
                .expect("by law");
        assert_eq!(transition.to, AcceptanceState::Accepted { accepted_at: at("2026-03-02 10:00"), by_law: true });
    }

    #[test]
    fn wrong_transitions_change_nothing() {
        let accepted = CaseAcceptance {
            state: AcceptanceState::Accepted { accepted_at: at("2026-03-02 10:30"), by_law: false },
            ..received()
        };
        let now = at("2026-03-03 10:00");
        for action in [
            AcceptanceAction::Accept { supplied: vec![Supplied::Provided; 3] },
            AcceptanceAction::SupplyCorrection,
            AcceptanceAction::AcceptByLaw,
            AcceptanceAction::RefuseToAccept { reasons: "不属于本机关职权范围".into() },
        ] {
            assert_eq!(
                decide(&accepted, &matter(), &action, &clerk(), &calendar(), now),
                Err(AcceptanceError::CaseNotInState),
                "{action:?}"
            );
        }
        assert_eq!(
            decide(
                &received(),
                &matter(),
                &AcceptanceAction::RefuseToAccept { reasons: " ".into() },
                &clerk(),
                &calendar(),
                now
            ),
            Err(AcceptanceError::ReasonsRequired)
        );
        let awaiting = CaseAcceptance { state: AcceptanceState::AwaitingCorrection, corrections: 1, ..received() };
        let back = decide(&awaiting, &matter(), &AcceptanceAction::SupplyCorrection, &clerk(), &calendar(), now)
            .expect("supplied");
        assert_eq!(back.to, AcceptanceState::Received);
        assert_eq!(back.received_at, now, "the period to decide restarts when the corrected materials arrive");
    }
}
