//! Departmental systems on events, not typing (ADR 0021): every change of a case (its review steps
//! included) and of a licence is a row of the transactional outbox, written by the store in the change's
//! own transaction; one sequencer gives each its position after commit; department systems read their
//! department's events in order (`feed`) or have them pushed as signed webhooks (`webhooks`, `delivery`),
//! authenticated by API keys they can rotate (`keys`).

pub mod delivery;
pub mod keys;
pub mod references;
pub mod webhooks;

use crate::app::App;
use crate::error::{AppError, AppResult};
use onetrip_domain::access::Permission;
use onetrip_domain::actor::Actor;
use onetrip_store::OutboxEvent;

/// The most events one read of the feed returns.
pub const MAX_FEED: u32 = 500;

/// Whose events the actor reads: a department system its department's, an administrator every one.
pub(crate) fn scope_of(actor: &Actor) -> AppResult<Option<String>> {
    if !actor.may(Permission::ReadEvents) {
        return Err(AppError::Forbidden);
    }
    if actor.may(Permission::ManageUsers) {
        return Ok(None);
    }
    match &actor.department {
        Some(department) => Ok(Some(department.clone())),
        None => Err(AppError::Forbidden),
    }
}

/// The events after position `after`, in order, that the actor may read (at most `limit`, up to
/// [`MAX_FEED`]). Positions are given once and never change, so a reader that stores the last position it
/// handled reads every event exactly once, across restarts of either side.
pub async fn feed(app: &App, actor: &Actor, after: i64, limit: u32) -> AppResult<Vec<OutboxEvent>> {
    let scope = scope_of(actor)?;
    if after < 0 {
        return Err(AppError::field("after", "after 是上次读到的事件位置，不能小于 0（从头读取用 0）"));
    }
    sequence(app).await?;
    Ok(app.store.events_after(after, scope.as_deref(), limit.clamp(1, MAX_FEED)).await?)
}

/// Gives positions to every committed event that has none yet.
pub async fn sequence(app: &App) -> AppResult<u32> {
    let mut total = 0;
    loop {
        let done = app.store.sequence_events(1000).await?;
        total += done;
        if done < 1000 {
            return Ok(total);
        }
    }
}
