//! Cases (办件): registering (`register.rs`), every change through one `act` (`act.rs`, deciding by
//! `onetrip_domain::case::decide`), acceptance by law every minute (`sweep.rs`), what the pages and the
//! API read (`queries.rs`), and the words sent to the applicant (`messages.rs`).

mod act;
pub(crate) mod messages;
mod queries;
mod register;
mod sweep;
mod tasks;

pub use act::{act, act_once, correct_online, Acted, CorrectionUpload};
pub use queries::{
    applicant_of, case_file, cases_of_applicant, details, inbox, notices_of, open_orders, outbox, progress, queue,
    supervision, trips_over_published, CaseDetails, Progress, ProgressStep, Supervision, Timing, TripLine,
};
pub(crate) use register::{applicant_for, submit_bundle, submit_online, OnlineAnswers};
pub use register::{submit, ApplicantInput, Attachment, SubmitCase, MAX_ATTACHMENTS};
pub use sweep::{accept_overdue, recount_open_limits};

use crate::app::App;
use crate::error::{AppError, AppResult};
use onetrip_domain::actor::Actor;
use onetrip_domain::calendar::Calendar;
use onetrip_domain::case::{may_see, Case, Rules};
use onetrip_domain::case_number::CaseNumber;
use onetrip_domain::catalog::Matter;

/// Loads a case the actor may see. Someone else's case is "not found" to an applicant (numbers cannot be
/// probed); to a member of staff it is forbidden.
pub(crate) async fn load_for(app: &App, actor: &Actor, number: &CaseNumber) -> AppResult<Case> {
    let case = app.store.case(number).await?.ok_or_else(|| AppError::NotFound(format!("办件 {number}")))?;
    if may_see(&case, actor) {
        Ok(case)
    } else if actor.applicant_id().is_some() {
        Err(AppError::NotFound(format!("办件 {number}")))
    } else {
        Err(AppError::Forbidden)
    }
}

/// The rules a decision on a case of `matter` reads.
pub(crate) fn rules_for<'a>(
    app: &App,
    matter: &'a Matter,
    calendar: &'a Calendar,
    department_name: &'a (dyn Fn(&str) -> String + Sync),
) -> Rules<'a> {
    Rules { matter, calendar, utc_offset: app.config.utc_offset, warn_share: app.config.warn_share, department_name }
}
