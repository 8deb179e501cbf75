//! The ticket (号) as an aggregate: its [`TicketState`], its [`Priority`], and one pure [`decide`] for what a
//! window does with it — recall, miss, rejoin, finish, transfer to a zone or a window, link a case. The
//! application layer stores the ticket `decide` returns only if the stored one is still as it was read.

use crate::case_number::CaseNumber;
use crate::hall::{HallLayout, Window};
use crate::FieldErrors;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Why a ticket goes ahead of the plain queue. Appointments first, then the elderly and the disabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Appointment,
    Elderly,
    Disabled,
    None,
}

impl Priority {
    pub const ALL: [Priority; 4] = [Priority::Appointment, Priority::Elderly, Priority::Disabled, Priority::None];

    /// Its place in the calling order (0 first), as the store keeps it and sorts by it.
    pub fn rank(self) -> i64 {
        match self {
            Self::Appointment => 0,
            Self::Elderly => 1,
            Self::Disabled => 2,
            Self::None => 3,
        }
    }

    pub fn from_rank(rank: i64) -> Option<Self> {
        Self::ALL.into_iter().find(|priority| priority.rank() == rank)
    }

    /// What a visitor chooses at the kiosk: `none` (or nothing), `elderly`, `disabled`. Appointments are
    /// not chosen: they come from a check-in.
    pub fn parse_choice(text: &str) -> Result<Self, FieldErrors> {
        match text {
            "" | "none" => Ok(Self::None),
            "elderly" => Ok(Self::Elderly),
            "disabled" => Ok(Self::Disabled),
            _ => Err(FieldErrors::single("priority", "优先类别只能是：不需要、65 岁以上老人、残疾人")),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Appointment => "预约",
            Self::Elderly => "老年人优先",
            Self::Disabled => "残疾人优先",
            Self::None => "普通",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TicketState {
    Waiting,
    Called,
    /// 过号: called and not present; the visitor may rejoin.
    Missed,
    Finished,
}

impl TicketState {
    pub const ALL: [TicketState; 4] =
        [TicketState::Waiting, TicketState::Called, TicketState::Missed, TicketState::Finished];

    pub fn code(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Called => "called",
            Self::Missed => "missed",
            Self::Finished => "finished",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Waiting => "等候中",
            Self::Called => "正在叫号",
            Self::Missed => "已过号",
            Self::Finished => "已办理",
        }
    }
}

/// One ticket of one hall's day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    pub id: i64,
    pub hall: String,
    pub day: NaiveDate,
    /// Shown and announced, e.g. `B023`.
    pub number: String,
    pub zone: String,
    /// The matter the visitor came for, if they chose one.
    pub matter_code: Option<String>,
    pub priority: Priority,
    /// `kiosk`, `portal` or `appointment`.
    pub channel: String,
    pub state: TicketState,
    pub issued_at: DateTime<Utc>,
    /// When it (last) joined the queue: issue, rejoin after a miss.
    pub queued_at: DateTime<Utc>,
    /// Transferred to one window, which alone may call it.
    pub target_window: Option<String>,
    /// The window that called it.
    pub window_code: Option<String>,
    pub called_by: Option<String>,
    pub called_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub calls: i64,
    /// The last four characters of the visitor's ID, when given, to find their cases.
    pub id_last_four: Option<String>,
    pub case_number: Option<String>,
}

/// What a window does with the ticket it called (or, for `rejoin`, a missed one).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// The event a ticket's history records.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Recall => "recalled",
            Self::Miss => "missed",
            Self::Rejoin => "rejoined",
            Self::Finish => "finished",
            Self::TransferZone { .. } | Self::TransferWindow { .. } => "transferred",
            Self::LinkCase { .. } => "case",
        }
    }
}

/// Why a window may not do that to this ticket.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TicketError {
    /// The ticket is not the one this window is serving.
    #[error("{0} 号不是本窗口正在办理的号")]
    NotHere(String),
    /// Only a missed ticket rejoins the queue.
    #[error("{0} 号没有过号，不用重新排队")]
    NotMissed(String),
    #[error("{0} 号不属于本窗口的功能区")]
    OtherZone(String),
    #[error("{0}")]
    Invalid(FieldErrors),
}

fn invalid(field: &str, message: impl Into<String>) -> TicketError {
    TicketError::Invalid(FieldErrors::single(field, message))
}

/// The ticket after `action` at `window`, with the words of its event, or why not. `matter_department` is
/// the department of the ticket's matter (a transfer must go to a zone that handles it).
pub fn decide(
    ticket: &Ticket,
    action: &TicketAction,
    window: &Window,
    layout: &HallLayout,
    matter_department: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(Ticket, String), TicketError> {
    let at_this_window =
        ticket.state == TicketState::Called && ticket.window_code.as_deref() == Some(window.code.as_str());
    let not_here = || TicketError::NotHere(ticket.number.clone());
    let mut next = ticket.clone();
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
        TicketAction::Miss | TicketAction::Finish => {
            next.state = if *action == TicketAction::Miss { TicketState::Missed } else { TicketState::Finished };
            next.finished_at = Some(now);
            String::new()
        }
        TicketAction::Rejoin => {
            if ticket.state != TicketState::Missed {
                return Err(TicketError::NotMissed(ticket.number.clone()));
            }
            if !window.serves().zones.contains(&ticket.zone) {
                return Err(TicketError::OtherZone(ticket.number.clone()));
            }
            next.state = TicketState::Waiting;
            next.queued_at = now;
            next.window_code = None;
            next.target_window = None;
            next.finished_at = None;
            String::new()
        }
        TicketAction::TransferZone { zone } => {
            let own_hall = layout.zone(&ticket.zone).map(|own| own.hall.as_str());
            let target = layout
                .zone(zone)
                .filter(|target| Some(target.hall.as_str()) == own_hall)
                .ok_or_else(|| invalid("zone", "本大厅没有这个功能区"))?;
            if target.code == ticket.zone {
                return Err(invalid("zone", "已经在这个功能区了，请选另一个"));
            }
            if let Some(matter) = ticket.matter_code.as_deref() {
                if !layout.zone_serves(target, matter_department.unwrap_or_default(), matter) {
                    return Err(invalid(
                        "zone",
                        format!("{}不办理这个号所取的事项，请转到办理它的功能区", target.name),
                    ));
                }
            }
            next.zone = target.code.clone();
            next.state = TicketState::Waiting;
            next.window_code = None;
            next.target_window = None;
            format!("{} → {}", ticket.zone, target.code)
        }
        TicketAction::TransferWindow { window: target } => {
            let target = layout.window(target).ok_or_else(|| invalid("window", "没有这个窗口"))?;
            if target.code == window.code {
                return Err(invalid("window", "不能转给本窗口，请选另一个"));
            }
            if !target.open {
                return Err(invalid("window", format!("{} 号窗口暂停使用", target.code)));
            }
            next.state = TicketState::Waiting;
            next.window_code = None;
            next.target_window = Some(target.code.clone());
            format!("→ {}", target.code)
        }
        TicketAction::LinkCase { case_number } => {
            let number = CaseNumber::parse(case_number.trim())
                .map_err(|_| invalid("case_number", "办件编号不对，请核对后再填"))?;
            if ticket.window_code.as_deref() != Some(window.code.as_str()) {
                return Err(not_here());
            }
            next.case_number = Some(number.compact());
            number.to_string()
        }
    };
    Ok((next, detail))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hall::{Hall, Zone};
    use chrono::TimeZone;

    fn layout() -> HallLayout {
        let zone = |code: &str, departments: &[&str]| Zone {
            code: code.to_string(),
            hall: "centre".to_string(),
            name: format!("{code}区"),
            prefix: code.chars().next().unwrap_or('A'),
            location: String::new(),
            departments: departments.iter().map(|d| d.to_string()).collect(),
            appointments_am: 0,
            appointments_pm: 0,
        };
        let window = |code: &str, zone: &str, open: bool| Window {
            code: code.to_string(),
            zone: zone.to_string(),
            departments: vec![],
            also_zones: vec![],
            matters: vec![],
            open,
        };
        HallLayout {
            source: String::new(),
            halls: vec![Hall {
                code: "centre".into(), name: "中心".into(), address: String::new(), networked: false
            }],
            zones: vec![zone("B", &["gaj"]), zone("C", &["zrzyj"]), zone("D", &["swj"])],
            windows: vec![window("B01", "B", true), window("C01", "C", true), window("C02", "C", false)],
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).single().expect("instant")
    }

    fn called_at(window: &str) -> Ticket {
        Ticket {
            id: 1,
            hall: "centre".into(),
            day: NaiveDate::from_ymd_opt(2026, 12, 1).expect("day"),
            number: "C007".into(),
            zone: "C".into(),
            matter_code: Some("00013112700401".into()),
            priority: Priority::None,
            channel: "kiosk".into(),
            state: TicketState::Called,
            issued_at: now() - chrono::Duration::minutes(30),
            queued_at: now() - chrono::Duration::minutes(30),
            target_window: None,
            window_code: Some(window.into()),
            called_by: Some("window".into()),
            called_at: Some(now() - chrono::Duration::minutes(5)),
            finished_at: None,
            calls: 1,
            id_last_four: None,
            case_number: None,
        }
    }

    fn at(layout: &HallLayout, code: &str) -> Window {
        layout.window(code).cloned().expect("window")
    }

    #[test]
    fn only_the_window_serving_a_ticket_acts_on_it() {
        let layout = layout();
        let ticket = called_at("C01");
        for action in [
            TicketAction::Recall,
            TicketAction::Miss,
            TicketAction::Finish,
            TicketAction::TransferWindow { window: "B01".into() },
        ] {
            assert_eq!(
                decide(&ticket, &action, &at(&layout, "B01"), &layout, Some("zrzyj"), now()),
                Err(TicketError::NotHere("C007".into())),
                "{action:?}"
            );
        }
        let (recalled, _) =
            decide(&ticket, &TicketAction::Recall, &at(&layout, "C01"), &layout, None, now()).expect("recall");
        assert_eq!((recalled.calls, recalled.called_at, recalled.state), (2, Some(now()), TicketState::Called));
        let (finished, _) =
            decide(&ticket, &TicketAction::Finish, &at(&layout, "C01"), &layout, None, now()).expect("finish");
        assert_eq!((finished.state, finished.finished_at), (TicketState::Finished, Some(now())));
    }

    #[test]
    fn a_missed_ticket_rejoins_at_the_end_of_its_zone_queue() {
        let layout = layout();
        let ticket = called_at("C01");
        let (missed, _) =
            decide(&ticket, &TicketAction::Miss, &at(&layout, "C01"), &layout, None, now()).expect("miss");
        assert_eq!(missed.state, TicketState::Missed);
        assert_eq!(
            decide(&ticket, &TicketAction::Rejoin, &at(&layout, "C01"), &layout, None, now()),
            Err(TicketError::NotMissed("C007".into()))
        );
        assert_eq!(
            decide(&missed, &TicketAction::Rejoin, &at(&layout, "B01"), &layout, None, now()),
            Err(TicketError::OtherZone("C007".into()))
        );
        let later = now() + chrono::Duration::minutes(20);
        let (back, _) =
            decide(&missed, &TicketAction::Rejoin, &at(&layout, "C01"), &layout, None, later).expect("rejoin");
        assert_eq!((back.state, back.queued_at, back.window_code.clone()), (TicketState::Waiting, later, None));
    }

    #[test]
    fn a_transfer_goes_only_where_the_matter_is_handled_or_to_an_open_window() {
        let layout = layout();
        let ticket = called_at("C01");
        let here = at(&layout, "C01");
        let zone = |code: &str| TicketAction::TransferZone { zone: code.into() };
        let field = |result: Result<(Ticket, String), TicketError>| match result {
            Err(TicketError::Invalid(errors)) => errors.fields().map(str::to_string).collect::<Vec<_>>(),
            other => panic!("expected a field error: {other:?}"),
        };
        assert_eq!(field(decide(&ticket, &zone("C"), &here, &layout, Some("zrzyj"), now())), ["zone"]);
        assert_eq!(field(decide(&ticket, &zone("Z"), &here, &layout, Some("zrzyj"), now())), ["zone"]);
        assert_eq!(
            field(decide(&ticket, &zone("D"), &here, &layout, Some("zrzyj"), now())),
            ["zone"],
            "D does not handle 不动产"
        );
        let (moved, detail) = decide(&ticket, &zone("D"), &here, &layout, Some("swj"), now()).expect("to the tax zone");
        assert_eq!((moved.zone.as_str(), moved.state, detail.as_str()), ("D", TicketState::Waiting, "C → D"));
        let window = |code: &str| TicketAction::TransferWindow { window: code.into() };
        assert_eq!(field(decide(&ticket, &window("C01"), &here, &layout, None, now())), ["window"]);
        assert_eq!(field(decide(&ticket, &window("C02"), &here, &layout, None, now())), ["window"], "closed");
        let (sent, _) = decide(&ticket, &window("B01"), &here, &layout, None, now()).expect("to B01");
        assert_eq!((sent.target_window.as_deref(), sent.window_code.clone()), (Some("B01"), None));
    }

    #[test]
    fn a_ticket_links_to_a_case_by_a_valid_number_at_its_window() {
        let layout = layout();
        let ticket = called_at("C01");
        let link = |number: &str| TicketAction::LinkCase { case_number: number.into() };
        let number = CaseNumber::new(NaiveDate::from_ymd_opt(2026, 11, 27).expect("day"), 17).expect("number");
        let mistyped = format!("{}0", &number.compact()[..14]);
        let mistyped = if mistyped == number.compact() { format!("{}1", &number.compact()[..14]) } else { mistyped };
        assert!(matches!(
            decide(&ticket, &link(&mistyped), &at(&layout, "C01"), &layout, None, now()),
            Err(TicketError::Invalid(_))
        ));
        assert_eq!(
            decide(&ticket, &link(&number.to_string()), &at(&layout, "B01"), &layout, None, now()),
            Err(TicketError::NotHere("C007".into()))
        );
        let (linked, detail) =
            decide(&ticket, &link(&number.compact()), &at(&layout, "C01"), &layout, None, now()).expect("link");
        assert_eq!((linked.case_number, detail), (Some(number.compact()), number.to_string()));
    }

    #[test]
    fn priorities_and_states_round_trip_through_their_stored_forms() {
        for priority in Priority::ALL {
            assert_eq!(Priority::from_rank(priority.rank()), Some(priority));
        }
        assert_eq!(Priority::from_rank(9), None);
        for state in TicketState::ALL {
            assert_eq!(TicketState::parse(state.code()), Some(state));
        }
        assert_eq!(Priority::parse_choice("elderly"), Ok(Priority::Elderly));
        assert!(Priority::parse_choice("vip").is_err());
    }
}
