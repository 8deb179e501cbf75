//! The hall's public pages: the kiosk (取号, on a kiosk or a visitor's phone), the ticket, the check-in of an
//! appointment, and the wall display with its stream of calls (server-sent events). Nobody logs in here:
//! the kiosk's forms carry a token also set as a cookie on `/hall` (double submit), so another site cannot
//! make a visitor's browser take tickets.

use crate::error::Error;
use crate::extract::{joined, listed, CookieForm, CsrfCookie};
use crate::layout::Layout;
use crate::links::see_other;
use crate::render::{render, render_with};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use onetrip_app::hall::{self, HallCall, TicketRequest, TicketView};
use onetrip_app::AppError;
use serde::Deserialize;
use std::convert::Infallible;

/// The kiosk's double-submit cookie.
pub struct KioskCookie;

impl CsrfCookie for KioskCookie {
    const NAME: &'static str = "onetrip_kiosk";
    const FIELD: &'static str = "csrf_token";
}

/// The kiosk's token: the one its cookie holds, or a new one with the cookie to set.
fn kiosk_token(parts: &Parts) -> (String, Option<HeaderValue>) {
    crate::extract::double_submit_token::<KioskCookie>(parts, "/hall")
}

use crate::extract::with_cookie;

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
    let (hall_name, zones) = hall::kiosk(&state.app, hall).await?;
    let zones = zones
        .into_iter()
        .map(|entry| ZoneButton {
            code: entry.zone.code,
            name: entry.zone.name,
            prefix: entry.zone.prefix,
            location: entry.zone.location,
            waiting: entry.waiting,
        })
        .collect();
    let (token, cookie) = kiosk_token(parts);
    let page = KioskPage {
        layout: Layout::new(state, None),
        hall_name,
        hall: hall.to_string(),
        zones,
        csrf_token: token,
        code: code.to_string(),
        error,
    };
    Ok(with_cookie(render_with(status, &page)?, cookie))
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
        .filter(|version| catalog.hall.zone_serves(zone_record, &version.matter.department, &version.matter.code))
        .map(|version| (version.matter.code.clone(), version.matter.name.clone()))
        .collect();
    matters.sort_by(|a, b| a.1.cmp(&b.1));
    let (token, cookie) = kiosk_token(parts);
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = TakePage {
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
    };
    Ok(with_cookie(render_with(status, &page)?, cookie))
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
}

/// `POST /hall/{hall}/tickets`: takes a ticket and shows it.
pub async fn take(
    State(state): State<AppState>,
    Path(hall): Path<String>,
    submitted: CookieForm<KioskCookie, TakeForm>,
) -> Result<Response, Error> {
    let form = submitted.checked()?;
    let request = TicketRequest {
        zone: form.zone.clone(),
        matter: form.matter.clone(),
        priority: form.priority.clone(),
        last_four: form.last_four.clone(),
    };
    match hall::issue_ticket(&state.app, &hall, &request, "kiosk").await {
        Ok(ticket) => Ok(see_other(&format!("/hall/{hall}/tickets/{}", ticket.number))),
        Err(AppError::Validation(errors)) => {
            take_page(&state, &submitted.parts, &hall, &form.zone, &request, listed(&errors))
        }
        Err(other) => Err(other.into()),
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
    let ticket = hall::ticket_by_number(&state.app, &hall, &number).await?;
    let mut response = render(&TicketPage { layout: Layout::new(&state, None), ticket })?;
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

#[derive(Deserialize)]
pub struct CheckInForm {
    #[serde(default)]
    code: String,
}

/// `POST /hall/{hall}/checkin`: an appointment's code typed at the kiosk becomes a priority ticket.
pub async fn check_in(
    State(state): State<AppState>,
    Path(hall): Path<String>,
    submitted: CookieForm<KioskCookie, CheckInForm>,
) -> Result<Response, Error> {
    let form = submitted.checked()?;
    match hall::check_in(&state.app, &hall, &form.code).await {
        Ok(ticket) => Ok(see_other(&format!("/hall/{hall}/tickets/{}", ticket.number))),
        Err(AppError::Validation(errors)) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            kiosk_page(&state, &submitted.parts, &hall, &form.code, joined(&errors), status).await
        }
        Err(AppError::Conflict(_, message)) => {
            kiosk_page(&state, &submitted.parts, &hall, &form.code, message, StatusCode::CONFLICT).await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "hall_display.html")]
struct DisplayPage {
    hall: String,
    hall_name: String,
    calls: Vec<HallCall>,
}

fn hall_name(state: &AppState, hall: &str) -> Result<String, Error> {
    state
        .catalog()
        .hall
        .halls
        .iter()
        .find(|known| known.code == hall)
        .map(|known| known.name.clone())
        .ok_or_else(|| Error::NotFound(format!("大厅 {hall}")))
}

/// `GET /hall/{hall}/display`: the screen on the wall: the latest calls, updated live.
pub async fn display(State(state): State<AppState>, Path(hall): Path<String>) -> Result<Response, Error> {
    let hall_name = hall_name(&state, &hall)?;
    let calls = hall::recent_calls(&state.app, &hall, 8).await?;
    render(&DisplayPage { hall_name, hall, calls })
}

/// `GET /hall/{hall}/display/events`: server-sent events, one `call` per call or recall of the hall.
pub async fn display_events(State(state): State<AppState>, Path(hall): Path<String>) -> Result<Response, Error> {
    hall_name(&state, &hall)?;
    let receiver = state.app.hall_calls();
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
