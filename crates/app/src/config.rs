//! What the application layer needs to know about the centre, read once at start-up.

use chrono::{FixedOffset, Utc};
use onetrip_domain::calendar::OfficeHours;

/// UTC+08:00, the time of every service centre in China (Xinjiang's offices keep it too, with later hours).
pub fn china_standard_time() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| chrono::Offset::fix(&Utc))
}

#[derive(Debug, Clone)]
pub struct AppConfig {
    /// The centre's offset from UTC (China: +08:00). Local dates and office hours are in this offset.
    pub utc_offset: FixedOffset,
    pub office_hours: OfficeHours,
    /// The name shown on pages and signed under every message, e.g. 阿勒泰市政务服务中心.
    pub centre_name: String,
    /// A case or step is yellow on the supervision page when less than this share of its time is left.
    pub warn_share: f64,
    /// Show one-time codes on the page as well as sending them: only for a demonstration without an SMS
    /// gateway (`onetrip serve` with the demo data), never in service.
    pub show_codes_on_screen: bool,
    /// The address applicants reach the public pages at, for the links in SMS and the QR codes on notices
    /// (e.g. `https://zwfw.alt.gov.cn`).
    pub public_url: String,
    /// 好差评: when a rating defaults, and the deadlines of a 差评's follow-up.
    pub ratings: RatingPolicy,
    /// The SM2 key that seals e-licences (PKCS#8 PEM or 64 hex digits); without one, a development key is
    /// made and kept in the database.
    pub seal_key_file: Option<std::path::PathBuf>,
    /// How webhooks to department systems are delivered.
    pub webhooks: WebhookPolicy,
}

/// Webhook delivery (ADR 0021).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookPolicy {
    /// Attempts at one event before it becomes a dead letter.
    pub max_attempts: u32,
    /// Whether receivers on loopback or private addresses are allowed (department systems on the centre's
    /// own network; tests).
    pub private_targets: bool,
    /// Seconds to wait for a receiver's answer.
    pub timeout_seconds: u64,
}

impl Default for WebhookPolicy {
    fn default() -> Self {
        Self { max_attempts: 8, private_targets: false, timeout_seconds: 15 }
    }
}

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            utc_offset: china_standard_time(),
            office_hours: OfficeHours::default(),
            centre_name: "阿勒泰市政务服务中心".to_string(),
            warn_share: onetrip_domain::supervision::DEFAULT_WARN_SHARE,
            show_codes_on_screen: false,
            public_url: "http://127.0.0.1:8080".to_string(),
            ratings: RatingPolicy::default(),
            seal_key_file: None,
            webhooks: WebhookPolicy::default(),
        }
    }
}

/// The centre's 好差评 rules (standards.md §7.1: no national values; these are local defaults — Guangdong's
/// 7 calendar days to 基本满意, Zhejiang's call-back within 1 and fix within 15 days).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingPolicy {
    /// Calendar days after which an unrated case stage counts as 基本满意.
    pub default_after_days: u32,
    /// Working days to call a 差评's rater back.
    pub callback_working_days: u32,
    /// Working days to resolve a 差评.
    pub rectify_working_days: u32,
    /// Calendar days the rater has to rate the fix (追评).
    pub fix_rating_days: u32,
    /// Minutes after a ticket ends during which the window's evaluator screen offers it for rating.
    pub window_minutes: u32,
}

impl Default for RatingPolicy {
    fn default() -> Self {
        Self {
            default_after_days: 7,
            callback_working_days: 1,
            rectify_working_days: 15,
            fix_rating_days: 15,
            window_minutes: 15,
        }
    }
}
