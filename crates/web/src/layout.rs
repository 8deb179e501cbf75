//! What every page's frame shows: the [`Layout`] (the centre's name, who is logged in). A leaf: the
//! sessions build it (`auth.rs`), the error page uses it (`error.rs`).

/// The configured centre name, for pages rendered where the state is out of reach (error pages).
static CENTRE_NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();

pub fn set_centre_name(name: &str) {
    let _ = CENTRE_NAME.set(name.to_string());
}

pub fn centre_name() -> String {
    CENTRE_NAME.get().cloned().unwrap_or_else(|| onetrip_app::AppConfig::default().centre_name)
}

/// What the layout shows on every page.
pub struct Layout {
    pub centre_name: String,
    pub staff: Option<StaffBadge>,
    /// The applicant logged in to the portal, if any.
    pub applicant: Option<StaffBadge>,
}

pub struct StaffBadge {
    pub display_name: String,
    pub csrf_token: String,
}
