//! A case's files and printable notices: a stored material as a download (its type from its content, the
//! browser told not to guess), and each notice the case has (receipt, correction, acceptance, refusal,
//! special procedure, extension, decision) as a page to print. The portal shows its applicant the same.

use crate::auth::Staff;
use crate::case_view::CaseView;
use crate::case_view::{case_view, format_instant};
use crate::error::Error;
use crate::extract::StaffPage;
use crate::layout::Layout;
use crate::links::{parse_case_number, urlencode};
use crate::render::render;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use onetrip_app::cases::{self, CaseDetails};
use onetrip_app::records::StoredFile;
use onetrip_domain::actor::Actor;
use onetrip_domain::upload::FileKind;

/// A stored file as a download. The type is the one found in its content; the browser is told not to guess.
pub fn file_response(file: &StoredFile, bytes: Vec<u8>) -> Response {
    let media = FileKind::from_code(&file.kind).map(FileKind::media_type).unwrap_or("application/octet-stream");
    let disposition = format!("inline; filename*=UTF-8''{}", urlencode(&file.name).replace('/', "%2F"));
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    response
}

/// A material of a case, to a member of staff (page or API) who may see the case; any other file is
/// "not found".
pub async fn staff_case_file(state: &AppState, staff: &Staff, number: &str, id: &str) -> Result<Response, Error> {
    let number = parse_case_number(number)?;
    let (file, bytes) = cases::case_file(&state.app, &staff.actor, &number, id).await?;
    Ok(file_response(&file, bytes))
}

/// `GET /staff/cases/{number}/files/{id}`
pub async fn case_file(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path((number, id)): Path<(String, String)>,
) -> Result<Response, Error> {
    staff_case_file(&state, &staff, &number, &id).await
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
    /// The rating link of the stage waiting for a rating: (token, full address), shown as a QR code.
    rating: Option<(String, String)>,
    /// The progress page's address for this case, printed with its QR code.
    progress_address: String,
}

/// A printable notice of a case: receipt, correction, acceptance, refusal to accept, or decision.
pub async fn notice_response(
    state: &AppState,
    layout: Layout,
    details: &CaseDetails,
    actor: &Actor,
    kind: &str,
) -> Result<Response, Error> {
    let case = &details.case;
    let title = cases::notices_of(case)
        .iter()
        .find(|(code, _)| *code == kind)
        .map(|(_, title)| *title)
        .ok_or_else(|| Error::NotFound("这份通知书".to_string()))?;
    let issued = details
        .events
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
    let deadline =
        onetrip_domain::acceptance::decision_deadline(&state.calendar(), case.document.acceptance.received_at)
            .map(|deadline| deadline.format("%Y年%m月%d日").to_string())
            .unwrap_or_default();
    let view = case_view(state, details, actor);
    let rating = onetrip_app::ratings::open_link(&state.app, &case.number)
        .await?
        .map(|(_, token)| (token.clone(), onetrip_app::ratings::links::url(&state.app, &token)));
    let progress_address = crate::public::progress::progress_url(state, &case.number);
    render(&NoticePage {
        rating,
        progress_address,
        layout,
        kind: kind.to_string(),
        title,
        department: view.department.clone(),
        view,
        issued,
        deadline,
    })
}

/// `GET /staff/cases/{number}/notices/{kind}`
pub async fn notice(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path((number, kind)): Path<(String, String)>,
) -> Result<Response, Error> {
    let number = parse_case_number(&number)?;
    let details = cases::details(&state.app, &staff.actor, &number).await?;
    notice_response(&state, Layout::new(&state, Some(&staff)), &details, &staff.actor, &kind).await
}
