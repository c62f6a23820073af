//! The identity service: local accounts (argon2id passwords), sessions and
//! roles. Owns the `identity` table.
//!
//! | item      | pk                     | sk         |
//! |-----------|------------------------|------------|
//! | user      | `USER#<uuid>`          | `PROFILE`  |
//! | e-mail    | `EMAIL#<lower e-mail>` | `USER`     |
//! | session   | `SESSION#<sha256>`     | `SESSION`  | (index `by_user`: `SESSIONS#<user>` / `<sha256>`)
//! | throttle  | `THROTTLE#<e-mail>`    | `SIGN_IN`  |
//! | OIDC user | `SUBJECT#<iss>#<sub>`  | `USER`     |
//! | OIDC flow | `LOGIN#<sha256 state>` | `LOGIN`    |
//! | reset     | `RESET#<uuid>`         | `RESET`    |
//!
//! A session is a random 256-bit token in an HttpOnly, SameSite=Lax cookie
//! (Secure when the store is served over HTTPS); the table keeps only its
//! SHA-256, so a leaked table holds no usable session (`session.rs`).
//! Sign-in attempts are limited per e-mail address (`sign_in.rs`). A
//! forgotten password is reset through a link by e-mail (`reset.rs`).

mod caller;
pub mod events;
mod external;
pub mod oidc;
mod password;
mod port;
mod profile;
pub mod remote;
mod remote_api;
mod reset;
mod reset_routes;
mod routes;
mod service;
mod session;
mod sign_in;

pub use service::SERVICE;

use crate::platform::http::{ApiError, ServiceError};
use crate::platform::outbox::Relay;
use crate::platform::signing::Signer;
use crate::platform::store::{Condition, Item, Key, Store, StoreError, Table, TableSpec, WriteOp};
use app::account::{AccountView, MIN_PASSWORD_CHARS, RegisterInput, Role};
use app::api::ErrorDetail;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use time::OffsetDateTime;

pub const SESSION_COOKIE: &str = "tbs_session";
const SOURCE: &str = "identity";
pub fn table_spec() -> TableSpec {
    TableSpec::new("identity").with_index(session::BY_USER)
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct UserRecord {
    id: String,
    email: String,
    name: String,
    password_hash: String,
    roles: Vec<Role>,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    /// `<issuer>#<subject>` for an account that signs in through OpenID
    /// Connect; its roles then follow the issuer's roles claim.
    #[serde(default)]
    subject: Option<String>,
}

impl UserRecord {
    fn view(&self) -> AccountView {
        AccountView {
            id: self.id.clone(),
            email: self.email.clone(),
            name: self.name.clone(),
            roles: self.roles.clone(),
        }
    }
}

fn user_key(id: &str) -> Key {
    Key::new(format!("USER#{id}"), "PROFILE")
}

fn email_key(email: &str) -> Key {
    Key::new(format!("EMAIL#{}", email.to_lowercase()), "USER")
}

/// Who is making a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub account: AccountView,
    /// The session token; `None` for a bearer token.
    session: Option<String>,
}

impl Principal {
    /// A caller who came with a bearer token: no session.
    pub fn bearer(account: AccountView) -> Self {
        Self { account, session: None }
    }

    pub fn has(&self, role: Role) -> bool {
        self.account.roles.contains(&role) || self.account.roles.contains(&Role::Admin)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("{}", .0.message)]
    Invalid(ErrorDetail),
    #[error("an account with this e-mail exists")]
    EmailTaken,
    #[error("wrong e-mail or password")]
    BadCredentials,
    /// Carries the seconds until the window ends.
    #[error("too many failed sign-ins; try again in 15 minutes")]
    Throttled(u64),
    #[error(transparent)]
    Hashing(#[from] password::HashError),
    #[error("sign in first")]
    Unauthenticated,
    #[error("{0}")]
    InvalidToken(String),
    #[error("{0}")]
    ExternalSignIn(String),
    #[error("{0}")]
    ProviderUnavailable(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Internal(String),
}

impl ServiceError for IdentityError {
    fn api_error(&self) -> ApiError {
        let message = self.to_string();
        match self {
            Self::Invalid(d) => ApiError::with_detail(StatusCode::BAD_REQUEST, d.clone()),
            Self::EmailTaken => ApiError::new(StatusCode::CONFLICT, "email_taken", message),
            Self::BadCredentials => ApiError::new(StatusCode::UNAUTHORIZED, "invalid_credentials", message),
            Self::Throttled(seconds) => {
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", message).retry_after(*seconds)
            }
            Self::Hashing(password::HashError::Busy) => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "busy", message).retry_after(1)
            }
            Self::Hashing(e) => ApiError::internal("password hashing failed", e),
            Self::Unauthenticated => ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", message),
            Self::InvalidToken(_) => ApiError::new(StatusCode::UNAUTHORIZED, "invalid_token", message),
            Self::ExternalSignIn(_) => ApiError::new(StatusCode::BAD_REQUEST, "sign_in_failed", message),
            Self::ProviderUnavailable(_) => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "sign_in_unavailable", message)
            }
            Self::Store(e) => ApiError::internal("identity store failed", e),
            Self::Internal(e) => ApiError::internal("identity failed", e),
        }
    }
}

crate::respond_with_api_error!(IdentityError);

fn invalid(field: &str, message: impl Into<String>) -> IdentityError {
    IdentityError::Invalid(ErrorDetail::new(format!("invalid_{field}"), message).on_field(field))
}

fn check_email(email: &str) -> Result<String, IdentityError> {
    let email = email.trim().to_string();
    if app::account::valid_email(&email) {
        Ok(email)
    } else {
        Err(invalid("email", "Enter an e-mail address like name@example.com"))
    }
}

fn check_name(name: &str) -> Result<String, IdentityError> {
    let name = name.trim().to_string();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(invalid("name", "Enter your name"));
    }
    Ok(name)
}

fn check_password(field: &str, password: &str) -> Result<(), IdentityError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(invalid(field, format!("Use at least {MIN_PASSWORD_CHARS} characters")));
    }
    if n > 256 {
        return Err(invalid(field, "Use at most 256 characters"));
    }
    Ok(())
}

pub struct Identity {
    table: Arc<dyn Table>,
    secure_cookies: bool,
    oidc: Option<oidc::Oidc>,
    relay: std::sync::OnceLock<Relay>,
    /// Signs and checks password-reset links (none: resets are not offered).
    reset_links: Option<Signer>,
}

impl Identity {
    pub async fn open(
        store: &dyn Store,
        secure_cookies: bool,
        oidc: Option<oidc::OidcSettings>,
    ) -> Result<Self, StoreError> {
        Ok(Self {
            table: store.open_table(&table_spec()).await?,
            secure_cookies,
            oidc: oidc.map(oidc::Oidc::new),
            relay: std::sync::OnceLock::new(),
            reset_links: None,
        })
    }

    /// Offers password resets, their links signed with the store's `secret`.
    pub fn with_reset_links(mut self, secret: &[u8]) -> Self {
        self.reset_links = Some(Signer::new(secret, crate::contracts::PASSWORD_RESET_LINK));
        self
    }

    fn reset_links(&self) -> Result<&Signer, IdentityError> {
        self.reset_links.as_ref().ok_or_else(|| IdentityError::Internal("password resets are not offered here".into()))
    }

    /// The relay that publishes this service's outbox (AccountDeleted, PasswordResetRequested) to `hub`.
    pub fn relay(&self, hub: Arc<dyn crate::platform::hub::EventHub>) -> Relay {
        self.relay.get_or_init(|| Relay::new(self.table.clone(), hub)).clone()
    }

    fn notify_relay(&self) {
        if let Some(relay) = self.relay.get() {
            relay.notify();
        }
    }

    /// Whether sign-in through an OpenID Connect issuer is offered.
    pub fn has_oidc(&self) -> bool {
        self.oidc.is_some()
    }

    /// Creates an account; every account is a shopper, plus `roles`.
    pub async fn create_user(
        &self,
        email: &str,
        name: &str,
        password: &str,
        roles: &[Role],
    ) -> Result<AccountView, IdentityError> {
        let email = check_email(email)?;
        let name = check_name(name)?;
        check_password("password", password)?;
        let mut all_roles = vec![Role::Shopper];
        all_roles.extend(roles.iter().copied().filter(|r| *r != Role::Shopper));
        let hash = password::hashed(password.to_string()).await?;
        let user = UserRecord {
            id: uuid::Uuid::new_v4().to_string(),
            email: email.clone(),
            name,
            password_hash: hash,
            roles: all_roles,
            created_at: OffsetDateTime::now_utc(),
            subject: None,
        };
        let ops = vec![
            WriteOp::Put {
                item: Item::new(email_key(&email), serde_json::json!({ "user_id": user.id })),
                condition: Condition::NotExists,
            },
            WriteOp::Put { item: Item::from_record(user_key(&user.id), &user)?, condition: Condition::NotExists },
        ];
        match self.table.transact_write(ops).await {
            Ok(()) => Ok(user.view()),
            Err(StoreError::TransactionCancelled { index: 0, .. }) => Err(IdentityError::EmailTaken),
            Err(e) => Err(e.into()),
        }
    }

    /// Registers a shopper and signs them in: the account and its session cookie.
    pub async fn register(&self, input: RegisterInput) -> Result<(AccountView, String), IdentityError> {
        let account = self.create_user(&input.email, &input.name, &input.password, &[]).await?;
        let cookie = self.start_session(&account.id).await?;
        Ok((account, cookie))
    }

    async fn user_by_email(&self, email: &str) -> Result<Option<(UserRecord, u64)>, StoreError> {
        let Some(link) = self.table.get(&email_key(email)).await? else { return Ok(None) };
        let user_id = link.attrs["user_id"].as_str().unwrap_or_default().to_string();
        self.table.get(&user_key(&user_id)).await?.map(|item| item.record().map(|u| (u, item.version))).transpose()
    }

    /// Changes the password after checking the current one.
    pub async fn change_password(&self, principal: &Principal, current: &str, new: &str) -> Result<(), IdentityError> {
        check_password("new_password", new)?;
        let Some((mut user, version)) = self.user_by_email(&principal.account.email).await? else {
            return Err(IdentityError::Unauthenticated);
        };
        let matches = password::verified(current.to_string(), user.password_hash.clone()).await?;
        if !matches {
            return Err(IdentityError::Invalid(
                ErrorDetail::new("invalid_current_password", "The current password is wrong")
                    .on_field("current_password"),
            ));
        }
        user.password_hash = password::hashed(new.to_string()).await?;
        self.table.put(Item::from_record(user_key(&user.id), &user)?, Condition::Version(version)).await?;
        // Whoever else knew the old password is signed out everywhere.
        self.end_sessions(&user.id, principal.session.as_deref()).await
    }
}
