//! The window staff's pages: the windows they may sign in at, and one window's workbench — presence,
//! calling the next ticket, and what to do with the ticket being served (recall, miss, rejoin, finish,
//! transfer, open or link a case).

use crate::error::Error;
use crate::extract::{joined, StaffForm, StaffPage};
use crate::layout::Layout;
use crate::links::see_other;
use crate::render::{render, render_with};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use onetrip_app::hall::{self, PresenceAction, TicketView};
use onetrip_app::AppError;
use onetrip_domain::access::Permission;
use onetrip_domain::queue::TicketAction;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "hall_windows.html")]
struct WindowsPage {
    layout: Layout,
    windows: Vec<(String, String, bool)>,
    mine: String,
}

/// `GET /staff/windows`: the windows this member of staff may work at.
pub async fn windows(State(state): State<AppState>, StaffPage(staff): StaffPage) -> Result<Response, Error> {
    let (choices, mine) = hall::my_windows(&state.app, &staff.actor).await?;
    let windows =
        choices.into_iter().map(|choice| (choice.window.code, choice.zone_name, choice.unavailable)).collect();
    render(&WindowsPage { layout: Layout::new(&state, Some(&staff)), windows, mine: mine.unwrap_or_default() })
}

#[derive(Template)]
#[template(path = "hall_workbench.html")]
struct WorkbenchPage {
    layout: Layout,
    csrf_token: String,
    window: String,
    zone_name: String,
    presence: String,
    current: Option<TicketView>,
    /// The last four ID characters the visitor gave at the kiosk, for finding their cases (window only).
    last_four: String,
    missed: Vec<(i64, String)>,
    waiting: usize,
    zones: Vec<(String, String)>,
    windows: Vec<String>,
    flash: String,
    error: String,
}

#[derive(Deserialize, Default)]
pub struct FlashQuery {
    #[serde(default)]
    flash: String,
}

async fn workbench_page(
    state: &AppState,
    staff: &crate::auth::Staff,
    code: &str,
    flash: String,
    error: String,
) -> Result<Response, Error> {
    let desk = hall::desk(&state.app, &staff.actor, code).await?;
    let presence = match desk.presence {
        "mine_break" => "暂离中",
        "mine" => "在岗",
        "other" => "其他人在岗",
        _ => "未上岗",
    };
    let status = if error.is_empty() { StatusCode::OK } else { StatusCode::CONFLICT };
    render_with(
        status,
        &WorkbenchPage {
            layout: Layout::new(state, Some(staff)),
            csrf_token: staff.csrf_token.clone(),
            window: desk.window.code.clone(),
            zone_name: desk.zone_name,
            presence: presence.to_string(),
            current: desk.current,
            last_four: desk.last_four,
            missed: desk.missed,
            waiting: desk.waiting,
            zones: desk.zones,
            windows: desk.windows,
            flash,
            error,
        },
    )
}

/// `GET /staff/windows/{code}`: the workbench of one window.
pub async fn workbench(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(code): Path<String>,
    Query(query): Query<FlashQuery>,
) -> Result<Response, Error> {
    staff.require(Permission::ServeAtWindow)?;
    let flash = match query.flash.as_str() {
        "called" => "已叫号",
        "nobody" => "现在没有人等候",
        "done" => "已办完",
        "signed_in" => "已上岗",
        "break" => "已暂离，回来后请点“回岗”",
        "back" => "已回岗",
        "signed_out" => "已下岗",
        "recalled" => "已重呼",
        "missed" => "已过号",
        "rejoined" => "已重新排队",
        "transferred" => "已转号",
        _ => "",
    };
    workbench_page(&state, &staff, &code, flash.to_string(), String::new()).await
}

#[derive(Deserialize)]
pub struct WorkbenchForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    ticket: i64,
    #[serde(default)]
    zone: String,
    #[serde(default)]
    window: String,
    #[serde(default)]
    case_number: String,
}

/// `POST /staff/windows/{code}`: sign in/out, break, call next, recall, miss, rejoin, finish, transfer, or
/// open a case from the ticket.
pub async fn workbench_action(
    State(state): State<AppState>,
    Path(code): Path<String>,
    StaffForm(staff, form): StaffForm<WorkbenchForm>,
) -> Result<Response, Error> {
    staff.require(Permission::ServeAtWindow)?;
    let back = |flash: &str| see_other(&format!("/staff/windows/{code}?flash={flash}"));
    let app = &state.app;
    let outcome: Result<Response, AppError> = async {
        match form.action.as_str() {
            "sign_in" | "break" | "back" | "sign_out" => {
                hall::presence(app, &staff.actor, &code, PresenceAction::parse(&form.action)?).await?;
                Ok(back(match form.action.as_str() {
                    "sign_in" => "signed_in",
                    "sign_out" => "signed_out",
                    other => other,
                }))
            }
            "call" => {
                Ok(back(if hall::call_next(app, &staff.actor, &code).await?.is_some() { "called" } else { "nobody" }))
            }
            "open_case" => {
                // The ticket leads to a new case at this window: the registration form, which links it.
                let ticket = hall::window_ticket(app, &staff.actor, form.ticket).await?;
                let matter = ticket.matter_code.unwrap_or_default();
                Ok(see_other(&format!("/staff/cases/new?matter={matter}&ticket={}&window={code}", ticket.id)))
            }
            action => {
                let action = match action {
                    "recall" => TicketAction::Recall,
                    "miss" => TicketAction::Miss,
                    "rejoin" => TicketAction::Rejoin,
                    "finish" => TicketAction::Finish,
                    "transfer_zone" => TicketAction::TransferZone { zone: form.zone.clone() },
                    "transfer_window" => TicketAction::TransferWindow { window: form.window.clone() },
                    "link_case" => TicketAction::LinkCase { case_number: form.case_number.clone() },
                    _ => return Err(AppError::field("action", "未知的操作")),
                };
                let done = hall::ticket_action(app, &staff.actor, &code, form.ticket, &action).await?;
                Ok(match action {
                    TicketAction::LinkCase { .. } => {
                        see_other(&format!("/staff/cases/{}", done.case_number.unwrap_or_default()))
                    }
                    TicketAction::Recall => back("recalled"),
                    TicketAction::Miss => back("missed"),
                    TicketAction::Rejoin => back("rejoined"),
                    TicketAction::Finish => back("done"),
                    _ => back("transferred"),
                })
            }
        }
    }
    .await;
    match outcome {
        Ok(response) => Ok(response),
        Err(AppError::Validation(errors)) if errors.first("action") == Some("未知的操作") => {
            Err(Error::BadRequest("未知的操作".to_string()))
        }
        Err(AppError::Validation(errors)) => {
            workbench_page(&state, &staff, &code, String::new(), joined(&errors)).await
        }
        Err(AppError::Conflict(_, message)) => workbench_page(&state, &staff, &code, String::new(), message).await,
        Err(other) => Err(other.into()),
    }
}
