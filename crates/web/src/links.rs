//! Addresses: redirects after a form, percent-encoding for a `next` address or a file name, and case
//! numbers taken from an address.

use crate::error::Error;
use axum::response::{IntoResponse, Redirect, Response};
use onetrip_domain::case_number::CaseNumber;

pub fn see_other(location: &str) -> Response {
    Redirect::to(location).into_response()
}

pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => char::from(byte).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// A case number from an address; a malformed one is a case that does not exist.
pub fn parse_case_number(text: &str) -> Result<CaseNumber, Error> {
    CaseNumber::parse(text).map_err(|_| Error::NotFound(format!("办件 {text}")))
}
