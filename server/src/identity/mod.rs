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
mod error;
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

pub use error::IdentityError;
pub use service::SERVICE;

use error::{check_email, check_name, check_password, invalid};

use crate::platform::outbox::Relay;
use crate::platform::signing::Signer;
use crate::platform::store::{Condition, Item, Key, Store, StoreError, Table, TableSpec, WriteOp};
use app::account::{AccountView, RegisterInput, Role};
use app::api::ErrorDetail;
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
            id: uuid::Uuid::now_v7().to_string(),
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
