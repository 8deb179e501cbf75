//! The audit log: who changed what in the catalog, the calendar, the hall and the posts, and when.

use crate::app::App;
use crate::error::{AppError, AppResult};
use onetrip_domain::access::Permission;
use onetrip_domain::actor::Actor;
use onetrip_store::AuditEvent;

pub(crate) async fn record(app: &App, actor: &Actor, action: &str, subject: &str, detail: String) -> AppResult<()> {
    let event = AuditEvent {
        at: app.now(),
        actor: actor.audit_name().to_string(),
        action: action.to_string(),
        subject: subject.to_string(),
        detail,
    };
    app.store.record_audit(&event).await?;
    Ok(())
}

/// The newest audit events, newest first (centre administrators).
pub async fn events(app: &App, actor: &Actor, limit: u32) -> AppResult<Vec<AuditEvent>> {
    if !actor.may(Permission::ManageUsers) {
        return Err(AppError::Forbidden);
    }
    Ok(app.store.audit_events(limit).await?)
}

/// Checks the hash chains of every case's events and of the audit log (the operator's command); the report
/// names the first row that was changed or removed behind the application's back.
pub async fn verify(app: &App) -> AppResult<onetrip_store::ChainReport> {
    Ok(app.store.verify_chains().await?)
}
