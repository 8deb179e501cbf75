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
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HallCall {
    pub hall: String,
    pub number: String,
    pub window: String,
    pub zone: String,
    /// `call` or `recall`.
    pub kind: String,
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
    if action == "sign_in" {
        check_posted(state, &window.code, &staff.user.username).await?;
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
    match state.store.presence_at(&window.code).await? {
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
        announce(state, ticket, "call").await;
    }
    Ok(called)
}

/// Tells the displays of a call: through the store's relay to every instance where there is one (each
/// instance's listener hands it to its displays, this one's included), else straight to this instance's.
async fn announce(state: &AppState, ticket: &TicketRecord, kind: &str) {
    let Some(window) = ticket.window_code.clone() else { return };
    let call = HallCall {
        hall: ticket.hall.clone(),
        number: ticket.number.clone(),
        announcement: announcement(&ticket.number, &window),
        window,
        zone: ticket.zone.clone(),
        kind: kind.to_string(),
        at: state.local(state.now()).format("%H:%M:%S").to_string(),
    };
    if state.hall_relayed() {
        match serde_json::to_string(&call) {
            Ok(payload) => match state.store.publish_call(&payload).await {
                Ok(true) => return,
                Ok(false) => {}
                Err(error) => tracing::warn!(%error, "hall call not relayed; told this instance's displays only"),
            },
            Err(error) => tracing::warn!(%error, "hall call not serialisable"),
        }
    }
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
        announce(state, &next, "recall").await;
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
    /// Office minutes today so far with nobody signed in (an open window only).
    pub empty_minutes_today: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct HallLive {
    pub hall: String,
    pub hall_name: String,
    pub zones: Vec<ZoneLive>,
    pub windows: Vec<WindowLive>,
    pub empty_posts: usize,
    /// Office minutes today so far, over all open windows, with nobody signed in.
    pub empty_minutes_today: i64,
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
    let empty_minutes = empty_minutes_today(state, now).await?;
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
            empty_minutes_today: if window.open { empty_minutes.get(&window.code).copied().unwrap_or(0) } else { 0 },
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
        empty_minutes_today: windows.iter().map(|window| window.empty_minutes_today).sum(),
        waiting: zones.iter().map(|zone| zone.waiting).sum(),
        zones,
        windows,
    })
}

/// For every window, the office minutes of today up to `now` during which nobody was signed in, from the
/// window log (a person signed in before today and still there counts as there from the start).
async fn empty_minutes_today(state: &AppState, now: DateTime<Utc>) -> Result<HashMap<String, i64>, Error> {
    let local_now = state.local(now).naive_local();
    let day = local_now.date();
    let calendar = state.calendar();
    if !calendar.is_working_day(day).unwrap_or(false) {
        return Ok(HashMap::new());
    }
    let hours = state.config.office_hours;
    let office: Vec<(chrono::NaiveDateTime, chrono::NaiveDateTime)> = [
        (day.and_time(hours.morning_start), day.and_time(hours.morning_end)),
        (day.and_time(hours.afternoon_start), day.and_time(hours.afternoon_end)),
    ]
    .into_iter()
    .filter(|(start, _)| *start < local_now)
    .map(|(start, end)| (start, end.min(local_now)))
    .collect();
    let office_minutes: i64 = office.iter().map(|(start, end)| (*end - *start).num_minutes()).sum();
    let start_of_day = state.utc_of(day.and_hms_opt(0, 0, 0).unwrap_or_default());
    let log = state.store.window_log_between(start_of_day, now).await?;
    let presence = state.store.presence().await?;
    let catalog = state.catalog();
    let mut result = HashMap::new();
    for window in catalog.hall.windows.iter().filter(|window| window.open) {
        let events: Vec<(&str, chrono::NaiveDateTime)> = log
            .iter()
            .filter(|(code, _, _, _)| *code == window.code)
            .map(|(_, _, action, at)| (action.as_str(), state.local(*at).naive_local()))
            .collect();
        // Signed in at the start of the day: the first event of today is not a sign-in, or there is none
        // and somebody is there now.
        let mut since = match events.first() {
            Some((action, _)) => (*action != "sign_in").then(|| day.and_hms_opt(0, 0, 0).unwrap_or_default()),
            None => presence
                .iter()
                .any(|line| line.window_code == window.code)
                .then(|| day.and_hms_opt(0, 0, 0).unwrap_or_default()),
        };
        let mut staffed = Vec::new();
        for (action, at) in events {
            match (action, since) {
                ("sign_in", None) => since = Some(at),
                ("sign_out", Some(start)) => {
                    staffed.push((start, at));
                    since = None;
                }
                _ => {}
            }
        }
        if let Some(start) = since {
            staffed.push((start, local_now));
        }
        let covered: i64 = office
            .iter()
            .flat_map(|(office_start, office_end)| {
                staffed.iter().map(move |(start, end)| {
                    let from = (*start).max(*office_start);
                    let to = (*end).min(*office_end);
                    if to > from {
                        (to - from).num_minutes()
                    } else {
                        0
                    }
                })
            })
            .sum();
        result.insert(window.code.clone(), (office_minutes - covered).max(0));
    }
    Ok(result)
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
                kind: "call".to_string(),
                at: ticket.called_at.map(|at| state.local(at).format("%H:%M:%S").to_string()).unwrap_or_default(),
            }
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------------------
// Window planning

/// Working days looked back at when planning windows.
const PLANNING_DAYS: usize = 20;

/// One zone and half day of the plan.
#[derive(Debug, Clone, Serialize)]
pub struct PlanLine {
    pub zone: String,
    pub zone_name: String,
    /// `上午` or `下午`.
    pub half: &'static str,
    pub arrivals_per_hour: f64,
    /// Mean minutes at the window from the record; `None`: nothing finished, the default was assumed.
    pub mean_service: Option<f64>,
    pub recommended: Option<u32>,
    pub expected_wait: Option<f64>,
    /// The zone's open windows, and how many have somebody at them now.
    pub windows_open: usize,
    pub staffed_now: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct HallPlan {
    pub hall: String,
    pub hall_name: String,
    pub target_wait: f64,
    pub from: String,
    pub to: String,
    /// Days in that range on which the hall issued any ticket.
    pub days: usize,
    pub assumed_service: f64,
    pub lines: Vec<PlanLine>,
}

fn round1(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// Recommends, for each zone and half day, how many windows keep the average wait under `target_wait`
/// minutes (Erlang C), from the tickets of the last working days, next to today's staffing.
pub async fn plan(state: &AppState, staff: &Staff, hall: &str, target_wait: f64) -> Result<HallPlan, Error> {
    staff.require(Permission::ManageHall)?;
    if !(1.0..=120.0).contains(&target_wait) {
        return Err(Error::Validation(FieldErrors::single("target", "目标平均等候时间请填 1 到 120 分钟")));
    }
    let catalog = state.catalog();
    let layout = &catalog.hall;
    let hall_record =
        layout.halls.iter().find(|known| known.code == hall).ok_or_else(|| Error::NotFound(format!("大厅 {hall}")))?;
    let calendar = state.calendar();
    let today = state.today();
    let mut days = Vec::new();
    let mut day = today;
    while days.len() < PLANNING_DAYS {
        day -= chrono::Duration::days(1);
        match calendar.is_working_day(day) {
            Ok(true) => days.push(day),
            Ok(false) => {}
            Err(_) => break, // before the first loaded year
        }
    }
    let (from, to) = (days.last().copied().unwrap_or(today), days.first().copied().unwrap_or(today));
    let working: HashSet<chrono::NaiveDate> = days.iter().copied().collect();
    let tickets: Vec<TicketRecord> = state
        .store
        .tickets_between(hall, from, to)
        .await?
        .into_iter()
        .filter(|ticket| working.contains(&ticket.day))
        .collect();
    let observed = tickets.iter().map(|ticket| ticket.day).collect::<HashSet<_>>().len();
    let hours = state.config.office_hours;
    let morning = (hours.morning_end - hours.morning_start).num_minutes();
    let afternoon = (hours.afternoon_end - hours.afternoon_start).num_minutes();
    let presence = state.store.presence().await?;
    let mut lines = Vec::new();
    for zone in layout.zones.iter().filter(|zone| zone.hall == hall) {
        let open: Vec<&Window> =
            layout.windows.iter().filter(|window| window.open && window.zone == zone.code).collect();
        let staffed_now =
            open.iter().filter(|window| presence.iter().any(|line| line.window_code == window.code)).count();
        for (half, minutes, is_morning) in [("上午", morning, true), ("下午", afternoon, false)] {
            let of_half: Vec<&TicketRecord> = tickets
                .iter()
                .filter(|ticket| ticket.zone == zone.code)
                .filter(|ticket| (state.local(ticket.issued_at).time() < hours.morning_end) == is_morning)
                .collect();
            let services: Vec<f64> = of_half
                .iter()
                .filter(|ticket| ticket.state == "finished")
                .filter_map(|ticket| Some((ticket.finished_at? - ticket.called_at?).num_seconds() as f64 / 60.0))
                .collect();
            let plan = onetrip_domain::queue::plan_windows(
                of_half.len(),
                observed,
                minutes,
                &services,
                DEFAULT_SERVICE_MINUTES,
                target_wait,
                open.len().max(1) as u32 * 2,
            );
            lines.push(PlanLine {
                zone: zone.code.clone(),
                zone_name: zone.name.clone(),
                half,
                arrivals_per_hour: round1(plan.arrivals_per_hour),
                mean_service: plan.mean_service.map(round1),
                recommended: plan.recommended,
                expected_wait: plan.expected_wait.map(round1),
                windows_open: open.len(),
                staffed_now,
            });
        }
    }
    Ok(HallPlan {
        hall: hall.to_string(),
        hall_name: hall_record.name.clone(),
        target_wait,
        from: from.to_string(),
        to: to.to_string(),
        days: observed,
        assumed_service: DEFAULT_SERVICE_MINUTES,
        lines,
    })
}

// ---------------------------------------------------------------------------------------------------------
// Appointments

/// How far ahead a half day can be booked.
pub const BOOKING_DAYS_AHEAD: i64 = 14;
/// Appointments not kept within the last 30 days after which no new one can be booked online.
pub const NO_SHOW_LIMIT: usize = 3;
/// How long before its half day an appointment can be checked in at the kiosk.
const CHECK_IN_EARLY_MINUTES: i64 = 30;

/// What the applicant asks for.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct BookingRequest {
    #[serde(default)]
    pub zone: String,
    /// The matter the applicant comes for (optional); its zone is used when no zone is given.
    #[serde(default)]
    pub matter: String,
    /// `YYYY-MM-DD`
    #[serde(default)]
    pub day: String,
    /// `am` or `pm`
    #[serde(default)]
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
fn half_bounds(state: &AppState, day: chrono::NaiveDate, half: &str) -> (chrono::NaiveDateTime, chrono::NaiveDateTime) {
    let hours = state.config.office_hours;
    if half == "am" {
        (day.and_time(hours.morning_start), day.and_time(hours.morning_end))
    } else {
        (day.and_time(hours.afternoon_start), day.and_time(hours.afternoon_end))
    }
}

/// Appointments whose half day is over without a check-in.
fn no_shows(state: &AppState, appointments: &[onetrip_store::hall::Appointment], since: chrono::NaiveDate) -> usize {
    let now = state.local(state.now()).naive_local();
    appointments
        .iter()
        .filter(|appointment| appointment.state == "booked" && appointment.day >= since)
        .filter(|appointment| half_bounds(state, appointment.day, &appointment.half).1 < now)
        .count()
}

fn check_in_code() -> String {
    // No 0/O, 1/I/L: read off a phone and typed on a kiosk.
    const LETTERS: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    let bytes = uuid::Uuid::new_v4().into_bytes();
    bytes.iter().take(8).map(|byte| char::from(LETTERS[usize::from(*byte) % LETTERS.len()])).collect()
}

/// Books (or, with `replacing`, moves) an appointment for an applicant.
pub async fn book(
    state: &AppState,
    applicant_id: i64,
    request: &BookingRequest,
    replacing: Option<i64>,
) -> Result<onetrip_store::hall::Appointment, Error> {
    let catalog = state.catalog();
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
                let serves = |zone: &&Zone| zone_serves_matter(&catalog.hall, zone, &version.matter.department, matter);
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
    let today = state.today();
    match day {
        None => errors.add("day", "请选择日期"),
        Some(day) if day > today + chrono::Duration::days(BOOKING_DAYS_AHEAD) => {
            errors.add("day", format!("最多可以预约 {BOOKING_DAYS_AHEAD} 天以内"));
        }
        Some(day) if !state.calendar().is_working_day(day).unwrap_or(false) => {
            errors.add("day", "这天是节假日或周末，大厅不办公，请换一天");
        }
        Some(day)
            if matches!(half, "am" | "pm")
                && half_bounds(state, day, half).1 <= state.local(state.now()).naive_local() =>
        {
            errors.add("day", "这个时间已经过去了，请选以后的时间");
        }
        Some(_) => {}
    }
    let (Some(zone), Some(day)) = (zone, day) else {
        return Err(Error::Validation(errors));
    };
    let capacity = if half == "am" { zone.appointments_am } else { zone.appointments_pm };
    if capacity == 0 && errors.is_empty() {
        errors.add("half", format!("{}{}不接受预约，请换一个时段", zone.name, half_label(half)));
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let mine = state.store.appointments_of(applicant_id).await?;
    if no_shows(state, &mine, today - chrono::Duration::days(30)) >= NO_SHOW_LIMIT {
        return Err(Error::Conflict(format!(
            "您近 30 天有 {NO_SHOW_LIMIT} 次预约没有到场，暂时不能网上预约；到大厅可直接取号"
        )));
    }
    if replacing.is_none() && mine.iter().any(|other| other.state == "booked" && other.day == day && other.half == half)
    {
        return Err(Error::Conflict("您已经预约了这个时段".to_string()));
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
        at: state.now(),
    };
    match state.store.book_appointment(&new, replacing).await {
        Ok(appointment) => Ok(appointment),
        Err(StoreError::Conflict(reason)) if reason == "full" => {
            Err(Error::Conflict(format!("{} {}{}已约满，请换一个时间", day, half_label(half), zone.name)))
        }
        Err(StoreError::NotFound) => Err(Error::NotFound("要改的预约".to_string())),
        Err(other) => Err(other.into()),
    }
}

/// Checks an appointment in at a hall's kiosk: it becomes a ticket that goes before the plain queue.
pub async fn check_in(state: &AppState, hall: &str, code: &str) -> Result<TicketView, Error> {
    let code = code.trim().to_ascii_uppercase();
    let not_found = || Error::Validation(FieldErrors::single("code", "没有这个预约码，请核对手机上的 8 位预约码"));
    if code.len() != 8 {
        return Err(not_found());
    }
    let appointment =
        state.store.appointment_by_code(&code).await?.filter(|found| found.hall == hall).ok_or_else(not_found)?;
    match appointment.state.as_str() {
        "checked_in" => return Err(Error::Conflict("这个预约已经签到过了，请看号票上的号码".to_string())),
        "cancelled" => return Err(Error::Conflict("这个预约已经取消，请直接取号".to_string())),
        _ => {}
    }
    let now = state.local(state.now()).naive_local();
    let (start, end) = half_bounds(state, appointment.day, &appointment.half);
    let when = format!("{} {}", appointment.day, half_label(&appointment.half));
    if now > end {
        return Err(Error::Conflict(format!("预约时间（{when}）已经过了，请直接取号")));
    }
    if now < start - chrono::Duration::minutes(CHECK_IN_EARLY_MINUTES) {
        let from = (start - chrono::Duration::minutes(CHECK_IN_EARLY_MINUTES)).format("%m月%d日 %H:%M");
        return Err(Error::Conflict(format!("预约时间是 {when}，请在 {from} 以后签到")));
    }
    let catalog = state.catalog();
    let zone =
        catalog.hall.zone(&appointment.zone).ok_or_else(|| Error::NotFound(format!("功能区 {}", appointment.zone)))?;
    let ticket = NewTicket {
        hall: appointment.hall.clone(),
        day: state.today(),
        prefix: zone.prefix,
        zone: zone.code.clone(),
        matter_code: appointment.matter_code.clone(),
        priority: 0,
        channel: "appointment".to_string(),
        id_last_four: None,
        at: state.now(),
    };
    match state.store.check_in(appointment.id, &ticket).await {
        Ok(record) => ticket_view(state, &record).await,
        Err(StoreError::Conflict(_)) => Err(Error::Conflict("这个预约已经签到过或已取消".to_string())),
        Err(other) => Err(other.into()),
    }
}

/// An appointment as the applicant sees it.
#[derive(Debug, Clone, Serialize)]
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

pub fn appointment_view(state: &AppState, appointment: &onetrip_store::hall::Appointment) -> AppointmentView {
    let catalog = state.catalog();
    let over = half_bounds(state, appointment.day, &appointment.half).1 < state.local(state.now()).naive_local();
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
pub fn bookable_days(state: &AppState) -> Vec<String> {
    let calendar = state.calendar();
    let today = state.today();
    (0..=BOOKING_DAYS_AHEAD)
        .map(|offset| today + chrono::Duration::days(offset))
        .filter(|day| calendar.is_working_day(*day).unwrap_or(false))
        .map(|day| day.to_string())
        .collect()
}

// ---------------------------------------------------------------------------------------------------------
// Staff posted at windows

/// What the hall manager fills in to post someone at a window.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AssignRequest {
    #[serde(default)]
    pub window: String,
    #[serde(default)]
    pub username: String,
    /// `YYYY-MM-DD`; today when empty.
    #[serde(default)]
    pub starts: String,
    /// `YYYY-MM-DD`; a year after `starts` when empty.
    #[serde(default)]
    pub ends: String,
}

/// Checks that `username` may be posted at `window`; returns the window's code.
async fn check_post(state: &AppState, window: &str, username: &str) -> Result<String, FieldErrors> {
    let catalog = state.catalog();
    let mut errors = FieldErrors::default();
    let window = catalog.hall.window(window.trim());
    if window.is_none() {
        errors.add("window", "没有这个窗口");
    }
    let user = state.store.user_by_username(username.trim()).await.ok().flatten().filter(|user| !user.disabled);
    match (&user, window) {
        (None, _) => errors.add("username", "没有这个工作人员账号（或已停用）"),
        (Some(user), _) if !onetrip_domain::access::allows(&user.roles, Permission::ServeAtWindow) => {
            errors.add("username", "这个账号不是窗口人员（window_staff）")
        }
        (Some(user), Some(window)) => {
            if let Some(department) = &user.department {
                if !window.departments.is_empty() && !window.departments.contains(department) {
                    errors.add("window", format!("{} 号窗口不收这个工作人员所在部门的事项", window.code));
                }
            }
        }
        _ => {}
    }
    match window {
        Some(window) if errors.is_empty() => Ok(window.code.clone()),
        _ => Err(errors),
    }
}

/// Posts a member of window staff at a window for a term (a year unless said otherwise).
pub async fn assign(
    state: &AppState,
    staff: &Staff,
    request: &AssignRequest,
) -> Result<onetrip_store::hall::Assignment, Error> {
    staff.require(Permission::ManageHall)?;
    let mut errors = match check_post(state, &request.window, &request.username).await {
        Ok(_) => FieldErrors::default(),
        Err(errors) => errors,
    };
    let today = state.today();
    let starts = match request.starts.trim() {
        "" => Some(today),
        text => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok(),
    };
    let Some(starts) = starts else {
        errors.add("starts", "开始日期写成 2027-01-01 这样");
        return Err(Error::Validation(errors));
    };
    let default_end = starts.checked_add_months(chrono::Months::new(12)).map(|day| day - chrono::Duration::days(1));
    let ends = match request.ends.trim() {
        "" => default_end,
        text => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok(),
    };
    match ends {
        None => errors.add("ends", "结束日期写成 2027-12-31 这样，不填就是一年"),
        Some(ends) if ends < starts => errors.add("ends", "结束日期不能早于开始日期"),
        Some(ends) if ends > starts + chrono::Duration::days(3 * 366) => errors.add("ends", "一次最多安排三年"),
        Some(_) => {}
    }
    if starts < today {
        errors.add("starts", "开始日期不能是过去的日子");
    }
    let Some(ends) = ends.filter(|_| errors.is_empty()) else {
        return Err(Error::Validation(errors));
    };
    let assignment = onetrip_store::hall::Assignment {
        id: 0,
        window_code: request.window.trim().to_string(),
        username: request.username.trim().to_string(),
        starts,
        ends,
        assigned_by: staff.user.username.clone(),
        assigned_at: state.now(),
        ended_at: None,
        ended_by: None,
        end_reason: None,
    };
    let id = state.store.assign(&assignment).await?;
    crate::actions::audit(
        state,
        staff,
        "hall.assign",
        &assignment.window_code,
        format!("{} {}–{}", assignment.username, starts, ends),
    )
    .await?;
    Ok(onetrip_store::hall::Assignment { id, ..assignment })
}

/// Ends an assignment before its term, with the hall manager's reason; with `move_to`, the person is posted
/// at that window for the rest of the term in the same step.
pub async fn end_assignment(
    state: &AppState,
    staff: &Staff,
    id: i64,
    reason: &str,
    move_to: &str,
) -> Result<(), Error> {
    staff.require(Permission::ManageHall)?;
    let reason = reason.trim();
    let mut errors = FieldErrors::default();
    if reason.chars().count() < 2 || reason.chars().count() > 500 {
        errors.add("reason", "提前调整或撤回须写明原因（2–500 字）");
    }
    let today = state.today();
    let current = state.store.assignments(today).await?.into_iter().find(|assignment| assignment.id == id);
    let Some(current) = current else {
        return Err(Error::NotFound("这项在岗安排".to_string()));
    };
    let then = if move_to.trim().is_empty() {
        None
    } else {
        match check_post(state, move_to, &current.username).await {
            Ok(window) if window == current.window_code => {
                errors.add("move_to", "调到的窗口与原窗口相同");
                None
            }
            Ok(window) => Some(onetrip_store::hall::Assignment {
                window_code: window,
                starts: today.max(current.starts),
                assigned_by: staff.user.username.clone(),
                assigned_at: state.now(),
                ..current.clone()
            }),
            Err(problems) => {
                for (field, messages) in problems.iter() {
                    for message in messages {
                        errors.add(if field == "window" { "move_to" } else { field }, message.clone());
                    }
                }
                None
            }
        }
    };
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    match state.store.end_assignment(id, &staff.user.username, reason, state.now(), then.as_ref()).await {
        Ok(()) => {}
        Err(StoreError::NotFound) => return Err(Error::Conflict("这项安排刚被调整过，请刷新".to_string())),
        Err(other) => return Err(other.into()),
    }
    let detail = match &then {
        Some(next) => format!("{} 调到 {}：{reason}", current.username, next.window_code),
        None => format!("{} 撤回：{reason}", current.username),
    };
    crate::actions::audit(state, staff, "hall.assignment_end", &current.window_code, detail).await?;
    Ok(())
}

/// Whether the posts allow `username` to sign in at `window` today: a window with posts takes only its
/// posted staff, and posted staff sign in at their own windows.
async fn check_posted(state: &AppState, window: &str, username: &str) -> Result<(), Error> {
    let today = state.today();
    let posts: Vec<onetrip_store::hall::Assignment> =
        state.store.assignments(today).await?.into_iter().filter(|assignment| assignment.current(today)).collect();
    let mine: Vec<&str> =
        posts.iter().filter(|post| post.username == username).map(|post| post.window_code.as_str()).collect();
    if !mine.is_empty() && !mine.contains(&window) {
        return Err(Error::Conflict(format!("您被安排在 {} 号窗口，请到那里上岗", mine.join("、"))));
    }
    if mine.is_empty() && posts.iter().any(|post| post.window_code == window) {
        return Err(Error::Conflict(format!("{window} 号窗口有安排好的工作人员，您没有被安排在这里")));
    }
    Ok(())
}
