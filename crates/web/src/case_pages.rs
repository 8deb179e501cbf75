//! Staff pages for cases: the window's queue and registration of an application at the window, the case
//! page with the acceptance checklist and decisions, the reviewers' inbox and actions, delivery of the
//! result, printable notices, the supervision page with yellow and red cards, and the outbox.
//!
//! Every page checks who may see the case (`cases::case_for_staff`); every form carries the CSRF token and
//! goes through the same functions as the API (`crate::cases`).

use crate::auth::Staff;
use crate::cases::{self, AcceptanceRequest, CaseDocument, CaseView, ClockRequest, DeliveryRequest, ReviewRequest};
use crate::error::Error;
use crate::pages::{render, Layout};
use crate::staff::StaffPage;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::{DateTime, Utc};
use onetrip_domain::acceptance::{MaterialProblem, Supplied};
use onetrip_domain::access::Permission;
use onetrip_domain::case_number::CaseNumber;
use onetrip_domain::catalog::MaterialNecessity;
use onetrip_domain::upload::FileKind;
use onetrip_store::{CaseRecord, StoredFile};
use serde::Deserialize;

fn parse_number(text: &str) -> Result<CaseNumber, Error> {
    CaseNumber::parse(text).map_err(|_| Error::NotFound(format!("办件 {text}")))
}

fn see_other(location: &str) -> Response {
    Redirect::to(location).into_response()
}

fn form_value<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str()).unwrap_or_default()
}

fn format_instant(state: &AppState, instant: DateTime<Utc>) -> String {
    state.local(instant).format("%Y-%m-%d %H:%M").to_string()
}

// ---------------------------------------------------------------------------------------------------------
// The window's queue

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

async fn queue_lines(state: &AppState, staff: &Staff, phase: &str) -> Result<Vec<QueueLine>, Error> {
    let department = if staff.may(Permission::Supervise) { None } else { staff.user.department.as_deref() };
    let catalog = state.catalog();
    Ok(state
        .store
        .cases_in_phase(phase, department, 200)
        .await?
        .into_iter()
        .map(|record| QueueLine {
            number: record.number.to_string(),
            compact: record.number.compact(),
            matter: catalog
                .version(&record.matter_code)
                .map(|version| version.matter.name.clone())
                .unwrap_or_else(|| record.matter_code.clone()),
            channel: match record.channel.as_str() {
                "online" => "网上申请",
                "window" => "窗口收件",
                _ => "部门系统",
            },
            received: format_instant(state, record.received_at),
            phase_label: cases::phase_label(&record.phase),
        })
        .collect())
}

/// `GET /staff/cases`: what waits for the window: applications to accept, corrections awaited, results
/// to deliver.
pub async fn queue(State(state): State<AppState>, StaffPage(staff): StaffPage) -> Result<Response, Error> {
    if !staff.may(Permission::AcceptCases) && !staff.may(Permission::Supervise) {
        return Err(Error::Forbidden);
    }
    let mut groups = Vec::new();
    for (phase, title) in [
        ("received", "待受理（已收件）"),
        ("awaiting_correction", "待申请人补正"),
        ("granted", "准予许可，待送达"),
        ("refused", "不予许可，待送达"),
    ] {
        groups.push((title, queue_lines(&state, &staff, phase).await?));
    }
    render(&QueuePage {
        layout: Layout::new(&state, Some(&staff)),
        groups,
        can_register: staff.may(Permission::AcceptCases),
    })
}

// ---------------------------------------------------------------------------------------------------------
// Registering an application at the window

#[derive(Template)]
#[template(path = "staff_case_new.html")]
struct NewCasePage {
    layout: Layout,
    csrf_token: String,
    matter_code: String,
    matter: String,
    materials: Vec<(usize, String, &'static str)>,
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
    values: &[(String, String)],
    errors: Vec<(String, String)>,
) -> Result<Response, Error> {
    let catalog = state.catalog();
    let version = catalog.version(code.trim()).filter(|version| !version.adjustment.kind.ends_the_matter());
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
                    .map(|(index, material)| (index, material.name.clone(), material.necessity.label()))
                    .collect()
            })
            .unwrap_or_default(),
        kind: match form_value(values, "kind") {
            "" => "natural_person".to_string(),
            kind => kind.to_string(),
        },
        id_number: form_value(values, "id_number").to_string(),
        name: form_value(values, "name").to_string(),
        phone: form_value(values, "phone").to_string(),
        errors: errors.clone(),
        ticket: form_value(values, "ticket").to_string(),
        window: form_value(values, "window").to_string(),
    };
    let response = render(&page)?;
    Ok(if errors.is_empty() {
        response
    } else {
        let mut response = response;
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        response
    })
}

pub async fn new_case_form(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Query(query): Query<NewCaseQuery>,
) -> Result<Response, Error> {
    staff.require(Permission::AcceptCases)?;
    let values = vec![("ticket".to_string(), query.ticket.clone()), ("window".to_string(), query.window.clone())];
    new_case_page(&state, &staff, &query.matter, &values, Vec::new())
}

pub async fn create_case(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Form(values): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    staff.require(Permission::AcceptCases)?;
    staff.check_csrf(Some(form_value(&values, "csrf_token")))?;
    let code = form_value(&values, "matter_code").trim().to_string();
    let count = state.catalog().version(&code).map(|version| version.matter.materials.len()).unwrap_or(0);
    let supplied = (0..count).map(|index| supplied_from(form_value(&values, &format!("m{index}")))).collect::<Vec<_>>();
    let request = cases::SubmitCase {
        matter_code: code.clone(),
        applicant: cases::ApplicantInput {
            kind: form_value(&values, "kind").to_string(),
            id_number: form_value(&values, "id_number").to_string(),
            name: form_value(&values, "name").to_string(),
            phone: form_value(&values, "phone").to_string(),
        },
        supplied,
        attachments: Vec::new(),
    };
    let key = form_value(&values, "form_id");
    match cases::submit(&state, &staff, request, (!key.is_empty()).then_some(key)).await {
        Ok((record, _)) => {
            link_ticket(&state, &staff, &values, &record.number).await;
            Ok(see_other(&format!("/staff/cases/{}", record.number.compact())))
        }
        Err(Error::Validation(errors)) => {
            let listed = errors.iter().map(|(field, messages)| (field.to_string(), messages.join("；"))).collect();
            new_case_page(&state, &staff, &code, &values, listed)
        }
        Err(other) => Err(other),
    }
}

/// Links the hall ticket the registration came from to the new case. The case stands whatever happens here;
/// a ticket that cannot be linked (already finished, another window) is only logged.
async fn link_ticket(state: &AppState, staff: &Staff, values: &[(String, String)], number: &CaseNumber) {
    let (Ok(ticket), window) = (form_value(values, "ticket").parse::<i64>(), form_value(values, "window")) else {
        return;
    };
    let action = crate::hall::TicketAction::LinkCase { case_number: number.to_string() };
    if let Err(error) = crate::hall::ticket_action(state, staff, window, ticket, &action).await {
        tracing::warn!(ticket, error = %error.message(), "ticket not linked to the new case");
    }
}

fn supplied_from(value: &str) -> Supplied {
    match value {
        "provided" => Supplied::Provided,
        "deferred" => Supplied::Deferred,
        "pledged" => Supplied::Pledged,
        _ => Supplied::Missing,
    }
}

// ---------------------------------------------------------------------------------------------------------
// The case page

#[derive(Template)]
#[template(path = "staff_case.html")]
struct CasePage {
    layout: Layout,
    view: CaseView,
    csrf_token: String,
    revision: i64,
    can_accept: bool,
    can_deliver: bool,
    supervisor: bool,
    /// May stop and restart the clock: the case's department or a manager, while it is under review.
    can_pause: bool,
    can_extend: bool,
    can_order: bool,
    /// The staff member's department, whatever the role: the department answers supervision orders.
    my_department_any: String,
    my_department: String,
    checklist: Vec<ChecklistLine>,
    errors: Vec<(String, String)>,
    flash: String,
}

pub struct ChecklistLine {
    pub index: usize,
    pub name: String,
    pub necessity: &'static str,
    pub deferrable: bool,
    pub pledge_allowed: bool,
    pub value: &'static str,
}

async fn case_page(
    state: &AppState,
    staff: &Staff,
    number: &CaseNumber,
    errors: Vec<(String, String)>,
    flash: String,
) -> Result<Response, Error> {
    let (record, document) = cases::case_for_staff(state, staff, number).await?;
    let view = cases::case_view(state, &record, &document).await?;
    let version = state
        .store
        .matter_versions(&record.matter_code)
        .await?
        .into_iter()
        .find(|version| version.version == record.matter_version)
        .ok_or_else(|| Error::Internal("case without its matter version".to_string()))?;
    let checklist = version
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
            value: match document.supplied.get(index).copied().unwrap_or(Supplied::Missing) {
                Supplied::Provided => "provided",
                Supplied::Deferred => "deferred",
                Supplied::Pledged => "pledged",
                Supplied::Missing => "missing",
            },
        })
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let mut response = render(&CasePage {
        layout: Layout::new(state, Some(staff)),
        view,
        csrf_token: staff.csrf_token.clone(),
        revision: record.revision,
        can_accept: staff.may(Permission::AcceptCases)
            && matches!(record.phase.as_str(), "received" | "awaiting_correction"),
        can_deliver: staff.may(Permission::AcceptCases) && matches!(record.phase.as_str(), "granted" | "refused"),
        supervisor: staff.may(Permission::SignOffCorrection),
        can_pause: matches!(record.phase.as_str(), "accepted" | "suspended")
            && (staff.may(Permission::Supervise)
                || (staff.may(Permission::ReviewCases)
                    && staff.user.department.as_deref() == Some(record.department.as_str()))),
        can_extend: record.phase == "accepted" && staff.may(Permission::Supervise),
        can_order: staff.may(Permission::Supervise)
            && !matches!(record.phase.as_str(), "delivered" | "refused_to_accept"),
        my_department_any: staff.user.department.clone().unwrap_or_default(),
        my_department: if staff.may(Permission::ReviewCases) {
            staff.user.department.clone().unwrap_or_default()
        } else {
            String::new()
        },
        checklist,
        errors,
        flash,
    })?;
    *response.status_mut() = status;
    Ok(response)
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
    let number = parse_number(&number)?;
    let flash = match query.done.as_str() {
        "acceptance" => "已保存受理决定。",
        "review" => "已提交审查意见。",
        "delivery" => "已登记送达，办件办结。",
        "clock" => "已保存，并已通知申请人。",
        "order" => "已下达督办。",
        "answer" => "已回复督办。",
        _ => "",
    };
    case_page(&state, &staff, &number, Vec::new(), flash.to_string()).await
}

/// Turns a failed action into the case page with its messages; other errors pass through.
async fn or_page(
    state: &AppState,
    staff: &Staff,
    number: &CaseNumber,
    result: Result<CaseRecord, Error>,
    done: &str,
) -> Result<Response, Error> {
    match result {
        Ok(record) => Ok(see_other(&format!("/staff/cases/{}?done={done}", record.number.compact()))),
        Err(Error::Validation(errors)) => {
            let listed = errors.iter().map(|(field, messages)| (field.to_string(), messages.join("；"))).collect();
            case_page(state, staff, number, listed, String::new()).await
        }
        Err(Error::Conflict(message)) => {
            let mut response = case_page(state, staff, number, vec![(String::new(), message)], String::new()).await?;
            *response.status_mut() = StatusCode::CONFLICT;
            Ok(response)
        }
        Err(other) => Err(other),
    }
}

pub async fn acceptance(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(number): Path<String>,
    Form(values): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    staff.check_csrf(Some(form_value(&values, "csrf_token")))?;
    let number = parse_number(&number)?;
    let (record, document) = cases::case_for_staff(&state, &staff, &number).await?;
    let count = document.supplied.len();
    let supplied: Vec<Supplied> =
        (0..count).map(|index| supplied_from(form_value(&values, &format!("m{index}")))).collect();
    let notes: Vec<MaterialProblem> = (0..count)
        .filter_map(|index| {
            let note = form_value(&values, &format!("note{index}")).trim();
            (!note.is_empty()).then(|| MaterialProblem {
                material: index,
                name: String::new(),
                problem: note.chars().take(200).collect(),
            })
        })
        .collect();
    let notes = name_notes(&state, &record, notes).await?;
    let request = match form_value(&values, "decision") {
        "accept" => AcceptanceRequest::Accept { supplied },
        "correction_notice" => AcceptanceRequest::CorrectionNotice {
            supplied,
            notes,
            supervisor_reason: Some(form_value(&values, "supervisor_reason").trim().to_string())
                .filter(|reason| !reason.is_empty()),
        },
        "corrected" => AcceptanceRequest::Corrected { supplied },
        "refuse" => AcceptanceRequest::Refuse { reasons: form_value(&values, "reasons").to_string() },
        _ => {
            return case_page(
                &state,
                &staff,
                &number,
                vec![("decision".into(), "请选择受理决定".into())],
                String::new(),
            )
            .await
        }
    };
    let revision = form_value(&values, "revision").parse::<i64>().ok();
    let result = cases::decide_acceptance(&state, &staff, &number, request, revision).await;
    or_page(&state, &staff, &number, result, "acceptance").await
}

/// Gives each hand-written note the name of its material, for the correction notice.
async fn name_notes(
    state: &AppState,
    record: &CaseRecord,
    notes: Vec<MaterialProblem>,
) -> Result<Vec<MaterialProblem>, Error> {
    let version = state
        .store
        .matter_versions(&record.matter_code)
        .await?
        .into_iter()
        .find(|version| version.version == record.matter_version);
    Ok(notes
        .into_iter()
        .map(|mut note| {
            if let Some(material) = version.as_ref().and_then(|version| version.matter.materials.get(note.material)) {
                note.name = material.name.clone();
            }
            note
        })
        .collect())
}

pub async fn review(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(number): Path<String>,
    Form(values): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    staff.check_csrf(Some(form_value(&values, "csrf_token")))?;
    let number = parse_number(&number)?;
    let task = form_value(&values, "task").parse::<usize>().unwrap_or(usize::MAX);
    let reason = form_value(&values, "reason").to_string();
    let request = match form_value(&values, "action") {
        "approve" => ReviewRequest::Approve { task },
        "propose_refusal" => ReviewRequest::ProposeRefusal { task, reason },
        "return" => ReviewRequest::Return {
            task,
            to_stage: form_value(&values, "to_stage").parse::<u16>().unwrap_or(0),
            reason,
        },
        "grant" => ReviewRequest::Decide { task, granted: true, reasons: reason },
        "refuse" => ReviewRequest::Decide { task, granted: false, reasons: reason },
        _ => {
            return case_page(&state, &staff, &number, vec![("action".into(), "请选择审查意见".into())], String::new())
                .await
        }
    };
    let result = cases::review_case(&state, &staff, &number, request).await;
    or_page(&state, &staff, &number, result, "review").await
}

pub async fn delivery(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(number): Path<String>,
    Form(values): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    staff.check_csrf(Some(form_value(&values, "csrf_token")))?;
    let number = parse_number(&number)?;
    let request = DeliveryRequest {
        method: form_value(&values, "method").to_string(),
        tracking_number: form_value(&values, "tracking_number").to_string(),
    };
    let result = cases::deliver(&state, &staff, &number, request).await;
    or_page(&state, &staff, &number, result, "delivery").await
}

pub async fn clock(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(number): Path<String>,
    Form(values): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    staff.check_csrf(Some(form_value(&values, "csrf_token")))?;
    let number = parse_number(&number)?;
    let reason = form_value(&values, "reason").to_string();
    let request = match form_value(&values, "action") {
        "pause" => ClockRequest::Pause { procedure: form_value(&values, "procedure").to_string(), reason },
        "resume" => ClockRequest::Resume,
        "extend" => match form_value(&values, "working_days").trim().parse::<u32>() {
            Ok(working_days) => ClockRequest::Extend { working_days, reason },
            Err(_) => {
                let message = "请填写延长的工作日数，如 10".to_string();
                return case_page(&state, &staff, &number, vec![("working_days".into(), message)], String::new()).await;
            }
        },
        _ => return Err(Error::BadRequest("未知的操作".to_string())),
    };
    let result = cases::change_clock(&state, &staff, &number, request).await;
    or_page(&state, &staff, &number, result, "clock").await
}

pub async fn issue_order(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(number): Path<String>,
    Form(values): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    staff.check_csrf(Some(form_value(&values, "csrf_token")))?;
    let number = parse_number(&number)?;
    let request = cases::OrderRequest {
        instruction: form_value(&values, "instruction").to_string(),
        deadline: form_value(&values, "deadline").to_string(),
    };
    let result = cases::issue_order(&state, &staff, &number, request).await;
    let result = match result {
        Ok(_) => state.store.case(&number).await?.ok_or_else(|| Error::NotFound(format!("办件 {number}"))),
        Err(error) => Err(error),
    };
    or_page(&state, &staff, &number, result, "order").await
}

pub async fn answer_order(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path((number, id)): Path<(String, i64)>,
    Form(values): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    staff.check_csrf(Some(form_value(&values, "csrf_token")))?;
    let number = parse_number(&number)?;
    let request = cases::AnswerRequest { answer: form_value(&values, "answer").to_string() };
    let result = match cases::answer_order(&state, &staff, &number, id, request).await {
        Ok(()) => state.store.case(&number).await?.ok_or_else(|| Error::NotFound(format!("办件 {number}"))),
        Err(error) => Err(error),
    };
    or_page(&state, &staff, &number, result, "answer").await
}

// ---------------------------------------------------------------------------------------------------------
// Files and notices

/// A stored file as a download. The type is the one found in its content; the browser is told not to guess.
pub async fn file_response(state: &AppState, file: &StoredFile) -> Result<Response, Error> {
    let bytes = state.files.get(&file.id).await.map_err(|error| Error::Internal(error.to_string()))?;
    let media = FileKind::from_code(&file.kind).map(FileKind::media_type).unwrap_or("application/octet-stream");
    let disposition = format!("inline; filename*=UTF-8''{}", crate::staff::urlencode(&file.name).replace('/', "%2F"));
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(response)
}

/// `GET /staff/cases/{number}/files/{id}`: a material of a case the staff member may see.
pub async fn case_file(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path((number, id)): Path<(String, String)>,
) -> Result<Response, Error> {
    staff_case_file(&state, &staff, &number, &id).await
}

/// A material of a case, to a staff member (page or API) who may see the case; any other file is "not found".
pub async fn staff_case_file(state: &AppState, staff: &Staff, number: &str, id: &str) -> Result<Response, Error> {
    let number = parse_number(number)?;
    let (_, document) = cases::case_for_staff(state, staff, &number).await?;
    if !document.files.iter().flatten().any(|file| file == id) {
        return Err(Error::NotFound("这个文件".to_string()));
    }
    let file = state.store.file(id).await?.ok_or_else(|| Error::NotFound("这个文件".to_string()))?;
    file_response(state, &file).await
}

#[derive(Template)]
#[template(path = "case_notice.html")]
struct NoticePage {
    layout: Layout,
    kind: String,
    title: &'static str,
    view: CaseView,
    department: String,
    issued: String,
    deadline: String,
}

/// A printable notice of a case: receipt, correction, acceptance, refusal to accept, or decision.
pub async fn notice_response(
    state: &AppState,
    layout: Layout,
    record: &CaseRecord,
    document: &CaseDocument,
    kind: &str,
) -> Result<Response, Error> {
    let notices = cases::notices_of(record, document);
    let title = notices
        .iter()
        .find(|(code, _)| *code == kind)
        .map(|(_, title)| *title)
        .ok_or_else(|| Error::NotFound("这份通知书".to_string()))?;
    let events = state.store.case_events(&record.number).await?;
    let issued = events
        .iter()
        .rev()
        .find(|event| match kind {
            "receipt" => event.action == "submit",
            "correction" => event.action == "correction_notice",
            "acceptance" => event.action == "accept" || event.action == "accept_by_law",
            "refusal" => event.action == "refuse_to_accept",
            "special_procedure" => event.action == "pause",
            "extension" => event.action == "extend",
            _ => event.action == "decide",
        })
        .map(|event| format_instant(state, event.at))
        .unwrap_or_default();
    let deadline = onetrip_domain::acceptance::decision_deadline(&state.calendar(), document.acceptance.received_at)
        .map(|deadline| deadline.format("%Y年%m月%d日").to_string())
        .unwrap_or_default();
    let view = cases::case_view(state, record, document).await?;
    render(&NoticePage {
        layout,
        kind: kind.to_string(),
        title,
        department: view.department.clone(),
        view,
        issued,
        deadline,
    })
}

pub async fn notice(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path((number, kind)): Path<(String, String)>,
) -> Result<Response, Error> {
    let number = parse_number(&number)?;
    let (record, document) = cases::case_for_staff(&state, &staff, &number).await?;
    notice_response(&state, Layout::new(&state, Some(&staff)), &record, &document, &kind).await
}

// ---------------------------------------------------------------------------------------------------------
// The reviewer's inbox

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
    orders: Vec<cases::OrderLine>,
    department: String,
    lines: Vec<InboxLine>,
}

pub async fn inbox(State(state): State<AppState>, StaffPage(staff): StaffPage) -> Result<Response, Error> {
    staff.require(Permission::ReviewCases)?;
    let department = staff.user.department.clone().ok_or(Error::Forbidden)?;
    let catalog = state.catalog();
    let lines = state
        .store
        .inbox(&department, 200)
        .await?
        .into_iter()
        .map(|item| InboxLine {
            number: item.case_number.to_string(),
            compact: item.case_number.compact(),
            task: item.name,
            matter: catalog
                .version(&item.matter_code)
                .map(|version| version.matter.name.clone())
                .unwrap_or_else(|| item.matter_code.clone()),
            due: item.due_at.map(|due| format_instant(&state, due)).unwrap_or_default(),
        })
        .collect();
    let orders = state
        .store
        .open_orders(Some(&department), 100)
        .await?
        .into_iter()
        .map(|order| cases::order_line(&state, order))
        .collect();
    render(&InboxPage {
        layout: Layout::new(&state, Some(&staff)),
        orders,
        department: catalog.department_name(&department).to_string(),
        lines,
    })
}

// ---------------------------------------------------------------------------------------------------------
// Supervision and the outbox

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
    orders: Vec<cases::OrderLine>,
    share: u32,
    yellow: u64,
    red: u64,
    counts: Vec<(String, String, u64, u64)>,
    lines: Vec<RiskLine>,
}

pub async fn supervision(State(state): State<AppState>, StaffPage(staff): StaffPage) -> Result<Response, Error> {
    staff.require(Permission::Supervise)?;
    let now = state.now();
    let catalog = state.catalog();
    let matter = |code: &str| {
        catalog.version(code).map(|version| version.matter.name.clone()).unwrap_or_else(|| code.to_string())
    };
    let counts: Vec<(String, String, u64, u64)> = state
        .store
        .risk_counts(now)
        .await?
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
    let lines = state
        .store
        .at_risk(now, 200)
        .await?
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
    let orders =
        state.store.open_orders(None, 200).await?.into_iter().map(|order| cases::order_line(&state, order)).collect();
    render(&SupervisionPage {
        layout: Layout::new(&state, Some(&staff)),
        orders,
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        share: (state.config.warn_share * 100.0).round() as u32,
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

/// Masks a phone number for staff eyes: `138****1234`.
pub fn masked_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() < 7 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}

pub async fn outbox(State(state): State<AppState>, StaffPage(staff): StaffPage) -> Result<Response, Error> {
    staff.require(Permission::Supervise)?;
    let lines = state
        .store
        .outbox(200)
        .await?
        .into_iter()
        .map(|message| OutboxLine {
            at: format_instant(&state, message.created_at),
            number: message.case_number.to_string(),
            compact: message.case_number.compact(),
            channel: if message.notification.channel == "sms" { "短信" } else { "电子邮件" },
            recipient: masked_phone(&message.notification.recipient),
            body: message.notification.body,
            sent: message.sent_at.map(|at| format_instant(&state, at)).unwrap_or_else(|| "待发送".to_string()),
        })
        .collect();
    render(&OutboxPage { layout: Layout::new(&state, Some(&staff)), lines })
}

#[cfg(test)]
mod tests {
    use super::masked_phone;

    #[test]
    fn phones_are_masked_in_the_middle() {
        assert_eq!(masked_phone("13812341234"), "138****1234");
        assert_eq!(masked_phone("12345"), "*****");
    }
}

// ---------------------------------------------------------------------------------------------------------
// Trips beyond what is published

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
    staff.require(Permission::Supervise)?;
    let catalog = state.catalog();
    let mut lines = Vec::new();
    for version in &catalog.versions {
        let matter = &version.matter;
        let report = state.store.trips_over(&matter.code, u32::from(matter.trips_required)).await?;
        if report.cases > 0 {
            lines.push(TripLine {
                code: matter.code.clone(),
                matter: matter.name.clone(),
                department: catalog.department_name(&matter.department).to_string(),
                published: matter.trips_required,
                cases: report.cases,
                causes: report.causes,
                examples: report.examples.iter().map(|number| (number.to_string(), number.compact())).collect(),
            });
        }
    }
    lines.sort_by(|a, b| b.cases.cmp(&a.cases).then_with(|| a.code.cmp(&b.code)));
    render(&TripsPage { layout: Layout::new(&state, Some(&staff)), lines })
}
