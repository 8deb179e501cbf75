//! Staff pages for cases: the window's queue and registration (`window.rs`), one case's page and its forms
//! (`case_page.rs`), files and printable notices (`notices.rs`), and what the back office and managers
//! oversee — inbox, supervision, outbox, trips (`oversight.rs`).

pub mod case_page;
pub mod notices;
pub mod oversight;
pub mod window;
