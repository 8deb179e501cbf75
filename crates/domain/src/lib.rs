//! Onetrip's domain: the rules of the catalog, the working-day calendar, search, and the case and ticket
//! aggregates, as pure functions and types. Nothing here does I/O, reads the clock, or knows about HTTP or
//! SQL; JSON is only the stored shape of a few documents (serde derives), never parsed here. With the feature
//! `openapi` (turned on by the web edge only), the types the JSON API shows also describe themselves as JSON
//! schemas (`utoipa::ToSchema`), hand-written next to the serde code where that code is hand-written.

pub mod acceptance;
pub mod access;
pub mod actor;
pub mod applicant;
pub mod bundle;
pub mod calendar;
pub mod case;
pub mod case_number;
pub mod catalog;
pub mod clock;
pub mod evaluation;
pub mod hall;
pub mod ids;
pub mod licence;
pub mod queue;
pub mod rating;
pub mod review;
pub mod search;
pub mod statistics;
pub mod supervision;
#[cfg(test)]
mod test_support;
pub mod text;
pub mod upload;
pub mod validation;

pub use validation::FieldErrors;
