//! Staff pages: log-in and log-out and the workbench (here), the catalog — matters, the editor, import and
//! export (`catalog.rs`, the editor's form in `matter_form.rs`) — the calendar, the synonyms and the audit
//! log (`settings.rs`), and cases (`cases/`). Every page checks the role; every form goes through a checked
//! extractor (`crate::extract`).

pub mod assist;
pub mod cases;
pub mod catalog;
pub mod evaluation;
pub mod licences;
pub mod matter_form;
pub mod ratings;
pub mod scorecards;
pub mod settings;
pub mod sharing;
pub mod statistics;

use crate::auth::{self};
use crate::error::Error;
use crate::extract::{same_as_cookie, StaffForm, StaffPage};
use crate::layout::Layout;
use crate::links::see_other;
use crate::render::render;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue};
use axum::response::Response;
use axum::Form;
use onetrip_app::accounts::staff;
use onetrip_domain::access::Permission;
use serde::Deserialize;

/// Only same-site paths are followed after log-in: printable ASCII, starting with one `/`. Browsers drop
/// tabs and newlines from addresses, so `/\t/evil.example` would otherwise become `//evil.example`.
fn safe_next(next: &str) -> &str {
    let bytes = next.as_bytes();
    let printable = bytes.iter().all(|byte| (0x21..=0x7e).contains(byte));
    let same_site = bytes.first() == Some(&b'/') && !matches!(bytes.get(1), Some(b'/') | Some(b'\\'));
    if printable && same_site && !next.contains('\\') && next.len() <= 512 {
        next
    } else {
        "/staff"
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    csrf_token: String,
    next: String,
    username: String,
    error: String,
}

#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

fn login_page(state: &AppState, next: &str, username: &str, error: String) -> Result<Response, Error> {
    let token = onetrip_app::accounts::random_token();
    let mut response = render(&LoginPage {
        layout: Layout::new(state, None),
        csrf_token: token.clone(),
        next: safe_next(next).to_string(),
        username: username.to_string(),
        error,
    })?;
    let cookie =
        HeaderValue::from_str(&auth::login_csrf_cookie(state, &token)).map_err(|e| Error::Internal(e.to_string()))?;
    response.headers_mut().append(header::SET_COOKIE, cookie);
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

pub async fn login_form(State(state): State<AppState>, Query(query): Query<NextQuery>) -> Result<Response, Error> {
    login_page(&state, &query.next, "", String::new())
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    next: String,
}

pub async fn login(
    State(state): State<AppState>,
    parts: Parts,
    Form(form): Form<LoginForm>,
) -> Result<Response, Error> {
    if !same_as_cookie(&parts, auth::LOGIN_CSRF_COOKIE, &form.csrf_token) {
        return login_page(&state, &form.next, &form.username, Error::CsrfFailed.message());
    }
    let username = form.username.trim();
    if username.is_empty() || form.password.is_empty() || username.len() > 64 || form.password.len() > 128 {
        return login_page(&state, &form.next, username, "请输入用户名和密码".to_string());
    }
    let address = crate::extract::ClientAddress::of(&parts, &state);
    match staff::authenticate(&state.app, username, &form.password, &address.0).await.map_err(Error::from) {
        Ok(user) => {
            let token = staff::open_session(&state.app, &user).await?;
            tracing::info!(user = %user.username, "staff logged in");
            let mut response = see_other(safe_next(&form.next));
            let cookie = HeaderValue::from_str(&auth::session_cookie(&state, &token))
                .map_err(|e| Error::Internal(e.to_string()))?;
            response.headers_mut().append(header::SET_COOKIE, cookie);
            Ok(response)
        }
        Err(error @ (Error::Validation(_) | Error::TooManyAttempts(..))) => {
            let message = error
                .fields()
                .and_then(|fields| fields.first("password"))
                .map(str::to_string)
                .unwrap_or_else(|| error.message());
            let mut response = login_page(&state, &form.next, username, message)?;
            *response.status_mut() = error.status();
            error.add_headers(&mut response);
            Ok(response)
        }
        Err(other) => Err(other),
    }
}

pub async fn logout(State(state): State<AppState>, StaffForm(staff, _): StaffForm) -> Result<Response, Error> {
    staff::close_session(&state.app, staff.session()).await?;
    let mut response = see_other("/");
    let cookie =
        HeaderValue::from_str(&auth::clear_session_cookie(&state)).map_err(|e| Error::Internal(e.to_string()))?;
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

#[derive(Template)]
#[template(path = "staff_home.html")]
struct StaffHome {
    layout: Layout,
    display_name: String,
    roles: String,
    can_edit: bool,
    is_admin: bool,
    matter_count: usize,
    can_accept: bool,
    can_review: bool,
    can_supervise: bool,
    can_serve: bool,
    can_manage_hall: bool,
    /// Failed log-ins on this account over the last day (someone else's, or the owner's own before the
    /// last successful log-in from another address): how many, from how many addresses, the last when.
    attacked: Option<(u64, u64, String)>,
    /// From November: next year's holiday notice, if it is not loaded yet (for those who load it or
    /// supervise the limits it moves).
    calendar_missing: Option<i32>,
}

pub async fn home(State(state): State<AppState>, StaffPage(staff): StaffPage) -> Result<Response, Error> {
    let failures = onetrip_app::accounts::staff::recent_failed_logins(&state.app, &staff.user.username).await?;
    let attacked = failures
        .last
        .filter(|_| failures.count > 0)
        .map(|last| (failures.count, failures.addresses, state.local(last).format("%m月%d日 %H:%M").to_string()));
    let today = state.today();
    let next_year = chrono::Datelike::year(&today) + 1;
    let calendar_missing = (chrono::Datelike::month(&today) >= 11
        && (staff.may(Permission::LoadCalendar) || staff.may(Permission::Supervise))
        && !state.calendar().loaded_years().contains(&next_year))
    .then_some(next_year);
    render(&StaffHome {
        attacked,
        calendar_missing,
        layout: Layout::new(&state, Some(&staff)),
        display_name: staff.user.display_name.clone(),
        roles: staff.roles().iter().map(|role| role.label()).collect::<Vec<_>>().join("、"),
        can_edit: staff.may(Permission::EditCatalog),
        is_admin: staff.may(Permission::ManageUsers),
        matter_count: state.catalog().versions.len(),
        can_accept: staff.may(Permission::AcceptCases),
        can_review: staff.may(Permission::ReviewCases) && staff.user.department.is_some(),
        can_supervise: staff.may(Permission::Supervise),
        can_serve: staff.may(Permission::ServeAtWindow),
        can_manage_hall: staff.may(Permission::ManageHall),
    })
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_same_site_paths_are_followed_after_log_in() {
        assert_eq!(safe_next("/staff/matters?saved=1"), "/staff/matters?saved=1");
        for hostile in
            ["//evil.example", "/\t/evil.example", "/\\evil.example", "https://evil.example", "/\n", "", "staff"]
        {
            assert_eq!(safe_next(hostile), "/staff", "{hostile:?}");
        }
    }
}
