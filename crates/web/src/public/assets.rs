//! The stylesheets and scripts, compiled into the binary so that pages work with nothing else installed.

use axum::http::header;
use axum::response::IntoResponse;

pub async fn stylesheet() -> impl IntoResponse {
    static_file("text/css; charset=utf-8", include_str!("../../static/site.css"))
}

pub async fn print_stylesheet() -> impl IntoResponse {
    static_file("text/css; charset=utf-8", include_str!("../../static/print.css"))
}

pub async fn print_script() -> impl IntoResponse {
    static_file("text/javascript; charset=utf-8", include_str!("../../static/print.js"))
}

pub async fn speak_script() -> impl IntoResponse {
    static_file("text/javascript; charset=utf-8", include_str!("../../static/speak.js"))
}

pub async fn display_script() -> impl IntoResponse {
    static_file("text/javascript; charset=utf-8", include_str!("../../static/display.js"))
}

/// The site's icon (a tick on the brand's green), also answered at `/favicon.ico`, which browsers ask for
/// whatever a page says.
pub async fn icon() -> impl IntoResponse {
    static_file("image/svg+xml", include_str!("../../static/favicon.svg"))
}

fn static_file(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=3600")], body)
}
