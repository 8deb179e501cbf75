//! The hall's queue: the ticket aggregate and its state machine (`ticket.rs`), the calling rule and ticket
//! numbers (`calling.rs`), and window planning by Erlang C (`planning.rs`). A new ticket action goes into
//! [`TicketAction`] and [`decide`].

mod calling;
mod planning;
mod ticket;

pub use calling::{next_ticket, ticket_number, WindowServes};
pub use planning::{average_wait, erlang_c, plan_windows, windows_needed, WindowPlan};
pub use ticket::{decide, Priority, Ticket, TicketAction, TicketError, TicketState};
