//! The unified identity login over OpenID Connect (ADR 0023), with the `openidconnect` crate: discovery
//! (kept for an hour, fetched again after a failed check so that a provider's new signing key is found),
//! the authorization code flow with PKCE (S256), a nonce and a state, the code exchanged with the client
//! secret, the ID token checked (signature against the provider's keys, issuer, audience, expiry, nonce),
//! then the claims read from the user-info endpoint for the ID token's subject. No redirect is followed,
//! and every request has a timeout.

use onetrip_app::accounts::unified::{
    Authorization, IdentityFault, IdentityProvider, PendingLogin, Verified, VerifiedPerson,
};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreGenderClaim, CoreProviderMetadata};
use openidconnect::{
    AdditionalClaims, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse, UserInfoClaims,
};
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A centre's client registration at its unified identity provider.
#[derive(Clone)]
pub struct OidcConfig {
    /// The provider's name on the log-in page.
    pub display_name: String,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// Where the provider sends the browser back: `<public_url>/portal/login/oidc/callback`.
    pub redirect_url: String,
    /// Scopes asked for beside `openid` (the ID number's scope among them).
    pub scopes: Vec<String>,
    /// The claim that holds the resident ID number; `<claim>_verified` must be `true` for it to count.
    pub id_number_claim: String,
    pub timeout: Duration,
}

impl std::fmt::Debug for OidcConfig {
    /// Never prints the client secret.
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("OidcConfig").field("issuer", &self.issuer).field("client_id", &self.client_id).finish()
    }
}

/// Claims beyond the standard ones, whatever their names: the ID number's claim is configured.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct OtherClaims(serde_json::Map<String, serde_json::Value>);

impl AdditionalClaims for OtherClaims {}

const DISCOVERY_KEPT: Duration = Duration::from_secs(3600);

pub struct OidcProvider {
    config: OidcConfig,
    http: openidconnect::reqwest::Client,
    discovered: Mutex<Option<(Instant, CoreProviderMetadata)>>,
}

impl OidcProvider {
    pub fn new(config: OidcConfig) -> Result<Self, String> {
        IssuerUrl::new(config.issuer.clone()).map_err(|error| format!("unified identity issuer: {error}"))?;
        RedirectUrl::new(config.redirect_url.clone()).map_err(|error| format!("unified identity redirect: {error}"))?;
        let http = openidconnect::reqwest::Client::builder()
            // Following redirects would let a provider's answer send Onetrip's requests elsewhere (SSRF).
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .build()
            .map_err(|error| format!("unified identity client: {error}"))?;
        Ok(Self { config, http, discovered: Mutex::new(None) })
    }

    async fn metadata(&self) -> Result<CoreProviderMetadata, IdentityFault> {
        {
            let kept = self.discovered.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some((at, metadata)) = kept.as_ref() {
                if at.elapsed() < DISCOVERY_KEPT {
                    return Ok(metadata.clone());
                }
            }
        }
        let issuer = IssuerUrl::new(self.config.issuer.clone())
            .map_err(|error| IdentityFault::Unavailable(error.to_string()))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|error| IdentityFault::Unavailable(format!("discovery: {error}")))?;
        *self.discovered.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some((Instant::now(), metadata.clone()));
        Ok(metadata)
    }

    fn forget_metadata(&self) {
        *self.discovered.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }

    fn client(
        &self,
        metadata: CoreProviderMetadata,
    ) -> Result<
        CoreClient<
            openidconnect::EndpointSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointMaybeSet,
            openidconnect::EndpointMaybeSet,
        >,
        IdentityFault,
    > {
        let redirect = RedirectUrl::new(self.config.redirect_url.clone())
            .map_err(|error| IdentityFault::Rejected(error.to_string()))?;
        Ok(CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.config.client_id.clone()),
            Some(ClientSecret::new(self.config.client_secret.clone())),
        )
        .set_redirect_uri(redirect))
    }

    async fn begin(&self) -> Result<Authorization, IdentityFault> {
        let client = self.client(self.metadata().await?)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request =
            client.authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random);
        for scope in &self.config.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        Ok(Authorization {
            url: url.to_string(),
            pending: PendingLogin {
                state: state.secret().clone(),
                nonce: nonce.secret().clone(),
                verifier: verifier.secret().clone(),
            },
        })
    }

    async fn check(&self, pending: &PendingLogin, code: &str) -> Verified {
        let result = self.check_once(pending, code).await;
        if matches!(result, Err(IdentityFault::Rejected(_))) {
            // Perhaps the provider rolled its keys: the next login discovers them again.
            self.forget_metadata();
        }
        result
    }

    async fn check_once(&self, pending: &PendingLogin, code: &str) -> Verified {
        let client = self.client(self.metadata().await?)?;
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|error| IdentityFault::Unavailable(error.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|error| match error {
                openidconnect::RequestTokenError::ServerResponse(answer) => {
                    IdentityFault::Rejected(format!("token endpoint: {}", answer.error()))
                }
                other => IdentityFault::Unavailable(format!("token endpoint: {other}")),
            })?;
        let id_token = tokens.id_token().ok_or_else(|| IdentityFault::Rejected("no ID token".to_string()))?;
        let claims = id_token
            .claims(&client.id_token_verifier(), &Nonce::new(pending.nonce.clone()))
            .map_err(|error| IdentityFault::Rejected(format!("ID token: {error}")))?;
        let subject = claims.subject().clone();
        let info: UserInfoClaims<OtherClaims, CoreGenderClaim> = client
            .user_info(tokens.access_token().clone(), Some(subject.clone()))
            .map_err(|error| IdentityFault::Rejected(error.to_string()))?
            .request_async(&self.http)
            .await
            .map_err(|error| match error {
                openidconnect::UserInfoError::ClaimsVerification(error) => {
                    IdentityFault::Rejected(format!("user info: {error}"))
                }
                other => IdentityFault::Unavailable(format!("user info: {other}")),
            })?;
        let other = &info.additional_claims().0;
        let verified =
            other.get(&format!("{}_verified", self.config.id_number_claim)) == Some(&serde_json::Value::Bool(true));
        let id_number = other
            .get(&self.config.id_number_claim)
            .and_then(serde_json::Value::as_str)
            .filter(|_| verified)
            .map(|number| number.trim().to_ascii_uppercase());
        let name = info.name().and_then(|names| names.get(None)).map(|name| name.as_str().to_string());
        let phone = info
            .phone_number()
            .filter(|_| info.phone_number_verified() == Some(true))
            .map(|phone| phone.as_str().to_string());
        Ok(VerifiedPerson {
            issuer: claims.issuer().as_str().to_string(),
            subject: subject.as_str().to_string(),
            name,
            phone,
            id_number,
        })
    }
}

impl IdentityProvider for OidcProvider {
    fn display_name(&self) -> String {
        self.config.display_name.clone()
    }

    fn authorize(&self) -> Pin<Box<dyn Future<Output = Result<Authorization, IdentityFault>> + Send + '_>> {
        Box::pin(self.begin())
    }

    fn verify<'a>(
        &'a self,
        pending: &'a PendingLogin,
        code: &'a str,
    ) -> Pin<Box<dyn Future<Output = Verified> + Send + 'a>> {
        Box::pin(self.check(pending, code))
    }
}
