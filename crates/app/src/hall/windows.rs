//! Windows (窗口): who may sit where, signing in and out, calling the next ticket (the store picks it, in
//! the calling order of `onetrip_domain::queue`), and what a window does with the ticket it serves (decided
//! by `onetrip_domain::queue::decide`); the displays hear every call.

use super::posts::check_posted;
use super::tickets::{ticket_view, TicketView};
use super::{announcement, require, HallCall};
use crate::app::App;
use crate::error::{AppError, AppResult, Conflict};
use onetrip_domain::access::Permission;
use onetrip_domain::actor::Actor;
use onetrip_domain::case_number::CaseNumber;
use onetrip_domain::hall::{HallLayout, Window};
use onetrip_domain::queue::{decide, Ticket, TicketAction, TicketState};
use onetrip_store::hall::CallNext;
use onetrip_store::StoreError;

/// The window `code`, if this member of staff may work there: window staff, of a department the window
/// takes (or any, when the window lists none or the staff member has no department).
pub(crate) fn window_for<'a>(layout: &'a HallLayout, actor: &Actor, code: &str) -> AppResult<&'a Window> {
    require(actor, Permission::ServeAtWindow)?;
    let window = layout.window(code).ok_or_else(|| AppError::NotFound(format!("窗口 {code}")))?;
    let fits = match actor.department.as_deref() {
        None => true,
        Some(department) => window.departments.is_empty() || window.departments.iter().any(|code| code == department),
    };
    if !fits {
        return Err(AppError::Forbidden);
    }
    Ok(window)
}

fn username(actor: &Actor) -> &str {
    actor.audit_name()
}

/// A window this member of staff may sign in at, with whether someone else (or nobody, being closed) holds it.
pub struct WindowChoice {
    pub window: Window,
    pub zone_name: String,
    /// Closed, or someone else is signed in there.
    pub unavailable: bool,
}

/// The windows this member of staff may sign in at, and the one they are at now (if any).
pub async fn my_windows(app: &App, actor: &Actor) -> AppResult<(Vec<WindowChoice>, Option<String>)> {
    require(actor, Permission::ServeAtWindow)?;
    let presence = app.store.presence().await?;
    let me = username(actor);
    let mine = presence.iter().find(|line| line.username == me).map(|line| line.window_code.clone());
    let catalog = app.catalog();
    let choices = catalog
        .hall
        .windows
        .iter()
        .filter(|window| window_for(&catalog.hall, actor, &window.code).is_ok())
        .map(|window| {
            let taken = presence.iter().any(|line| line.window_code == window.code && line.username != me);
            WindowChoice {
                zone_name: catalog.hall.zone(&window.zone).map(|zone| zone.name.clone()).unwrap_or_default(),
                unavailable: taken || !window.open,
                window: window.clone(),
            }
        })
        .collect();
    Ok((choices, mine))
}

/// Signing in and out at a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PresenceAction {
    SignIn,
    Break,
    Back,
    SignOut,
}

impl PresenceAction {
    pub fn parse(code: &str) -> Result<Self, AppError> {
        match code {
            "sign_in" => Ok(Self::SignIn),
            "break" => Ok(Self::Break),
            "back" => Ok(Self::Back),
            "sign_out" => Ok(Self::SignOut),
            _ => Err(AppError::field("action", "只能是上岗、暂离、回岗或下岗")),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::SignIn => "sign_in",
            Self::Break => "break",
            Self::Back => "back",
            Self::SignOut => "sign_out",
        }
    }
}

/// Signs in, takes a break, comes back or signs out at a window.
pub async fn presence(app: &App, actor: &Actor, code: &str, action: PresenceAction) -> AppResult<()> {
    let catalog = app.catalog();
    let window = window_for(&catalog.hall, actor, code)?;
    if action == PresenceAction::SignIn && !window.open {
        return Err(AppError::conflict(Conflict::WindowClosed, format!("{} 号窗口暂停使用，不能上岗", window.code)));
    }
    if action == PresenceAction::SignIn {
        check_posted(app, &window.code, username(actor)).await?;
    }
    match app.store.set_presence(&window.code, username(actor), &actor.name, action.code(), app.now()).await {
        Ok(()) => Ok(()),
        Err(StoreError::Conflict(_)) => {
            Err(AppError::conflict(Conflict::WindowTaken, format!("{} 号窗口已有其他工作人员在岗", window.code)))
        }
        Err(StoreError::NotFound) => {
            Err(AppError::conflict(Conflict::NotAtWindow, format!("您不在 {} 号窗口上岗，请先上岗", window.code)))
        }
        Err(other) => Err(other.into()),
    }
}

/// Whether the actor is signed in and serving (not on a break) at `window`.
async fn require_serving(app: &App, actor: &Actor, window: &Window) -> AppResult<()> {
    if !window.open {
        return Err(AppError::conflict(Conflict::WindowClosed, format!("{} 号窗口暂停使用，不能叫号", window.code)));
    }
    match app.store.presence_at(&window.code).await? {
        Some(line) if line.username == username(actor) && line.state == "serving" => Ok(()),
        Some(line) if line.username == username(actor) => {
            Err(AppError::conflict(Conflict::NotAtWindow, format!("您在 {} 号窗口暂离中，回岗后才能叫号", window.code)))
        }
        _ => {
            Err(AppError::conflict(Conflict::NotAtWindow, format!("您不在 {} 号窗口上岗，上岗后才能叫号", window.code)))
        }
    }
}

/// Calls the next ticket at a window (finishing the one being served); `None` when nobody waits.
pub async fn call_next(app: &App, actor: &Actor, code: &str) -> AppResult<Option<TicketView>> {
    let catalog = app.catalog();
    let window = window_for(&catalog.hall, actor, code)?;
    require_serving(app, actor, window).await?;
    let zone = catalog.hall.zone(&window.zone).ok_or_else(|| AppError::NotFound(format!("功能区 {}", window.zone)))?;
    let serves = window.serves();
    let now = app.now();
    let called = app
        .store
        .call_next(&CallNext {
            hall: &zone.hall,
            day: app.local(now).date_naive(),
            window: &window.code,
            zones: &serves.zones,
            matters: &serves.matters,
            actor: username(actor),
            at: now,
        })
        .await?;
    match called {
        Some(ticket) => {
            announce(app, &ticket, "call").await;
            Ok(Some(ticket_view(app, &ticket).await?))
        }
        None => Ok(None),
    }
}

/// Tells the displays of a call: through the store's relay to every instance where there is one (each
/// instance's listener hands it to its displays, this one's included), else straight to this instance's.
async fn announce(app: &App, ticket: &Ticket, kind: &str) {
    let Some(window) = ticket.window_code.clone() else { return };
    let call = HallCall {
        hall: ticket.hall.clone(),
        number: ticket.number.clone(),
        announcement: announcement(&ticket.number, &window),
        window,
        zone: ticket.zone.clone(),
        kind: kind.to_string(),
        at: app.local(app.now()).format("%H:%M:%S").to_string(),
    };
    if app.hall_relayed() {
        match serde_json::to_string(&call) {
            Ok(payload) => match app.store.publish_call(&payload).await {
                Ok(true) => return,
                Ok(false) => {}
                Err(error) => tracing::warn!(%error, "hall call not relayed; told this instance's displays only"),
            },
            Err(error) => tracing::warn!(%error, "hall call not serialisable"),
        }
    }
    // Nobody listening is fine: displays that connect later get the latest calls from the database.
    let _ = app.hall_calls.send(call);
}

/// Does `action` to ticket `id` at window `code`; returns the ticket afterwards.
pub async fn ticket_action(
    app: &App,
    actor: &Actor,
    code: &str,
    id: i64,
    action: &TicketAction,
) -> AppResult<TicketView> {
    let catalog = app.catalog();
    let window = window_for(&catalog.hall, actor, code)?;
    require_serving(app, actor, window).await?;
    let ticket = app.store.ticket(id).await?.ok_or_else(|| AppError::NotFound("这个号".to_string()))?;
    if ticket.day != app.today() {
        return Err(AppError::conflict(Conflict::TicketElsewhere, format!("{} 号不是今天的号", ticket.number)));
    }
    let now = app.now();
    let department =
        ticket.matter_code.as_deref().and_then(|code| catalog.version(code)).map(|v| v.matter.department.clone());
    let (next, detail) = decide(&ticket, action, window, &catalog.hall, department.as_deref(), now)?;
    if let TicketAction::LinkCase { .. } = action {
        let number = next.case_number.as_deref().unwrap_or_default();
        let number =
            CaseNumber::parse(number).map_err(|_| AppError::field("case_number", "办件编号不对，请核对后再填"))?;
        // The case must exist and be one this member of staff may see.
        crate::cases::load_for(app, actor, &number).await?;
    }
    match app.store.change_ticket(&ticket, &next, action.code(), username(actor), &detail, now).await {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => {
            return Err(AppError::conflict(
                Conflict::TicketNotHere,
                format!("{} 号刚被别的窗口处理过，请刷新后再试", ticket.number),
            ));
        }
        Err(other) => return Err(other.into()),
    }
    if let TicketAction::Recall = action {
        announce(app, &next, "recall").await;
    }
    ticket_view(app, &next).await
}

/// A ticket of today, for the window that would act on it (to open a case from it).
pub async fn window_ticket(app: &App, actor: &Actor, id: i64) -> AppResult<Ticket> {
    require(actor, Permission::ServeAtWindow)?;
    app.store.ticket(id).await?.ok_or_else(|| AppError::NotFound("这个号".to_string()))
}

/// A window's workbench: who is there, the ticket being served, the missed ones it may take back, how many
/// wait for it, and where it may transfer to.
pub struct WindowDesk {
    pub window: Window,
    pub zone_name: String,
    /// `mine` (signed in), `mine_break`, `other` (someone else) or `nobody`.
    pub presence: &'static str,
    pub current: Option<TicketView>,
    /// The last four ID characters the visitor gave at the kiosk (for the window only).
    pub last_four: String,
    pub missed: Vec<(i64, String)>,
    pub waiting: usize,
    pub zones: Vec<(String, String)>,
    pub windows: Vec<String>,
}

pub async fn desk(app: &App, actor: &Actor, code: &str) -> AppResult<WindowDesk> {
    let catalog = app.catalog();
    let window = window_for(&catalog.hall, actor, code).map_err(|error| match error {
        AppError::Forbidden if actor.may(Permission::ServeAtWindow) => {
            AppError::NotFound(format!("您可用的 {code} 号窗口"))
        }
        AppError::NotFound(_) => AppError::NotFound(format!("您可用的 {code} 号窗口")),
        other => other,
    })?;
    let zone = catalog.hall.zone(&window.zone).ok_or_else(|| AppError::NotFound(format!("功能区 {}", window.zone)))?;
    let presence = app.store.presence().await?;
    let me = username(actor);
    let here = presence.iter().find(|line| line.window_code == window.code);
    let presence = match here {
        Some(line) if line.username == me && line.state == "break" => "mine_break",
        Some(line) if line.username == me => "mine",
        Some(_) => "other",
        None => "nobody",
    };
    let tickets = app.store.tickets_of_day(&zone.hall, app.today()).await?;
    let serves = window.serves();
    let serving = tickets.iter().find(|ticket| {
        ticket.state == TicketState::Called && ticket.window_code.as_deref() == Some(window.code.as_str())
    });
    let current = match serving {
        Some(ticket) => Some(ticket_view(app, ticket).await?),
        None => None,
    };
    let waiting = tickets
        .iter()
        .filter(|ticket| {
            ticket.state == TicketState::Waiting
                && (ticket.target_window.as_deref() == Some(window.code.as_str())
                    || (ticket.target_window.is_none() && serves.serves(ticket)))
        })
        .count();
    Ok(WindowDesk {
        zone_name: zone.name.clone(),
        presence,
        last_four: serving.and_then(|ticket| ticket.id_last_four.clone()).unwrap_or_default(),
        current,
        missed: tickets
            .iter()
            .filter(|ticket| ticket.state == TicketState::Missed && serves.zones.contains(&ticket.zone))
            .map(|ticket| (ticket.id, ticket.number.clone()))
            .collect(),
        waiting,
        zones: catalog
            .hall
            .zones
            .iter()
            .filter(|other| other.hall == zone.hall && other.code != zone.code)
            .map(|other| (other.code.clone(), other.name.clone()))
            .collect(),
        windows: catalog
            .hall
            .windows
            .iter()
            .filter(|other| other.open && other.code != window.code)
            .filter(|other| catalog.hall.zone(&other.zone).is_some_and(|other_zone| other_zone.hall == zone.hall))
            .map(|other| other.code.clone())
            .collect(),
        window: window.clone(),
    })
}
