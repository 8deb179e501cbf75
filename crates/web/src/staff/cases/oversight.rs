//! What the back office and the managers oversee: a reviewer's inbox (with the department's open
//! supervision orders), the supervision page with yellow and red cards, the outbox of messages to
//! applicants, and the matters whose cases needed more trips than published.

use crate::case_view::{format_instant, order_line, OrderLine};
use crate::error::Error;
use crate::extract::StaffPage;
use crate::layout::Layout;
use crate::render::render;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use onetrip_app::cases;

pub struct InboxLine {
    pub number: String,
    pub compact: String,
    pub task: String,
    pub matter: String,
    pub due: String,
}

#[derive(Template)]
#[template(path = "staff_inbox.html")]
struct InboxPage {
    layout: Layout,
    orders: Vec<OrderLine>,
    department: String,
    lines: Vec<InboxLine>,
}

pub async fn inbox(State(state): State<AppState>, StaffPage(staff): StaffPage) -> Result<Response, Error> {
    let (department, items) = cases::inbox(&state.app, &staff.actor, 200).await?;
    let catalog = state.catalog();
    let lines = items
        .into_iter()
        .map(|item| InboxLine {
            number: item.case_number.to_string(),
            compact: item.case_number.compact(),
            task: item.name,
            matter: catalog.matter_name(&item.matter_code),
            due: item.due_at.map(|due| format_instant(&state, due)).unwrap_or_default(),
        })
        .collect();
    let orders = cases::open_orders(&state.app, &staff.actor, 100)
        .await?
        .into_iter()
        .map(|order| order_line(&state, order, &staff.actor))
        .collect();
    render(&InboxPage {
        layout: Layout::new(&state, Some(&staff)),
        orders,
        department: catalog.department_name(&department).to_string(),
        lines,
    })
}

pub struct RiskLine {
    pub card: &'static str,
    pub card_label: &'static str,
    pub number: String,
    pub compact: String,
    pub what: String,
    pub matter: String,
    pub department: String,
    pub due: String,
    pub responsible: String,
}

#[derive(Template)]
#[template(path = "supervision.html")]
struct SupervisionPage {
    layout: Layout,
    orders: Vec<OrderLine>,
    share: u32,
    yellow: u64,
    red: u64,
    counts: Vec<(String, String, u64, u64)>,
    lines: Vec<RiskLine>,
    /// 差评 whose call-back or rectification is near or past its deadline: (id, card, label, department, due).
    followups: Vec<(i64, &'static str, &'static str, String, String)>,
}

pub async fn supervision(State(state): State<AppState>, StaffPage(staff): StaffPage) -> Result<Response, Error> {
    let supervision = cases::supervision(&state.app, &staff.actor).await?;
    let now = state.now();
    let catalog = state.catalog();
    let matter = |code: &str| catalog.matter_name(code);
    let counts: Vec<(String, String, u64, u64)> = supervision
        .counts
        .into_iter()
        .map(|count| {
            (
                catalog.department_name(&count.department).to_string(),
                matter(&count.matter_code),
                count.yellow,
                count.red,
            )
        })
        .collect();
    let lines = supervision
        .at_risk
        .into_iter()
        .map(|item| {
            let card = onetrip_domain::supervision::card(
                state.local(now).naive_local(),
                state.local(item.warn_at).naive_local(),
                state.local(item.due_at).naive_local(),
            );
            RiskLine {
                card: card.code(),
                card_label: card.label(),
                number: item.case_number.to_string(),
                compact: item.case_number.compact(),
                what: item.task.as_ref().map(|(_, name)| format!("环节：{name}")).unwrap_or_else(|| "办件".to_string()),
                matter: matter(&item.matter_code),
                department: catalog.department_name(&item.department).to_string(),
                due: format_instant(&state, item.due_at),
                responsible: format!("{}负责人", catalog.department_name(&item.department)),
            }
        })
        .collect();
    let orders = supervision.orders.into_iter().map(|order| order_line(&state, order, &staff.actor)).collect();
    let followups = onetrip_app::ratings::followups::at_risk(&state.app, &staff.actor)
        .await?
        .into_iter()
        .filter_map(|(followup, card)| {
            let due = followup.current_deadline()?;
            Some((
                followup.rating_id,
                card.code(),
                card.label(),
                catalog.department_name(&followup.department).to_string(),
                format_instant(&state, due),
            ))
        })
        .collect();
    render(&SupervisionPage {
        layout: Layout::new(&state, Some(&staff)),
        followups,
        orders,
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        share: (state.app.config.warn_share * 100.0).round() as u32,
        yellow: counts.iter().map(|count| count.2).sum(),
        red: counts.iter().map(|count| count.3).sum(),
        counts,
        lines,
    })
}

pub struct OutboxLine {
    pub at: String,
    pub number: String,
    pub compact: String,
    pub channel: &'static str,
    pub recipient: String,
    pub body: String,
    pub sent: String,
}

#[derive(Template)]
#[template(path = "outbox.html")]
struct OutboxPage {
    layout: Layout,
    lines: Vec<OutboxLine>,
}

pub async fn outbox(State(state): State<AppState>, StaffPage(staff): StaffPage) -> Result<Response, Error> {
    let lines = cases::outbox(&state.app, &staff.actor, 200)
        .await?
        .into_iter()
        .map(|message| OutboxLine {
            at: format_instant(&state, message.created_at),
            number: message.case_number.to_string(),
            compact: message.case_number.compact(),
            channel: if message.notification.channel == "sms" { "短信" } else { "电子邮件" },
            recipient: onetrip_domain::applicant::masked_phone(&message.notification.recipient),
            body: message.notification.body,
            sent: message.sent_at.map(|at| format_instant(&state, at)).unwrap_or_else(|| "待发送".to_string()),
        })
        .collect();
    render(&OutboxPage { layout: Layout::new(&state, Some(&staff)), lines })
}

pub struct TripLine {
    pub code: String,
    pub matter: String,
    pub department: String,
    pub published: u8,
    pub cases: u64,
    pub causes: Vec<(String, u64)>,
    pub examples: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "trips.html")]
struct TripsPage {
    layout: Layout,
    lines: Vec<TripLine>,
}

/// `GET /staff/trips`: matters whose cases needed more trips to the hall than their published 到办事现场次数,
/// with the reasons recorded for the trips: the reform's own measure.
pub async fn trips(State(state): State<AppState>, StaffPage(staff): StaffPage) -> Result<Response, Error> {
    let catalog = state.catalog();
    let lines = cases::trips_over_published(&state.app, &staff.actor)
        .await?
        .into_iter()
        .map(|line| TripLine {
            department: catalog.department_name(&line.department).to_string(),
            code: line.code,
            matter: line.name,
            published: line.published,
            cases: line.report.cases,
            causes: line.report.causes,
            examples: line.report.examples.iter().map(|number| (number.to_string(), number.compact())).collect(),
        })
        .collect();
    render(&TripsPage { layout: Layout::new(&state, Some(&staff)), lines })
}

#[cfg(test)]
mod tests {
    use onetrip_domain::applicant::masked_phone;

    #[test]
    fn phones_are_masked_in_the_middle() {
        assert_eq!(masked_phone("13812341234"), "138****1234");
        assert_eq!(masked_phone("12345"), "*****");
    }
}
