//! The service hall: the kiosk (取号), the window workbench (叫号), the wall display fed by server-sent
//! events, and the hall manager's live view. The rules of the queue are here once; pages and the API call
//! the same functions.

use crate::auth::Staff;
use crate::error::Error;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use onetrip_domain::access::Permission;
use onetrip_domain::hall::{HallLayout, Window, Zone};
use onetrip_domain::validation::FieldErrors;
use onetrip_store::hall::{CallNext, NewTicket, TicketRecord};
use onetrip_store::StoreError;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// The hall layout, as JSON (`HallLayout`).
pub const HALL_SETTING: &str = "hall.layout";

/// Minutes of service assumed for a zone before today has any finished ticket to measure.
const DEFAULT_SERVICE_MINUTES: f64 = 8.0;

/// A call (or recall) of a ticket at a window, as the displays receive it.
#[derive(Debug, Clone, Serialize)]
pub struct HallCall {
    pub hall: String,
    pub number: String,
    pub window: String,
    pub zone: String,
    /// `call` or `recall`.
    pub kind: &'static str,
    /// What the display says aloud: "请 B023 号到 B07 号窗口办理".
    pub announcement: String,
    pub at: String,
}

pub fn announcement(number: &str, window: &str) -> String {
    format!("请 {number} 号到 {window} 号窗口办理")
}

/// The layout checked against the catalog in force.
pub fn parse_layout(state: &AppState, text: &str) -> Result<HallLayout, FieldErrors> {
    parse_layout_for(&state.catalog(), text)
}

pub fn parse_layout_for(catalog: &crate::state::CatalogSnapshot, text: &str) -> Result<HallLayout, FieldErrors> {
    let layout: HallLayout = serde_json::from_str(text)
        .map_err(|error| FieldErrors::single("layout", format!("不是有效的大厅布局：{error}")))?;
    let departments: HashSet<String> = catalog.departments.iter().map(|department| department.code.clone()).collect();
    let matters: HashSet<String> = catalog.versions.iter().map(|version| version.matter.code.clone()).collect();
    layout.check(&departments, &matters).map_err(|problems| {
        let mut errors = FieldErrors::default();
        for (place, message) in problems {
            errors.add(place, message);
        }
        errors
    })?;
    Ok(layout)
}

/// Replaces the hall layout (hall managers).
pub async fn save_layout(state: &AppState, staff: &Staff, text: &str) -> Result<HallLayout, Error> {
    staff.require(Permission::ManageHall)?;
    if text.len() > 512 * 1024 {
        return Err(Error::Validation(FieldErrors::single("layout", "大厅布局太长，最多 512 KB")));
    }
    let layout = parse_layout(state, text)?;
    let stored = serde_json::to_string(&layout).map_err(|error| Error::Internal(error.to_string()))?;
    state.store.put_setting(HALL_SETTING, &stored, Utc::now()).await?;
    crate::actions::audit(
        state,
        staff,
        "hall.layout",
        "hall",
        format!("{} 个大厅、{} 个功能区、{} 个窗口", layout.halls.len(), layout.zones.len(), layout.windows.len()),
    )
    .await?;
    state.reload_catalog().await?;
    Ok(layout)
}

// ---------------------------------------------------------------------------------------------------------
// Tickets

/// What a visitor asks for at the kiosk or on the phone.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TicketRequest {
    #[serde(default)]
    pub zone: String,
    #[serde(default)]
    pub matter: String,
    /// `none`, `elderly` or `disabled`.
    #[serde(default)]
    pub priority: String,
    /// The last four characters of the visitor's ID, to find their cases at the window (optional).
    #[serde(default)]
    pub last_four: String,
}

/// A ticket as the visitor sees it.
#[derive(Debug, Clone, Serialize)]
pub struct TicketView {
    pub id: i64,
    pub hall: String,
    pub hall_name: String,
    pub number: String,
    pub zone: String,
    pub zone_name: String,
    pub location: String,
    pub matter: String,
    pub state: String,
    pub state_label: &'static str,
    pub priority_label: &'static str,
    pub issued_at: String,
    /// People before this ticket in the queue of its zone.
    pub ahead: usize,
    /// Estimated minutes until it is called.
    pub wait_minutes: u32,
    pub window: String,
    pub announcement: String,
}

fn priority_code(text: &str) -> Result<i64, FieldErrors> {
    match text {
        "" | "none" => Ok(3),
        "elderly" => Ok(1),
        "disabled" => Ok(2),
        _ => Err(FieldErrors::single("priority", "优先类别只能是：不需要、65 岁以上老人、残疾人")),
    }
}

fn priority_label(priority: i64) -> &'static str {
    match priority {
        0 => "预约",
        1 => "老年人优先",
        2 => "残疾人优先",
        _ => "普通",
    }
}

fn state_label(state: &str) -> &'static str {
    match state {
        "waiting" => "等候中",
        "called" => "正在叫号",
        "missed" => "已过号",
        "finished" => "已办理",
        _ => "未知",
    }
}

/// Issues a ticket for a zone (or a matter, whose zone is found) of a hall.
pub async fn issue_ticket(
    state: &AppState,
    hall: &str,
    request: &TicketRequest,
    channel: &str,
) -> Result<TicketView, Error> {
    let catalog = state.catalog();
    let layout = &catalog.hall;
    if !layout.halls.iter().any(|known| known.code == hall) {
        return Err(Error::NotFound(format!("大厅 {hall}")));
    }
    let mut errors = FieldErrors::default();
    let priority = priority_code(request.priority.trim()).unwrap_or_else(|problem| {
        errors = problem;
        3
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
                let serves = |zone: &&Zone| zone_serves_matter(layout, zone, &version.matter.department, matter);
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
        return Err(Error::Validation(errors));
    };
    let now = state.now();
    let record = state
        .store
        .issue_ticket(&NewTicket {
            hall: hall.to_string(),
            day: state.local(now).date_naive(),
            prefix: zone.prefix,
            zone: zone.code.clone(),
            matter_code: (!matter.is_empty()).then(|| matter.to_string()),
            priority,
            channel: channel.to_string(),
            id_last_four: (!last_four.is_empty()).then_some(last_four),
            at: now,
        })
        .await?;
    ticket_view(state, &record).await
}

/// Whether a zone's queue offers a matter: its department sits in the zone, or a window there serves it.
fn zone_serves_matter(layout: &HallLayout, zone: &Zone, department: &str, matter: &str) -> bool {
    zone.departments.iter().any(|code| code == department)
        || layout
            .windows
            .iter()
            .any(|window| window.zone == zone.code && window.matters.iter().any(|code| code == matter))
}

pub async fn ticket_view(state: &AppState, record: &TicketRecord) -> Result<TicketView, Error> {
    let catalog = state.catalog();
    let layout = &catalog.hall;
    let zone = layout.zone(&record.zone);
    // Only a waiting ticket needs the day's queue (for its estimate); a called one is answered at once.
    let (ahead, wait_minutes) = if record.state == "waiting" {
        let tickets = state.store.tickets_of_day(&record.hall, record.day).await?;
        estimate(layout, &tickets, record, state.now())
    } else {
        (0, 0)
    };
    Ok(TicketView {
        id: record.id,
        hall: record.hall.clone(),
        hall_name: layout
            .halls
            .iter()
            .find(|hall| hall.code == record.hall)
            .map(|hall| hall.name.clone())
            .unwrap_or_default(),
        number: record.number.clone(),
        zone: record.zone.clone(),
        zone_name: zone.map(|zone| zone.name.clone()).unwrap_or_default(),
        location: zone.map(|zone| zone.location.clone()).unwrap_or_default(),
        matter: record
            .matter_code
            .as_deref()
            .and_then(|code| catalog.version(code))
            .map(|version| version.matter.name.clone())
            .unwrap_or_default(),
        state: record.state.clone(),
        state_label: state_label(&record.state),
        priority_label: priority_label(record.priority),
        issued_at: state.local(record.issued_at).format("%H:%M").to_string(),
        ahead,
        wait_minutes,
        window: record.window_code.clone().or_else(|| record.target_window.clone()).unwrap_or_default(),
        announcement: record
            .window_code
            .as_deref()
            .map(|window| announcement(&record.number, window))
            .unwrap_or_default(),
    })
}

/// People ahead of a waiting ticket (those its windows would call first) and the minutes until its turn:
/// ahead × today's mean service time of the zone ÷ the zone's windows with somebody at them (at least one).
fn estimate(layout: &HallLayout, tickets: &[TicketRecord], ticket: &TicketRecord, now: DateTime<Utc>) -> (usize, u32) {
    let key = |other: &TicketRecord| (other.priority, other.queued_at, other.id);
    let ahead = tickets
        .iter()
        .filter(|other| other.state == "waiting" && other.zone == ticket.zone && key(other) < key(ticket))
        .count();
    let windows = layout.windows_serving(&ticket.zone, ticket.matter_code.as_deref()).count().max(1);
    let minutes = mean_service_minutes(tickets, &ticket.zone, now).unwrap_or(DEFAULT_SERVICE_MINUTES);
    let wait = (ahead as f64 * minutes / windows as f64).ceil();
    (ahead, wait.clamp(0.0, 24.0 * 60.0) as u32)
}

/// Today's mean service time (called → finished) of a zone, in minutes.
fn mean_service_minutes(tickets: &[TicketRecord], zone: &str, _now: DateTime<Utc>) -> Option<f64> {
    let times: Vec<f64> = tickets
        .iter()
        .filter(|ticket| ticket.zone == zone && ticket.state == "finished")
        .filter_map(|ticket| Some((ticket.finished_at? - ticket.called_at?).num_seconds() as f64 / 60.0))
        .collect();
    (!times.is_empty()).then(|| times.iter().sum::<f64>() / times.len() as f64)
}

// ---------------------------------------------------------------------------------------------------------
// Windows: presence and calling

/// The window `code`, if this member of staff may work there: window staff, of a department the window
/// takes (or any, when the window lists none or the staff member has no department).
fn window_for<'a>(layout: &'a HallLayout, staff: &Staff, code: &str) -> Result<&'a Window, Error> {
    staff.require(Permission::ServeAtWindow)?;
    let window = layout.window(code).ok_or_else(|| Error::NotFound(format!("窗口 {code}")))?;
    let fits = match staff.user.department.as_deref() {
        None => true,
        Some(department) => window.departments.is_empty() || window.departments.iter().any(|code| code == department),
    };
    if !fits {
        return Err(Error::Forbidden);
    }
    Ok(window)
}

/// The windows this member of staff may sign in at.
pub fn my_windows(state: &AppState, staff: &Staff) -> Vec<Window> {
    let catalog = state.catalog();
    catalog
        .hall
        .windows
        .iter()
        .filter(|window| window_for(&catalog.hall, staff, &window.code).is_ok())
        .cloned()
        .collect()
}

/// Signs in, takes a break, comes back or signs out at a window.
pub async fn presence(state: &AppState, staff: &Staff, code: &str, action: &str) -> Result<(), Error> {
    let catalog = state.catalog();
    let window = window_for(&catalog.hall, staff, code)?;
    if !matches!(action, "sign_in" | "break" | "back" | "sign_out") {
        return Err(Error::Validation(FieldErrors::single("action", "只能是上岗、暂离、回岗或下岗")));
    }
    if action == "sign_in" && !window.open {
        return Err(Error::Conflict(format!("{} 号窗口暂停使用，不能上岗", window.code)));
    }
    match state
        .store
        .set_presence(&window.code, &staff.user.username, &staff.user.display_name, action, state.now())
        .await
    {
        Ok(()) => Ok(()),
        Err(StoreError::Conflict(_)) => Err(Error::Conflict(format!("{} 号窗口已有其他工作人员在岗", window.code))),
        Err(StoreError::NotFound) => Err(Error::Conflict(format!("您不在 {} 号窗口上岗，请先上岗", window.code))),
        Err(other) => Err(other.into()),
    }
}

/// Whether `staff` is signed in and serving (not on a break) at `window`.
async fn require_serving(state: &AppState, staff: &Staff, window: &Window) -> Result<(), Error> {
    if !window.open {
        return Err(Error::Conflict(format!("{} 号窗口暂停使用，不能叫号", window.code)));
    }
    let presence = state.store.presence().await?;
    match presence.iter().find(|line| line.window_code == window.code) {
        Some(line) if line.username == staff.user.username && line.state == "serving" => Ok(()),
        Some(line) if line.username == staff.user.username => {
            Err(Error::Conflict(format!("您在 {} 号窗口暂离中，回岗后才能叫号", window.code)))
        }
        _ => Err(Error::Conflict(format!("您不在 {} 号窗口上岗，上岗后才能叫号", window.code))),
    }
}

/// Calls the next ticket at a window (finishing the one being served); `None` when nobody waits.
pub async fn call_next(state: &AppState, staff: &Staff, code: &str) -> Result<Option<TicketRecord>, Error> {
    let catalog = state.catalog();
    let window = window_for(&catalog.hall, staff, code)?;
    require_serving(state, staff, window).await?;
    let zone = catalog.hall.zone(&window.zone).ok_or_else(|| Error::NotFound(format!("功能区 {}", window.zone)))?;
    let serves = window.serves();
    let now = state.now();
    let called = state
        .store
        .call_next(&CallNext {
            hall: &zone.hall,
            day: state.local(now).date_naive(),
            window: &window.code,
            zones: &serves.zones,
            matters: &serves.matters,
            actor: &staff.user.username,
            at: now,
        })
        .await?;
    if let Some(ticket) = &called {
        announce(state, ticket, "call");
    }
    Ok(called)
}

fn announce(state: &AppState, ticket: &TicketRecord, kind: &'static str) {
    let Some(window) = ticket.window_code.clone() else { return };
    let call = HallCall {
        hall: ticket.hall.clone(),
        number: ticket.number.clone(),
        announcement: announcement(&ticket.number, &window),
        window,
        zone: ticket.zone.clone(),
        kind,
        at: state.local(state.now()).format("%H:%M:%S").to_string(),
    };
    // Nobody listening is fine: displays that connect later get the latest calls from the database.
    let _ = state.hall_calls.send(call);
}

/// What a window does with the ticket it called (or, for `rejoin`, a missed one).
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum TicketAction {
    /// 重呼: call the same ticket again.
    Recall,
    /// 过号: called and not there.
    Miss,
    /// The visitor of a missed ticket came back: to the end of the queue.
    Rejoin,
    Finish,
    /// 转号 to another zone's queue (keeping the place the ticket had by its time).
    TransferZone {
        zone: String,
    },
    /// 转号 to one window, which alone may call it then.
    TransferWindow {
        window: String,
    },
    /// The ticket led to a case (registration, correction, pick-up).
    LinkCase {
        case_number: String,
    },
}

impl TicketAction {
    fn code(&self) -> &'static str {
        match self {
            Self::Recall => "recalled",
            Self::Miss => "missed",
            Self::Rejoin => "rejoined",
            Self::Finish => "finished",
            Self::TransferZone { .. } => "transferred",
            Self::TransferWindow { .. } => "transferred",
            Self::LinkCase { .. } => "case",
        }
    }
}

/// The ticket after `action` at `window`, or why it cannot be done.
fn transition(
    layout: &HallLayout,
    catalog: &crate::state::CatalogSnapshot,
    ticket: &TicketRecord,
    window: &Window,
    action: &TicketAction,
    now: DateTime<Utc>,
) -> Result<(TicketRecord, String), Error> {
    let at_this_window = ticket.state == "called" && ticket.window_code.as_deref() == Some(window.code.as_str());
    let mut next = ticket.clone();
    let not_here = || Error::Conflict(format!("{} 号不是本窗口正在办理的号", ticket.number));
    let detail = match action {
        TicketAction::Recall
        | TicketAction::Miss
        | TicketAction::Finish
        | TicketAction::TransferZone { .. }
        | TicketAction::TransferWindow { .. }
            if !at_this_window =>
        {
            return Err(not_here());
        }
        TicketAction::Recall => {
            next.calls += 1;
            next.called_at = Some(now);
            String::new()
        }
        TicketAction::Miss => {
            next.state = "missed".into();
            next.finished_at = Some(now);
            String::new()
        }
        TicketAction::Finish => {
            next.state = "finished".into();
            next.finished_at = Some(now);
            String::new()
        }
        TicketAction::Rejoin => {
            if ticket.state != "missed" {
                return Err(Error::Conflict(format!("{} 号没有过号，不用重新排队", ticket.number)));
            }
            if !window.serves().zones.contains(&ticket.zone) {
                return Err(Error::Conflict(format!("{} 号不属于本窗口的功能区", ticket.number)));
            }
            next.state = "waiting".into();
            next.queued_at = now;
            next.window_code = None;
            next.target_window = None;
            next.finished_at = None;
            String::new()
        }
        TicketAction::TransferZone { zone } => {
            let target = layout
                .zone(zone)
                .filter(|target| Some(target.hall.as_str()) == layout.zone(&ticket.zone).map(|own| own.hall.as_str()))
                .ok_or_else(|| Error::Validation(FieldErrors::single("zone", "本大厅没有这个功能区")))?;
            if target.code == ticket.zone {
                return Err(Error::Validation(FieldErrors::single("zone", "已经在这个功能区了，请选另一个")));
            }
            if let Some(matter) = ticket.matter_code.as_deref() {
                let department =
                    catalog.version(matter).map(|version| version.matter.department.clone()).unwrap_or_default();
                if !zone_serves_matter(layout, target, &department, matter) {
                    return Err(Error::Validation(FieldErrors::single(
                        "zone",
                        format!("{}不办理这个号所取的事项，请转到办理它的功能区", target.name),
                    )));
                }
            }
            next.zone = target.code.clone();
            next.state = "waiting".into();
            next.window_code = None;
            next.target_window = None;
            format!("{} → {}", ticket.zone, target.code)
        }
        TicketAction::TransferWindow { window: target } => {
            let target = layout
                .window(target)
                .ok_or_else(|| Error::Validation(FieldErrors::single("window", "没有这个窗口")))?;
            if target.code == window.code {
                return Err(Error::Validation(FieldErrors::single("window", "不能转给本窗口，请选另一个")));
            }
            if !target.open {
                return Err(Error::Validation(FieldErrors::single(
                    "window",
                    format!("{} 号窗口暂停使用", target.code),
                )));
            }
            next.state = "waiting".into();
            next.window_code = None;
            next.target_window = Some(target.code.clone());
            format!("→ {}", target.code)
        }
        TicketAction::LinkCase { case_number } => {
            let number = onetrip_domain::case_number::CaseNumber::parse(case_number.trim())
                .map_err(|_| Error::Validation(FieldErrors::single("case_number", "办件编号不对，请核对后再填")))?;
            if ticket.window_code.as_deref() != Some(window.code.as_str()) {
                return Err(not_here());
            }
            next.case_number = Some(number.compact());
            number.to_string()
        }
    };
    Ok((next, detail))
}

/// Does `action` to a ticket at a window.
pub async fn ticket_action(
    state: &AppState,
    staff: &Staff,
    code: &str,
    id: i64,
    action: &TicketAction,
) -> Result<TicketRecord, Error> {
    let catalog = state.catalog();
    let window = window_for(&catalog.hall, staff, code)?;
    require_serving(state, staff, window).await?;
    let ticket = state.store.ticket(id).await?.ok_or_else(|| Error::NotFound("这个号".to_string()))?;
    if ticket.day != state.today() {
        return Err(Error::Conflict(format!("{} 号不是今天的号", ticket.number)));
    }
    let now = state.now();
    let (next, detail) = transition(&catalog.hall, &catalog, &ticket, window, action, now)?;
    if let TicketAction::LinkCase { .. } = action {
        let number = next.case_number.as_deref().unwrap_or_default();
        let number = onetrip_domain::case_number::CaseNumber::parse(number)
            .map_err(|_| Error::Validation(FieldErrors::single("case_number", "办件编号不对，请核对后再填")))?;
        // The case must exist and be one this member of staff may see.
        crate::cases::case_for_staff(state, staff, &number).await?;
    }
    match state.store.change_ticket(&ticket, &next, action.code(), &staff.user.username, &detail, now).await {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => {
            return Err(Error::Conflict(format!("{} 号刚被别的窗口处理过，请刷新后再试", ticket.number)));
        }
        Err(other) => return Err(other.into()),
    }
    if let TicketAction::Recall = action {
        announce(state, &next, "recall");
    }
    Ok(next)
}

// ---------------------------------------------------------------------------------------------------------
// The live view

/// One zone, now.
#[derive(Debug, Clone, Serialize)]
pub struct ZoneLive {
    pub code: String,
    pub name: String,
    pub prefix: char,
    pub waiting: usize,
    /// Minutes the longest-waiting ticket has waited.
    pub longest_wait: i64,
    /// Today's mean wait (issued → called) and service (called → finished), in minutes.
    pub mean_wait: Option<f64>,
    pub mean_service: Option<f64>,
    pub served: usize,
    pub windows_open: usize,
    pub windows_serving: usize,
    pub windows_empty: usize,
}

/// One window, now.
#[derive(Debug, Clone, Serialize)]
pub struct WindowLive {
    pub code: String,
    pub zone: String,
    pub general: bool,
    /// `closed` (not in service), `empty` (空岗: open, nobody there in office hours), `off` (open, nobody, outside
    /// office hours), `break`, `idle` (someone there, nobody being served) or `serving`.
    pub status: &'static str,
    pub status_label: &'static str,
    pub staff: String,
    pub ticket: String,
    pub served_today: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct HallLive {
    pub hall: String,
    pub hall_name: String,
    pub zones: Vec<ZoneLive>,
    pub windows: Vec<WindowLive>,
    pub empty_posts: usize,
    pub waiting: usize,
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| (values.iter().sum::<f64>() / values.len() as f64 * 10.0).round() / 10.0)
}

pub async fn live(state: &AppState, staff: &Staff, hall: &str) -> Result<HallLive, Error> {
    staff.require(Permission::ManageHall)?;
    let catalog = state.catalog();
    let layout = &catalog.hall;
    let hall_record =
        layout.halls.iter().find(|known| known.code == hall).ok_or_else(|| Error::NotFound(format!("大厅 {hall}")))?;
    let now = state.now();
    let tickets = state.store.tickets_of_day(hall, state.local(now).date_naive()).await?;
    let presence: HashMap<String, onetrip_store::hall::Presence> =
        state.store.presence().await?.into_iter().map(|line| (line.window_code.clone(), line)).collect();
    let in_office = state.calendar().is_office_time(state.local(now).naive_local());
    let zone_codes: HashSet<&str> =
        layout.zones.iter().filter(|zone| zone.hall == hall).map(|zone| zone.code.as_str()).collect();
    let mut windows = Vec::new();
    for window in layout.windows.iter().filter(|window| zone_codes.contains(window.zone.as_str())) {
        let serving = tickets
            .iter()
            .find(|ticket| ticket.state == "called" && ticket.window_code.as_deref() == Some(window.code.as_str()));
        let here = presence.get(&window.code);
        let (status, status_label) = match (window.open, here, serving) {
            (false, _, _) => ("closed", "暂停使用"),
            (true, None, _) if in_office => ("empty", "空岗"),
            (true, None, _) => ("off", "未上岗（非办公时间）"),
            (true, Some(line), _) if line.state == "break" => ("break", "暂离"),
            (true, Some(_), Some(_)) => ("serving", "办理中"),
            (true, Some(_), None) => ("idle", "空闲"),
        };
        windows.push(WindowLive {
            code: window.code.clone(),
            zone: window.zone.clone(),
            general: window.is_general(),
            status,
            status_label,
            staff: here.map(|line| line.display_name.clone()).unwrap_or_default(),
            ticket: serving.map(|ticket| ticket.number.clone()).unwrap_or_default(),
            served_today: tickets
                .iter()
                .filter(|ticket| {
                    ticket.state == "finished" && ticket.window_code.as_deref() == Some(window.code.as_str())
                })
                .count(),
        });
    }
    let zones = layout
        .zones
        .iter()
        .filter(|zone| zone.hall == hall)
        .map(|zone| {
            let of_zone: Vec<&TicketRecord> = tickets.iter().filter(|ticket| ticket.zone == zone.code).collect();
            let waiting: Vec<&&TicketRecord> = of_zone.iter().filter(|ticket| ticket.state == "waiting").collect();
            let waits: Vec<f64> = of_zone
                .iter()
                .filter_map(|ticket| Some((ticket.called_at? - ticket.issued_at).num_seconds() as f64 / 60.0))
                .collect();
            let services: Vec<f64> = of_zone
                .iter()
                .filter(|ticket| ticket.state == "finished")
                .filter_map(|ticket| Some((ticket.finished_at? - ticket.called_at?).num_seconds() as f64 / 60.0))
                .collect();
            let zone_windows: Vec<&WindowLive> = windows.iter().filter(|window| window.zone == zone.code).collect();
            ZoneLive {
                code: zone.code.clone(),
                name: zone.name.clone(),
                prefix: zone.prefix,
                waiting: waiting.len(),
                longest_wait: waiting.iter().map(|ticket| (now - ticket.queued_at).num_minutes()).max().unwrap_or(0),
                mean_wait: mean(&waits),
                mean_service: mean(&services),
                served: services.len(),
                windows_open: zone_windows.iter().filter(|window| window.status != "closed").count(),
                windows_serving: zone_windows
                    .iter()
                    .filter(|window| matches!(window.status, "serving" | "idle"))
                    .count(),
                windows_empty: zone_windows.iter().filter(|window| window.status == "empty").count(),
            }
        })
        .collect::<Vec<_>>();
    Ok(HallLive {
        hall: hall.to_string(),
        hall_name: hall_record.name.clone(),
        empty_posts: windows.iter().filter(|window| window.status == "empty").count(),
        waiting: zones.iter().map(|zone| zone.waiting).sum(),
        zones,
        windows,
    })
}

/// The latest calls of a hall today, newest first, for a display that has just connected.
pub async fn recent_calls(state: &AppState, hall: &str, limit: usize) -> Result<Vec<HallCall>, Error> {
    let mut tickets: Vec<TicketRecord> = state
        .store
        .tickets_of_day(hall, state.today())
        .await?
        .into_iter()
        .filter(|ticket| ticket.called_at.is_some() && ticket.window_code.is_some())
        .collect();
    tickets.sort_by_key(|ticket| std::cmp::Reverse(ticket.called_at));
    Ok(tickets
        .into_iter()
        .take(limit)
        .map(|ticket| {
            let window = ticket.window_code.clone().unwrap_or_default();
            HallCall {
                hall: ticket.hall.clone(),
                announcement: announcement(&ticket.number, &window),
                number: ticket.number,
                window,
                zone: ticket.zone,
                kind: "call",
                at: ticket.called_at.map(|at| state.local(at).format("%H:%M:%S").to_string()).unwrap_or_default(),
            }
        })
        .collect())
}
