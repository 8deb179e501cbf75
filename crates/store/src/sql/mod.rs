//! The queries, written once in the subset of SQL both SQLite and PostgreSQL understand (`$1` parameters,
//! `ON CONFLICT`, `RETURNING`, BIGINT milliseconds, ISO date text). Each file's macro implements one part of
//! the store for both backends; `rows.rs` reads rows back and `common.rs` holds what they share.

mod accounts;
mod cases;
mod catalog;
pub(crate) mod common;
mod evaluation;
mod events;
mod exchange;
mod hall;
mod identity;
mod licences;
mod portal;
mod ratings;
mod rollups;
pub(crate) mod rows;
mod settings;
mod supervision;
mod verification;
