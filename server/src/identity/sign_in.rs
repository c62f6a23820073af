//! Signing in with a password: attempts per e-mail address are counted
//! before the password is checked, atomically, so a burst gets no more
//! checks than the limit ([`MAX_FAILURES`] per [`THROTTLE_WINDOW`]).

use super::{Identity, IdentityError, password};
use crate::platform::store::optimistic;
use crate::platform::store::{Condition, Item, Key, StoreError};
use app::account::{AccountView, SignInInput};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// Failed sign-ins per e-mail address allowed within [`THROTTLE_WINDOW`].
const MAX_FAILURES: u32 = 5;
const THROTTLE_WINDOW: Duration = Duration::minutes(15);

/// Sign-in attempts for one address in the current window. Counted before
/// the password is checked and cleared by a success, so `failures` is the
/// attempts not (yet) followed by a success.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct ThrottleRecord {
    failures: u32,
    window_start: i64,
}

fn throttle_key(email: &str) -> Key {
    Key::new(format!("THROTTLE#{}", email.to_lowercase()), "SIGN_IN")
}

/// The stored `record`, kept a window after `now`: its window began no
/// later, so it is over by then (and the store removes it).
fn throttle_item(email: &str, record: &ThrottleRecord, now: OffsetDateTime) -> Result<Item, StoreError> {
    Ok(Item::from_record(throttle_key(email), record)?.expiring_at(now + THROTTLE_WINDOW))
}

impl Identity {
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
        let counted = optimistic::until_done(|| async {
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
            let item = throttle_item(email, &record, OffsetDateTime::now_utc())?;
            Ok(optimistic::written(self.table.put(item, condition).await)?.map(drop))
        })
        .await?;
        // Still racing after every attempt: the address is under attack.
        counted.ok_or(IdentityError::Throttled(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_throttle_is_kept_until_its_window_is_over() {
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let record = ThrottleRecord { failures: 1, window_start: now.unix_timestamp() - 60 };
        let item = throttle_item("Ann@Example.com", &record, now).unwrap();
        assert_eq!(item.expires_at, Some(1_800_000_000 + THROTTLE_WINDOW.whole_seconds()));
        assert!(item.expires_at.unwrap() >= record.window_start + THROTTLE_WINDOW.whole_seconds());
    }
}
