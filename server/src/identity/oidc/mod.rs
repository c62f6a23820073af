//! Sign-in through an OpenID Connect issuer, and the bearer JWTs it issues.
//!
//! The browser flow is the authorization code grant with PKCE, driven by the
//! `oauth2` crate: [`Oidc::start`] sends the shopper to the issuer with a
//! random `state` (also put in a short-lived cookie, so a callback cannot be
//! replayed into another browser) and a random `nonce`; [`Oidc::finish`]
//! exchanges the code and checks the ID token: signature against the
//! issuer's JWKS, issuer, audience, expiry and the nonce. The issuer's
//! endpoints come from its discovery document, fetched when first needed and
//! kept; its keys are fetched again when a token names one not yet seen.

mod tokens;

pub use tokens::roles;

use jsonwebtoken::jwk::JwkSet;
use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    ExtraTokenFields, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, StandardRevocableToken,
    StandardTokenResponse, TokenUrl,
};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};
use tokio::sync::{OnceCell, RwLock};

use app::account::Role;

/// What the store needs to know about its issuer.
#[derive(Clone, Debug)]
pub struct OidcSettings {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Option<secrecy::SecretString>,
    /// The claim listing the user's roles.
    pub roles_claim: String,
    /// The audience bearer JWTs must name.
    pub audience: String,
    pub clock_skew: Duration,
    /// Where the issuer sends the browser back: `<public url>/api/account/oidc/callback`.
    pub redirect_url: String,
}

/// The claims the store uses, from a verified token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claims {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    pub roles: Vec<Role>,
}

/// A sign-in underway: kept by the identity service under its `state`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PendingLogin {
    pub verifier: String,
    pub nonce: String,
    pub next: String,
}

#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// The issuer cannot be reached or answers nonsense.
    #[error("the sign-in provider is unavailable: {0}")]
    Unavailable(String),
    /// The sign-in failed: a bad code, a forged or expired token.
    #[error("{0}")]
    Rejected(String),
}

#[derive(Clone, Debug, Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct IdTokenFields {
    id_token: Option<String>,
}

impl ExtraTokenFields for IdTokenFields {}

type TokenResponse = StandardTokenResponse<IdTokenFields, BasicTokenType>;
type Client = oauth2::Client<
    BasicErrorResponse,
    TokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

pub struct Oidc {
    settings: OidcSettings,
    http: reqwest::Client,
    discovery: OnceCell<Discovery>,
    keys: RwLock<Option<(JwkSet, Instant)>>,
}

impl Oidc {
    pub fn new(settings: OidcSettings) -> Self {
        let http = reqwest::Client::builder()
            // Following redirects would let a token endpoint bounce us elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .expect("an HTTP client builds");
        Self { settings, http, discovery: OnceCell::new(), keys: RwLock::new(None) }
    }

    async fn discovery(&self) -> Result<&Discovery, OidcError> {
        self.discovery
            .get_or_try_init(|| async {
                let url = format!("{}/.well-known/openid-configuration", self.settings.issuer.trim_end_matches('/'));
                let doc: Discovery = self.get_json(&url).await?;
                if doc.issuer != self.settings.issuer {
                    return Err(OidcError::Unavailable(format!(
                        "the discovery document names issuer {}, not {}",
                        doc.issuer, self.settings.issuer
                    )));
                }
                Ok(doc)
            })
            .await
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, OidcError> {
        let response = self.http.get(url).send().await.map_err(|e| OidcError::Unavailable(format!("{url}: {e}")))?;
        if !response.status().is_success() {
            return Err(OidcError::Unavailable(format!("{url} answered {}", response.status())));
        }
        response.json().await.map_err(|e| OidcError::Unavailable(format!("{url}: {e}")))
    }

    async fn client(&self) -> Result<Client, OidcError> {
        let doc = self.discovery().await?;
        let bad = |what: &str, e: &dyn std::fmt::Display| OidcError::Unavailable(format!("{what}: {e}"));
        let mut client = oauth2::Client::<
            BasicErrorResponse,
            TokenResponse,
            BasicTokenIntrospectionResponse,
            StandardRevocableToken,
            BasicRevocationErrorResponse,
        >::new(ClientId::new(self.settings.client_id.clone()))
        .set_auth_uri(AuthUrl::new(doc.authorization_endpoint.clone()).map_err(|e| bad("authorization URL", &e))?)
        .set_token_uri(TokenUrl::new(doc.token_endpoint.clone()).map_err(|e| bad("token URL", &e))?)
        .set_redirect_uri(RedirectUrl::new(self.settings.redirect_url.clone()).map_err(|e| bad("redirect URL", &e))?);
        match &self.settings.client_secret {
            Some(secret) => client = client.set_client_secret(ClientSecret::new(secret.expose_secret().to_string())),
            None => client = client.set_auth_type(AuthType::RequestBody),
        }
        Ok(client)
    }

    /// Where to send the browser, the `state` naming this attempt, and what to keep until the callback.
    pub async fn start(&self, next: String) -> Result<(String, String, PendingLogin), OidcError> {
        let client = self.client().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let nonce = CsrfToken::new_random().secret().clone();
        let (url, state) = client
            .authorize_url(CsrfToken::new_random)
            .add_scopes(["openid", "email", "profile"].map(|s| Scope::new(s.into())))
            .add_extra_param("nonce", nonce.clone())
            .set_pkce_challenge(challenge)
            .url();
        Ok((url.to_string(), state.secret().clone(), PendingLogin { verifier: verifier.secret().clone(), nonce, next }))
    }

    /// Exchanges the code and returns the verified ID token's claims.
    pub async fn finish(&self, code: String, pending: PendingLogin) -> Result<Claims, OidcError> {
        let client = self.client().await?;
        let response = client
            .exchange_code(AuthorizationCode::new(code))
            .set_pkce_verifier(PkceCodeVerifier::new(pending.verifier))
            .request_async(&self.http)
            .await
            .map_err(|e| match e {
                oauth2::RequestTokenError::ServerResponse(r) => {
                    OidcError::Rejected(format!("the provider refused the sign-in: {}", r.error()))
                }
                other => OidcError::Unavailable(format!("token request: {other}")),
            })?;
        let id_token = response
            .extra_fields()
            .id_token
            .as_deref()
            .ok_or_else(|| OidcError::Rejected("the provider returned no ID token".into()))?;
        let claims = self.verify(id_token, &self.settings.client_id).await?;
        if claims.get("nonce").and_then(|n| n.as_str()) != Some(pending.nonce.as_str()) {
            return Err(OidcError::Rejected("the ID token's nonce does not match this sign-in".into()));
        }
        self.claims(claims)
    }
}
