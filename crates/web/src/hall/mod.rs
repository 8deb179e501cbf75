//! The hall's pages: the kiosk, the ticket and the wall display (`kiosk.rs`, public), the window workbench
//! (`workbench.rs`, window staff), the hall manager's pages (`manage.rs`), and appointments on the portal
//! (`appointments.rs`). The hall's API is `crate::api::hall`.

pub mod appointments;
pub mod evaluator;
pub mod kiosk;
pub mod manage;
pub mod workbench;
