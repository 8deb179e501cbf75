//! Onetrip's HTTP edge on axum: the public guide pages, the staff pages and the JSON API, all from one
//! router over one [`AppState`]. The domain decides; this crate parses requests, checks who is asking,
//! calls the store, and renders pages or JSON.

#![recursion_limit = "512"]

pub mod actions;
pub mod api;
pub mod auth;
pub mod case_pages;
pub mod cases;
pub mod catalog_io;
pub mod error;
pub mod hall;
pub mod hall_pages;
pub mod matter_form;
pub mod metrics;
pub mod openapi;
pub mod pages;
pub mod portal;
pub mod seed;
pub mod staff;
pub mod state;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderName, HeaderValue};
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use axum::{middleware, Json, Router};
pub use state::{AppState, WebConfig};
use tower_http::limit::RequestBodyLimitLayer;

/// What the browser may load and do on our pages: only our own files, no framing, no inline script.
const CONTENT_SECURITY_POLICY: HeaderValue = HeaderValue::from_static(
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
);

/// A request id unique across restarts and instances: a random prefix chosen at start-up and a counter.
/// (A random id per request would cost a system call on every request.)
fn next_request_id() -> String {
    static PREFIX: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let prefix = PREFIX.get_or_init(|| uuid::Uuid::new_v4().simple().to_string()[..12].to_string());
    format!("{prefix}-{}", COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
}

/// Runs every request inside a span that carries its request id (taken from `x-request-id` when the
/// client or a proxy sent a sensible one), so that every log line of the request, errors included, names
/// it; returns the id, and adds the security headers in one pass. Responses to a logged-in client are
/// marked `private, no-store`: they carry a CSRF token and the staff member's name, and no shared cache
/// may keep them.
///
/// It also counts the request in the metrics, under its route pattern (never the raw path, which may hold
/// data): one middleware instead of two, because this runs on every request.
async fn request_context(
    axum::extract::State(metrics): axum::extract::State<std::sync::Arc<metrics::Metrics>>,
    request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    let matched = request.extensions().get::<axum::extract::MatchedPath>().cloned();
    let method = request.method().clone();
    let started = std::time::Instant::now();
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(|value| value.to_str().ok())
        .filter(|value| {
            !value.is_empty() && value.len() <= 64 && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        .map(str::to_string)
        .unwrap_or_else(next_request_id);
    let has_session =
        request.headers().contains_key(header::AUTHORIZATION)
            || request.headers().get(header::COOKIE).and_then(|value| value.to_str().ok()).is_some_and(|cookies| {
                cookies.contains(auth::SESSION_COOKIE) || cookies.contains(portal::PORTAL_COOKIE)
            });
    let span = tracing::info_span!("request", id = %id);
    let mut response = tracing::Instrument::instrument(next.run(request), span.clone()).await;
    let route = matched.as_ref().map(axum::extract::MatchedPath::as_str).unwrap_or("unmatched");
    let seconds = started.elapsed().as_secs_f64();
    metrics.record(route, response.status().as_u16(), seconds);
    span.in_scope(
        || tracing::debug!(%method, route, status = response.status().as_u16(), ms = seconds * 1000.0, "request"),
    );
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(HeaderName::from_static("x-frame-options"), HeaderValue::from_static("DENY"));
    if has_session {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    }
    if let Ok(value) = HeaderValue::from_str(&id) {
        headers.insert(HeaderName::from_static("x-request-id"), value);
    }
    response
}

/// Every route of the application.
pub fn router(state: AppState) -> Router {
    let limit = state.config.max_body_bytes;
    let api = Router::new()
        .route("/matters", get(api::matters).post(api::create_matter))
        .route("/matters/{code}", get(api::matter).put(api::update_matter))
        .route("/matters/{code}/versions", get(api::versions))
        .route("/departments", get(api::departments))
        .route("/bundles", get(api::bundles).put(api::save_bundles))
        .route("/calendar/days", get(api::calendar_days))
        .route("/calendar/due", get(api::calendar_due))
        .route("/calendar/between", get(api::calendar_between))
        .route("/calendar/notices/{year}", put(api::load_notice))
        .route("/synonyms", get(api::synonyms).put(api::save_synonyms))
        .route("/catalog/export.json", get(api::export_json))
        .route("/catalog/export.xlsx", get(api::export_xlsx))
        .route("/catalog/import", post(api::import))
        .route("/cases", post(api::submit_case))
        .route("/cases/{number}", get(api::case))
        .route("/cases/{number}/files/{id}", get(api::case_file))
        .route("/cases/{number}/acceptance", post(api::case_acceptance))
        .route("/cases/{number}/review", post(api::case_review))
        .route("/cases/{number}/clock", post(api::case_clock))
        .route("/cases/{number}/orders", post(api::case_order))
        .route("/cases/{number}/orders/{id}/answer", post(api::case_order_answer))
        .route("/cases/{number}/delivery", post(api::case_delivery))
        .route("/inbox", get(api::inbox))
        .route("/hall/layout", get(hall_pages::api_layout).put(hall_pages::api_save_layout))
        .route("/hall/{hall}/tickets", post(hall_pages::api_take))
        .route("/hall/{hall}/tickets/{number}", get(hall_pages::api_ticket))
        .route("/hall/{hall}/live", get(hall_pages::api_live))
        .route("/hall/{hall}/plan", get(hall_pages::api_plan))
        .route("/hall/assignments", get(hall_pages::api_assignments).post(hall_pages::api_assign))
        .route("/hall/assignments/{id}/end", post(hall_pages::api_end_assignment))
        .route("/hall/windows/{code}/presence", post(hall_pages::api_presence))
        .route("/hall/windows/{code}/call", post(hall_pages::api_call))
        .route("/hall/windows/{code}/tickets/{id}", post(hall_pages::api_ticket_action))
        .route("/progress", get(api::progress))
        .route("/sessions", post(api::create_session))
        .route("/sessions/current", axum::routing::delete(api::delete_session))
        .route("/openapi.json", get(|| async { Json(openapi::document()) }))
        .fallback(api::not_found);

    Router::new()
        .route("/", get(pages::home))
        .route("/search", get(pages::search))
        .route("/matters", get(pages::matters))
        .route("/matters/{code}", get(pages::matter))
        .route("/matters/{code}/notice", get(pages::notice))
        .route("/matters/{code}/history", get(pages::history))
        .route("/matters/{code}/versions/{version}", get(pages::matter_version))
        .route("/login", get(staff::login_form).post(staff::login))
        .route("/logout", post(staff::logout))
        .route("/staff", get(staff::home))
        .route("/staff/matters", get(staff::matters))
        .route("/staff/matters/new", get(staff::new_matter_form).post(staff::create_matter))
        .route("/staff/matters/{code}/edit", get(staff::edit_matter_form).post(staff::update_matter))
        .route("/staff/catalog", get(staff::catalog_io))
        .route("/staff/catalog/export.xlsx", get(staff::export_xlsx))
        .route("/staff/catalog/import", post(staff::import))
        .route("/staff/calendar", get(staff::calendar).post(staff::load_calendar))
        .route("/staff/synonyms", get(staff::synonyms).post(staff::save_synonyms))
        .route("/staff/audit", get(staff::audit))
        .route("/staff/cases", get(case_pages::queue))
        .route("/staff/cases/new", get(case_pages::new_case_form).post(case_pages::create_case))
        .route("/staff/cases/{number}", get(case_pages::case))
        .route("/staff/cases/{number}/acceptance", post(case_pages::acceptance))
        .route("/staff/cases/{number}/review", post(case_pages::review))
        .route("/staff/cases/{number}/delivery", post(case_pages::delivery))
        .route("/staff/cases/{number}/clock", post(case_pages::clock))
        .route("/staff/cases/{number}/orders", post(case_pages::issue_order))
        .route("/staff/cases/{number}/orders/{id}/answer", post(case_pages::answer_order))
        .route("/staff/trips", get(case_pages::trips))
        .route("/staff/cases/{number}/notices/{kind}", get(case_pages::notice))
        .route("/staff/cases/{number}/files/{id}", get(case_pages::case_file))
        .route("/staff/inbox", get(case_pages::inbox))
        .route("/staff/supervision", get(case_pages::supervision))
        .route("/staff/outbox", get(case_pages::outbox))
        .route("/portal", get(portal::home))
        .route("/portal/login", get(portal::login_form).post(portal::login))
        .route("/portal/signup", get(portal::signup_form).post(portal::signup))
        .route("/portal/logout", post(portal::logout))
        .route("/portal/apply/{code}", get(portal::start_page).post(portal::start))
        .route("/portal/bundles/{code}/apply", get(portal::bundle_start_page).post(portal::bundle_start))
        .route("/bundles/{code}", get(pages::bundle))
        .route("/portal/drafts/{id}/contact", get(portal::contact_page).post(portal::save_contact))
        .route("/portal/drafts/{id}/materials/{index}", get(portal::material_form).post(portal::save_material))
        .route("/portal/drafts/{id}/check", get(portal::check_page))
        .route("/portal/drafts/{id}/submit", post(portal::submit))
        .route("/portal/cases/{number}", get(portal::case))
        .route("/portal/cases/{number}/correction", post(portal::correct))
        .route("/portal/cases/{number}/notices/{kind}", get(portal::notice))
        .route("/portal/files/{id}", get(portal::file))
        .route("/static/site.css", get(pages::stylesheet))
        .route("/static/print.css", get(pages::print_stylesheet))
        .route("/static/print.js", get(pages::print_script))
        .route("/static/display.js", get(pages::display_script))
        .route("/hall/{hall}/kiosk", get(hall_pages::kiosk))
        .route("/hall/{hall}/kiosk/{zone}", get(hall_pages::take_form))
        .route("/hall/{hall}/tickets", post(hall_pages::take))
        .route("/hall/{hall}/checkin", post(hall_pages::check_in))
        .route("/portal/appointments", get(hall_pages::appointments).post(hall_pages::book))
        .route("/portal/appointments/{id}/cancel", post(hall_pages::cancel))
        .route("/hall/{hall}/tickets/{number}", get(hall_pages::ticket))
        .route("/hall/{hall}/display", get(hall_pages::display))
        .route("/hall/{hall}/display/events", get(hall_pages::display_events))
        .route("/staff/windows", get(hall_pages::windows))
        .route("/staff/windows/{code}", get(hall_pages::workbench).post(hall_pages::workbench_action))
        .route("/staff/hall", get(hall_pages::live_page))
        .route("/staff/hall/planning", get(hall_pages::planning_page))
        .route("/staff/hall/layout", get(hall_pages::layout_page).post(hall_pages::save_layout_page))
        .route("/staff/hall/assignments", get(hall_pages::assignments_list).post(hall_pages::assign))
        .route("/staff/hall/assignments/{id}/end", post(hall_pages::end_assignment))
        .route("/healthz", get(api::health))
        .route("/metrics", get(api::metrics))
        .nest("/api/v1", api)
        .fallback(|| async { error::Error::NotFound("这个页面".to_string()).into_response() })
        // Refuse a body larger than the limit by its Content-Length before reading it, and stop reading
        // one that grows past the limit without announcing its length.
        .layer(RequestBodyLimitLayer::new(limit))
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn_with_state(state.metrics.clone(), request_context))
        .with_state(state)
}
