//! A licence formatted for pages: the same lines on the portal, the staff pages and the verification page.

use crate::case_view::format_instant;
use crate::state::AppState;
use onetrip_app::licences::registry::PublicLicence;
use onetrip_app::records::{LicenceEvent, StoredLicence};
use onetrip_domain::licence::LicenceStatus;

/// One licence, as a line of a list or the head of its page.
pub struct LicenceLine {
    pub id: String,
    pub name: String,
    pub holder_name: String,
    /// The holder's number as the viewer may see it.
    pub holder_number: String,
    pub issuer_name: String,
    pub issued_on: String,
    pub valid_until: String,
    pub status: &'static str,
    pub status_code: &'static str,
    pub in_force: bool,
    pub case_number: String,
    pub fields: Vec<(String, String)>,
    pub revision: i64,
}

fn day(day: chrono::NaiveDate) -> String {
    day.format("%Y年%m月%d日").to_string()
}

fn until(valid_until: Option<chrono::NaiveDate>) -> String {
    valid_until.map(|last| format!("至 {}", day(last))).unwrap_or_else(|| "长期".to_string())
}

fn status_parts(status: LicenceStatus) -> (&'static str, &'static str, bool) {
    (status.label(), status.code(), status.in_force())
}

/// A licence for its holder or its issuer's staff: `full_number` shows the holder's number unmasked (the
/// holder's own eyes).
pub fn line(state: &AppState, stored: &StoredLicence, full_number: bool) -> LicenceLine {
    let licence = &stored.licence;
    let (status, status_code, in_force) = status_parts(licence.status_on(state.app.today()));
    LicenceLine {
        id: licence.id.to_string(),
        name: licence.name.clone(),
        holder_name: licence.holder_name.clone(),
        holder_number: if full_number { licence.holder.number().to_string() } else { licence.holder_shown() },
        issuer_name: licence.issuer_name.clone(),
        issued_on: day(licence.issued_on),
        valid_until: until(licence.valid_until),
        status,
        status_code,
        in_force,
        case_number: licence.case_number.clone(),
        fields: licence.fields.iter().map(|field| (field.label.clone(), field.value.clone())).collect(),
        revision: stored.revision,
    }
}

/// What the verification page shows of a licence.
pub fn public_line(licence: &PublicLicence) -> LicenceLine {
    let (status, status_code, in_force) = status_parts(licence.status);
    LicenceLine {
        id: licence.id.clone(),
        name: licence.name.clone(),
        holder_name: licence.holder_name.clone(),
        holder_number: licence.holder_number.clone(),
        issuer_name: licence.issuer_name.clone(),
        issued_on: day(licence.issued_on),
        valid_until: until(licence.valid_until),
        status,
        status_code,
        in_force,
        case_number: String::new(),
        fields: Vec::new(),
        revision: 0,
    }
}

/// One entry of a licence's history.
pub struct EventLine {
    pub at: String,
    pub actor: String,
    pub action: &'static str,
    pub to_status: &'static str,
    pub reason: String,
}

pub fn event_line(state: &AppState, event: &LicenceEvent) -> EventLine {
    EventLine {
        at: format_instant(state, event.at),
        actor: event.actor.clone(),
        action: match event.action.as_str() {
            "issue" => "签发",
            "suspend" => "暂扣",
            "reinstate" => "恢复有效",
            "revoke" => "撤销",
            "cancel" => "注销",
            "supersede" => "换发",
            _ => "变更",
        },
        to_status: event.to_status.label(),
        reason: event.reason.clone(),
    }
}
