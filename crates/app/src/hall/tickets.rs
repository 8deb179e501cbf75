//! Tickets at the kiosk (取号): a zone chosen directly or found from the matter the visitor came for, a
//! priority, and the visitor's last four ID characters if they want the window to find their cases; the
//! ticket as the visitor sees it, with the people ahead and an estimated wait.

use super::{announcement, DEFAULT_SERVICE_MINUTES};
use crate::app::App;
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Utc};
use onetrip_domain::hall::Zone;
use onetrip_domain::queue::{Priority, Ticket, TicketState};
use onetrip_domain::FieldErrors;
use onetrip_store::hall::NewTicket;

/// What a visitor asks for at the kiosk or on the phone.
#[derive(Debug, Clone, Default)]
pub struct TicketRequest {
    pub zone: String,
    pub matter: String,
    /// `none`, `elderly` or `disabled`.
    pub priority: String,
    /// The last four characters of the visitor's ID, to find their cases at the window (optional).
    pub last_four: String,
}

/// A ticket as the visitor sees it (no personal data).
#[derive(Debug, Clone)]
pub struct TicketView {
    pub id: i64,
    pub hall: String,
    pub hall_name: String,
    pub number: String,
    pub zone: String,
    pub zone_name: String,
    pub location: String,
    pub matter: String,
    pub state: TicketState,
    pub priority: Priority,
    pub issued_at: DateTime<Utc>,
    /// When it was issued, local time (`09:41`), as the ticket prints it.
    pub issued: String,
    /// People before this ticket in the queue of its zone.
    pub ahead: usize,
    /// Estimated minutes until it is called, by the windows staffed now.
    pub wait_minutes: u32,
    /// Windows serving its zone (and matter) with somebody signed in now; with none, there is no estimate.
    pub staffed_windows: usize,
    /// The window that called it (or that it was transferred to).
    pub window: String,
    pub announcement: String,
    /// The case the ticket led to, if any (compact number).
    pub case_number: Option<String>,
}

/// Issues a ticket for a zone (or a matter, whose zone is found) of a hall.
pub async fn issue_ticket(app: &App, hall: &str, request: &TicketRequest, channel: &str) -> AppResult<TicketView> {
    let catalog = app.catalog();
    let layout = &catalog.hall;
    if !layout.halls.iter().any(|known| known.code == hall) {
        return Err(AppError::NotFound(format!("大厅 {hall}")));
    }
    let mut errors = FieldErrors::default();
    let priority = Priority::parse_choice(request.priority.trim()).unwrap_or_else(|problem| {
        errors = problem;
        Priority::None
    });
    let last_four = request.last_four.trim().to_ascii_uppercase();
    let valid_last_four =
        last_four.is_empty() || (last_four.len() == 4 && last_four.bytes().all(|b| b.is_ascii_digit() || b == b'X'));
    if !valid_last_four {
        errors.add("last_four", "身份证后四位是 4 个数字（最后一位可以是 X），不填也可以");
    }
    let matter = request.matter.trim();
    let zone: Option<&Zone> = if matter.is_empty() {
        layout.zone(request.zone.trim()).filter(|zone| zone.hall == hall)
    } else {
        match catalog.version(matter) {
            None => {
                errors.add("matter", "没有这个事项，请从列表里选，或只选功能区");
                None
            }
            Some(version) => {
                let chosen = layout.zone(request.zone.trim()).filter(|zone| zone.hall == hall);
                let serves = |zone: &&Zone| layout.zone_serves(zone, &version.matter.department, matter);
                let zone = chosen
                    .filter(serves)
                    .or_else(|| layout.zones.iter().filter(|zone| zone.hall == hall).find(|zone| serves(zone)));
                if zone.is_none() {
                    errors.add("matter", "这个大厅没有办理这个事项的窗口，请到综合咨询台询问");
                }
                zone
            }
        }
    };
    if zone.is_none() && !errors.fields().any(|field| field == "matter") {
        errors.add("zone", "请选择要去的功能区");
    }
    let Some(zone) = zone.filter(|_| errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let now = app.now();
    let ticket = app
        .store
        .issue_ticket(&NewTicket {
            hall: hall.to_string(),
            day: app.local(now).date_naive(),
            prefix: zone.prefix,
            zone: zone.code.clone(),
            matter_code: (!matter.is_empty()).then(|| matter.to_string()),
            priority,
            channel: channel.to_string(),
            id_last_four: (!last_four.is_empty()).then_some(last_four),
            at: now,
        })
        .await?;
    ticket_view(app, &ticket).await
}

/// Today's ticket of a hall by its number (public).
pub async fn ticket_by_number(app: &App, hall: &str, number: &str) -> AppResult<TicketView> {
    let ticket = app
        .store
        .ticket_by_number(hall, app.today(), number.trim())
        .await?
        .ok_or_else(|| AppError::NotFound(format!("今天的 {number} 号")))?;
    ticket_view(app, &ticket).await
}

pub async fn ticket_view(app: &App, ticket: &Ticket) -> AppResult<TicketView> {
    let catalog = app.catalog();
    let layout = &catalog.hall;
    let zone = layout.zone(&ticket.zone);
    // Only a waiting ticket needs the day's queue (for its estimate); a called one is answered at once.
    let (ahead, wait_minutes, staffed_windows) = if ticket.state == TicketState::Waiting {
        let tickets = app.store.tickets_of_day(&ticket.hall, ticket.day).await?;
        let presence = app.store.presence().await?;
        let staffed = layout
            .windows_serving(&ticket.zone, ticket.matter_code.as_deref())
            .filter(|window| presence.iter().any(|line| line.window_code == window.code))
            .count();
        let (ahead, wait) = estimate(&tickets, ticket, staffed);
        (ahead, wait, staffed)
    } else {
        (0, 0, 0)
    };
    Ok(TicketView {
        id: ticket.id,
        hall: ticket.hall.clone(),
        hall_name: layout
            .halls
            .iter()
            .find(|hall| hall.code == ticket.hall)
            .map(|hall| hall.name.clone())
            .unwrap_or_default(),
        number: ticket.number.clone(),
        zone: ticket.zone.clone(),
        zone_name: zone.map(|zone| zone.name.clone()).unwrap_or_default(),
        location: zone.map(|zone| zone.location.clone()).unwrap_or_default(),
        matter: ticket
            .matter_code
            .as_deref()
            .and_then(|code| catalog.version(code))
            .map(|version| version.matter.name.clone())
            .unwrap_or_default(),
        state: ticket.state,
        priority: ticket.priority,
        issued_at: ticket.issued_at,
        issued: app.local(ticket.issued_at).format("%H:%M").to_string(),
        ahead,
        wait_minutes,
        staffed_windows,
        window: ticket.window_code.clone().or_else(|| ticket.target_window.clone()).unwrap_or_default(),
        announcement: ticket
            .window_code
            .as_deref()
            .map(|window| announcement(&ticket.number, window))
            .unwrap_or_default(),
        case_number: ticket.case_number.clone(),
    })
}

/// People ahead of a waiting ticket (those its windows would call first) and the minutes until its turn:
/// ahead × today's mean service time of the zone ÷ the zone's windows serving it (at least one).
/// People ahead and the minutes until the ticket is called, shared among the windows staffed now (the
/// minutes say nothing when none is: the page says so instead).
fn estimate(tickets: &[Ticket], ticket: &Ticket, staffed: usize) -> (usize, u32) {
    let key = |other: &Ticket| (other.priority, other.queued_at, other.id);
    let ahead = tickets
        .iter()
        .filter(|other| other.state == TicketState::Waiting && other.zone == ticket.zone && key(other) < key(ticket))
        .count();
    let windows = staffed.max(1);
    let minutes = mean_service_minutes(tickets, &ticket.zone).unwrap_or(DEFAULT_SERVICE_MINUTES);
    let wait = (ahead as f64 * minutes / windows as f64).ceil();
    (ahead, wait.clamp(0.0, 24.0 * 60.0) as u32)
}

/// Minutes at the window (called → finished) of a finished ticket.
pub(super) fn service_minutes(ticket: &Ticket) -> Option<f64> {
    Some((ticket.finished_at? - ticket.called_at?).num_seconds() as f64 / 60.0)
}

/// Today's mean service time of a zone, in minutes.
fn mean_service_minutes(tickets: &[Ticket], zone: &str) -> Option<f64> {
    let times: Vec<f64> = tickets
        .iter()
        .filter(|ticket| ticket.zone == zone && ticket.state == TicketState::Finished)
        .filter_map(service_minutes)
        .collect();
    (!times.is_empty()).then(|| times.iter().sum::<f64>() / times.len() as f64)
}

/// A zone as the kiosk offers it, with how many wait there now.
pub struct KioskZone {
    pub zone: Zone,
    pub waiting: usize,
}

/// The kiosk of a hall: its name and zones.
pub async fn kiosk(app: &App, hall: &str) -> AppResult<(String, Vec<KioskZone>)> {
    let catalog = app.catalog();
    let record = catalog
        .hall
        .halls
        .iter()
        .find(|known| known.code == hall)
        .ok_or_else(|| AppError::NotFound(format!("大厅 {hall}")))?;
    let tickets = app.store.tickets_of_day(hall, app.today()).await?;
    let zones = catalog
        .hall
        .zones
        .iter()
        .filter(|zone| zone.hall == hall)
        .map(|zone| KioskZone {
            waiting: tickets
                .iter()
                .filter(|ticket| ticket.zone == zone.code && ticket.state == TicketState::Waiting)
                .count(),
            zone: zone.clone(),
        })
        .collect();
    Ok((record.name.clone(), zones))
}
