//! Sessions at the edge: staff (the session cookie or a bearer token) and applicants (the portal's own
//! cookie), their CSRF tokens, and the extractors that turn them into an [`Actor`]. Passwords, throttling and
//! the sessions themselves are the application layer's (`onetrip_app::accounts`).
//!
//! A browser carries a session in an `HttpOnly`, `SameSite=Lax` cookie, and every state-changing form
//! carries the session's CSRF token. An API client sends `Authorization: Bearer <token>` instead and needs
//! no CSRF token, since a browser never adds that header on its own. A portal session never grants a staff
//! right, and a staff session never shows the portal.

use crate::error::Error;
use crate::layout::{Layout, StaffBadge};
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Redirect, Response};
use onetrip_app::accounts::applicants::{self, PortalSession};
use onetrip_app::accounts::same_secret;
use onetrip_app::accounts::staff::{self, StaffSession, SESSION_HOURS};
use onetrip_app::records::{Applicant, User};
use onetrip_app::{Actor, Channel};
use onetrip_domain::access::{allows, Permission, Role};

pub const SESSION_COOKIE: &str = "onetrip_session";
pub const LOGIN_CSRF_COOKIE: &str = "onetrip_login_csrf";

pub fn session_cookie(state: &AppState, token: &str) -> String {
    let secure = if state.config.secure_cookies { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}", SESSION_HOURS * 3600)
}

pub fn clear_session_cookie(state: &AppState) -> String {
    let secure = if state.config.secure_cookies { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
}

pub fn login_csrf_cookie(state: &AppState, token: &str) -> String {
    let secure = if state.config.secure_cookies { "; Secure" } else { "" };
    format!("{LOGIN_CSRF_COOKIE}={token}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=3600{secure}")
}

pub fn cookie_value<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// How the request proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    Cookie,
    Bearer,
}

/// A logged-in staff member.
#[derive(Debug, Clone)]
pub struct Staff {
    pub user: User,
    pub csrf_token: String,
    pub credential: Credential,
    session: StaffSession,
    /// Who acts, for the application layer: a window (pages) or the API (a bearer token).
    pub actor: Actor,
}

impl Staff {
    fn new(session: StaffSession, credential: Credential) -> Self {
        let user = session.user.clone();
        let channel = if credential == Credential::Bearer { Channel::Api } else { Channel::Window };
        let actor = Actor::staff(
            user.id,
            &user.username,
            &user.display_name,
            user.roles.clone(),
            user.department.clone(),
            channel,
        );
        Self { csrf_token: session.csrf_token.clone(), user, credential, session, actor }
    }

    pub fn require(&self, permission: Permission) -> Result<(), Error> {
        if allows(&self.user.roles, permission) {
            Ok(())
        } else {
            Err(Error::Forbidden)
        }
    }

    pub fn may(&self, permission: Permission) -> bool {
        allows(&self.user.roles, permission)
    }

    pub fn roles(&self) -> &[Role] {
        &self.user.roles
    }

    pub fn session(&self) -> &StaffSession {
        &self.session
    }

    /// Checks the CSRF token of a state-changing request made with the session cookie.
    pub fn check_csrf(&self, submitted: Option<&str>) -> Result<(), Error> {
        if self.credential == Credential::Bearer {
            return Ok(());
        }
        match submitted {
            Some(token) if same_secret(token, &self.csrf_token) => Ok(()),
            _ => Err(Error::CsrfFailed),
        }
    }
}

async fn staff_from_parts(parts: &Parts, state: &AppState) -> Result<Option<Staff>, Error> {
    let bearer = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    let (token, credential) = match (bearer, cookie_value(parts, SESSION_COOKIE)) {
        (Some(token), _) => (token, Credential::Bearer),
        (None, Some(token)) => (token, Credential::Cookie),
        (None, None) => return Ok(None),
    };
    if credential == Credential::Bearer && onetrip_app::events::keys::is_api_key(token) {
        let session = onetrip_app::events::keys::session(&state.app, token).await?;
        return Ok(session.map(|session| Staff::new(session, credential)));
    }
    Ok(staff::session(&state.app, token).await?.map(|session| Staff::new(session, credential)))
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        staff_from_parts(parts, state).await?.ok_or(Error::Unauthenticated)
    }
}

/// The staff member if logged in; pages that everyone may see use this to show the staff menu.
pub struct MaybeStaff(pub Option<Staff>);

impl FromRequestParts<AppState> for MaybeStaff {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Self(staff_from_parts(parts, state).await?))
    }
}

pub const PORTAL_COOKIE: &str = "onetrip_portal";

/// A portal cookie (path `/portal`), `Secure` when the site is served over HTTPS.
pub fn portal_cookie(state: &AppState, name: &str, value: &str, max_age: i64) -> Result<HeaderValue, Error> {
    let secure = if state.config.secure_cookies { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{name}={value}; Path=/portal; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"))
        .map_err(|error| Error::Internal(error.to_string()))
}

/// A logged-in applicant.
pub struct PortalUser {
    pub applicant: Applicant,
    pub csrf_token: String,
    session: PortalSession,
    /// Who acts, for the application layer.
    pub actor: Actor,
}

impl PortalUser {
    pub fn check_csrf(&self, submitted: &str) -> Result<(), Error> {
        if same_secret(submitted, &self.csrf_token) {
            Ok(())
        } else {
            Err(Error::CsrfFailed)
        }
    }

    pub fn session(&self) -> &PortalSession {
        &self.session
    }
}

async fn portal_user(parts: &Parts, state: &AppState) -> Result<Option<PortalUser>, Error> {
    let Some(token) = cookie_value(parts, PORTAL_COOKIE) else {
        return Ok(None);
    };
    Ok(applicants::portal_session(&state.app, token).await?.map(|session| PortalUser {
        actor: Actor::applicant(session.applicant.id, &session.applicant.name),
        applicant: session.applicant.clone(),
        csrf_token: session.csrf_token.clone(),
        session,
    }))
}

/// An applicant on a portal page; anyone else is sent to the portal's log-in page and brought back.
impl FromRequestParts<AppState> for PortalUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match portal_user(parts, state).await {
            Ok(Some(user)) => Ok(user),
            Ok(None) => {
                let next = parts.uri.path_and_query().map(|value| value.as_str()).unwrap_or("/portal");
                Err(Redirect::to(&format!("/portal/login?next={}", crate::links::urlencode(next))).into_response())
            }
            Err(error) => Err(error.into_response()),
        }
    }
}

impl Layout {
    pub fn new(state: &AppState, staff: Option<&Staff>) -> Self {
        Self {
            centre_name: state.centre_name().to_string(),
            staff: staff.map(|staff| StaffBadge {
                display_name: staff.user.display_name.clone(),
                csrf_token: staff.csrf_token.clone(),
            }),
            applicant: None,
        }
    }

    /// The layout of a portal page, for a logged-in applicant.
    pub fn portal(state: &AppState, user: &PortalUser) -> Self {
        Self {
            centre_name: state.centre_name().to_string(),
            staff: None,
            applicant: Some(StaffBadge {
                display_name: user.applicant.name.clone(),
                csrf_token: user.csrf_token.clone(),
            }),
        }
    }
}
