//! Acceptance by law (行政许可法 第三十二条), swept every minute by the server: a received case whose period to
//! decide ran out without a decision or a correction notice counts as accepted from the day the materials
//! were received.

use super::act::commit;
use super::rules_for;
use crate::app::App;
use crate::error::{AppError, AppResult};
use onetrip_domain::acceptance;
use onetrip_domain::actor::Actor;
use onetrip_domain::case::{decide, CaseAction, Phase};

/// The name events show for the system's acceptance.
const BY_LAW: &str = "系统（依法视为受理）";

/// Accepts every overdue received case; returns how many it accepted.
pub async fn accept_overdue(app: &App) -> AppResult<usize> {
    let calendar = app.calendar();
    let catalog = app.catalog();
    let department_name = |code: &str| catalog.department_name(code).to_string();
    let now = app.local_naive(app.now());
    let actor = Actor::system(BY_LAW);
    let mut accepted = 0;
    for case in app.store.cases_in_phase(Phase::Received, None, 500).await? {
        match acceptance::decision_deadline(&calendar, app.local_naive(case.received_at)) {
            Ok(deadline) if deadline <= now => {}
            // The oldest come first: once one is within its period, the rest are too.
            Ok(_) => break,
            Err(_) => continue,
        }
        let version = app.matter_version(&case.matter_code, case.matter_version).await?;
        let rules = rules_for(app, &version.matter, &calendar, &department_name);
        let outcome = match decide(&case, &CaseAction::AcceptByLaw, &actor, &rules, app.now()) {
            Ok(transition) => commit(app, &actor, &case, &version.matter, transition, None, None).await,
            Err(error) => Err(error.into()),
        };
        match outcome {
            Ok(_) => accepted += 1,
            // Someone decided in the meantime: nothing to do.
            Err(AppError::Conflict(..)) => {}
            Err(other) => return Err(other),
        }
    }
    Ok(accepted)
}

/// Who recounts limits: the calendar itself.
const BY_CALENDAR: &str = "工作日历";

/// After a holiday notice was loaded: the due and warning instants of every case under review and of its
/// open steps, counted again on the new calendar, each change with an event on the case. Returns how many
/// cases moved. A case someone changes meanwhile is counted again from what they stored.
pub async fn recount_open_limits(app: &App) -> AppResult<usize> {
    let calendar = app.calendar();
    let catalog = app.catalog();
    let department_name = |code: &str| catalog.department_name(code).to_string();
    let actor = Actor::system(BY_CALENDAR);
    let mut moved = 0;
    for phase in [Phase::Accepted, Phase::Suspended] {
        for listed in app.store.cases_in_phase(phase, None, u32::MAX).await? {
            for _attempt in 0..3 {
                let Some(case) = app.store.case(&listed.number).await? else { break };
                let version = app.matter_version(&case.matter_code, case.matter_version).await?;
                let rules = rules_for(app, &version.matter, &calendar, &department_name);
                let Some(transition) = onetrip_domain::case::recount_limits(&case, &rules)? else { break };
                match commit(app, &actor, &case, &version.matter, transition, None, None).await {
                    Ok(_) => {
                        moved += 1;
                        break;
                    }
                    Err(AppError::Conflict(crate::error::Conflict::RevisionChanged, _)) => continue,
                    Err(other) => return Err(other),
                }
            }
        }
    }
    if moved > 0 {
        tracing::info!(moved, "limits recounted after a holiday notice");
    }
    Ok(moved)
}
