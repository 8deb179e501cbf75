//! The application layer's one error type. Every refusal has a stable snake_case code that the HTTP edge
//! maps to a status and that the OpenAPI document lists; the message says, in plain Chinese, what happened
//! and what to do.

use onetrip_domain::case::CaseError;
use onetrip_domain::queue::TicketError;
use onetrip_domain::FieldErrors;
use onetrip_store::StoreError;

/// Why a request cannot be done as things stand now (HTTP 409), each with its stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflict {
    /// The case is not in a phase where this can be done.
    CaseNotInState,
    /// Someone changed the record since it was read (a case's revision, a matter's version).
    RevisionChanged,
    /// A unique value is taken: a matter code, a registered applicant, a username.
    AlreadyExists,
    /// No place left in an appointment slot.
    SlotFull,
    /// A review task is not open (not yet reached, done, or just done by someone else).
    TaskNotOpen,
    /// This reviewer signed this joint task off already.
    AlreadySigned,
    /// The clock is stopped for a special procedure.
    ClockPaused,
    /// The clock is running: there is no special procedure to end.
    ClockNotPaused,
    /// A supervision order was answered already.
    AlreadyAnswered,
    /// A window is out of service.
    WindowClosed,
    /// Someone else is at this window (or the person is at another).
    WindowTaken,
    /// The staff member is not signed in (and serving) at this window.
    NotAtWindow,
    /// The posts for a term keep this person or this window for others.
    NotPosted,
    /// The ticket is not the one this window is serving, or just changed at another window.
    TicketNotHere,
    /// Only a missed ticket rejoins the queue.
    TicketNotMissed,
    /// A ticket of another zone or day.
    TicketElsewhere,
    /// An appointment was checked in or cancelled already, or its time has not come or has passed.
    AppointmentNotOpen,
    /// The applicant may not book now (a booking for that half day exists, too many no-shows).
    BookingRefused,
    /// An online application was submitted already, or its matter can no longer be applied for online.
    ApplicationClosed,
    /// A service (a ticket, a stage of a case) was rated already: one rating each, never changed.
    AlreadyRated,
    /// Nothing to rate yet: the case has not reached that stage, or the window has no service just ended.
    NotRatable,
    /// A rating link past its time.
    LinkExpired,
    /// A 差评's follow-up is not in a state where this can be done.
    FollowupNotInState,
    QuarterRunning,
    /// The licence is not in a status this change applies to (revoked, cancelled, replaced, …).
    LicenceNotInState,
}

impl Conflict {
    pub const ALL: [Conflict; 25] = [
        Conflict::CaseNotInState,
        Conflict::RevisionChanged,
        Conflict::AlreadyExists,
        Conflict::SlotFull,
        Conflict::TaskNotOpen,
        Conflict::AlreadySigned,
        Conflict::ClockPaused,
        Conflict::ClockNotPaused,
        Conflict::AlreadyAnswered,
        Conflict::WindowClosed,
        Conflict::WindowTaken,
        Conflict::NotAtWindow,
        Conflict::NotPosted,
        Conflict::TicketNotHere,
        Conflict::TicketNotMissed,
        Conflict::TicketElsewhere,
        Conflict::AppointmentNotOpen,
        Conflict::BookingRefused,
        Conflict::ApplicationClosed,
        Conflict::AlreadyRated,
        Conflict::NotRatable,
        Conflict::LinkExpired,
        Conflict::FollowupNotInState,
        Conflict::QuarterRunning,
        Conflict::LicenceNotInState,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::CaseNotInState => "case_not_in_state",
            Self::RevisionChanged => "revision_changed",
            Self::AlreadyExists => "already_exists",
            Self::SlotFull => "slot_full",
            Self::TaskNotOpen => "task_not_open",
            Self::AlreadySigned => "already_signed",
            Self::ClockPaused => "clock_paused",
            Self::ClockNotPaused => "clock_not_paused",
            Self::AlreadyAnswered => "already_answered",
            Self::WindowClosed => "window_closed",
            Self::WindowTaken => "window_taken",
            Self::NotAtWindow => "not_at_window",
            Self::NotPosted => "not_posted",
            Self::TicketNotHere => "ticket_not_here",
            Self::TicketNotMissed => "ticket_not_missed",
            Self::TicketElsewhere => "ticket_elsewhere",
            Self::AppointmentNotOpen => "appointment_not_open",
            Self::BookingRefused => "booking_refused",
            Self::ApplicationClosed => "application_closed",
            Self::AlreadyRated => "already_rated",
            Self::NotRatable => "not_ratable",
            Self::LinkExpired => "link_expired",
            Self::FollowupNotInState => "followup_not_in_state",
            Self::QuarterRunning => "quarter_running",
            Self::LicenceNotInState => "licence_not_in_state",
        }
    }
}

/// What can go wrong in a use case.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Nothing of that name (or nothing this actor may see: someone else's case is "not found" to an applicant).
    #[error("没有找到{0}")]
    NotFound(String),
    /// The actor's role or department does not allow it.
    #[error("没有这项操作的权限")]
    Forbidden,
    /// Input that is incomplete or wrong, field by field.
    #[error("{0}")]
    Validation(FieldErrors),
    #[error("{1}")]
    Conflict(Conflict, String),
    /// Too many attempts (failed log-ins or look-ups by this account or address, or more log-ins than the
    /// server hashes at once): try again after `retry_after_seconds`. `message` says so in plain words.
    #[error("{message}")]
    TooManyAttempts { retry_after_seconds: u64, message: String },
    /// An idempotency key sent again with a different request (HTTP 422, as the IETF Idempotency-Key draft
    /// says): nothing was made.
    #[error("Idempotency-Key 已用于另一份申请")]
    IdempotencyKeyReused,
    /// A bug, damaged data or an unavailable database: logged, never shown in detail.
    #[error("internal: {0}")]
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn conflict(kind: Conflict, message: impl Into<String>) -> Self {
        Self::Conflict(kind, message.into())
    }

    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::Validation(FieldErrors::single(field, message))
    }

    /// The stable code of this error, as the API returns it.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound(_) => "not_found",
            Self::Forbidden => "forbidden",
            Self::Validation(_) => "validation_failed",
            Self::Conflict(kind, _) => kind.code(),
            Self::TooManyAttempts { .. } => "too_many_attempts",
            Self::IdempotencyKeyReused => "idempotency_key_reused",
            Self::Internal(_) => "internal_error",
        }
    }
}

impl From<FieldErrors> for AppError {
    fn from(errors: FieldErrors) -> Self {
        Self::Validation(errors)
    }
}

/// A store error where no more specific meaning is known; call sites that expect a conflict (a revision, a
/// full slot) map it themselves.
impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => Self::NotFound("该记录".to_string()),
            StoreError::Conflict(message) => Self::Conflict(Conflict::AlreadyExists, message),
            StoreError::RevisionChanged(message) => Self::Conflict(Conflict::RevisionChanged, message),
            StoreError::IdempotencyKeyReused => Self::IdempotencyKeyReused,
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<CaseError> for AppError {
    fn from(error: CaseError) -> Self {
        match error {
            CaseError::Forbidden => Self::Forbidden,
            CaseError::NotInState(message) => Self::Conflict(Conflict::CaseNotInState, message),
            CaseError::Invalid(errors) => Self::Validation(errors),
            CaseError::NoSuchTask => Self::NotFound("这个环节".to_string()),
            CaseError::TaskNotOpen(message) => Self::Conflict(Conflict::TaskNotOpen, message),
            CaseError::AlreadySigned(message) => Self::Conflict(Conflict::AlreadySigned, message),
            CaseError::ClockPaused(message) => Self::Conflict(Conflict::ClockPaused, message),
            CaseError::ClockRunning(message) => Self::Conflict(Conflict::ClockNotPaused, message),
            CaseError::AlreadyAnswered => Self::Conflict(Conflict::AlreadyAnswered, error.to_string()),
            CaseError::Calendar(error) => Self::Internal(error.to_string()),
        }
    }
}

impl From<TicketError> for AppError {
    fn from(error: TicketError) -> Self {
        match error {
            TicketError::NotHere(_) => Self::Conflict(Conflict::TicketNotHere, error.to_string()),
            TicketError::NotMissed(_) => Self::Conflict(Conflict::TicketNotMissed, error.to_string()),
            TicketError::OtherZone(_) => Self::Conflict(Conflict::TicketElsewhere, error.to_string()),
            TicketError::Invalid(errors) => Self::Validation(errors),
        }
    }
}

impl From<onetrip_domain::calendar::CalendarError> for AppError {
    fn from(error: onetrip_domain::calendar::CalendarError) -> Self {
        Self::Internal(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_conflict_has_its_own_snake_case_code() {
        let codes: std::collections::HashSet<&str> = Conflict::ALL.iter().map(|kind| kind.code()).collect();
        assert_eq!(codes.len(), Conflict::ALL.len());
        assert!(codes.iter().all(|code| code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')));
        assert!(!codes.contains("conflict"), "no refusal is only a 'conflict'");
    }
}
