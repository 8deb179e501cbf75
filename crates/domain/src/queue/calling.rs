//! The calling rule (叫号): which waiting ticket a window calls next, and how ticket numbers look. The store
//! runs the same order in SQL (`store/src/hall`); a test runs both on generated queues and compares.

use super::ticket::{Ticket, TicketState};

/// What a window serves: whole zones (a general window may serve several) and single matters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WindowServes {
    pub zones: Vec<String>,
    pub matters: Vec<String>,
}

impl WindowServes {
    pub fn serves(&self, ticket: &Ticket) -> bool {
        self.zones.contains(&ticket.zone)
            || ticket.matter_code.as_ref().is_some_and(|matter| self.matters.contains(matter))
    }
}

/// The ticket window `window` calls next: a waiting ticket transferred to it first; otherwise, among the
/// waiting tickets it serves that are not transferred elsewhere, the highest priority, then the one longest
/// in the queue (ties by id, so two windows computing at once agree on the order; the store makes sure only
/// one of them gets it).
pub fn next_ticket<'a>(tickets: &'a [Ticket], window: &str, serves: &WindowServes) -> Option<&'a Ticket> {
    let targeted = |ticket: &Ticket| ticket.target_window.as_deref() == Some(window);
    tickets
        .iter()
        .filter(|ticket| {
            ticket.state == TicketState::Waiting
                && (targeted(ticket) || (ticket.target_window.is_none() && serves.serves(ticket)))
        })
        .min_by_key(|ticket| (!targeted(ticket), ticket.priority, ticket.queued_at, ticket.id))
}

/// The number printed on the `sequence`-th ticket of a zone today: its letter and three digits (`B023`);
/// past 999 the digits grow (`B1000`) rather than wrap, so a number is never given twice in a day.
pub fn ticket_number(prefix: char, sequence: u32) -> String {
    format!("{}{sequence:03}", prefix.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queue::Priority;
    use chrono::{NaiveDate, TimeZone, Utc};

    fn ticket(id: i64, zone: &str, priority: Priority, minute: u32) -> Ticket {
        let at = Utc.with_ymd_and_hms(2026, 3, 2, 1, minute, 0).single().expect("instant");
        Ticket {
            id,
            hall: "centre".into(),
            day: NaiveDate::from_ymd_opt(2026, 3, 2).expect("day"),
            number: format!("{zone}{id:03}"),
            zone: zone.to_string(),
            matter_code: None,
            priority,
            channel: "kiosk".into(),
            state: TicketState::Waiting,
            issued_at: at,
            queued_at: at,
            target_window: None,
            window_code: None,
            called_by: None,
            called_at: None,
            finished_at: None,
            calls: 0,
            id_last_four: None,
            case_number: None,
        }
    }

    fn number(found: Option<&Ticket>) -> Option<&str> {
        found.map(|ticket| ticket.number.as_str())
    }

    #[test]
    fn priorities_go_first_then_the_longest_waiting() {
        let tickets = vec![
            ticket(1, "B", Priority::None, 0),
            ticket(2, "B", Priority::Elderly, 5),
            ticket(3, "B", Priority::Appointment, 10),
            ticket(4, "C", Priority::Appointment, 0),
        ];
        let window = WindowServes { zones: vec!["B".into()], matters: vec![] };
        assert_eq!(number(next_ticket(&tickets, "B01", &window)), Some("B003"));
        let mut served = tickets.clone();
        served[2].state = TicketState::Called;
        assert_eq!(number(next_ticket(&served, "B01", &window)), Some("B002"));
        served[1].state = TicketState::Missed;
        assert_eq!(number(next_ticket(&served, "B01", &window)), Some("B001"));
        let general = WindowServes { zones: vec!["B".into(), "C".into()], matters: vec![] };
        assert_eq!(number(next_ticket(&tickets, "B01", &general)), Some("C004"), "a general window serves both zones");
        assert_eq!(next_ticket(&tickets, "B01", &WindowServes::default()), None);
    }

    #[test]
    fn a_transferred_ticket_goes_to_its_window_first_and_to_no_other() {
        let mut tickets = vec![ticket(1, "B", Priority::Appointment, 0), ticket(2, "C", Priority::None, 9)];
        tickets[1].target_window = Some("B01".into());
        let window = WindowServes { zones: vec!["B".into()], matters: vec![] };
        assert_eq!(number(next_ticket(&tickets, "B01", &window)), Some("C002"), "even before an appointment");
        tickets[1].zone = "B".into();
        tickets[1].target_window = Some("B02".into());
        assert_eq!(number(next_ticket(&tickets, "B01", &window)), Some("B001"));
        tickets[0].state = TicketState::Called;
        assert_eq!(next_ticket(&tickets, "B01", &window), None, "another window's transfer is not ours");
    }

    #[test]
    fn a_window_serving_a_matter_takes_tickets_for_that_matter() {
        let mut for_matter = ticket(1, "A", Priority::None, 0);
        for_matter.matter_code = Some("00013112700401".into());
        let window = WindowServes { zones: vec![], matters: vec!["00013112700401".into()] };
        assert_eq!(number(next_ticket(std::slice::from_ref(&for_matter), "F13", &window)), Some("A001"));
    }

    #[test]
    fn ticket_numbers_never_wrap() {
        assert_eq!(ticket_number('b', 23), "B023");
        assert_eq!(ticket_number('B', 999), "B999");
        assert_eq!(ticket_number('B', 1000), "B1000");
    }
}
