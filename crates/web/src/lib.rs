//! Onetrip's HTTP edge on axum: the public pages (`public/`), the staff pages (`staff/`), the applicants'
//! portal (`portal/`), the hall's pages (`hall/`) and the JSON API (`api/`), all from one router over one
//! [`AppState`]. This crate speaks HTTP only: it parses a request (`extract.rs` checks who is asking and the
//! CSRF token), calls the application layer (`onetrip_app`), and renders a page or JSON.

#![recursion_limit = "512"]

pub mod api;
pub mod auth;
mod case_view;
pub mod error;
pub mod extract;
pub mod hall;
mod json_body;
mod layout;
mod licence_view;
mod links;
pub mod metrics;
pub mod portal;
pub mod public;
mod rating_view;
mod render;
mod source_view;
pub mod staff;
pub mod state;
pub mod view_mode;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderName, HeaderValue};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{middleware, Router};
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
    let prefix = PREFIX.get_or_init(|| {
        onetrip_app::accounts::random_token().chars().filter(char::is_ascii_alphanumeric).take(12).collect()
    });
    format!("{prefix}-{}", COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
}

/// Runs every request inside a span that carries its request id (taken from `x-request-id` when the
/// client or a proxy sent a sensible one), so that every log line of the request, errors included, names
/// it; returns the id, and adds the security headers in one pass. Responses to a logged-in client are
/// marked `private, no-store`: they carry a CSRF token and the staff member's name, and no shared cache
/// may keep them.
///
/// It also counts the request in the metrics, under its route pattern (never the raw path, which may hold
/// data), and gives the plain-text errors of extractors and the body limit the one error format
/// (`error::uniform`): one middleware instead of three, because this runs on every request.
async fn request_context(
    axum::extract::State((metrics, hsts)): axum::extract::State<(std::sync::Arc<metrics::Metrics>, bool)>,
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
    let has_session = request.headers().contains_key(header::AUTHORIZATION)
        || request
            .headers()
            .get(header::COOKIE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|cookies| cookies.contains(auth::SESSION_COOKIE) || cookies.contains(auth::PORTAL_COOKIE));
    let api = request.uri().path().starts_with(api::openapi::PREFIX);
    let span = tracing::info_span!("request", id = %id);
    let route = matched.as_ref().map(axum::extract::MatchedPath::as_str).unwrap_or("unmatched");
    // A panic in a handler is answered like any internal error, never with a dropped connection; the
    // panic's message is not logged (it may quote the input), only the route.
    let handled = futures_util::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(tracing::Instrument::instrument(
        error::REQUEST_ID.scope(id.clone(), next.run(request)),
        span.clone(),
    )))
    .await;
    let response = match handled {
        Ok(response) => response,
        Err(_) => {
            span.in_scope(|| tracing::error!(route, "a handler panicked; answered 500"));
            error::REQUEST_ID.sync_scope(id.clone(), || {
                let error = error::Error::Internal("panic".to_string());
                if api {
                    error.into_json_response()
                } else {
                    error.into_response()
                }
            })
        }
    };
    let mut response = error::uniform(response, api).await;
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
    if hsts {
        // Secure cookies mean the site is served over HTTPS: browsers are to keep to it for a year.
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    if let Ok(value) = HeaderValue::from_str(&id) {
        headers.insert(HeaderName::from_static("x-request-id"), value);
    }
    response
}

/// Every route of the application.
pub fn router(state: AppState) -> Router {
    // The API's routes come from the declaration its OpenAPI document is made of (`api::openapi::routes`).
    let (api, _) = api::openapi::routes().split_for_parts();
    let api = api.fallback(api::not_found);

    let routes = Router::new()
        .route("/", get(public::home))
        .route("/search", get(public::search))
        .route("/matters", get(public::matters))
        .route("/matters/{code}", get(public::guide::matter))
        .route("/matters/{code}/notice", get(public::guide::notice))
        .route("/matters/{code}/history", get(public::guide::history))
        .route("/matters/{code}/versions/{version}", get(public::guide::matter_version))
        .route("/matters/{code}/versions/{version}/notice", get(public::guide::version_notice))
        .route("/bundles/{code}", get(public::bundle))
        .route("/ratings", get(public::ratings::disclosure))
        .route("/licences/verify", get(public::licences::verify).post(public::licences::verify_document))
        .route("/staff/licences", get(staff::licences::licences_page))
        .route("/staff/licences/view", get(staff::licences::licence))
        .route("/staff/licences/document", get(staff::licences::document))
        .route("/staff/licences/status", post(staff::licences::change_status))
        .route("/progress", get(public::progress::form).post(public::progress::look_up))
        .route("/progress/qr.svg", get(public::progress::qr))
        .route("/r/{token}", get(public::ratings::link).post(public::ratings::rate_link))
        .route("/r/{token}/qr.svg", get(public::ratings::qr))
        .route("/staff/ratings", get(staff::ratings::followups))
        .route("/staff/evaluation", get(staff::evaluation::evaluation_page))
        .route("/staff/scorecards", get(staff::scorecards::scorecards_page))
        .route("/staff/statistics", get(staff::statistics::dashboard))
        .route("/staff/statistics/report", get(staff::statistics::report))
        .route("/staff/statistics/sharing", get(staff::sharing::sharing))
        .route("/staff/statistics/export.xlsx", get(staff::statistics::export))
        .route("/staff/evaluation/export.xlsx", get(staff::evaluation::export))
        .route("/staff/evaluation/weights", get(staff::evaluation::weights).post(staff::evaluation::save_weights))
        .route("/staff/evaluation/finalize", post(staff::evaluation::finalize))
        .route("/staff/ratings/{id}", get(staff::ratings::followup).post(staff::ratings::followup_action))
        .route("/static/site.css", get(public::assets::stylesheet))
        .route("/static/favicon.svg", get(public::assets::icon))
        .route("/static/speak.js", get(public::assets::speak_script))
        .route("/view/elder", get(view_mode::toggle))
        .route("/view/larger", get(view_mode::larger))
        .route("/view/smaller", get(view_mode::smaller))
        .route("/favicon.ico", get(public::assets::icon))
        .route("/static/print.css", get(public::assets::print_stylesheet))
        .route("/static/print.js", get(public::assets::print_script))
        .route("/static/display.js", get(public::assets::display_script))
        .route("/login", get(staff::login_form).post(staff::login))
        .route("/logout", post(staff::logout))
        .route("/staff", get(staff::home))
        .route("/staff/matters", get(staff::catalog::matters))
        .route("/staff/matters/new", get(staff::catalog::new_matter_form).post(staff::catalog::create_matter))
        .route("/staff/matters/{code}/edit", get(staff::catalog::edit_matter_form).post(staff::catalog::update_matter))
        .route("/staff/catalog", get(staff::catalog::catalog_io))
        .route("/staff/catalog/export.xlsx", get(staff::catalog::export_xlsx))
        .route("/staff/catalog/import", post(staff::catalog::import))
        .route("/staff/calendar", get(staff::settings::calendar).post(staff::settings::load_calendar))
        .route("/staff/synonyms", get(staff::settings::synonyms).post(staff::settings::save_synonyms))
        .route("/staff/audit", get(staff::settings::audit))
        .route("/staff/cases", get(staff::cases::window::queue))
        .route("/staff/cases/new", get(staff::cases::window::new_case_form).post(staff::cases::window::create_case))
        .route("/staff/assist", get(staff::assist::new_form).post(staff::assist::start))
        .route("/staff/assist/{id}", get(staff::assist::draft))
        .route("/staff/assist/{id}/materials/{index}", post(staff::assist::upload))
        .route("/staff/assist/{id}/hand-over", post(staff::assist::hand_over))
        .route("/staff/cases/{number}", get(staff::cases::case_page::case))
        .route("/staff/cases/{number}/acceptance", post(staff::cases::case_page::acceptance))
        .route("/staff/cases/{number}/review", post(staff::cases::case_page::review))
        .route("/staff/cases/{number}/delivery", post(staff::cases::case_page::delivery))
        .route("/staff/cases/{number}/clock", post(staff::cases::case_page::clock))
        .route("/staff/cases/{number}/orders", post(staff::cases::case_page::issue_order))
        .route("/staff/cases/{number}/orders/{id}/answer", post(staff::cases::case_page::answer_order))
        .route("/staff/cases/{number}/notices/{kind}", get(staff::cases::notices::notice))
        .route("/staff/cases/{number}/files/{id}", get(staff::cases::notices::case_file))
        .route("/staff/trips", get(staff::cases::oversight::trips))
        .route("/staff/inbox", get(staff::cases::oversight::inbox))
        .route("/staff/supervision", get(staff::cases::oversight::supervision))
        .route("/staff/outbox", get(staff::cases::oversight::outbox))
        .route("/portal", get(portal::home))
        .route("/portal/login", get(portal::login_form).post(portal::login))
        .route("/portal/login/oidc", get(portal::unified::begin))
        .route("/portal/login/oidc/callback", get(portal::unified::callback))
        .route("/portal/signup", get(portal::signup_form).post(portal::signup))
        .route("/portal/signup/verify", post(portal::verify_signup))
        .route("/portal/logout", post(portal::logout))
        .route("/portal/apply/{code}", get(portal::apply::start_page).post(portal::apply::start))
        .route("/portal/bundles/{code}/apply", get(portal::apply::bundle_start_page).post(portal::apply::bundle_start))
        .route("/portal/drafts/{id}/contact", get(portal::apply::contact_page).post(portal::apply::save_contact))
        .route(
            "/portal/drafts/{id}/materials/{index}",
            get(portal::apply::material_form).post(portal::apply::save_material),
        )
        .route("/portal/drafts/{id}/check", get(portal::apply::check_page))
        .route("/portal/drafts/{id}/submit", post(portal::apply::submit))
        .route("/portal/cases/{number}", get(portal::case::case))
        .route("/portal/cases/{number}/correction", post(portal::case::correct))
        .route("/portal/cases/{number}/rating", post(portal::case::rate))
        .route("/portal/cases/{number}/notices/{kind}", get(portal::case::notice))
        .route("/portal/files/{id}", get(portal::case::file))
        .route("/portal/licences", get(portal::licences::licences_page))
        .route("/portal/consents", get(portal::consents::consents_page))
        .route("/portal/consents/{id}/revoke", post(portal::consents::revoke))
        .route("/portal/drafts/{id}/materials/{index}/share", post(portal::apply::share_material))
        .route("/portal/licences/document", get(portal::licences::document))
        .route("/portal/appointments", get(hall::appointments::appointments).post(hall::appointments::book))
        .route("/portal/appointments/{id}/cancel", post(hall::appointments::cancel))
        .route("/hall/{hall}/kiosk", get(hall::kiosk::kiosk))
        .route("/hall/{hall}/kiosk/{zone}", get(hall::kiosk::take_form))
        .route("/hall/{hall}/tickets", post(hall::kiosk::take))
        .route("/hall/{hall}/checkin", post(hall::kiosk::check_in))
        .route("/hall/{hall}/tickets/{number}", get(hall::kiosk::ticket))
        .route("/hall/{hall}/display", get(hall::kiosk::display))
        .route("/hall/{hall}/display/events", get(hall::kiosk::display_events))
        .route("/staff/windows", get(hall::workbench::windows))
        .route("/staff/windows/{code}", get(hall::workbench::workbench).post(hall::workbench::workbench_action))
        .route("/staff/windows/{code}/rate", get(hall::evaluator::evaluator).post(hall::evaluator::rate))
        .route("/staff/hall", get(hall::manage::live_page))
        .route("/staff/hall/planning", get(hall::manage::planning_page))
        .route("/staff/hall/layout", get(hall::manage::layout_page).post(hall::manage::save_layout_page))
        .route("/staff/hall/assignments", get(hall::manage::assignments_list).post(hall::manage::assign))
        .route("/staff/hall/assignments/{id}/end", post(hall::manage::end_assignment))
        .route("/healthz", get(api::health))
        .route("/metrics", get(api::metrics))
        .nest(api::openapi::PREFIX, api)
        .fallback(|| async { error::Error::NotFound("这个页面".to_string()).into_response() });
    edge(routes, state)
}

/// The layers every route runs through: the body limits and the request middleware (request id, panics
/// answered as internal errors, uniform errors, metrics, security headers). Public so that a test can put
/// a route of its own behind exactly the same edge.
pub fn edge(routes: Router<AppState>, state: AppState) -> Router {
    let limit = state.config.max_body_bytes;
    routes
        // Refuse a body larger than the limit by its Content-Length before reading it, and stop reading
        // one that grows past the limit without announcing its length.
        .layer(RequestBodyLimitLayer::new(limit))
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn(view_mode::apply))
        .layer(middleware::from_fn_with_state((state.metrics.clone(), state.config.secure_cookies), request_context))
        .with_state(state)
}
