//! A forgotten password: a shopper asks for a link by e-mail address, and
//! the answer is the same whether an account uses it or not, so no one
//! learns who shops here. For an account with a password, identity keeps
//! one reset per account (`RESET#<account>`: a random nonce, when it ends,
//! and a fingerprint of the password it was asked for) and publishes
//! PasswordResetRequested through its outbox; the notifications service
//! mails the link, whose token is `<account>.<nonce>.<signature>`, signed
//! with the store's key. The link sets a new password once within the hour:
//! using it removes the reset, a newer request replaces it, and a password
//! changed meanwhile voids it. Every session of the account then ends and
//! one opens for whoever chose the new password. An address gets at most
//! one link a minute, so the form cannot be used to flood a mailbox.

use super::{Identity, IdentityError, SOURCE, UserRecord, check_email, check_password, invalid, password, user_key};
use crate::contracts::PasswordResetRequested;
use crate::platform::events::Envelope;
use crate::platform::outbox;
use crate::platform::store::{Condition, Item, Key, StoreError, WriteOp};
use app::account::AccountView;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

/// How long a reset link works.
const RESET_LIFETIME: Duration = Duration::hours(1);
/// The least time between two links for one account.
const RESET_EVERY: Duration = Duration::minutes(1);

#[derive(Clone, Debug, Serialize, Deserialize)]
struct ResetRecord {
    nonce: String,
    /// SHA-256 of the password hash the reset was asked for.
    password: String,
    #[serde(with = "time::serde::rfc3339")]
    requested_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    expires_at: OffsetDateTime,
}

impl ResetRecord {
    /// Whether a link with `nonce` opens this reset at `now`: it is this
    /// reset's (a newer request replaces it), not expired, and the password
    /// is still the one it was asked for.
    fn opens(&self, nonce: &str, password_hash: &str, now: OffsetDateTime) -> bool {
        self.nonce == nonce && self.password == fingerprint(password_hash) && now <= self.expires_at
    }
}

fn reset_key(account_id: &str) -> Key {
    Key::new(format!("RESET#{account_id}"), "RESET")
}

fn fingerprint(password_hash: &str) -> String {
    hex::encode(Sha256::digest(password_hash.as_bytes()))
}

fn expired() -> IdentityError {
    invalid("token", "This link has expired or was already used. Ask for a new one.")
}

impl Identity {
    /// Sends a link to choose a new password to `email`, if an account with
    /// a password uses it and none was sent in the last minute. Answers the
    /// same either way (a bad address is still named).
    pub async fn request_password_reset(&self, email: &str) -> Result<(), IdentityError> {
        let email = check_email(email)?;
        let Some((user, _)) = self.user_by_email(&email).await? else { return Ok(()) };
        if user.password_hash.is_empty() {
            return Ok(()); // it signs in through the sign-in provider, which keeps its password
        }
        let now = OffsetDateTime::now_utc();
        let condition = match self.table.get(&reset_key(&user.id)).await? {
            Some(item) if item.record::<ResetRecord>()?.requested_at + RESET_EVERY > now => return Ok(()),
            Some(item) => Condition::Version(item.version),
            None => Condition::NotExists,
        };
        let record = ResetRecord {
            nonce: hex::encode(rand::random::<[u8; 16]>()),
            password: fingerprint(&user.password_hash),
            requested_at: now,
            expires_at: now + RESET_LIFETIME,
        };
        let event = PasswordResetRequested {
            account_id: user.id.clone(),
            email: user.email.clone(),
            name: user.name.clone(),
            nonce: record.nonce.clone(),
            expires_at: record.expires_at.format(&Rfc3339).map_err(|e| IdentityError::Internal(e.to_string()))?,
        };
        let item = Item::from_record(reset_key(&user.id), &record)?.expiring_at(record.expires_at);
        let ops = vec![WriteOp::Put { item, condition }, outbox::stage(&Envelope::new(SOURCE, &event, "", None))?];
        match self.table.transact_write(ops).await {
            // Another request for the address won the race: its link is on its way.
            Ok(()) | Err(StoreError::TransactionCancelled { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        self.notify_relay();
        Ok(())
    }

    /// Sets a new password with a reset link's `token`, ends every session
    /// of the account and opens one: the account and its cookie.
    pub async fn reset_password(
        &self,
        token: &str,
        new_password: &str,
    ) -> Result<(AccountView, String), IdentityError> {
        check_password("new_password", new_password)?;
        let (account_id, nonce) =
            self.reset_links()?.verify(token).and_then(|v| v.split_once('.')).ok_or_else(expired)?;
        let reset = self.table.get(&reset_key(account_id)).await?.ok_or_else(expired)?;
        let record: ResetRecord = reset.record()?;
        let user = self.table.get(&user_key(account_id)).await?.ok_or_else(expired)?;
        let (mut account, version): (UserRecord, u64) = (user.record()?, user.version);
        if !record.opens(nonce, &account.password_hash, OffsetDateTime::now_utc()) {
            return Err(expired());
        }
        account.password_hash = password::hashed(new_password.to_string()).await?;
        let ops = vec![
            WriteOp::Delete { key: reset.key.clone(), condition: Condition::Version(reset.version) },
            WriteOp::Put {
                item: Item::from_record(user_key(account_id), &account)?,
                condition: Condition::Version(version),
            },
        ];
        match self.table.transact_write(ops).await {
            Ok(()) => {}
            Err(StoreError::TransactionCancelled { .. }) => return Err(expired()),
            Err(e) => return Err(e.into()),
        }
        self.end_sessions(account_id, None).await?;
        tracing::info!(account = %account_id, "password reset");
        let cookie = self.start_session(account_id).await?;
        Ok((account.view(), cookie))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_opens_its_own_reset_within_the_hour_while_the_password_is_unchanged() {
        let asked = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let record = ResetRecord {
            nonce: "n1".into(),
            password: fingerprint("$argon2id$old"),
            requested_at: asked,
            expires_at: asked + RESET_LIFETIME,
        };
        assert!(record.opens("n1", "$argon2id$old", asked + Duration::minutes(59)));
        assert!(!record.opens("n0", "$argon2id$old", asked), "a link replaced by a newer one");
        assert!(!record.opens("n1", "$argon2id$new", asked), "the password changed since");
        assert!(!record.opens("n1", "$argon2id$old", asked + Duration::minutes(61)), "expired");
    }
}
