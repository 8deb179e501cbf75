//! The window's case pages: what waits for it (applications to accept, corrections awaited, results to
//! deliver) and registering an application handed in at the window — linked to the hall ticket it came
//! from, when it came from one.

use crate::auth::Staff;
use crate::case_view::{channel_label, format_instant};
use crate::error::Error;
use crate::extract::{listed, FormValues, StaffForm, StaffPage};
use crate::layout::Layout;
use crate::links::see_other;
use crate::render::{render, render_with};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use onetrip_app::cases::{self, ApplicantInput, SubmitCase};
use onetrip_domain::acceptance::Supplied;
use onetrip_domain::access::Permission;
use onetrip_domain::case::Phase;
use onetrip_domain::case_number::CaseNumber;
use onetrip_domain::queue::TicketAction;
use serde::Deserialize;

pub struct QueueLine {
    pub number: String,
    pub compact: String,
    pub matter: String,
    pub channel: &'static str,
    pub received: String,
    pub phase_label: &'static str,
}

#[derive(Template)]
#[template(path = "staff_cases.html")]
struct QueuePage {
    layout: Layout,
    groups: Vec<(&'static str, Vec<QueueLine>)>,
    can_register: bool,
}

/// `GET /staff/cases`: what waits for the window.
pub async fn queue(State(state): State<AppState>, StaffPage(staff): StaffPage) -> Result<Response, Error> {
    let catalog = state.catalog();
    let mut groups = Vec::new();
    for (phase, title) in [
        (Phase::Received, "待受理（已收件）"),
        (Phase::AwaitingCorrection, "待申请人补正"),
        (Phase::Granted, "已作出准予决定，待送达"),
        (Phase::Refused, "已作出不予决定，待送达"),
    ] {
        let lines = cases::queue(&state.app, &staff.actor, phase)
            .await?
            .into_iter()
            .map(|case| QueueLine {
                number: case.number.to_string(),
                compact: case.number.compact(),
                matter: catalog.matter_name(&case.matter_code),
                channel: match channel_label(case.channel) {
                    "部门系统报送" => "部门系统",
                    label => label,
                },
                received: format_instant(&state, case.received_at),
                phase_label: case.phase.label(),
            })
            .collect();
        groups.push((title, lines));
    }
    render(&QueuePage {
        layout: Layout::new(&state, Some(&staff)),
        groups,
        can_register: staff.may(Permission::AcceptCases),
    })
}

#[derive(Template)]
#[template(path = "staff_case_new.html")]
struct NewCasePage {
    layout: Layout,
    csrf_token: String,
    matter_code: String,
    matter: String,
    /// Each material: its position, name, necessity, and the shared source it can be taken from (or empty).
    materials: Vec<(usize, String, &'static str, String)>,
    kind: String,
    id_number: String,
    name: String,
    phone: String,
    errors: Vec<(String, String)>,
    /// The hall ticket this registration comes from (with its window), to link the new case to it.
    ticket: String,
    window: String,
}

#[derive(Deserialize)]
pub struct NewCaseQuery {
    #[serde(default)]
    matter: String,
    #[serde(default)]
    ticket: String,
    #[serde(default)]
    window: String,
}

fn new_case_page(
    state: &AppState,
    staff: &Staff,
    code: &str,
    values: &FormValues,
    errors: Vec<(String, String)>,
) -> Result<Response, Error> {
    let catalog = state.catalog();
    let version = catalog.active_version(code.trim());
    let page = NewCasePage {
        layout: Layout::new(state, Some(staff)),
        csrf_token: staff.csrf_token.clone(),
        matter_code: code.trim().to_string(),
        matter: version.map(|version| version.matter.name.clone()).unwrap_or_default(),
        materials: version
            .map(|version| {
                version
                    .matter
                    .materials
                    .iter()
                    .enumerate()
                    .map(|(index, material)| {
                        let source = onetrip_app::sharing::source_for(&state.app, &material.shared_from)
                            .map(|source| crate::source_view::source_label(state, &source.code()))
                            .unwrap_or_default();
                        (index, material.name.clone(), material.necessity.label(), source)
                    })
                    .collect()
            })
            .unwrap_or_default(),
        kind: match values.get("kind") {
            "" => "natural_person".to_string(),
            kind => kind.to_string(),
        },
        id_number: values.get("id_number").to_string(),
        name: values.get("name").to_string(),
        phone: values.get("phone").to_string(),
        ticket: values.get("ticket").to_string(),
        window: values.get("window").to_string(),
        errors: errors.clone(),
    };
    if errors.is_empty() {
        render(&page)
    } else {
        render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
    }
}

pub async fn new_case_form(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Query(query): Query<NewCaseQuery>,
) -> Result<Response, Error> {
    staff.require(Permission::AcceptCases)?;
    let values = FormValues(vec![("ticket".to_string(), query.ticket), ("window".to_string(), query.window)]);
    new_case_page(&state, &staff, &query.matter, &values, Vec::new())
}

/// What the checklist's select says a material is.
pub fn supplied_from(value: &str) -> Supplied {
    match value {
        "provided" => Supplied::Provided,
        "deferred" => Supplied::Deferred,
        "pledged" => Supplied::Pledged,
        _ => Supplied::Missing,
    }
}

pub async fn create_case(
    State(state): State<AppState>,
    StaffForm(staff, values): StaffForm,
) -> Result<Response, Error> {
    staff.require(Permission::AcceptCases)?;
    let code = values.get("matter_code").trim().to_string();
    let count = state.catalog().version(&code).map(|version| version.matter.materials.len()).unwrap_or(0);
    let supplied = (0..count).map(|index| supplied_from(values.get(&format!("m{index}")))).collect();
    let shared = (0..count).filter(|index| values.get(&format!("s{index}")) == "shared").collect();
    let request = SubmitCase {
        matter_code: code.clone(),
        applicant: ApplicantInput {
            kind: values.get("kind").to_string(),
            id_number: values.get("id_number").to_string(),
            name: values.get("name").to_string(),
            phone: values.get("phone").to_string(),
        },
        supplied,
        attachments: Vec::new(),
        shared,
    };
    let key = values.get("form_id");
    match cases::submit(&state.app, &staff.actor, request, (!key.is_empty()).then_some(key)).await.map_err(Error::from)
    {
        Ok((case, _)) => {
            link_ticket(&state, &staff, &values, &case.number).await;
            Ok(see_other(&format!("/staff/cases/{}", case.number.compact())))
        }
        Err(Error::Validation(errors)) => new_case_page(&state, &staff, &code, &values, listed(&errors)),
        Err(other) => Err(other),
    }
}

/// Links the hall ticket the registration came from to the new case. The case stands whatever happens here;
/// a ticket that cannot be linked (already finished, another window) is only logged.
async fn link_ticket(state: &AppState, staff: &Staff, values: &FormValues, number: &CaseNumber) {
    let (Ok(ticket), window) = (values.get("ticket").parse::<i64>(), values.get("window")) else {
        return;
    };
    let action = TicketAction::LinkCase { case_number: number.to_string() };
    if let Err(error) = onetrip_app::hall::ticket_action(&state.app, &staff.actor, window, ticket, &action).await {
        tracing::warn!(ticket, %error, "ticket not linked to the new case");
    }
}
