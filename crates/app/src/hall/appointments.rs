//! Appointments (预约): a half day at a zone (or the zone of a matter), within places the hall manager sets,
//! for applicants who are not barred by recent no-shows; moved, cancelled, or checked in at the kiosk, where
//! the check-in issues a ticket that goes before the plain queue.

use super::tickets::{ticket_view, TicketView};
use crate::app::App;
use crate::error::{AppError, AppResult, Conflict};
use onetrip_domain::actor::Actor;
use onetrip_domain::hall::Zone;
use onetrip_domain::queue::Priority;
use onetrip_domain::FieldErrors;
use onetrip_store::hall::{Appointment, NewTicket};
use onetrip_store::StoreError;

/// How far ahead a half day can be booked.
pub const BOOKING_DAYS_AHEAD: i64 = 14;
/// Appointments not kept within the last 30 days after which no new one can be booked online.
pub const NO_SHOW_LIMIT: usize = 3;
/// How long before its half day an appointment can be checked in at the kiosk.
const CHECK_IN_EARLY_MINUTES: i64 = 30;

/// What the applicant asks for.
#[derive(Debug, Clone, Default)]
pub struct BookingRequest {
    pub zone: String,
    /// The matter the applicant comes for (optional); its zone is used when no zone is given.
    pub matter: String,
    /// `YYYY-MM-DD`
    pub day: String,
    /// `am` or `pm`
    pub half: String,
}

pub fn half_label(half: &str) -> &'static str {
    if half == "am" {
        "上午"
    } else {
        "下午"
    }
}

/// The office time of a half day, local.
fn half_bounds(app: &App, day: chrono::NaiveDate, half: &str) -> (chrono::NaiveDateTime, chrono::NaiveDateTime) {
    let hours = app.config.office_hours;
    if half == "am" {
        (day.and_time(hours.morning_start), day.and_time(hours.morning_end))
    } else {
        (day.and_time(hours.afternoon_start), day.and_time(hours.afternoon_end))
    }
}

/// Appointments whose half day is over without a check-in.
fn no_shows(app: &App, appointments: &[Appointment], since: chrono::NaiveDate) -> usize {
    let now = app.local(app.now()).naive_local();
    appointments
        .iter()
        .filter(|appointment| appointment.state == "booked" && appointment.day >= since)
        .filter(|appointment| half_bounds(app, appointment.day, &appointment.half).1 < now)
        .count()
}

fn check_in_code() -> String {
    // No 0/O, 1/I/L: read off a phone and typed on a kiosk.
    const LETTERS: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    use rand::Rng;
    let mut random = rand::thread_rng();
    (0..8).map(|_| char::from(LETTERS[random.gen_range(0..LETTERS.len())])).collect()
}

/// Books (or, with `replacing`, moves) an appointment for an applicant.
pub async fn book(
    app: &App,
    actor: &Actor,
    request: &BookingRequest,
    replacing: Option<i64>,
) -> AppResult<Appointment> {
    let applicant_id = actor.applicant_id().ok_or(AppError::Forbidden)?;
    let catalog = app.catalog();
    let mut errors = FieldErrors::default();
    let matter = request.matter.trim();
    let takes = |zone: &&Zone| zone.appointments_am + zone.appointments_pm > 0;
    let zone = if matter.is_empty() {
        catalog.hall.zone(request.zone.trim()).filter(takes)
    } else {
        match catalog.version(matter) {
            None => {
                errors.add("matter", "没有这个事项，请从列表里选，或不选");
                None
            }
            Some(version) => {
                let serves = |zone: &&Zone| catalog.hall.zone_serves(zone, &version.matter.department, matter);
                let chosen = catalog.hall.zone(request.zone.trim()).filter(takes).filter(serves);
                let zone = chosen.or_else(|| catalog.hall.zones.iter().filter(takes).find(|zone| serves(zone)));
                if zone.is_none() {
                    errors.add("matter", "办理这个事项的功能区不接受预约，请直接到大厅取号");
                }
                zone
            }
        }
    };
    if zone.is_none() && !errors.fields().any(|field| field == "matter") {
        errors.add("zone", "请选择一个接受预约的功能区");
    }
    let half = request.half.trim();
    if !matches!(half, "am" | "pm") {
        errors.add("half", "请选择上午或下午");
    }
    let day = chrono::NaiveDate::parse_from_str(request.day.trim(), "%Y-%m-%d").ok();
    let today = app.today();
    match day {
        None => errors.add("day", "请选择日期"),
        Some(day) if day > today + chrono::Duration::days(BOOKING_DAYS_AHEAD) => {
            errors.add("day", format!("最多可以预约 {BOOKING_DAYS_AHEAD} 天以内"));
        }
        Some(day) if !app.calendar().is_working_day(day).unwrap_or(false) => {
            errors.add("day", "这天是节假日或周末，大厅不办公，请换一天");
        }
        Some(day)
            if matches!(half, "am" | "pm") && half_bounds(app, day, half).1 <= app.local(app.now()).naive_local() =>
        {
            errors.add("day", "这个时间已经过去了，请选以后的时间");
        }
        Some(_) => {}
    }
    let (Some(zone), Some(day)) = (zone, day) else {
        return Err(AppError::Validation(errors));
    };
    let capacity = if half == "am" { zone.appointments_am } else { zone.appointments_pm };
    if capacity == 0 && errors.is_empty() {
        errors.add("half", format!("{}{}不接受预约，请换一个时段", zone.name, half_label(half)));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let mine = app.store.appointments_of(applicant_id).await?;
    if no_shows(app, &mine, today - chrono::Duration::days(30)) >= NO_SHOW_LIMIT {
        return Err(AppError::conflict(
            Conflict::BookingRefused,
            format!("您近 30 天有 {NO_SHOW_LIMIT} 次预约没有到场，暂时不能网上预约；到大厅可直接取号"),
        ));
    }
    if replacing.is_none() && mine.iter().any(|other| other.state == "booked" && other.day == day && other.half == half)
    {
        return Err(AppError::conflict(Conflict::BookingRefused, "您已经预约了这个时段"));
    }
    let new = onetrip_store::hall::NewAppointment {
        hall: zone.hall.clone(),
        zone: zone.code.clone(),
        matter_code: (!matter.is_empty()).then(|| matter.to_string()),
        day,
        half: half.to_string(),
        applicant_id,
        code: check_in_code(),
        capacity: i64::from(capacity),
        at: app.now(),
    };
    match app.store.book_appointment(&new, replacing).await {
        Ok(appointment) => Ok(appointment),
        Err(StoreError::Conflict(reason)) if reason == "full" => Err(AppError::conflict(
            Conflict::SlotFull,
            format!("{} {}{}已约满，请换一个时间", day, half_label(half), zone.name),
        )),
        Err(StoreError::NotFound) => Err(AppError::NotFound("要改的预约".to_string())),
        Err(other) => Err(other.into()),
    }
}

/// Checks an appointment in at a hall's kiosk: it becomes a ticket that goes before the plain queue.
pub async fn check_in(app: &App, hall: &str, code: &str) -> AppResult<TicketView> {
    let code = code.trim().to_ascii_uppercase();
    let not_found = || AppError::Validation(FieldErrors::single("code", "没有这个预约码，请核对手机上的 8 位预约码"));
    if code.len() != 8 {
        return Err(not_found());
    }
    let appointment =
        app.store.appointment_by_code(&code).await?.filter(|found| found.hall == hall).ok_or_else(not_found)?;
    match appointment.state.as_str() {
        "checked_in" => {
            return Err(AppError::conflict(Conflict::AppointmentNotOpen, "这个预约已经签到过了，请看号票上的号码"))
        }
        "cancelled" => return Err(AppError::conflict(Conflict::AppointmentNotOpen, "这个预约已经取消，请直接取号")),
        _ => {}
    }
    let now = app.local(app.now()).naive_local();
    let (start, end) = half_bounds(app, appointment.day, &appointment.half);
    let when = format!("{} {}", appointment.day, half_label(&appointment.half));
    if now > end {
        return Err(AppError::conflict(Conflict::BookingRefused, format!("预约时间（{when}）已经过了，请直接取号")));
    }
    if now < start - chrono::Duration::minutes(CHECK_IN_EARLY_MINUTES) {
        let from = (start - chrono::Duration::minutes(CHECK_IN_EARLY_MINUTES)).format("%m月%d日 %H:%M");
        return Err(AppError::conflict(Conflict::BookingRefused, format!("预约时间是 {when}，请在 {from} 以后签到")));
    }
    let catalog = app.catalog();
    let zone = catalog
        .hall
        .zone(&appointment.zone)
        .ok_or_else(|| AppError::NotFound(format!("功能区 {}", appointment.zone)))?;
    let ticket = NewTicket {
        hall: appointment.hall.clone(),
        day: app.today(),
        prefix: zone.prefix,
        zone: zone.code.clone(),
        matter_code: appointment.matter_code.clone(),
        priority: Priority::Appointment,
        channel: "appointment".to_string(),
        id_last_four: None,
        at: app.now(),
    };
    match app.store.check_in(appointment.id, &ticket).await {
        Ok(record) => ticket_view(app, &record).await,
        Err(StoreError::Conflict(_)) => {
            Err(AppError::conflict(Conflict::AppointmentNotOpen, "这个预约已经签到过或已取消"))
        }
        Err(other) => Err(other.into()),
    }
}

/// An appointment as the applicant sees it.
#[derive(Debug, Clone)]
pub struct AppointmentView {
    pub id: i64,
    pub zone: String,
    pub matter_code: String,
    pub matter: String,
    pub zone_name: String,
    pub day: String,
    pub half: &'static str,
    pub state_label: &'static str,
    pub code: String,
    pub active: bool,
}

pub fn appointment_view(app: &App, appointment: &Appointment) -> AppointmentView {
    let catalog = app.catalog();
    let over = half_bounds(app, appointment.day, &appointment.half).1 < app.local(app.now()).naive_local();
    let state_label = match appointment.state.as_str() {
        "booked" if over => "未到场",
        "booked" => "已预约",
        "checked_in" => "已签到",
        _ => "已取消",
    };
    AppointmentView {
        id: appointment.id,
        zone: appointment.zone.clone(),
        matter_code: appointment.matter_code.clone().unwrap_or_default(),
        matter: appointment
            .matter_code
            .as_deref()
            .and_then(|code| catalog.version(code))
            .map(|version| version.matter.name.clone())
            .unwrap_or_default(),
        zone_name: catalog.hall.zone(&appointment.zone).map(|zone| zone.name.clone()).unwrap_or_default(),
        day: appointment.day.to_string(),
        half: half_label(&appointment.half),
        state_label,
        code: appointment.code.clone(),
        active: appointment.state == "booked" && !over,
    }
}

/// The half days an applicant may pick from: working days from today to `BOOKING_DAYS_AHEAD` ahead.
pub fn bookable_days(app: &App) -> Vec<String> {
    let calendar = app.calendar();
    let today = app.today();
    (0..=BOOKING_DAYS_AHEAD)
        .map(|offset| today + chrono::Duration::days(offset))
        .filter(|day| calendar.is_working_day(*day).unwrap_or(false))
        .map(|day| day.to_string())
        .collect()
}

/// The applicant's appointments, latest day first.
pub async fn appointments_of(app: &App, actor: &Actor) -> AppResult<Vec<AppointmentView>> {
    let applicant = actor.applicant_id().ok_or(AppError::Forbidden)?;
    Ok(app
        .store
        .appointments_of(applicant)
        .await?
        .iter()
        .map(|appointment| appointment_view(app, appointment))
        .collect())
}

/// Cancels one of the applicant's booked appointments; the place goes back to others.
pub async fn cancel(app: &App, actor: &Actor, id: i64) -> AppResult<()> {
    let applicant = actor.applicant_id().ok_or(AppError::Forbidden)?;
    match app.store.cancel_appointment(id, applicant, app.now()).await {
        Ok(()) => Ok(()),
        Err(StoreError::NotFound) => Err(AppError::NotFound("要取消的预约".to_string())),
        Err(other) => Err(other.into()),
    }
}
