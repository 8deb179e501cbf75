//! 我的证照: the e-licences the signed-in applicant holds, each with its document to download and the
//! link anyone can verify it at.

use crate::auth::PortalUser;
use crate::error::Error;
use crate::layout::Layout;
use crate::licence_view::{line, LicenceLine};
use crate::render::render;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use onetrip_app::licences::registry as licences;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "portal_licences.html")]
struct LicencesPage {
    layout: Layout,
    licences: Vec<LicenceLine>,
}

/// `GET /portal/licences`
pub async fn licences_page(State(state): State<AppState>, user: PortalUser) -> Result<Response, Error> {
    let licences =
        licences::mine(&state.app, &user.actor).await?.iter().map(|stored| line(&state, stored, true)).collect();
    render(&LicencesPage { layout: Layout::portal(&state, &user), licences })
}

#[derive(Deserialize)]
pub struct LicenceQuery {
    #[serde(default)]
    pub id: String,
}

/// The sealed document as a download.
pub fn document_response(name: &str, bytes: Vec<u8>) -> Response {
    let file_name = format!("{name}.pdf");
    let disposition = format!("attachment; filename*=UTF-8''{}", crate::links::urlencode(&file_name));
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    response
}

/// `GET /portal/licences/document?id=…`: one's own licence's document.
pub async fn document(
    State(state): State<AppState>,
    user: PortalUser,
    Query(query): Query<LicenceQuery>,
) -> Result<Response, Error> {
    let (stored, bytes) = licences::document(&state.app, &user.actor, query.id.trim()).await?;
    Ok(document_response(&stored.licence.name, bytes))
}
