//! The unified identity provider as a boundary (ADR 0023): what a login keeps, what the provider vouches
//! for, and how it fails. No provider here: `onetrip-exchange` speaks OpenID Connect to a real one, and
//! `unified.rs` holds the use cases.

use std::future::Future;
use std::pin::Pin;

/// What must be kept between sending the browser to the provider and its coming back.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PendingLogin {
    /// The `state` parameter: the answer must carry it back.
    pub state: String,
    /// The `nonce` the ID token must hold.
    pub nonce: String,
    /// The PKCE code verifier (RFC 7636).
    pub verifier: String,
}

/// Where to send the browser, and what to keep.
#[derive(Debug, Clone)]
pub struct Authorization {
    pub url: String,
    pub pending: PendingLogin,
}

/// A person as the provider vouches for them, after its answer was checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedPerson {
    pub issuer: String,
    pub subject: String,
    pub name: Option<String>,
    pub phone: Option<String>,
    /// The resident ID number, only when the provider says it verified it.
    pub id_number: Option<String>,
}

/// Why the provider gave no person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityFault {
    /// Not reachable, or it answered with an error.
    Unavailable(String),
    /// Its answer did not pass the checks (signature, issuer, audience, nonce, PKCE).
    Rejected(String),
}

pub type Verified = Result<VerifiedPerson, IdentityFault>;

/// A unified identity provider.
pub trait IdentityProvider: Send + Sync {
    /// Its name on the log-in page (“新疆政务服务统一身份认证”).
    fn display_name(&self) -> String;

    /// Begins a login: where to send the browser.
    fn authorize(&self) -> Pin<Box<dyn Future<Output = Result<Authorization, IdentityFault>> + Send + '_>>;

    /// Checks the provider's answer (the code it gave the browser) against what was kept.
    fn verify<'a>(
        &'a self,
        pending: &'a PendingLogin,
        code: &'a str,
    ) -> Pin<Box<dyn Future<Output = Verified> + Send + 'a>>;
}
