//! Applicants' accounts on the portal: sign-up in two steps, the second with a one-time code sent to the
//! phone (a window-registered applicant claims the account with the phone recorded at the window, and must
//! hold it), log-in with throttling, and portal sessions, apart from staff sessions.

use super::phone_check::{self, Challenge};
use super::secrets::{
    check_new_password, hash_off_thread, random_token, token_hash, verify_or_dummy, MAX_PASSWORD_CHARS,
};
use crate::app::App;
use crate::error::{AppError, AppResult};
use crate::throttle::{self, Kind};
use chrono::Duration;
use onetrip_domain::applicant::{validate_contact, ApplicantIdentity};
use onetrip_domain::FieldErrors;
use onetrip_store::{Applicant, NewApplicant};

pub const PORTAL_HOURS: i64 = 2;

/// What the sign-up form holds.
pub struct SignUp<'a> {
    pub kind: &'a str,
    pub id_number: &'a str,
    pub name: &'a str,
    pub phone: &'a str,
    pub password: &'a str,
    pub password_again: &'a str,
}

/// What a sign-up does once the phone is proven (kept with the phone check).
#[derive(serde::Serialize, serde::Deserialize)]
struct SignUpPayload {
    kind: String,
    id_number: String,
    name: String,
    phone: String,
    password_hash: String,
}

const SIGN_UP: &str = "signup";

/// The first step of signing up (or of claiming an account a window registered): checks the form and sends
/// a one-time code to the phone; [`confirm_sign_up`] with the code creates or claims the account. Whoever
/// merely knows someone's ID number and phone cannot take their account: they also need the phone.
pub async fn sign_up(app: &App, form: &SignUp<'_>, address: &str) -> AppResult<Challenge> {
    let mut errors = FieldErrors::default();
    let identity = match ApplicantIdentity::parse(form.kind.trim(), form.id_number) {
        Ok(identity) => Some(identity),
        Err(found) => {
            errors.merge_prefixed("", found);
            None
        }
    };
    if let Err(found) = validate_contact(form.name, form.phone) {
        errors.merge_prefixed("", found);
    }
    if let Err(found) = check_new_password(form.password) {
        errors.merge_prefixed("", found);
    }
    if form.password != form.password_again {
        errors.add("password_again", "两次输入的密码不一样，请重新输入");
    }
    let Some(identity) = identity.filter(|_| errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let phone = form.phone.trim().to_string();
    claimable(app.store.applicant_by_identity(&identity).await?.as_ref(), &phone)?;
    let payload = SignUpPayload {
        kind: form.kind.trim().to_string(),
        id_number: form.id_number.trim().to_ascii_uppercase(),
        name: form.name.trim().to_string(),
        password_hash: hash_off_thread(form.password).await?,
        phone: phone.clone(),
    };
    let payload = serde_json::to_string(&payload).map_err(|error| AppError::Internal(error.to_string()))?;
    phone_check::send(app, SIGN_UP, &phone, payload, address).await
}

/// Whether an account may be made (or claimed) for this identity and phone.
fn claimable(existing: Option<&Applicant>, phone: &str) -> AppResult<()> {
    match existing {
        Some(existing) if existing.password_hash.is_some() => {
            Err(AppError::field("id_number", "这个证件号已经注册过了，请直接登录；忘记密码请到窗口重置"))
        }
        // Registered at a window before: the phone given there, proven by the code, shows it is the person.
        Some(existing) if existing.phone != phone => {
            Err(AppError::field("phone", "您在窗口登记过，请填写当时登记的手机号；手机号已更换请到窗口办理"))
        }
        _ => Ok(()),
    }
}

/// The second step: the code sent to the phone proves it; the account is created, or the window-registered
/// applicant's account claimed.
pub async fn confirm_sign_up(app: &App, token: &str, code: &str) -> AppResult<Applicant> {
    let check = phone_check::confirm(app, SIGN_UP, token, code).await?;
    let payload: SignUpPayload = serde_json::from_str(&check.payload)
        .map_err(|error| AppError::Internal(format!("sign-up payload: {error}")))?;
    let identity = ApplicantIdentity::parse(&payload.kind, &payload.id_number).map_err(AppError::Validation)?;
    let existing = app.store.applicant_by_identity(&identity).await?;
    claimable(existing.as_ref(), &payload.phone)?;
    let applicant = match existing {
        Some(existing) => {
            app.store.set_applicant_password(existing.id, &payload.password_hash, &payload.phone).await?;
            existing
        }
        None => {
            let new = NewApplicant {
                identity,
                name: payload.name,
                phone: payload.phone,
                password_hash: Some(payload.password_hash),
            };
            let id = app.store.create_applicant(&new, app.now()).await?;
            app.store.applicant(id).await?.ok_or_else(|| AppError::Internal("applicant just created".to_string()))?
        }
    };
    tracing::info!("applicant signed up with a proven phone");
    Ok(applicant)
}

/// Checks an identity number and password from a client `address`, slowed by the throttles as staff log-ins
/// are (`crate::throttle`).
pub async fn log_in(app: &App, id_number: &str, password: &str, address: &str) -> AppResult<Applicant> {
    let wrong = || AppError::field("password", "证件号或密码不对，请重新输入");
    let number = id_number.trim().to_ascii_uppercase();
    if number.is_empty() || number.len() > 18 || password.is_empty() || password.chars().count() > MAX_PASSWORD_CHARS {
        return Err(wrong());
    }
    let attempt = throttle::begin(app, Kind::PortalLogin, &number, address).await?;
    let kinds = if number.len() == 18 && number.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        ["natural_person", "legal_person"]
    } else {
        ["legal_person", "natural_person"]
    };
    let mut found = None;
    for kind in kinds {
        if let Ok(identity) = ApplicantIdentity::parse(kind, &number) {
            if let Some(applicant) = app.store.applicant_by_identity(&identity).await? {
                found = Some(applicant);
                break;
            }
        }
    }
    let stored = found.as_ref().and_then(|applicant| applicant.password_hash.clone());
    let verified = verify_or_dummy(password, stored.as_deref()).await?;
    match found {
        Some(applicant) if verified => {
            attempt.succeeded(app).await?;
            Ok(applicant)
        }
        _ => Err(wrong()),
    }
}

/// An applicant's open portal session.
#[derive(Debug, Clone)]
pub struct PortalSession {
    pub applicant: Applicant,
    pub csrf_token: String,
    pub token_hash: String,
}

/// Opens a portal session; returns the token to hand to the browser.
pub async fn open_portal_session(app: &App, applicant: &Applicant) -> AppResult<String> {
    let token = random_token();
    let now = app.now();
    app.store
        .create_portal_session(
            &token_hash(&token),
            applicant.id,
            &random_token(),
            now,
            now + Duration::hours(PORTAL_HOURS),
        )
        .await?;
    Ok(token)
}

pub async fn portal_session(app: &App, token: &str) -> AppResult<Option<PortalSession>> {
    let hash = token_hash(token.trim());
    Ok(app.store.portal_session(&hash, app.now()).await?.map(|(applicant, csrf_token)| PortalSession {
        applicant,
        csrf_token,
        token_hash: hash,
    }))
}

pub async fn close_portal_session(app: &App, session: &PortalSession) -> AppResult<()> {
    Ok(app.store.delete_portal_session(&session.token_hash).await?)
}
