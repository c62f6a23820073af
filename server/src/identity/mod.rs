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
//!
//! A session is a random 256-bit token in an HttpOnly, SameSite=Lax cookie
//! (Secure when the store is served over HTTPS); the table keeps only its
//! SHA-256, so a leaked table holds no usable session. Sign-in attempts are
//! limited per e-mail address.

mod caller;
mod external;
pub mod oidc;
mod password;
mod port;
mod profile;
mod routes;

pub use caller::resolve_caller;
pub use routes::router;

use crate::platform::http::{ApiError, ServiceError};
use crate::platform::outbox::Relay;
use crate::platform::store::{Condition, Item, Key, Query, Store, StoreError, Table, TableSpec, WriteOp};
use app::account::{AccountView, MIN_PASSWORD_CHARS, RegisterInput, Role, SignInInput};
use app::api::ErrorDetail;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

pub const SESSION_COOKIE: &str = "tbs_session";
const SOURCE: &str = "identity";
const SESSION_LIFETIME: Duration = Duration::days(14);
/// Failed sign-ins per e-mail address allowed within [`THROTTLE_WINDOW`].
const MAX_FAILURES: u32 = 5;
const THROTTLE_WINDOW: Duration = Duration::minutes(15);

/// The index of each user's sessions, so they can all be ended at once.
const BY_USER: &str = "by_user";

pub fn table_spec() -> TableSpec {
    TableSpec::new("identity").with_index(BY_USER)
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

#[derive(Clone, Debug, Serialize, Deserialize)]
struct SessionRecord {
    user_id: String,
    #[serde(with = "time::serde::rfc3339")]
    expires_at: OffsetDateTime,
}

/// Sign-in attempts for one address in the current window. Counted before
/// the password is checked and cleared by a success, so `failures` is the
/// attempts not (yet) followed by a success.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct ThrottleRecord {
    failures: u32,
    window_start: i64,
}

/// Optimistic rounds to count an attempt before the address counts as
/// under attack (refused for a second).
const COUNT_ROUNDS: usize = 16;

fn user_key(id: &str) -> Key {
    Key::new(format!("USER#{id}"), "PROFILE")
}

fn email_key(email: &str) -> Key {
    Key::new(format!("EMAIL#{}", email.to_lowercase()), "USER")
}

fn session_key(token: &str) -> Key {
    Key::new(format!("SESSION#{}", hex::encode(Sha256::digest(token.as_bytes()))), "SESSION")
}

/// A session item, listed under its user.
fn session_item(token: &str, record: &SessionRecord) -> Result<Item, StoreError> {
    let key = session_key(token);
    let hash = key.pk.trim_start_matches("SESSION#").to_string();
    Ok(Item::from_record(key, record)?.with_index(BY_USER, Key::new(format!("SESSIONS#{}", record.user_id), hash)))
}

fn throttle_key(email: &str) -> Key {
    Key::new(format!("THROTTLE#{}", email.to_lowercase()), "SIGN_IN")
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
    let ok = email.len() <= 254
        && !email.contains(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
    if ok { Ok(email) } else { Err(invalid("email", "Enter an e-mail address like name@example.com")) }
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
        })
    }

    /// The relay that publishes this service's outbox (AccountDeleted) to `hub`.
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

    /// Checks the password and opens a session: the account and its cookie.
    pub async fn sign_in(&self, input: SignInInput) -> Result<(AccountView, String), IdentityError> {
        let email = input.email.trim().to_lowercase();
        self.count_attempt(&email).await?;
        let user = self.user_by_email(&email).await?;
        // An unknown address, or an account without a password (it signs in
        // through OpenID Connect), costs the same hash as a wrong password.
        let stored = user
            .as_ref()
            .map(|(u, _)| u.password_hash.clone())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| password::decoy().to_string());
        let matches = password::verified(input.password.clone(), stored).await?;
        match user {
            Some((user, _)) if matches => {
                self.table.delete(&throttle_key(&email), Condition::None).await?;
                let cookie = self.start_session(&user.id).await?;
                Ok((user.view(), cookie))
            }
            _ => Err(IdentityError::BadCredentials),
        }
    }

    /// Counts a sign-in attempt for `email` before its password is checked,
    /// atomically, so a burst of attempts gets no more checks than the limit.
    async fn count_attempt(&self, email: &str) -> Result<(), IdentityError> {
        for _ in 0..COUNT_ROUNDS {
            let now = OffsetDateTime::now_utc().unix_timestamp();
            let found = self.table.get(&throttle_key(email)).await?;
            let (mut record, condition) = match &found {
                Some(item) => (item.record::<ThrottleRecord>()?, Condition::Version(item.version)),
                None => (ThrottleRecord::default(), Condition::NotExists),
            };
            if now - record.window_start > THROTTLE_WINDOW.whole_seconds() {
                record = ThrottleRecord { failures: 0, window_start: now };
            }
            if record.failures >= MAX_FAILURES {
                let ends = record.window_start + THROTTLE_WINDOW.whole_seconds() - now;
                return Err(IdentityError::Throttled(ends.max(1).unsigned_abs()));
            }
            record.failures += 1;
            match self.table.put(Item::from_record(throttle_key(email), &record)?, condition).await {
                Ok(_) => return Ok(()),
                Err(StoreError::ConditionFailed(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(IdentityError::Throttled(1))
    }

    async fn start_session(&self, user_id: &str) -> Result<String, IdentityError> {
        let token = hex::encode(rand::random::<[u8; 32]>());
        let record =
            SessionRecord { user_id: user_id.to_string(), expires_at: OffsetDateTime::now_utc() + SESSION_LIFETIME };
        self.table.put(session_item(&token, &record)?, Condition::NotExists).await?;
        let secure = if self.secure_cookies { "; Secure" } else { "" };
        Ok(format!(
            "{SESSION_COOKIE}={token}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax{secure}",
            SESSION_LIFETIME.whole_seconds()
        ))
    }

    /// The `Set-Cookie` value that removes the session cookie.
    pub fn clear_cookie(&self) -> String {
        let secure = if self.secure_cookies { "; Secure" } else { "" };
        format!("{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{secure}")
    }

    /// The signed-in user a `Cookie` header names, if its session is valid.
    pub async fn principal(&self, cookie_header: Option<&str>) -> Result<Option<Principal>, StoreError> {
        let Some(token) = cookie_header.and_then(|h| {
            h.split(';').filter_map(|p| p.trim().split_once('=')).find(|(n, _)| *n == SESSION_COOKIE).map(|(_, v)| v)
        }) else {
            return Ok(None);
        };
        if token.is_empty() {
            return Ok(None);
        }
        let Some(item) = self.table.get(&session_key(token)).await? else { return Ok(None) };
        let session: SessionRecord = item.record()?;
        if session.expires_at < OffsetDateTime::now_utc() {
            return Ok(None);
        }
        let Some(user) = self.table.get(&user_key(&session.user_id)).await? else { return Ok(None) };
        let user: UserRecord = user.record()?;
        Ok(Some(Principal { account: user.view(), session: Some(token.to_string()) }))
    }

    /// The signed-in user the `Cookie` header names, or Unauthenticated.
    async fn session_principal(&self, cookie: Option<String>) -> Result<Principal, IdentityError> {
        self.principal(cookie.as_deref()).await?.ok_or(IdentityError::Unauthenticated)
    }

    /// Ends the session.
    pub async fn sign_out(&self, principal: &Principal) -> Result<(), IdentityError> {
        if let Some(session) = &principal.session {
            self.table.delete(&session_key(session), Condition::None).await?;
        }
        Ok(())
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

    /// Ends every session of `user_id` but `keep` (a session token).
    async fn end_sessions(&self, user_id: &str, keep: Option<&str>) -> Result<(), IdentityError> {
        let keep = keep.map(session_key);
        loop {
            let page =
                self.table.query(Query::partition(format!("SESSIONS#{user_id}")).on_index(BY_USER).limit(100)).await?;
            let ended: Vec<Key> =
                page.items.into_iter().map(|item| item.key).filter(|key| Some(key) != keep.as_ref()).collect();
            if ended.is_empty() {
                return Ok(());
            }
            for key in &ended {
                self.table.delete(key, Condition::None).await?;
            }
        }
    }
}
