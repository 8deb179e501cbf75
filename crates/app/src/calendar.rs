//! The working-day calendar's use cases: loading (or replacing) one year's holiday notice, and reading
//! the calendar the rules count with.

use crate::app::App;
use crate::audit;
use crate::error::{AppError, AppResult};
use onetrip_domain::access::Permission;
use onetrip_domain::actor::Actor;
use onetrip_domain::calendar::parse_notice;

/// The longest notice text accepted: a year's holidays never come near it.
const MAX_NOTICE_BYTES: usize = 64 * 1024;

/// Loads (or reloads) one year's holiday notice; returns how many dates it holds. The limits of every case
/// under review are counted again on the new calendar (`cases::recount_open_limits`).
pub async fn load_notice(app: &App, actor: &Actor, year: i32, text: &str) -> AppResult<usize> {
    if !actor.may(Permission::LoadCalendar) {
        return Err(AppError::Forbidden);
    }
    if text.len() > MAX_NOTICE_BYTES {
        return Err(AppError::field("text", "内容太长，一年的放假安排不会超过 64 KB"));
    }
    let entries = parse_notice(year, text)?;
    app.store.replace_notice(year, &entries).await?;
    audit::record(app, actor, "calendar.load", &year.to_string(), format!("{} 个日期", entries.len())).await?;
    app.reload_calendar().await?;
    crate::cases::recount_open_limits(app).await?;
    Ok(entries.len())
}

/// The loaded entries (holidays and make-up working days) of every year, for the calendar page.
pub async fn entries(app: &App) -> AppResult<Vec<onetrip_domain::calendar::CalendarEntry>> {
    Ok(app.store.calendar_entries().await?)
}
