//! The case (办件) as one aggregate: its [`Phase`], its versioned [`CaseDocument`], who may see it, which
//! actions an actor may take on it ([`allowed_actions`]), and one pure [`decide`] for every change —
//! acceptance, review, the clock, delivery and supervision orders. The application layer loads a case, asks
//! `decide`, and stores the [`Transition`] with its event in one transaction; pages draw their buttons from
//! `allowed_actions`, so a button is shown exactly when its action would be accepted.
//!
//! A new case action goes into [`action::CaseAction`] (with its [`action::ActionKind`] and the rule of
//! `allowed_actions`) and is decided in one of the files of `decide/`.

pub mod action;
pub mod decide;
pub mod document;
pub mod event;
pub mod phase;
#[cfg(test)]
mod tests;

pub use action::{allowed_actions, ActionKind, CaseAction, OrderRef};
pub use decide::{decide, recount_limits, CaseChange, CaseError, Notice, OrderEffect, Rules, Transition};
pub use document::{BundleLink, CaseDocument, Delivery, DeliveryMethod, MaterialRecord, SharedRecord};
pub use event::EventKind;
pub use phase::Phase;

use crate::access::Permission;
use crate::actor::{Actor, Channel};
use crate::case_number::CaseNumber;
use chrono::{DateTime, Utc};

/// One case as the rules see it (and as the store keeps it).
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    pub number: CaseNumber,
    pub matter_code: String,
    pub matter_version: u32,
    /// The department that owns the case: the matter's implementing department.
    pub department: String,
    pub applicant_id: i64,
    /// How the application arrived: at a window, by API, or online.
    pub channel: Channel,
    pub phase: Phase,
    pub document: CaseDocument,
    /// Raised by every change; a change made from an older revision is refused.
    pub revision: i64,
    pub corrections: u32,
    pub received_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    /// When the case turns yellow on the supervision page (less than the configured share of time left).
    pub warn_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Whether an actor may see a case: managers every case of the centre; a general window (no department)
/// every case and a department's window its department's; reviewers the cases their department owns or has
/// a review step in; an applicant their own.
pub fn may_see(case: &Case, actor: &Actor) -> bool {
    if let Some(applicant) = actor.applicant_id() {
        return applicant == case.applicant_id;
    }
    if actor.may(Permission::Supervise) {
        return true;
    }
    let department = actor.department.as_deref();
    if actor.may(Permission::AcceptCases) && department.is_none_or(|department| department == case.department) {
        return true;
    }
    match actor.reviewing_department() {
        Some(department) => {
            case.department == department
                || case
                    .document
                    .review
                    .iter()
                    .flat_map(|review| review.tasks.iter())
                    .any(|task| task.department == department)
        }
        None => false,
    }
}
