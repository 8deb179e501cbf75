//! Reading rows back, in one place: [`StoreRow`] is the one bound every decoder needs (a row of either
//! backend, read by column name into the few column types the schema uses), and each record has one decoder
//! and one list of the columns it reads.

use super::common::{corrupt, from_millis};
use crate::accounts::{Applicant, User};
use crate::cases::{Notification, OutboxMessage};
use crate::documents::decode_case;
use crate::error::StoreResult;
use crate::hall::Appointment;
use crate::portal::Draft;
use crate::supervision::SupervisionOrder;
use chrono::{DateTime, NaiveDate, Utc};
use onetrip_domain::access::Role;
use onetrip_domain::actor::Channel;
use onetrip_domain::applicant::ApplicantIdentity;
use onetrip_domain::case::{Case, Phase};
use onetrip_domain::case_number::CaseNumber;
use onetrip_domain::catalog::{Adjustment, AdjustmentKind, Matter, MatterVersion};
use onetrip_domain::queue::{Priority, Ticket, TicketState};
use sqlx::Row;

/// A row of either backend, read by column name.
pub(crate) trait StoreRow {
    fn text(&self, column: &str) -> StoreResult<String>;
    fn optional_text(&self, column: &str) -> StoreResult<Option<String>>;
    fn int(&self, column: &str) -> StoreResult<i64>;
    fn optional_int(&self, column: &str) -> StoreResult<Option<i64>>;
    fn flag(&self, column: &str) -> StoreResult<bool>;

    /// An instant, stored as milliseconds since the epoch.
    fn instant(&self, column: &str) -> StoreResult<DateTime<Utc>> {
        Ok(from_millis(self.int(column)?))
    }

    fn optional_instant(&self, column: &str) -> StoreResult<Option<DateTime<Utc>>> {
        Ok(self.optional_int(column)?.map(from_millis))
    }

    /// A date, stored as ISO text.
    fn day(&self, column: &str) -> StoreResult<NaiveDate> {
        NaiveDate::parse_from_str(&self.text(column)?, "%Y-%m-%d").map_err(corrupt)
    }

    fn case_number(&self, column: &str) -> StoreResult<CaseNumber> {
        CaseNumber::parse(&self.text(column)?).map_err(corrupt)
    }

    fn count(&self, column: &str) -> StoreResult<u32> {
        u32::try_from(self.int(column)?).map_err(corrupt)
    }
}

macro_rules! store_row {
    ($row:ty) => {
        impl StoreRow for $row {
            fn text(&self, column: &str) -> StoreResult<String> {
                Ok(self.try_get(column)?)
            }

            fn optional_text(&self, column: &str) -> StoreResult<Option<String>> {
                Ok(self.try_get(column)?)
            }

            fn int(&self, column: &str) -> StoreResult<i64> {
                Ok(self.try_get(column)?)
            }

            fn optional_int(&self, column: &str) -> StoreResult<Option<i64>> {
                Ok(self.try_get(column)?)
            }

            fn flag(&self, column: &str) -> StoreResult<bool> {
                Ok(self.try_get(column)?)
            }
        }
    };
}

store_row!(sqlx::sqlite::SqliteRow);
store_row!(sqlx::postgres::PgRow);

pub(crate) fn roles_text(roles: &[Role]) -> String {
    roles.iter().map(|role| role.code()).collect::<Vec<_>>().join(",")
}

fn parse_roles(text: &str) -> Vec<Role> {
    text.split(',').filter_map(Role::from_code).collect()
}

pub(crate) const VERSION_COLUMNS: &str =
    "version, adjustment_kind, reason, effective_date, merged_into, author, document";

pub(crate) fn version_from_row(row: &impl StoreRow) -> StoreResult<MatterVersion> {
    let matter: Matter = serde_json::from_str(&row.text("document")?).map_err(corrupt)?;
    let kind = row.text("adjustment_kind")?;
    Ok(MatterVersion {
        version: row.count("version")?,
        adjustment: Adjustment {
            kind: AdjustmentKind::from_code(&kind).ok_or_else(|| corrupt(format!("adjustment kind {kind}")))?,
            reason: row.text("reason")?,
            effective_date: row.day("effective_date")?,
            merged_into: row.text("merged_into")?,
        },
        author: row.text("author")?,
        matter,
    })
}

pub(crate) const USER_COLUMNS: &str = "id, username, display_name, password_hash, roles, department, disabled";

pub(crate) fn user_from_row(row: &impl StoreRow) -> StoreResult<User> {
    Ok(User {
        id: row.int("id")?,
        username: row.text("username")?,
        display_name: row.text("display_name")?,
        password_hash: row.text("password_hash")?,
        roles: parse_roles(&row.text("roles")?),
        department: row.optional_text("department")?,
        disabled: row.flag("disabled")?,
    })
}

pub(crate) const APPLICANT_COLUMNS: &str = "id, kind, name, id_number, phone, password_hash";

pub(crate) fn applicant_from_row(row: &impl StoreRow) -> StoreResult<Applicant> {
    let identity = ApplicantIdentity::parse(&row.text("kind")?, &row.text("id_number")?)
        .map_err(|errors| corrupt(errors.to_string()))?;
    Ok(Applicant {
        id: row.int("id")?,
        identity,
        name: row.text("name")?,
        phone: row.text("phone")?,
        password_hash: row.optional_text("password_hash")?,
    })
}

pub(crate) const CASE_COLUMNS: &str = "number, matter_code, matter_version, department, applicant_id, channel, phase, \
     document, revision, corrections, received_at, accepted_at, due_at, warn_at, created_at, updated_at";

pub(crate) fn case_from_row(row: &impl StoreRow) -> StoreResult<Case> {
    let channel = row.text("channel")?;
    let phase = row.text("phase")?;
    Ok(Case {
        number: row.case_number("number")?,
        matter_code: row.text("matter_code")?,
        matter_version: row.count("matter_version")?,
        department: row.text("department")?,
        applicant_id: row.int("applicant_id")?,
        channel: Channel::parse(&channel).ok_or_else(|| corrupt(format!("case channel {channel}")))?,
        phase: Phase::parse(&phase).ok_or_else(|| corrupt(format!("case phase {phase}")))?,
        document: decode_case(&row.text("document")?)?,
        revision: row.int("revision")?,
        corrections: row.count("corrections")?,
        received_at: row.instant("received_at")?,
        accepted_at: row.optional_instant("accepted_at")?,
        due_at: row.optional_instant("due_at")?,
        warn_at: row.optional_instant("warn_at")?,
        created_at: row.instant("created_at")?,
        updated_at: row.instant("updated_at")?,
    })
}

pub(crate) const DRAFT_COLUMNS: &str = "id, applicant_id, matter_code, document, case_number, created_at, updated_at";

pub(crate) fn draft_from_row(row: &impl StoreRow) -> StoreResult<Draft> {
    Ok(Draft {
        id: row.text("id")?,
        applicant_id: row.int("applicant_id")?,
        matter_code: row.text("matter_code")?,
        document: row.text("document")?,
        case_number: row
            .optional_text("case_number")?
            .map(|number| CaseNumber::parse(&number).map_err(corrupt))
            .transpose()?,
        created_at: row.instant("created_at")?,
        updated_at: row.instant("updated_at")?,
    })
}

pub(crate) const ORDER_COLUMNS: &str =
    "id, case_number, department, instruction, issued_by, issued_at, deadline, answer, answered_by, answered_at";

pub(crate) fn order_from_row(row: &impl StoreRow) -> StoreResult<SupervisionOrder> {
    Ok(SupervisionOrder {
        id: row.int("id")?,
        case_number: row.case_number("case_number")?,
        department: row.text("department")?,
        instruction: row.text("instruction")?,
        issued_by: row.text("issued_by")?,
        issued_at: row.instant("issued_at")?,
        deadline: row.instant("deadline")?,
        answer: row.optional_text("answer")?,
        answered_by: row.optional_text("answered_by")?,
        answered_at: row.optional_instant("answered_at")?,
    })
}

pub(crate) const OUTBOX_COLUMNS: &str = "id, case_number, channel, recipient, body, created_at, sent_at";

pub(crate) fn outbox_from_row(row: &impl StoreRow) -> StoreResult<OutboxMessage> {
    Ok(OutboxMessage {
        id: row.int("id")?,
        case_number: row.case_number("case_number")?,
        notification: Notification {
            channel: row.text("channel")?,
            recipient: row.text("recipient")?,
            body: row.text("body")?,
        },
        created_at: row.instant("created_at")?,
        sent_at: row.optional_instant("sent_at")?,
    })
}

pub(crate) const APPOINTMENT_COLUMNS: &str =
    "id, hall, zone, matter_code, day, half, applicant_id, state, code, created_at, changed_at, ticket_id";

pub(crate) fn appointment_from_row(row: &impl StoreRow) -> StoreResult<Appointment> {
    Ok(Appointment {
        id: row.int("id")?,
        hall: row.text("hall")?,
        zone: row.text("zone")?,
        matter_code: row.optional_text("matter_code")?,
        day: row.day("day")?,
        half: row.text("half")?,
        applicant_id: row.int("applicant_id")?,
        state: row.text("state")?,
        code: row.text("code")?,
        created_at: row.instant("created_at")?,
        changed_at: row.instant("changed_at")?,
        ticket_id: row.optional_int("ticket_id")?,
    })
}

pub(crate) const TICKET_COLUMNS: &str =
    "id, hall, day, number, zone, matter_code, priority, channel, state, issued_at, \
     queued_at, target_window, window_code, called_by, called_at, finished_at, calls, id_last_four, case_number";

pub(crate) fn ticket_from_row(row: &impl StoreRow) -> StoreResult<Ticket> {
    let priority = row.int("priority")?;
    let state = row.text("state")?;
    Ok(Ticket {
        id: row.int("id")?,
        hall: row.text("hall")?,
        day: row.day("day")?,
        number: row.text("number")?,
        zone: row.text("zone")?,
        matter_code: row.optional_text("matter_code")?,
        priority: Priority::from_rank(priority).ok_or_else(|| corrupt(format!("ticket priority {priority}")))?,
        channel: row.text("channel")?,
        state: TicketState::parse(&state).ok_or_else(|| corrupt(format!("ticket state {state}")))?,
        issued_at: row.instant("issued_at")?,
        queued_at: row.instant("queued_at")?,
        target_window: row.optional_text("target_window")?,
        window_code: row.optional_text("window_code")?,
        called_by: row.optional_text("called_by")?,
        called_at: row.optional_instant("called_at")?,
        finished_at: row.optional_instant("finished_at")?,
        calls: row.int("calls")?,
        id_last_four: row.optional_text("id_last_four")?,
        case_number: row.optional_text("case_number")?,
    })
}

/// The columns [`licence_from_row`] reads.
pub(crate) const LICENCE_COLUMNS: &str = "id, type_code, name, holder_kind, holder_number, holder_name, issuer, \
     issuer_name, issuer_credit_code, issued_on, valid_until, status, case_number, fields, document_file, \
     document_hash, seal_key, signature, replaces, revision, created_at";

pub(crate) fn licence_from_row(row: &impl StoreRow) -> StoreResult<crate::licences::StoredLicence> {
    use onetrip_domain::licence::{Licence, LicenceField, LicenceId, LicenceStatus};
    let id = LicenceId::parse(&row.text("id")?).map_err(corrupt)?;
    let holder = ApplicantIdentity::parse(&row.text("holder_kind")?, &row.text("holder_number")?)
        .map_err(|_| corrupt("licence holder"))?;
    let status = row.text("status")?;
    let status = LicenceStatus::from_code(&status).ok_or_else(|| corrupt(format!("licence status {status}")))?;
    let fields: Vec<LicenceField> = serde_json::from_str(&row.text("fields")?).map_err(corrupt)?;
    let valid_until = match row.optional_text("valid_until")? {
        Some(day) => Some(NaiveDate::parse_from_str(&day, "%Y-%m-%d").map_err(corrupt)?),
        None => None,
    };
    Ok(crate::licences::StoredLicence {
        licence: Licence {
            id,
            type_code: row.text("type_code")?,
            name: row.text("name")?,
            holder,
            holder_name: row.text("holder_name")?,
            issuer: row.text("issuer")?,
            issuer_name: row.text("issuer_name")?,
            issuer_credit_code: row.text("issuer_credit_code")?,
            issued_on: row.day("issued_on")?,
            valid_until,
            status,
            case_number: row.text("case_number")?,
            fields,
            document_hash: row.text("document_hash")?,
            seal_key: row.text("seal_key")?,
            signature: row.text("signature")?,
            replaces: row.optional_text("replaces")?,
        },
        document_file: row.text("document_file")?,
        revision: row.int("revision")?,
        created_at: row.instant("created_at")?,
    })
}
