//! A call of a ticket as the hall's displays hear it: handed to this instance's displays, and relayed as JSON
//! to the other instances' (PostgreSQL LISTEN/NOTIFY).

use serde::{Deserialize, Serialize};

/// A call (or recall) of a ticket at a window, as the displays receive it (also the payload relayed between
/// instances).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HallCall {
    pub hall: String,
    pub number: String,
    pub window: String,
    pub zone: String,
    /// `call` or `recall`.
    pub kind: String,
    /// What the display says aloud: "请 B023 号到 B07 号窗口办理".
    pub announcement: String,
    pub at: String,
}

pub fn announcement(number: &str, window: &str) -> String {
    format!("请 {number} 号到 {window} 号窗口办理")
}
