//! The staff page of one case: the summary, the acceptance checklist and decisions, the reviewer's task,
//! the clock, supervision orders and delivery — each form shown exactly when `allowed_actions` offers it —
//! and the handlers of those forms, which all go through `onetrip_app::cases::act`.

use super::window::supplied_from;
use crate::auth::Staff;
use crate::case_view::{case_view, CaseView};
use crate::error::Error;
use crate::extract::{listed, StaffForm, StaffPage};
use crate::layout::Layout;
use crate::links::{parse_case_number, see_other};
use crate::render::render_with;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use onetrip_app::cases::{self, CaseDetails};
use onetrip_domain::acceptance::{MaterialProblem, Supplied};
use onetrip_domain::access::Permission;
use onetrip_domain::case::{ActionKind, CaseAction, OrderRef};
use onetrip_domain::case_number::CaseNumber;
use onetrip_domain::catalog::MaterialNecessity;
use onetrip_domain::review::ReviewAction;
use serde::Deserialize;

/// Which of the page's forms this member of staff may use now.
pub struct Actions {
    pub correction_notice: bool,
    pub record_correction: bool,
    pub accept: bool,
    pub refuse: bool,
    pub pause: bool,
    pub resume: bool,
    pub extend: bool,
    pub deliver: bool,
    pub order: bool,
}

impl Actions {
    fn of(details: &CaseDetails) -> Self {
        Self {
            correction_notice: details.may(ActionKind::RequestCorrection),
            record_correction: details.may(ActionKind::RecordCorrection),
            accept: details.may(ActionKind::Accept),
            refuse: details.may(ActionKind::RefuseToAccept),
            pause: details.may(ActionKind::Pause),
            resume: details.may(ActionKind::Resume),
            extend: details.may(ActionKind::Extend),
            deliver: details.may(ActionKind::Deliver),
            order: details.may(ActionKind::IssueOrder),
        }
    }

    /// Any acceptance decision: the checklist is a form.
    pub fn acceptance(&self) -> bool {
        self.correction_notice || self.record_correction || self.accept || self.refuse
    }
}

#[derive(Template)]
#[template(path = "staff_case.html")]
struct CasePage {
    layout: Layout,
    view: CaseView,
    csrf_token: String,
    revision: i64,
    actions: Actions,
    /// May sign off a second correction notice (the reason field).
    supervisor: bool,
    checklist: Vec<ChecklistLine>,
    errors: Vec<(String, String)>,
    flash: String,
    /// Where the breadcrumb leads back to, by what the member of staff does: the window's queue, the
    /// reviewer's inbox, or supervision.
    back: (&'static str, &'static str),
}

/// The list a member of staff came to a case from.
fn back_to(staff: &Staff) -> (&'static str, &'static str) {
    if staff.may(Permission::AcceptCases) {
        ("/staff/cases", "窗口办件")
    } else if staff.may(Permission::ReviewCases) {
        ("/staff/inbox", "待办环节")
    } else if staff.may(Permission::Supervise) {
        ("/staff/supervision", "督办")
    } else {
        ("/staff", "工作台")
    }
}

pub struct ChecklistLine {
    pub index: usize,
    pub name: String,
    pub necessity: &'static str,
    pub deferrable: bool,
    pub pledge_allowed: bool,
    pub value: &'static str,
    /// Supplied through data sharing, as the window reads it, or empty.
    pub shared: String,
}

async fn case_page(
    state: &AppState,
    staff: &Staff,
    number: &CaseNumber,
    errors: Vec<(String, String)>,
    flash: String,
    status: StatusCode,
) -> Result<Response, Error> {
    let details = cases::details(&state.app, &staff.actor, number).await?;
    let document = &details.case.document;
    let checklist = details
        .matter
        .matter
        .materials
        .iter()
        .enumerate()
        .map(|(index, material)| ChecklistLine {
            index,
            name: material.name.clone(),
            necessity: material.necessity.label(),
            deferrable: material.necessity == MaterialNecessity::Deferrable,
            pledge_allowed: material.pledge_allowed,
            shared: document
                .materials
                .get(index)
                .and_then(|record| record.shared.as_ref())
                .map(crate::case_view::shared_text)
                .unwrap_or_default(),
            value: match document.materials.get(index).map(|record| record.supplied).unwrap_or(Supplied::Missing) {
                Supplied::Provided => "provided",
                Supplied::Deferred => "deferred",
                Supplied::Pledged => "pledged",
                Supplied::Missing => "missing",
            },
        })
        .collect();
    let status = if errors.is_empty() || status != StatusCode::OK { status } else { StatusCode::UNPROCESSABLE_ENTITY };
    render_with(
        status,
        &CasePage {
            layout: Layout::new(state, Some(staff)),
            view: case_view(state, &details, &staff.actor),
            csrf_token: staff.csrf_token.clone(),
            revision: details.case.revision,
            actions: Actions::of(&details),
            supervisor: staff.may(Permission::SignOffCorrection),
            checklist,
            errors,
            flash,
            back: back_to(staff),
        },
    )
}

#[derive(Deserialize)]
pub struct FlashQuery {
    #[serde(default)]
    done: String,
}

pub async fn case(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(number): Path<String>,
    Query(query): Query<FlashQuery>,
) -> Result<Response, Error> {
    let number = parse_case_number(&number)?;
    let flash = match query.done.as_str() {
        "acceptance" => "已保存受理决定。",
        "review" => "已提交审查意见。",
        "delivery" => "已登记送达，办件办结。",
        "clock" => "已保存，并已通知申请人。",
        "order" => "已下达督办。",
        "answer" => "已回复督办。",
        _ => "",
    };
    case_page(&state, &staff, &number, Vec::new(), flash.to_string(), StatusCode::OK).await
}

/// Does `action` and goes back to the case page: with a flash when it worked, with the messages (and the
/// status that says why) when it did not.
async fn act_on_page(
    state: &AppState,
    staff: &Staff,
    number: &CaseNumber,
    action: CaseAction,
    expected_revision: Option<i64>,
    done: &str,
) -> Result<Response, Error> {
    match cases::act(&state.app, &staff.actor, number, action, expected_revision).await.map_err(Error::from) {
        Ok(acted) => Ok(see_other(&format!("/staff/cases/{}?done={done}", acted.case.number.compact()))),
        Err(Error::Validation(errors)) => {
            case_page(state, staff, number, listed(&errors), String::new(), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(Error::Conflict(_, message)) => {
            case_page(state, staff, number, vec![(String::new(), message)], String::new(), StatusCode::CONFLICT).await
        }
        Err(other) => Err(other),
    }
}

/// A form's own refusal, before anything is tried (a choice not made).
async fn refuse_form(
    state: &AppState,
    staff: &Staff,
    number: &CaseNumber,
    field: &str,
    message: &str,
) -> Result<Response, Error> {
    let errors = vec![(field.to_string(), message.to_string())];
    case_page(state, staff, number, errors, String::new(), StatusCode::UNPROCESSABLE_ENTITY).await
}

pub async fn acceptance(
    State(state): State<AppState>,
    Path(number): Path<String>,
    StaffForm(staff, values): StaffForm,
) -> Result<Response, Error> {
    let number = parse_case_number(&number)?;
    let details = cases::details(&state.app, &staff.actor, &number).await?;
    let materials = &details.matter.matter.materials;
    let count = details.case.document.materials.len();
    let supplied: Vec<Supplied> = (0..count).map(|index| supplied_from(values.get(&format!("m{index}")))).collect();
    let notes: Vec<MaterialProblem> = (0..count)
        .filter_map(|index| {
            let note = values.get(&format!("note{index}")).trim();
            (!note.is_empty()).then(|| MaterialProblem {
                material: index,
                // Each hand-written note carries the name of its material onto the correction notice.
                name: materials.get(index).map(|material| material.name.clone()).unwrap_or_default(),
                problem: note.chars().take(200).collect(),
            })
        })
        .collect();
    let action = match values.get("decision") {
        "accept" => CaseAction::Accept { supplied },
        "correction_notice" => CaseAction::RequestCorrection {
            supplied,
            notes,
            supervisor_reason: Some(values.get("supervisor_reason").trim().to_string())
                .filter(|reason| !reason.is_empty()),
        },
        "corrected" => CaseAction::RecordCorrection { supplied },
        "refuse" => CaseAction::RefuseToAccept { reasons: values.get("reasons").to_string() },
        _ => return refuse_form(&state, &staff, &number, "decision", "请选择受理决定").await,
    };
    let revision = values.get("revision").parse::<i64>().ok();
    act_on_page(&state, &staff, &number, action, revision, "acceptance").await
}

pub async fn review(
    State(state): State<AppState>,
    Path(number): Path<String>,
    StaffForm(staff, values): StaffForm,
) -> Result<Response, Error> {
    let number = parse_case_number(&number)?;
    let task = values.get("task").parse::<usize>().unwrap_or(usize::MAX);
    let reason = values.get("reason").to_string();
    let action = match values.get("action") {
        "approve" => ReviewAction::Approve { task },
        "propose_refusal" => ReviewAction::ProposeRefusal { task, reason },
        "return" => ReviewAction::Return { task, to_stage: values.get("to_stage").parse::<u16>().unwrap_or(0), reason },
        "grant" => ReviewAction::Decide { task, granted: true, reasons: reason },
        "refuse" => ReviewAction::Decide { task, granted: false, reasons: reason },
        _ => return refuse_form(&state, &staff, &number, "action", "请选择审查意见").await,
    };
    act_on_page(&state, &staff, &number, CaseAction::Review(action), None, "review").await
}

pub async fn delivery(
    State(state): State<AppState>,
    Path(number): Path<String>,
    StaffForm(staff, values): StaffForm,
) -> Result<Response, Error> {
    let number = parse_case_number(&number)?;
    let action = CaseAction::Deliver {
        method: values.get("method").to_string(),
        tracking_number: values.get("tracking_number").to_string(),
    };
    act_on_page(&state, &staff, &number, action, None, "delivery").await
}

pub async fn clock(
    State(state): State<AppState>,
    Path(number): Path<String>,
    StaffForm(staff, values): StaffForm,
) -> Result<Response, Error> {
    let number = parse_case_number(&number)?;
    let reason = values.get("reason").to_string();
    let action = match values.get("action") {
        "pause" => CaseAction::Pause { procedure: values.get("procedure").to_string(), reason },
        "resume" => CaseAction::Resume,
        "extend" => match values.get("working_days").trim().parse::<u32>() {
            Ok(working_days) => CaseAction::Extend { working_days, reason },
            Err(_) => return refuse_form(&state, &staff, &number, "working_days", "请填写延长的工作日数，如 10").await,
        },
        _ => return Err(Error::BadRequest("未知的操作".to_string())),
    };
    act_on_page(&state, &staff, &number, action, None, "clock").await
}

pub async fn issue_order(
    State(state): State<AppState>,
    Path(number): Path<String>,
    StaffForm(staff, values): StaffForm,
) -> Result<Response, Error> {
    let number = parse_case_number(&number)?;
    let action = CaseAction::IssueOrder {
        instruction: values.get("instruction").to_string(),
        deadline: values.get("deadline").to_string(),
    };
    act_on_page(&state, &staff, &number, action, None, "order").await
}

pub async fn answer_order(
    State(state): State<AppState>,
    Path((number, id)): Path<(String, i64)>,
    StaffForm(staff, values): StaffForm,
) -> Result<Response, Error> {
    let number = parse_case_number(&number)?;
    let order = OrderRef { id, department: String::new(), answered: false };
    let action = CaseAction::AnswerOrder { order, answer: values.get("answer").to_string() };
    act_on_page(&state, &staff, &number, action, None, "answer").await
}
