//! Unified identity login (统一身份认证, ADR 0023): an applicant logs in at the province's OpenID provider
//! instead of with a password. The provider is a boundary here ([`IdentityProvider`]); `onetrip-exchange`
//! speaks OpenID Connect to a real one.
//!
//! A login is begun here: the provider's address to send the browser to, and what is needed to check its
//! answer (state, nonce, PKCE verifier), kept on the server under the digest of a token that only the
//! browser holds, for ten minutes and for one use. When the browser comes back, the provider's answer is
//! checked (by the boundary: the code exchanged, the ID token's signature, issuer, audience and nonce) and
//! the person is found: by the link from the provider's subject, or else by the ID number the provider
//! verified, which links an existing portal account (one a window registered too) once and for all. A
//! person without an account gets one; password log-in stays as it was.

pub use super::identity_provider::{
    Authorization, IdentityFault, IdentityProvider, PendingLogin, Verified, VerifiedPerson,
};
use super::secrets::{random_token, same_secret, token_hash};
use crate::app::App;
use crate::error::AppError;
use chrono::Duration;
use onetrip_domain::applicant::{validate_contact, ApplicantIdentity};
use onetrip_store::{Applicant, AuditEvent, NewApplicant};

/// How long a login begun at the provider may take.
pub const LOGIN_MINUTES: i64 = 10;

/// Why a unified login did not log anyone in; each says what to do in its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No provider is configured for this centre.
    NotOffered,
    /// The login was begun too long ago, in another browser, or answered twice.
    Expired,
    /// The person cancelled at the provider, or the provider refused.
    Cancelled,
    /// The provider could not be reached.
    Unavailable,
    /// The provider's answer failed the checks.
    Rejected,
    /// The provider did not give a verified resident ID number.
    Unverified,
    /// The provider's ID number is not the one of the account its subject is linked to.
    Mismatch,
    /// A new account needs a name and a phone the provider did not give.
    Incomplete,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Self::NotOffered => "unified_login_not_offered",
            Self::Expired => "unified_login_expired",
            Self::Cancelled => "unified_login_cancelled",
            Self::Unavailable => "unified_login_unavailable",
            Self::Rejected => "unified_login_rejected",
            Self::Unverified => "unified_login_unverified",
            Self::Mismatch => "unified_login_mismatch",
            Self::Incomplete => "unified_login_incomplete",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Self::NotOffered => "本中心没有接入统一身份认证，请用证件号和密码登录",
            Self::Expired => "这次登录已过期或已使用，请重新点击“统一身份认证登录”",
            Self::Cancelled => "您在统一身份认证页面取消了登录；可以重新登录，或用证件号和密码登录",
            Self::Unavailable => "统一身份认证暂时无法连接，请稍后再试，或用证件号和密码登录",
            Self::Rejected => "统一身份认证的回应没有通过校验，请重新登录；多次出现请联系本中心",
            Self::Unverified => {
                "统一身份认证没有提供已核验的居民身份证号，无法确认是您本人；请先在统一身份认证完成实名核验"
            }
            Self::Mismatch => "统一身份认证提供的证件号与已关联的账户不一致，请到窗口核实",
            Self::Incomplete => "统一身份认证没有提供姓名或可用的手机号，无法为您开通账户；请先注册账户再登录",
        }
    }
}

/// The outcome of a unified login's step: a refusal with its reason, or a fault of Onetrip's own.
#[derive(Debug)]
pub enum LoginError {
    Refused(Refusal),
    App(AppError),
}

impl From<AppError> for LoginError {
    fn from(error: AppError) -> Self {
        Self::App(error)
    }
}

impl From<onetrip_store::StoreError> for LoginError {
    fn from(error: onetrip_store::StoreError) -> Self {
        Self::App(error.into())
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Kept {
    pending: PendingLogin,
    next: String,
}

/// The provider's name, if this centre has one.
pub fn offered(app: &App) -> Option<String> {
    app.identity_provider().map(|provider| provider.display_name())
}

/// Begins a login: the address to send the browser to, and the token for its cookie. `next` is where to go
/// after (checked by the caller).
pub async fn begin(app: &App, next: &str) -> Result<(String, String), LoginError> {
    let provider = app.identity_provider().ok_or(LoginError::Refused(Refusal::NotOffered))?;
    let authorization = provider.authorize().await.map_err(|fault| {
        tracing::warn!(fault = ?fault, "unified identity provider unavailable");
        LoginError::Refused(Refusal::Unavailable)
    })?;
    let token = random_token();
    let kept = Kept { pending: authorization.pending, next: next.to_string() };
    let payload = serde_json::to_string(&kept).map_err(|error| AppError::Internal(error.to_string()))?;
    let now = app.now();
    app.store.begin_identity_login(&token_hash(&token), &payload, now + Duration::minutes(LOGIN_MINUTES), now).await?;
    Ok((authorization.url, token))
}

/// What the provider sent the browser back with.
pub struct Answer<'a> {
    /// The token from the browser's cookie.
    pub token: &'a str,
    pub state: &'a str,
    pub code: Option<&'a str>,
    /// The provider's `error` parameter (for example `access_denied`).
    pub error: Option<&'a str>,
}

/// Finishes a login: the portal account and where to go next.
pub async fn finish(app: &App, answer: &Answer<'_>) -> Result<(Applicant, String), LoginError> {
    let provider = app.identity_provider().ok_or(LoginError::Refused(Refusal::NotOffered))?;
    // Taken (and so gone) first: an answer counts once, whatever comes of it.
    let kept = match app.store.take_identity_login(&token_hash(answer.token.trim()), app.now()).await? {
        Some(payload) => serde_json::from_str::<Kept>(&payload)
            .map_err(|error| AppError::Internal(format!("kept login: {error}")))?,
        None => return Err(LoginError::Refused(Refusal::Expired)),
    };
    // The state binds the answer to this browser's login: an answer meant for someone else's login (a
    // link an attacker sends) does not log this browser in.
    if !same_secret(answer.state, &kept.pending.state) {
        return Err(LoginError::Refused(Refusal::Expired));
    }
    if answer.error.is_some() {
        return Err(LoginError::Refused(Refusal::Cancelled));
    }
    let code = answer.code.filter(|code| !code.is_empty() && code.len() <= 2048);
    let code = code.ok_or(LoginError::Refused(Refusal::Rejected))?;
    let person = provider.verify(&kept.pending, code).await.map_err(|fault| match fault {
        IdentityFault::Unavailable(reason) => {
            tracing::warn!(%reason, "unified identity provider unavailable");
            LoginError::Refused(Refusal::Unavailable)
        }
        IdentityFault::Rejected(reason) => {
            tracing::warn!(%reason, "unified identity answer rejected");
            LoginError::Refused(Refusal::Rejected)
        }
    })?;
    let applicant = account_of(app, &person).await?;
    Ok((applicant, kept.next))
}

/// The portal account of a verified person: linked before, found by the verified ID number (and linked),
/// or made now.
async fn account_of(app: &App, person: &VerifiedPerson) -> Result<Applicant, LoginError> {
    let now = app.now();
    let identity = match person.id_number.as_deref() {
        Some(number) => Some(
            ApplicantIdentity::parse("natural_person", number).map_err(|_| LoginError::Refused(Refusal::Unverified))?,
        ),
        None => None,
    };
    if let Some(id) = app.store.linked_applicant(&person.issuer, &person.subject, now).await? {
        let applicant =
            app.store.applicant(id).await?.ok_or_else(|| AppError::Internal("linked applicant".to_string()))?;
        if identity.as_ref().is_some_and(|identity| *identity != applicant.identity) {
            tracing::warn!(applicant = id, "unified identity's ID number differs from the linked account's");
            return Err(LoginError::Refused(Refusal::Mismatch));
        }
        return Ok(applicant);
    }
    let identity = identity.ok_or(LoginError::Refused(Refusal::Unverified))?;
    let (applicant, how) = match app.store.applicant_by_identity(&identity).await? {
        Some(existing) => (existing, "linked to the existing account by the verified ID number"),
        None => {
            let name = person.name.clone().unwrap_or_default();
            let phone = person.phone.clone().unwrap_or_default();
            if validate_contact(&name, &phone).is_err() {
                return Err(LoginError::Refused(Refusal::Incomplete));
            }
            let new = NewApplicant {
                identity,
                name: name.trim().to_string(),
                phone: phone.trim().to_string(),
                password_hash: None,
            };
            let id = app.store.create_applicant(&new, now).await?;
            let made =
                app.store.applicant(id).await?.ok_or_else(|| AppError::Internal("applicant just made".to_string()))?;
            (made, "a new account for the verified ID number")
        }
    };
    if !app.store.link_identity(&person.issuer, &person.subject, applicant.id, now).await? {
        // Another login of the same person linked it a moment ago: that link stands.
        return linked_now(app, person).await;
    }
    let event = AuditEvent {
        at: now,
        actor: format!("unified identity {}", person.issuer),
        action: "link_unified_identity".to_string(),
        subject: format!("applicant {}", applicant.id),
        detail: how.to_string(),
    };
    app.store.record_audit(&event).await?;
    tracing::info!(applicant = applicant.id, "unified identity linked");
    Ok(applicant)
}

async fn linked_now(app: &App, person: &VerifiedPerson) -> Result<Applicant, LoginError> {
    let id = app
        .store
        .linked_applicant(&person.issuer, &person.subject, app.now())
        .await?
        .ok_or_else(|| AppError::Internal("link just made".to_string()))?;
    Ok(app.store.applicant(id).await?.ok_or_else(|| AppError::Internal("linked applicant".to_string()))?)
}
