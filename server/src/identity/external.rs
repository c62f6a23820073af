//! Accounts that sign in through the OpenID Connect issuer: the browser
//! flow's two legs, the account a verified subject maps to, and bearer JWTs.
//!
//! A subject is linked to one account. On its first sign-in a new account is
//! made, or an existing local account with the same e-mail address is linked
//! when the issuer says the address is verified (an unverified address could
//! take over someone else's account). The issuer's roles claim is the truth
//! for linked accounts: their roles are set from it at every sign-in.

use super::oidc::{Claims, OidcError, PendingLogin};
use super::{Identity, IdentityError, Principal, UserRecord, email_key, user_key};
use crate::platform::cookies;
use crate::platform::store::{Condition, Item, Key, StoreError, WriteOp};
use app::account::AccountView;
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

/// The cookie naming the sign-in underway in this browser.
pub const STATE_COOKIE: &str = "tbs_oidc";
/// The state cookie goes only to the sign-in routes that need it.
const STATE_PATH: &str = "/api/account/oidc";
const LOGIN_LIFETIME: Duration = Duration::minutes(10);

fn subject_key(issuer: &str, subject: &str) -> Key {
    subject_link(&format!("{issuer}#{subject}"))
}

/// The link from a subject (`<issuer>#<sub>`, as the account records it) to its account.
pub(super) fn subject_link(subject: &str) -> Key {
    Key::new(format!("SUBJECT#{subject}"), "USER")
}

/// A subject's account id, derived so a bearer token names the same account
/// before and after its first browser sign-in.
fn account_id(issuer: &str, subject: &str) -> String {
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, format!("{issuer}#{subject}").as_bytes()).to_string()
}

fn login_key(state: &str) -> Key {
    Key::new(format!("LOGIN#{}", hex::encode(Sha256::digest(state.as_bytes()))), "LOGIN")
}

#[derive(serde::Serialize, serde::Deserialize)]
struct LoginRecord {
    pending: PendingLogin,
    #[serde(with = "time::serde::rfc3339")]
    expires_at: OffsetDateTime,
}

impl From<OidcError> for IdentityError {
    fn from(e: OidcError) -> Self {
        match e {
            OidcError::Unavailable(m) => {
                tracing::warn!(error = %m, "OpenID Connect issuer unavailable");
                Self::ProviderUnavailable("Single sign-on is unavailable; try again shortly".into())
            }
            OidcError::Rejected(m) => Self::ExternalSignIn(m),
        }
    }
}

impl Identity {
    fn oidc(&self) -> Result<&super::oidc::Oidc, IdentityError> {
        self.oidc.as_ref().ok_or_else(|| IdentityError::ExternalSignIn("single sign-on is not configured".into()))
    }

    /// Starts a sign-in: the issuer URL to send the browser to and the state cookie.
    pub async fn oidc_start(&self, next: Option<&str>) -> Result<(String, String), IdentityError> {
        let (url, state, pending) = self.oidc()?.start(app::url::local_path(next)).await?;
        let record = LoginRecord { pending, expires_at: OffsetDateTime::now_utc() + LOGIN_LIFETIME };
        self.table.put(Item::from_record(login_key(&state), &record)?, Condition::NotExists).await?;
        let cookie =
            cookies::set(STATE_COOKIE, &state, STATE_PATH, LOGIN_LIFETIME.whole_seconds(), self.secure_cookies);
        Ok((url, cookie))
    }

    /// The `Set-Cookie` value that removes the state cookie.
    pub fn oidc_clear_cookie(&self) -> String {
        cookies::removal(STATE_COOKIE, STATE_PATH, self.secure_cookies)
    }

    /// Completes a sign-in: checks `state` against this browser's cookie,
    /// uses up the attempt, and opens a session. The account, the session
    /// cookie and where to go next.
    pub async fn oidc_finish(
        &self,
        code: &str,
        state: &str,
        cookie_header: Option<&str>,
    ) -> Result<(AccountView, String, String), IdentityError> {
        let oidc = self.oidc()?;
        if cookies::read(cookie_header, STATE_COOKIE).as_deref() != Some(state) {
            return Err(IdentityError::ExternalSignIn(
                "this sign-in was not started in this browser; start it again".into(),
            ));
        }
        let key = login_key(state);
        let Some(item) = self.table.get(&key).await? else {
            return Err(IdentityError::ExternalSignIn("this sign-in has expired or was used; start it again".into()));
        };
        // One use: whoever deletes it first goes on.
        match self.table.delete(&key, Condition::Version(item.version)).await {
            Ok(()) => {}
            Err(StoreError::ConditionFailed(_)) => {
                return Err(IdentityError::ExternalSignIn("this sign-in was already used; start it again".into()));
            }
            Err(e) => return Err(e.into()),
        }
        let record: LoginRecord = item.record()?;
        if record.expires_at < OffsetDateTime::now_utc() {
            return Err(IdentityError::ExternalSignIn("this sign-in has expired; start it again".into()));
        }
        let next = record.pending.next.clone();
        let claims = oidc.finish(code.to_string(), record.pending).await?;
        let user = self.account_for(&claims).await?;
        let cookie = self.start_session(&user.id).await?;
        Ok((user.view(), cookie, next))
    }

    /// Who a bearer JWT names.
    pub async fn bearer(&self, token: &str) -> Result<Principal, IdentityError> {
        let Some(oidc) = &self.oidc else {
            return Err(IdentityError::InvalidToken(
                "bearer tokens are not accepted: no OpenID Connect issuer is configured".into(),
            ));
        };
        let claims = oidc.verify_bearer(token).await.map_err(|e| match e {
            OidcError::Rejected(m) => IdentityError::InvalidToken(m),
            other => other.into(),
        })?;
        let known = self.table.get(&subject_key(&claims.issuer, &claims.subject)).await?.is_some();
        let mut account = if known || claims.email.is_some() {
            self.account_for(&claims).await?.view()
        } else {
            // Access tokens often carry no e-mail: the caller is who the
            // token says, under the id their account will have.
            AccountView {
                id: account_id(&claims.issuer, &claims.subject),
                email: String::new(),
                name: claims.subject.clone(),
                roles: Vec::new(),
            }
        };
        // The token's own roles claim decides what this request may do.
        account.roles = claims.roles;
        Ok(Principal { account, session: None })
    }

    /// The account linked to a verified subject, made or linked on first sight.
    async fn account_for(&self, claims: &Claims) -> Result<UserRecord, IdentityError> {
        let subject = format!("{}#{}", claims.issuer, claims.subject);
        let link = subject_key(&claims.issuer, &claims.subject);
        if let Some(item) = self.table.get(&link).await? {
            let user_id = item.attrs["user_id"].as_str().unwrap_or_default().to_string();
            let Some(user) = self.table.get(&user_key(&user_id)).await? else {
                return Err(IdentityError::ExternalSignIn("this account was deleted".into()));
            };
            let (mut record, version): (UserRecord, u64) = (user.record()?, user.version);
            if record.roles != claims.roles {
                record.roles = claims.roles.clone();
                self.table.put(Item::from_record(user_key(&record.id), &record)?, Condition::Version(version)).await?;
            }
            return Ok(record);
        }
        let email = claims.email.clone().ok_or_else(|| {
            IdentityError::ExternalSignIn("the sign-in provider did not share an e-mail address".into())
        })?;
        if let Some((mut existing, version)) = self.user_by_email(&email).await? {
            if !claims.email_verified {
                return Err(IdentityError::EmailTaken);
            }
            existing.subject = Some(subject);
            existing.roles = claims.roles.clone();
            let ops = vec![
                WriteOp::Put {
                    item: Item::new(link, serde_json::json!({ "user_id": existing.id })),
                    condition: Condition::NotExists,
                },
                WriteOp::Put {
                    item: Item::from_record(user_key(&existing.id), &existing)?,
                    condition: Condition::Version(version),
                },
            ];
            self.table.transact_write(ops).await?;
            return Ok(existing);
        }
        let user = UserRecord {
            id: account_id(&claims.issuer, &claims.subject),
            email: email.clone(),
            name: claims.name.clone().unwrap_or_else(|| email.clone()),
            password_hash: String::new(),
            roles: claims.roles.clone(),
            created_at: OffsetDateTime::now_utc(),
            subject: Some(subject),
        };
        let ops = vec![
            WriteOp::Put {
                item: Item::new(email_key(&email), serde_json::json!({ "user_id": user.id })),
                condition: Condition::NotExists,
            },
            WriteOp::Put { item: Item::from_record(user_key(&user.id), &user)?, condition: Condition::NotExists },
            WriteOp::Put {
                item: Item::new(link, serde_json::json!({ "user_id": user.id })),
                condition: Condition::NotExists,
            },
        ];
        self.table.transact_write(ops).await?;
        Ok(user)
    }
}
