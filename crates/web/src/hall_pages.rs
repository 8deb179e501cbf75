//! Pages and API of the hall: the kiosk and the ticket (public, large type), the wall display and its event
//! stream (public), the window workbench (window staff) and the live view (hall managers).

use crate::api::ApiJson;
use crate::api::ApiStaff;
use crate::auth;
use crate::error::{ApiError, Error};
use crate::hall::{self, HallCall, HallLive, TicketAction, TicketRequest, TicketView};
use crate::pages::{render, Layout};
use crate::staff::StaffPage;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use onetrip_domain::access::Permission;
use serde::Deserialize;
use std::convert::Infallible;

type ApiResult = Result<Response, ApiError>;

const KIOSK_COOKIE: &str = "onetrip_kiosk";

fn see_other(path: &str) -> Response {
    Redirect::to(path).into_response()
}

/// The kiosk's forms carry a token also set as a cookie on `/hall`, so another site cannot make a visitor's
/// browser take tickets (double submit; the kiosk has no session).
fn kiosk_token(parts: &Parts) -> (String, Option<HeaderValue>) {
    match auth::cookie_value(parts, KIOSK_COOKIE) {
        Some(token) if token.len() >= 32 => (token.to_string(), None),
        _ => {
            let token = auth::random_token();
            let cookie =
                HeaderValue::from_str(&format!("{KIOSK_COOKIE}={token}; Path=/hall; HttpOnly; SameSite=Strict")).ok();
            (token, cookie)
        }
    }
}

fn with_cookie(mut response: Response, cookie: Option<HeaderValue>) -> Response {
    if let Some(cookie) = cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

// ---------------------------------------------------------------------------------------------------------
// Kiosk and ticket

pub struct ZoneButton {
    pub code: String,
    pub name: String,
    pub prefix: char,
    pub location: String,
    pub waiting: usize,
}

#[derive(Template)]
#[template(path = "hall_kiosk.html")]
struct KioskPage {
    layout: Layout,
    hall: String,
    hall_name: String,
    zones: Vec<ZoneButton>,
    csrf_token: String,
    code: String,
    error: String,
}

/// `GET /hall/{hall}/kiosk`: the zones of a hall as large buttons, with how many are waiting at each, and
/// the check-in of appointments.
pub async fn kiosk(State(state): State<AppState>, parts: Parts, Path(hall): Path<String>) -> Result<Response, Error> {
    kiosk_page(&state, &parts, &hall, "", String::new(), StatusCode::OK).await
}

async fn kiosk_page(
    state: &AppState,
    parts: &Parts,
    hall: &str,
    code: &str,
    error: String,
    status: StatusCode,
) -> Result<Response, Error> {
    let hall = hall.to_string();
    let catalog = state.catalog();
    let record = catalog
        .hall
        .halls
        .iter()
        .find(|known| known.code == hall)
        .ok_or_else(|| Error::NotFound(format!("大厅 {hall}")))?;
    let tickets = state.store.tickets_of_day(&hall, state.today()).await?;
    let zones = catalog
        .hall
        .zones
        .iter()
        .filter(|zone| zone.hall == hall)
        .map(|zone| ZoneButton {
            code: zone.code.clone(),
            name: zone.name.clone(),
            prefix: zone.prefix,
            location: zone.location.clone(),
            waiting: tickets.iter().filter(|ticket| ticket.zone == zone.code && ticket.state == "waiting").count(),
        })
        .collect();
    let (token, cookie) = kiosk_token(parts);
    let mut response = render(&KioskPage {
        layout: Layout::new(state, None),
        hall_name: record.name.clone(),
        hall,
        zones,
        csrf_token: token,
        code: code.to_string(),
        error,
    })?;
    *response.status_mut() = status;
    Ok(with_cookie(response, cookie))
}

#[derive(Template)]
#[template(path = "hall_take.html")]
struct TakePage {
    layout: Layout,
    hall: String,
    zone: String,
    zone_name: String,
    matters: Vec<(String, String)>,
    matter: String,
    priority: String,
    last_four: String,
    csrf_token: String,
    errors: Vec<(String, String)>,
}

#[derive(Deserialize, Default)]
pub struct TakeQuery {
    #[serde(default)]
    matter: String,
}

fn take_page(
    state: &AppState,
    parts: &Parts,
    hall: &str,
    zone: &str,
    request: &TicketRequest,
    errors: Vec<(String, String)>,
) -> Result<Response, Error> {
    let catalog = state.catalog();
    let zone_record = catalog
        .hall
        .zone(zone)
        .filter(|known| known.hall == hall)
        .ok_or_else(|| Error::NotFound(format!("功能区 {zone}")))?;
    let mut matters: Vec<(String, String)> = catalog
        .versions
        .iter()
        .filter(|version| !version.adjustment.kind.ends_the_matter())
        .filter(|version| {
            zone_record.departments.contains(&version.matter.department)
                || catalog
                    .hall
                    .windows
                    .iter()
                    .any(|window| window.zone == zone_record.code && window.matters.contains(&version.matter.code))
        })
        .map(|version| (version.matter.code.clone(), version.matter.name.clone()))
        .collect();
    matters.sort_by(|a, b| a.1.cmp(&b.1));
    let (token, cookie) = kiosk_token(parts);
    let invalid = !errors.is_empty();
    let mut response = render(&TakePage {
        layout: Layout::new(state, None),
        hall: hall.to_string(),
        zone: zone_record.code.clone(),
        zone_name: zone_record.name.clone(),
        matters,
        matter: request.matter.clone(),
        priority: request.priority.clone(),
        last_four: request.last_four.clone(),
        csrf_token: token,
        errors,
    })?;
    if invalid {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(with_cookie(response, cookie))
}

/// `GET /hall/{hall}/kiosk/{zone}`: what the visitor came for (optional), priority, and the ticket button.
pub async fn take_form(
    State(state): State<AppState>,
    parts: Parts,
    Path((hall, zone)): Path<(String, String)>,
    Query(query): Query<TakeQuery>,
) -> Result<Response, Error> {
    let request = TicketRequest { zone: zone.clone(), matter: query.matter, ..TicketRequest::default() };
    take_page(&state, &parts, &hall, &zone, &request, Vec::new())
}

#[derive(Deserialize)]
pub struct TakeForm {
    #[serde(default)]
    zone: String,
    #[serde(default)]
    matter: String,
    #[serde(default)]
    priority: String,
    #[serde(default)]
    last_four: String,
    #[serde(default)]
    csrf_token: String,
}

/// `POST /hall/{hall}/tickets`: takes a ticket and shows it.
pub async fn take(
    State(state): State<AppState>,
    parts: Parts,
    Path(hall): Path<String>,
    Form(form): Form<TakeForm>,
) -> Result<Response, Error> {
    let cookie = auth::cookie_value(&parts, KIOSK_COOKIE).unwrap_or_default();
    if cookie.is_empty() || !auth::same_secret(cookie, &form.csrf_token) {
        return Err(Error::CsrfFailed);
    }
    let request = TicketRequest {
        zone: form.zone.clone(),
        matter: form.matter,
        priority: form.priority,
        last_four: form.last_four,
    };
    match hall::issue_ticket(&state, &hall, &request, "kiosk").await {
        Ok(ticket) => Ok(see_other(&format!("/hall/{hall}/tickets/{}", ticket.number))),
        Err(Error::Validation(errors)) => {
            let listed = errors.iter().map(|(field, messages)| (field.to_string(), messages.join("；"))).collect();
            take_page(&state, &parts, &hall, &form.zone, &request, listed)
        }
        Err(other) => Err(other),
    }
}

#[derive(Template)]
#[template(path = "hall_ticket.html")]
struct TicketPage {
    layout: Layout,
    ticket: TicketView,
}

/// `GET /hall/{hall}/tickets/{number}`: today's ticket, to print or keep on the phone; no personal data.
pub async fn ticket(
    State(state): State<AppState>,
    Path((hall, number)): Path<(String, String)>,
) -> Result<Response, Error> {
    let record = state
        .store
        .ticket_by_number(&hall, state.today(), number.trim())
        .await?
        .ok_or_else(|| Error::NotFound(format!("今天的 {number} 号")))?;
    let view = hall::ticket_view(&state, &record).await?;
    let mut response = render(&TicketPage { layout: Layout::new(&state, None), ticket: view })?;
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `POST /hall/{hall}/checkin`: an appointment's code typed at the kiosk becomes a priority ticket.
pub async fn check_in(
    State(state): State<AppState>,
    parts: Parts,
    Path(hall): Path<String>,
    Form(form): Form<CheckInForm>,
) -> Result<Response, Error> {
    let cookie = auth::cookie_value(&parts, KIOSK_COOKIE).unwrap_or_default();
    if cookie.is_empty() || !auth::same_secret(cookie, &form.csrf_token) {
        return Err(Error::CsrfFailed);
    }
    match hall::check_in(&state, &hall, &form.code).await {
        Ok(ticket) => Ok(see_other(&format!("/hall/{hall}/tickets/{}", ticket.number))),
        Err(Error::Validation(errors)) => {
            let message =
                errors.iter().flat_map(|(_, messages)| messages.iter().cloned()).collect::<Vec<_>>().join("；");
            kiosk_page(&state, &parts, &hall, &form.code, message, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(error @ Error::Conflict(_)) => {
            kiosk_page(&state, &parts, &hall, &form.code, error.message(), StatusCode::CONFLICT).await
        }
        Err(other) => Err(other),
    }
}

#[derive(Deserialize)]
pub struct CheckInForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    csrf_token: String,
}

// ---------------------------------------------------------------------------------------------------------
// Appointments on the portal

#[derive(Template)]
#[template(path = "portal_appointments.html")]
struct AppointmentsPage {
    layout: Layout,
    csrf_token: String,
    appointments: Vec<hall::AppointmentView>,
    zones: Vec<(String, String)>,
    /// The matters of the zones that take appointments: (code, "zone · matter").
    matters: Vec<(String, String)>,
    days: Vec<String>,
    request: hall::BookingRequest,
    error: String,
    flash: String,
}

async fn appointments_page(
    state: &AppState,
    user: &crate::portal::PortalUser,
    request: hall::BookingRequest,
    error: String,
    flash: &str,
    status: StatusCode,
) -> Result<Response, Error> {
    let catalog = state.catalog();
    let appointments = state
        .store
        .appointments_of(user.applicant.id)
        .await?
        .iter()
        .map(|appointment| hall::appointment_view(state, appointment))
        .collect();
    let taking: Vec<&onetrip_domain::hall::Zone> =
        catalog.hall.zones.iter().filter(|zone| zone.appointments_am + zone.appointments_pm > 0).collect();
    let zones = taking.iter().map(|zone| (zone.code.clone(), zone.name.clone())).collect();
    let mut matters: Vec<(String, String)> = Vec::new();
    for zone in &taking {
        for version in catalog.versions.iter().filter(|version| !version.adjustment.kind.ends_the_matter()) {
            if zone.departments.contains(&version.matter.department) {
                matters.push((version.matter.code.clone(), format!("{} · {}", zone.name, version.matter.name)));
            }
        }
    }
    let mut response = render(&AppointmentsPage {
        layout: Layout::portal(state, user),
        csrf_token: user.csrf_token.clone(),
        appointments,
        zones,
        matters,
        days: hall::bookable_days(state),
        request,
        error,
        flash: flash.to_string(),
    })?;
    *response.status_mut() = status;
    Ok(response)
}

/// `GET /portal/appointments`: my appointments and a form to book one.
pub async fn appointments(
    State(state): State<AppState>,
    user: crate::portal::PortalUser,
    Query(query): Query<FlashQuery>,
) -> Result<Response, Error> {
    let flash = match query.flash.as_str() {
        "booked" => "预约成功。到大厅后在取号机上输入预约码签到，会优先叫号。",
        "changed" => "已改约。",
        "cancelled" => "已取消预约。",
        _ => "",
    };
    appointments_page(&state, &user, hall::BookingRequest::default(), String::new(), flash, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct BookingForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    zone: String,
    #[serde(default)]
    matter: String,
    #[serde(default)]
    day: String,
    #[serde(default)]
    half: String,
    /// With a change of time: the appointment it replaces.
    #[serde(default)]
    replacing: Option<i64>,
}

/// `POST /portal/appointments`: books a half day (or moves one, with `replacing`).
pub async fn book(
    State(state): State<AppState>,
    user: crate::portal::PortalUser,
    Form(form): Form<BookingForm>,
) -> Result<Response, Error> {
    user.check_csrf(&form.csrf_token)?;
    let request = hall::BookingRequest { zone: form.zone, matter: form.matter, day: form.day, half: form.half };
    match hall::book(&state, user.applicant.id, &request, form.replacing).await {
        Ok(_) => Ok(see_other(if form.replacing.is_some() {
            "/portal/appointments?flash=changed"
        } else {
            "/portal/appointments?flash=booked"
        })),
        Err(Error::Validation(errors)) => {
            let message =
                errors.iter().flat_map(|(_, messages)| messages.iter().cloned()).collect::<Vec<_>>().join("；");
            appointments_page(&state, &user, request, message, "", StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(error @ Error::Conflict(_)) => {
            appointments_page(&state, &user, request, error.message(), "", StatusCode::CONFLICT).await
        }
        Err(other) => Err(other),
    }
}

#[derive(Deserialize)]
pub struct CancelForm {
    #[serde(default)]
    csrf_token: String,
}

/// `POST /portal/appointments/{id}/cancel`
pub async fn cancel(
    State(state): State<AppState>,
    user: crate::portal::PortalUser,
    Path(id): Path<i64>,
    Form(form): Form<CancelForm>,
) -> Result<Response, Error> {
    user.check_csrf(&form.csrf_token)?;
    match state.store.cancel_appointment(id, user.applicant.id, state.now()).await {
        Ok(()) => Ok(see_other("/portal/appointments?flash=cancelled")),
        Err(onetrip_store::StoreError::NotFound) => Err(Error::NotFound("要取消的预约".to_string())),
        Err(other) => Err(other.into()),
    }
}

// ---------------------------------------------------------------------------------------------------------
// Wall display

#[derive(Template)]
#[template(path = "hall_display.html")]
struct DisplayPage {
    hall: String,
    hall_name: String,
    calls: Vec<HallCall>,
}

/// `GET /hall/{hall}/display`: the screen on the wall: the latest calls, updated live.
pub async fn display(State(state): State<AppState>, Path(hall): Path<String>) -> Result<Response, Error> {
    let catalog = state.catalog();
    let record = catalog
        .hall
        .halls
        .iter()
        .find(|known| known.code == hall)
        .ok_or_else(|| Error::NotFound(format!("大厅 {hall}")))?;
    let calls = hall::recent_calls(&state, &hall, 8).await?;
    render(&DisplayPage { hall_name: record.name.clone(), hall, calls })
}

/// `GET /hall/{hall}/display/events`: server-sent events, one `call` per call or recall of the hall.
pub async fn display_events(State(state): State<AppState>, Path(hall): Path<String>) -> Result<Response, Error> {
    if !state.catalog().hall.halls.iter().any(|known| known.code == hall) {
        return Err(Error::NotFound(format!("大厅 {hall}")));
    }
    let receiver = state.hall_calls.subscribe();
    let stream = futures_util::stream::unfold((receiver, hall), |(mut receiver, hall)| async move {
        loop {
            match receiver.recv().await {
                Ok(call) if call.hall == hall => {
                    let event = Event::default().event("call").json_data(&call).unwrap_or_default();
                    return Some((Ok::<Event, Infallible>(event), (receiver, hall)));
                }
                Ok(_) => continue,
                // A display that fell behind skips what it missed; the next call brings it up to date.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()).into_response())
}

// ---------------------------------------------------------------------------------------------------------
// Window workbench

#[derive(Template)]
#[template(path = "hall_windows.html")]
struct WindowsPage {
    layout: Layout,
    windows: Vec<(String, String, bool)>,
    mine: String,
}

/// `GET /staff/windows`: the windows this member of staff may work at.
pub async fn windows(State(state): State<AppState>, StaffPage(staff): StaffPage) -> Result<Response, Error> {
    staff.require(Permission::ServeAtWindow)?;
    let presence = state.store.presence().await?;
    let mine = presence
        .iter()
        .find(|line| line.username == staff.user.username)
        .map(|line| line.window_code.clone())
        .unwrap_or_default();
    let catalog = state.catalog();
    let windows = hall::my_windows(&state, &staff)
        .into_iter()
        .map(|window| {
            let zone = catalog.hall.zone(&window.zone).map(|zone| zone.name.clone()).unwrap_or_default();
            let taken =
                presence.iter().any(|line| line.window_code == window.code && line.username != staff.user.username);
            (window.code, zone, taken || !window.open)
        })
        .collect();
    render(&WindowsPage { layout: Layout::new(&state, Some(&staff)), windows, mine })
}

#[derive(Template)]
#[template(path = "hall_workbench.html")]
struct WorkbenchPage {
    layout: Layout,
    csrf_token: String,
    window: String,
    zone_name: String,
    presence: String,
    current: Option<TicketView>,
    /// The last four ID characters the visitor gave at the kiosk, for finding their cases (window only).
    last_four: String,
    missed: Vec<(i64, String)>,
    waiting: usize,
    zones: Vec<(String, String)>,
    windows: Vec<String>,
    flash: String,
    error: String,
}

#[derive(Deserialize, Default)]
pub struct FlashQuery {
    #[serde(default)]
    flash: String,
}

async fn workbench_page(
    state: &AppState,
    staff: &auth::Staff,
    code: &str,
    flash: String,
    error: String,
) -> Result<Response, Error> {
    let catalog = state.catalog();
    let window = hall::my_windows(state, staff).into_iter().find(|window| window.code == code).ok_or_else(|| {
        if staff.user.roles.is_empty() {
            Error::Forbidden
        } else {
            Error::NotFound(format!("您可用的 {code} 号窗口"))
        }
    })?;
    let zone = catalog.hall.zone(&window.zone).ok_or_else(|| Error::NotFound(format!("功能区 {}", window.zone)))?;
    let presence = state.store.presence().await?;
    let here = presence.iter().find(|line| line.window_code == window.code);
    let presence_label = match here {
        Some(line) if line.username == staff.user.username && line.state == "break" => "暂离中",
        Some(line) if line.username == staff.user.username => "在岗",
        Some(_) => "其他人在岗",
        None => "未上岗",
    };
    let tickets = state.store.tickets_of_day(&zone.hall, state.today()).await?;
    let serves = window.serves();
    let serving = tickets
        .iter()
        .find(|ticket| ticket.state == "called" && ticket.window_code.as_deref() == Some(window.code.as_str()));
    let current = match serving {
        Some(ticket) => Some(hall::ticket_view(state, ticket).await?),
        None => None,
    };
    let last_four = serving.and_then(|ticket| ticket.id_last_four.clone()).unwrap_or_default();
    let missed = tickets
        .iter()
        .filter(|ticket| ticket.state == "missed" && serves.zones.contains(&ticket.zone))
        .map(|ticket| (ticket.id, ticket.number.clone()))
        .collect();
    let waiting = tickets
        .iter()
        .filter(|ticket| {
            ticket.state == "waiting"
                && (ticket.target_window.as_deref() == Some(window.code.as_str())
                    || (ticket.target_window.is_none()
                        && (serves.zones.contains(&ticket.zone)
                            || ticket.matter_code.as_ref().is_some_and(|matter| serves.matters.contains(matter)))))
        })
        .count();
    let response = render(&WorkbenchPage {
        layout: Layout::new(state, Some(staff)),
        csrf_token: staff.csrf_token.clone(),
        window: window.code.clone(),
        zone_name: zone.name.clone(),
        presence: presence_label.to_string(),
        current,
        last_four,
        missed,
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
        flash,
        error: error.clone(),
    })?;
    Ok(if error.is_empty() {
        response
    } else {
        let mut response = response;
        *response.status_mut() = StatusCode::CONFLICT;
        response
    })
}

/// `GET /staff/windows/{code}`: the workbench of one window.
pub async fn workbench(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(code): Path<String>,
    Query(query): Query<FlashQuery>,
) -> Result<Response, Error> {
    staff.require(Permission::ServeAtWindow)?;
    let flash = match query.flash.as_str() {
        "called" => "已叫号",
        "nobody" => "现在没有人等候",
        "done" => "已办完",
        "signed_in" => "已上岗",
        "break" => "已暂离，回来后请点“回岗”",
        "back" => "已回岗",
        "signed_out" => "已下岗",
        "recalled" => "已重呼",
        "missed" => "已过号",
        "rejoined" => "已重新排队",
        "transferred" => "已转号",
        _ => "",
    };
    workbench_page(&state, &staff, &code, flash.to_string(), String::new()).await
}

#[derive(Deserialize)]
pub struct WorkbenchForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    ticket: i64,
    #[serde(default)]
    zone: String,
    #[serde(default)]
    window: String,
    #[serde(default)]
    case_number: String,
}

/// `POST /staff/windows/{code}`: sign in/out, break, call next, recall, miss, rejoin, finish, transfer, or
/// open a case from the ticket.
pub async fn workbench_action(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(code): Path<String>,
    Form(form): Form<WorkbenchForm>,
) -> Result<Response, Error> {
    staff.require(Permission::ServeAtWindow)?;
    staff.check_csrf(Some(&form.csrf_token))?;
    let back = |flash: &str| see_other(&format!("/staff/windows/{code}?flash={flash}"));
    let outcome: Result<Response, Error> = async {
        match form.action.as_str() {
            "sign_in" | "break" | "back" | "sign_out" => {
                hall::presence(&state, &staff, &code, &form.action).await?;
                Ok(back(match form.action.as_str() {
                    "sign_in" => "signed_in",
                    "sign_out" => "signed_out",
                    other => other,
                }))
            }
            "call" => {
                Ok(back(if hall::call_next(&state, &staff, &code).await?.is_some() { "called" } else { "nobody" }))
            }
            "open_case" => {
                // The ticket leads to a new case at this window: the registration form, which links it.
                let ticket =
                    state.store.ticket(form.ticket).await?.ok_or_else(|| Error::NotFound("这个号".to_string()))?;
                let matter = ticket.matter_code.unwrap_or_default();
                Ok(see_other(&format!("/staff/cases/new?matter={matter}&ticket={}&window={code}", ticket.id)))
            }
            action => {
                let action = match action {
                    "recall" => TicketAction::Recall,
                    "miss" => TicketAction::Miss,
                    "rejoin" => TicketAction::Rejoin,
                    "finish" => TicketAction::Finish,
                    "transfer_zone" => TicketAction::TransferZone { zone: form.zone.clone() },
                    "transfer_window" => TicketAction::TransferWindow { window: form.window.clone() },
                    "link_case" => TicketAction::LinkCase { case_number: form.case_number.clone() },
                    _ => return Err(Error::BadRequest("未知的操作".to_string())),
                };
                let done = hall::ticket_action(&state, &staff, &code, form.ticket, &action).await?;
                Ok(match action {
                    TicketAction::LinkCase { .. } => {
                        see_other(&format!("/staff/cases/{}", done.case_number.unwrap_or_default()))
                    }
                    TicketAction::Recall => back("recalled"),
                    TicketAction::Miss => back("missed"),
                    TicketAction::Rejoin => back("rejoined"),
                    TicketAction::Finish => back("done"),
                    _ => back("transferred"),
                })
            }
        }
    }
    .await;
    match outcome {
        Ok(response) => Ok(response),
        Err(Error::Validation(errors)) => {
            let message =
                errors.iter().flat_map(|(_, messages)| messages.iter().cloned()).collect::<Vec<_>>().join("；");
            workbench_page(&state, &staff, &code, String::new(), message).await
        }
        Err(error @ Error::Conflict(_)) => workbench_page(&state, &staff, &code, String::new(), error.message()).await,
        Err(other) => Err(other),
    }
}

// ---------------------------------------------------------------------------------------------------------
// Live view

#[derive(Template)]
#[template(path = "hall_live.html")]
struct LivePage {
    layout: Layout,
    live: HallLive,
    halls: Vec<(String, String)>,
}

#[derive(Deserialize, Default)]
pub struct HallQuery {
    #[serde(default)]
    hall: String,
}

/// `GET /staff/hall`: every zone and window of a hall now, for the hall manager.
pub async fn live_page(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Query(query): Query<HallQuery>,
) -> Result<Response, Error> {
    staff.require(Permission::ManageHall)?;
    let catalog = state.catalog();
    let hall = if query.hall.is_empty() {
        catalog
            .hall
            .halls
            .first()
            .map(|hall| hall.code.clone())
            .ok_or_else(|| Error::NotFound("大厅布局".to_string()))?
    } else {
        query.hall.clone()
    };
    let live = hall::live(&state, &staff, &hall).await?;
    let halls = catalog.hall.halls.iter().map(|hall| (hall.code.clone(), hall.name.clone())).collect();
    render(&LivePage { layout: Layout::new(&state, Some(&staff)), live, halls })
}

#[derive(Template)]
#[template(path = "hall_planning.html")]
struct PlanningPage {
    layout: Layout,
    plan: hall::HallPlan,
    halls: Vec<(String, String)>,
    error: String,
}

#[derive(Deserialize, Default)]
pub struct PlanQuery {
    #[serde(default)]
    hall: String,
    #[serde(default)]
    target: String,
}

fn target_minutes(text: &str) -> f64 {
    // An empty or unreadable value falls to the validation in `plan` (0 is outside 1–120).
    if text.trim().is_empty() {
        15.0
    } else {
        text.trim().parse().unwrap_or(0.0)
    }
}

/// `GET /staff/hall/planning`: how many windows each zone needs per half day, from recorded data.
pub async fn planning_page(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Query(query): Query<PlanQuery>,
) -> Result<Response, Error> {
    staff.require(Permission::ManageHall)?;
    let catalog = state.catalog();
    let hall = if query.hall.is_empty() {
        catalog
            .hall
            .halls
            .first()
            .map(|hall| hall.code.clone())
            .ok_or_else(|| Error::NotFound("大厅布局".to_string()))?
    } else {
        query.hall.clone()
    };
    let halls = catalog.hall.halls.iter().map(|hall| (hall.code.clone(), hall.name.clone())).collect();
    let (plan, error) = match hall::plan(&state, &staff, &hall, target_minutes(&query.target)).await {
        Ok(plan) => (plan, String::new()),
        Err(Error::Validation(errors)) => {
            let message =
                errors.iter().flat_map(|(_, messages)| messages.iter().cloned()).collect::<Vec<_>>().join("；");
            (hall::plan(&state, &staff, &hall, 15.0).await?, message)
        }
        Err(other) => return Err(other),
    };
    let invalid = !error.is_empty();
    let mut response = render(&PlanningPage { layout: Layout::new(&state, Some(&staff)), plan, halls, error })?;
    if invalid {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

#[derive(Template)]
#[template(path = "hall_layout.html")]
struct LayoutPage {
    layout: Layout,
    csrf_token: String,
    text: String,
    errors: Vec<(String, String)>,
    flash: String,
    summary: String,
}

fn layout_summary(layout: &onetrip_domain::hall::HallLayout) -> String {
    format!("{} 个大厅、{} 个功能区、{} 个窗口", layout.halls.len(), layout.zones.len(), layout.windows.len())
}

/// `GET /staff/hall/layout`: the layout as JSON, to edit and save (hall managers).
pub async fn layout_page(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Query(query): Query<FlashQuery>,
) -> Result<Response, Error> {
    staff.require(Permission::ManageHall)?;
    let hall = state.catalog().hall.clone();
    let text = serde_json::to_string_pretty(&hall).map_err(|error| Error::Internal(error.to_string()))?;
    render(&LayoutPage {
        layout: Layout::new(&state, Some(&staff)),
        csrf_token: staff.csrf_token.clone(),
        text,
        errors: Vec::new(),
        flash: if query.flash == "saved" { "已保存，立即生效。".to_string() } else { String::new() },
        summary: layout_summary(&hall),
    })
}

#[derive(Deserialize)]
pub struct LayoutForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    text: String,
}

/// `POST /staff/hall/layout`: replaces the layout; every problem is listed with its place, nothing is saved.
pub async fn save_layout_page(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Form(form): Form<LayoutForm>,
) -> Result<Response, Error> {
    staff.require(Permission::ManageHall)?;
    staff.check_csrf(Some(&form.csrf_token))?;
    match hall::save_layout(&state, &staff, &form.text).await {
        Ok(_) => Ok(see_other("/staff/hall/layout?flash=saved")),
        Err(Error::Validation(errors)) => {
            let listed = errors.iter().map(|(field, messages)| (field.to_string(), messages.join("；"))).collect();
            let mut response = render(&LayoutPage {
                layout: Layout::new(&state, Some(&staff)),
                csrf_token: staff.csrf_token.clone(),
                text: form.text,
                errors: listed,
                flash: String::new(),
                summary: layout_summary(&state.catalog().hall),
            })?;
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(other) => Err(other),
    }
}

pub struct AssignmentLine {
    pub id: i64,
    pub window: String,
    pub username: String,
    pub name: String,
    pub term: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "hall_assignments.html")]
struct AssignmentsPage {
    layout: Layout,
    csrf_token: String,
    lines: Vec<AssignmentLine>,
    request: hall::AssignRequest,
    errors: Vec<(String, String)>,
    flash: String,
}

async fn assignments_page(
    state: &AppState,
    staff: &auth::Staff,
    request: hall::AssignRequest,
    errors: Vec<(String, String)>,
    flash: &str,
) -> Result<Response, Error> {
    let today = state.today();
    let mut lines = Vec::new();
    for assignment in state.store.assignments(today).await? {
        let name =
            state.store.user_by_username(&assignment.username).await?.map(|user| user.display_name).unwrap_or_default();
        lines.push(AssignmentLine {
            id: assignment.id,
            window: assignment.window_code.clone(),
            username: assignment.username.clone(),
            name,
            term: format!("{} 至 {}", assignment.starts, assignment.ends),
            current: assignment.current(today),
        });
    }
    let invalid = !errors.is_empty();
    let mut response = render(&AssignmentsPage {
        layout: Layout::new(state, Some(staff)),
        csrf_token: staff.csrf_token.clone(),
        lines,
        request,
        errors,
        flash: flash.to_string(),
    })?;
    if invalid {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// `GET /staff/hall/assignments`: who is posted at which window, for how long.
pub async fn assignments_list(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Query(query): Query<FlashQuery>,
) -> Result<Response, Error> {
    staff.require(Permission::ManageHall)?;
    let flash = match query.flash.as_str() {
        "assigned" => "已安排",
        "ended" => "已调整",
        _ => "",
    };
    assignments_page(&state, &staff, hall::AssignRequest::default(), Vec::new(), flash).await
}

#[derive(Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(flatten)]
    request: hall::AssignRequest,
}

/// `POST /staff/hall/assignments`
pub async fn assign(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Form(form): Form<AssignForm>,
) -> Result<Response, Error> {
    staff.require(Permission::ManageHall)?;
    staff.check_csrf(Some(&form.csrf_token))?;
    match hall::assign(&state, &staff, &form.request).await {
        Ok(_) => Ok(see_other("/staff/hall/assignments?flash=assigned")),
        Err(Error::Validation(errors)) => {
            let listed = errors.iter().map(|(field, messages)| (field.to_string(), messages.join("；"))).collect();
            assignments_page(&state, &staff, form.request, listed, "").await
        }
        Err(other) => Err(other),
    }
}

#[derive(Deserialize)]
pub struct EndForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    move_to: String,
}

/// `POST /staff/hall/assignments/{id}/end`: withdraw or move someone before the term ends, with a reason.
pub async fn end_assignment(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(id): Path<i64>,
    Form(form): Form<EndForm>,
) -> Result<Response, Error> {
    staff.require(Permission::ManageHall)?;
    staff.check_csrf(Some(&form.csrf_token))?;
    match hall::end_assignment(&state, &staff, id, &form.reason, &form.move_to).await {
        Ok(()) => Ok(see_other("/staff/hall/assignments?flash=ended")),
        Err(Error::Validation(errors)) => {
            let listed = errors.iter().map(|(field, messages)| (field.to_string(), messages.join("；"))).collect();
            assignments_page(&state, &staff, hall::AssignRequest::default(), listed, "").await
        }
        Err(other) => Err(other),
    }
}

// ---------------------------------------------------------------------------------------------------------
// API

/// `GET /api/v1/hall/{hall}/plan?target=15` (hall managers)
pub async fn api_plan(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    Path(hall): Path<String>,
    Query(query): Query<PlanQuery>,
) -> ApiResult {
    Ok(Json(hall::plan(&state, &staff, &hall, target_minutes(&query.target)).await?).into_response())
}

/// `GET /api/v1/hall/layout`
pub async fn api_layout(State(state): State<AppState>) -> ApiResult {
    Ok(Json(state.catalog().hall.clone()).into_response())
}

/// `PUT /api/v1/hall/layout` (hall managers)
pub async fn api_save_layout(State(state): State<AppState>, ApiStaff(staff): ApiStaff, body: String) -> ApiResult {
    let layout = hall::save_layout(&state, &staff, &body).await?;
    Ok(Json(layout).into_response())
}

/// `POST /api/v1/hall/{hall}/tickets`: a ticket from a kiosk device or a departmental system (staff token).
pub async fn api_take(
    State(state): State<AppState>,
    ApiStaff(_staff): ApiStaff,
    Path(hall): Path<String>,
    ApiJson(request): ApiJson<TicketRequest>,
) -> ApiResult {
    let ticket = hall::issue_ticket(&state, &hall, &request, "kiosk").await?;
    Ok((StatusCode::CREATED, Json(ticket)).into_response())
}

/// `GET /api/v1/hall/{hall}/tickets/{number}`: today's ticket (public, no personal data).
pub async fn api_ticket(State(state): State<AppState>, Path((hall, number)): Path<(String, String)>) -> ApiResult {
    let record = state
        .store
        .ticket_by_number(&hall, state.today(), number.trim())
        .await?
        .ok_or_else(|| Error::NotFound(format!("今天的 {number} 号")))?;
    Ok(Json(hall::ticket_view(&state, &record).await?).into_response())
}

#[derive(Deserialize)]
pub struct PresenceBody {
    action: String,
}

/// `POST /api/v1/hall/windows/{code}/presence`: `sign_in`, `break`, `back`, `sign_out`.
pub async fn api_presence(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<PresenceBody>,
) -> ApiResult {
    hall::presence(&state, &staff, &code, &body.action).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /api/v1/hall/windows/{code}/call`: the next ticket, or 204 when nobody waits.
pub async fn api_call(State(state): State<AppState>, ApiStaff(staff): ApiStaff, Path(code): Path<String>) -> ApiResult {
    match hall::call_next(&state, &staff, &code).await? {
        Some(ticket) => Ok(Json(hall::ticket_view(&state, &ticket).await?).into_response()),
        None => Ok(StatusCode::NO_CONTENT.into_response()),
    }
}

/// `POST /api/v1/hall/windows/{code}/tickets/{id}`: recall, miss, rejoin, finish, transfer, link a case.
pub async fn api_ticket_action(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    Path((code, id)): Path<(String, i64)>,
    ApiJson(action): ApiJson<TicketAction>,
) -> ApiResult {
    let ticket = hall::ticket_action(&state, &staff, &code, id, &action).await?;
    Ok(Json(hall::ticket_view(&state, &ticket).await?).into_response())
}

/// `GET /api/v1/hall/{hall}/live` (hall managers)
pub async fn api_live(State(state): State<AppState>, ApiStaff(staff): ApiStaff, Path(hall): Path<String>) -> ApiResult {
    Ok(Json(hall::live(&state, &staff, &hall).await?).into_response())
}

/// `GET /api/v1/hall/assignments` (hall managers)
pub async fn api_assignments(State(state): State<AppState>, ApiStaff(staff): ApiStaff) -> ApiResult {
    staff.require(Permission::ManageHall)?;
    let list: Vec<serde_json::Value> = state
        .store
        .assignments(state.today())
        .await?
        .into_iter()
        .map(|assignment| {
            serde_json::json!({ "id": assignment.id, "window": assignment.window_code, "username": assignment.username,
                "starts": assignment.starts.to_string(), "ends": assignment.ends.to_string(), "assigned_by": assignment.assigned_by })
        })
        .collect();
    Ok(Json(list).into_response())
}

/// `POST /api/v1/hall/assignments` (hall managers)
pub async fn api_assign(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    ApiJson(request): ApiJson<hall::AssignRequest>,
) -> ApiResult {
    let assignment = hall::assign(&state, &staff, &request).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": assignment.id, "window": assignment.window_code,
        "username": assignment.username, "starts": assignment.starts.to_string(), "ends": assignment.ends.to_string() }))).into_response())
}

#[derive(Deserialize)]
pub struct EndBody {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    move_to: String,
}

/// `POST /api/v1/hall/assignments/{id}/end` (hall managers)
pub async fn api_end_assignment(
    State(state): State<AppState>,
    ApiStaff(staff): ApiStaff,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<EndBody>,
) -> ApiResult {
    hall::end_assignment(&state, &staff, id, &body.reason, &body.move_to).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
