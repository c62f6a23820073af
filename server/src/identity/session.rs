//! Sessions: a random 256-bit token in an HttpOnly, SameSite=Lax cookie
//! (Secure over HTTPS), of which the table keeps only the SHA-256; each
//! listed under its user (index `by_user`) so all can be ended at once.

use super::{Identity, IdentityError, Principal, SESSION_COOKIE, UserRecord, user_key};
use crate::platform::cookies;
use crate::platform::store::{Condition, Item, Key, Query, StoreError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

const SESSION_LIFETIME: Duration = Duration::days(14);

/// The index of each user's sessions, so they can all be ended at once.
pub(super) const BY_USER: &str = "by_user";

#[derive(Clone, Debug, Serialize, Deserialize)]
struct SessionRecord {
    user_id: String,
    #[serde(with = "time::serde::rfc3339")]
    expires_at: OffsetDateTime,
}

pub(super) fn session_key(token: &str) -> Key {
    Key::new(format!("SESSION#{}", hex::encode(Sha256::digest(token.as_bytes()))), "SESSION")
}

/// A session item, listed under its user, removed by the store once it has ended.
fn session_item(token: &str, record: &SessionRecord) -> Result<Item, StoreError> {
    let key = session_key(token);
    let hash = key.pk.trim_start_matches("SESSION#").to_string();
    let item = Item::from_record(key, record)?.expiring_at(record.expires_at);
    Ok(item.with_index(BY_USER, Key::new(format!("SESSIONS#{}", record.user_id), hash)))
}

impl Identity {
    pub(super) async fn start_session(&self, user_id: &str) -> Result<String, IdentityError> {
        let token = hex::encode(rand::random::<[u8; 32]>());
        let record =
            SessionRecord { user_id: user_id.to_string(), expires_at: OffsetDateTime::now_utc() + SESSION_LIFETIME };
        self.table.put(session_item(&token, &record)?, Condition::NotExists).await?;
        Ok(cookies::set(SESSION_COOKIE, &token, "/", SESSION_LIFETIME.whole_seconds(), self.secure_cookies))
    }

    /// The `Set-Cookie` value that removes the session cookie.
    pub fn clear_cookie(&self) -> String {
        cookies::removal(SESSION_COOKIE, "/", self.secure_cookies)
    }

    /// The signed-in user a `Cookie` header names, if its session is valid.
    pub async fn principal(&self, cookie_header: Option<&str>) -> Result<Option<Principal>, StoreError> {
        let Some(token) = cookies::read(cookie_header, SESSION_COOKIE) else {
            return Ok(None);
        };
        if token.is_empty() {
            return Ok(None);
        }
        let Some(item) = self.table.get(&session_key(&token)).await? else { return Ok(None) };
        let session: SessionRecord = item.record()?;
        if session.expires_at < OffsetDateTime::now_utc() {
            return Ok(None);
        }
        let Some(user) = self.table.get(&user_key(&session.user_id)).await? else { return Ok(None) };
        let user: UserRecord = user.record()?;
        Ok(Some(Principal { account: user.view(), session: Some(token.to_string()) }))
    }

    /// The signed-in user the `Cookie` header names, or Unauthenticated.
    pub(super) async fn session_principal(&self, cookie: Option<String>) -> Result<Principal, IdentityError> {
        self.principal(cookie.as_deref()).await?.ok_or(IdentityError::Unauthenticated)
    }

    /// Ends the session.
    pub async fn sign_out(&self, principal: &Principal) -> Result<(), IdentityError> {
        if let Some(session) = &principal.session {
            self.table.delete(&session_key(session), Condition::None).await?;
        }
        Ok(())
    }

    /// Ends every session of `user_id` but `keep` (a session token).
    pub(super) async fn end_sessions(&self, user_id: &str, keep: Option<&str>) -> Result<(), IdentityError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_is_removed_by_the_store_once_it_has_ended() {
        let record = SessionRecord { user_id: "u1".into(), expires_at: OffsetDateTime::now_utc() + SESSION_LIFETIME };
        let item = session_item("token", &record).unwrap();
        assert_eq!(item.expires_at, Some(record.expires_at.unix_timestamp()));
    }
}
