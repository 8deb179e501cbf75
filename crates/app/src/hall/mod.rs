//! The service hall's use cases: the layout (here), tickets at the kiosk (`tickets.rs`), windows — presence,
//! calling and what a window does with its ticket (`windows.rs`), the live view (`live.rs`), window planning
//! (`planning.rs`), appointments (`appointments.rs`) and staff posted at windows for a term (`posts.rs`).
//! The ticket's rules are `onetrip_domain::queue`; pages and the API call these functions alike.

mod appointments;
pub(crate) mod call;
mod live;
mod planning;
mod posts;
mod tickets;
pub(crate) mod windows;

pub use appointments::{
    appointments_of, book, bookable_days, cancel, check_in, half_label, AppointmentView, BookingRequest,
    BOOKING_DAYS_AHEAD, NO_SHOW_LIMIT,
};
pub use call::{announcement, HallCall};
pub use live::{live, recent_calls, HallLive, WindowLive, ZoneLive};
pub use planning::{plan, HallPlan, PlanLine};
pub use posts::{assign, assignments, end_assignment, AssignRequest, Post};
pub use tickets::{issue_ticket, kiosk, ticket_by_number, ticket_view, KioskZone, TicketRequest, TicketView};
pub use windows::{
    call_next, desk, my_windows, presence, ticket_action, window_ticket, PresenceAction, WindowChoice, WindowDesk,
};

use crate::app::{App, HALL_SETTING};
use crate::error::{AppError, AppResult};
use onetrip_domain::access::Permission;
use onetrip_domain::actor::Actor;
use onetrip_domain::hall::HallLayout;

/// Minutes of service assumed for a zone before there is any finished ticket to measure.
const DEFAULT_SERVICE_MINUTES: f64 = 8.0;

fn require(actor: &Actor, permission: Permission) -> AppResult<()> {
    if actor.may(permission) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Replaces the hall layout (hall managers).
pub async fn save_layout(app: &App, actor: &Actor, text: &str) -> AppResult<HallLayout> {
    require(actor, Permission::ManageHall)?;
    if text.len() > 512 * 1024 {
        return Err(AppError::field("layout", "大厅布局太长，最多 512 KB"));
    }
    let layout = crate::snapshot::parse_layout(&app.catalog(), text)?;
    let stored = serde_json::to_string(&layout).map_err(|error| AppError::Internal(error.to_string()))?;
    app.store.put_setting(HALL_SETTING, &stored, app.now()).await?;
    crate::audit::record(
        app,
        actor,
        "hall.layout",
        "hall",
        format!("{} 个大厅、{} 个功能区、{} 个窗口", layout.halls.len(), layout.zones.len(), layout.windows.len()),
    )
    .await?;
    app.reload_catalog().await?;
    Ok(layout)
}
