//! Rendering a typed askama template as a response. askama escapes everything shown; no template uses
//! `|safe`.

use crate::error::Error;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// Renders a template as an HTML response.
pub fn render(template: &impl Template) -> Result<Response, Error> {
    Ok(Html(template.render()?).into_response())
}

/// Renders a template with a status other than 200 (a form sent back with its problems).
pub fn render_with(status: StatusCode, template: &impl Template) -> Result<Response, Error> {
    let mut response = render(template)?;
    *response.status_mut() = status;
    Ok(response)
}

/// A workbook (`.xlsx`) as a download named `name`.
pub fn xlsx_attachment(name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response()
}
