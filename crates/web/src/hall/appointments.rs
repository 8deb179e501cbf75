//! Appointments on the portal (预约): the applicant's appointments, a form to book (or move) one, and
//! cancelling. Checking in happens at the kiosk (`kiosk.rs`).

use crate::auth::PortalUser;
use crate::error::Error;
use crate::extract::{joined, PortalForm};
use crate::layout::Layout;
use crate::links::see_other;
use crate::render::render_with;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use onetrip_app::hall::{self, AppointmentView, BookingRequest};
use onetrip_app::AppError;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "portal_appointments.html")]
struct AppointmentsPage {
    layout: Layout,
    csrf_token: String,
    appointments: Vec<AppointmentView>,
    zones: Vec<(String, String)>,
    /// The matters of the zones that take appointments: (code, "zone · matter").
    matters: Vec<(String, String)>,
    days: Vec<String>,
    request: BookingForm,
    error: String,
    flash: String,
}

async fn appointments_page(
    state: &AppState,
    user: &PortalUser,
    request: BookingForm,
    error: String,
    flash: &str,
    status: StatusCode,
) -> Result<Response, Error> {
    let catalog = state.catalog();
    let appointments = hall::appointments_of(&state.app, &user.actor).await?;
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
    render_with(
        status,
        &AppointmentsPage {
            layout: Layout::portal(state, user),
            csrf_token: user.csrf_token.clone(),
            appointments,
            zones,
            matters,
            days: hall::bookable_days(&state.app),
            request,
            error,
            flash: flash.to_string(),
        },
    )
}

#[derive(Deserialize, Default)]
pub struct FlashQuery {
    #[serde(default)]
    flash: String,
}

/// `GET /portal/appointments`: my appointments and a form to book one.
pub async fn appointments(
    State(state): State<AppState>,
    user: PortalUser,
    Query(query): Query<FlashQuery>,
) -> Result<Response, Error> {
    let flash = match query.flash.as_str() {
        "booked" => "预约成功。到大厅后在取号机上输入预约码签到，会优先叫号。",
        "changed" => "已改约。",
        "cancelled" => "已取消预约。",
        _ => "",
    };
    appointments_page(&state, &user, BookingForm::default(), String::new(), flash, StatusCode::OK).await
}

/// The booking form, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct BookingForm {
    #[serde(default)]
    pub zone: String,
    #[serde(default)]
    pub matter: String,
    #[serde(default)]
    pub day: String,
    #[serde(default)]
    pub half: String,
    /// With a change of time: the appointment it replaces.
    #[serde(default)]
    pub replacing: Option<i64>,
}

/// `POST /portal/appointments`: books a half day (or moves one, with `replacing`).
pub async fn book(
    State(state): State<AppState>,
    PortalForm(user, form): PortalForm<BookingForm>,
) -> Result<Response, Error> {
    let request = BookingRequest {
        zone: form.zone.clone(),
        matter: form.matter.clone(),
        day: form.day.clone(),
        half: form.half.clone(),
    };
    match hall::book(&state.app, &user.actor, &request, form.replacing).await {
        Ok(_) => Ok(see_other(if form.replacing.is_some() {
            "/portal/appointments?flash=changed"
        } else {
            "/portal/appointments?flash=booked"
        })),
        Err(AppError::Validation(errors)) => {
            appointments_page(&state, &user, form, joined(&errors), "", StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(AppError::Conflict(_, message)) => {
            appointments_page(&state, &user, form, message, "", StatusCode::CONFLICT).await
        }
        Err(other) => Err(other.into()),
    }
}

/// `POST /portal/appointments/{id}/cancel`
pub async fn cancel(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PortalForm(user, _): PortalForm,
) -> Result<Response, Error> {
    hall::cancel(&state.app, &user.actor, id).await?;
    Ok(see_other("/portal/appointments?flash=cancelled"))
}
