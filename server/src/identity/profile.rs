//! The signed-in user's own profile: change name and e-mail, or delete the
//! account. Deleting removes the personal data this service holds (the
//! profile, its e-mail and sign-in links, the session) and publishes
//! AccountDeleted through the outbox in the same transaction, so the other
//! services anonymise theirs.

use super::external::subject_link;
use super::session::session_key;
use super::{
    Identity, IdentityError, Principal, SOURCE, UserRecord, check_email, check_name, email_key, invalid, user_key,
};
use crate::contracts::AccountDeleted;
use crate::platform::events::Envelope;
use crate::platform::outbox;
use crate::platform::store::{Condition, Item, StoreError, WriteOp};
use app::account::{AccountView, ProfileInput};

impl Identity {
    async fn own_record(&self, principal: &Principal) -> Result<(UserRecord, u64), IdentityError> {
        let item = self.table.get(&user_key(&principal.account.id)).await?.ok_or(IdentityError::Unauthenticated)?;
        Ok((item.record()?, item.version))
    }

    /// Changes the name and e-mail address (the address stays unique).
    pub async fn update_profile(
        &self,
        principal: &Principal,
        input: ProfileInput,
    ) -> Result<AccountView, IdentityError> {
        let name = check_name(&input.name)?;
        let email = check_email(&input.email)?;
        let (mut user, version) = self.own_record(principal).await?;
        if user.subject.is_some() && !email.eq_ignore_ascii_case(&user.email) {
            return Err(invalid("email", "This account's e-mail address is managed by your sign-in provider"));
        }
        let mut ops = Vec::new();
        if !email.eq_ignore_ascii_case(&user.email) {
            ops.push(WriteOp::Put {
                item: Item::new(email_key(&email), serde_json::json!({ "user_id": user.id })),
                condition: Condition::NotExists,
            });
            ops.push(WriteOp::Delete { key: email_key(&user.email), condition: Condition::Exists });
        }
        user.name = name;
        user.email = email;
        ops.push(WriteOp::Put {
            item: Item::from_record(user_key(&user.id), &user)?,
            condition: Condition::Version(version),
        });
        match self.table.transact_write(ops).await {
            Ok(()) => Ok(user.view()),
            Err(StoreError::TransactionCancelled { index: 0, .. }) if ops_changed_email(&user, principal) => {
                Err(IdentityError::EmailTaken)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Deletes the account and its personal data; AccountDeleted tells the other services.
    pub async fn delete_account(&self, principal: &Principal) -> Result<(), IdentityError> {
        let (user, version) = self.own_record(principal).await?;
        let mut ops = vec![
            WriteOp::Delete { key: user_key(&user.id), condition: Condition::Version(version) },
            WriteOp::Delete { key: email_key(&user.email), condition: Condition::None },
        ];
        if let Some(subject) = &user.subject {
            ops.push(WriteOp::Delete { key: subject_link(subject), condition: Condition::None });
        }
        if let Some(session) = &principal.session {
            ops.push(WriteOp::Delete { key: session_key(session), condition: Condition::None });
        }
        let event = AccountDeleted { account_id: user.id.clone() };
        ops.push(outbox::stage(&Envelope::new(SOURCE, &event, "", None))?);
        self.table.transact_write(ops).await?;
        self.notify_relay();
        self.end_sessions(&user.id, None).await?;
        tracing::info!(account = %user.id, "account deleted");
        Ok(())
    }
}

/// Whether the update changed the address (so a failed first operation means it is taken).
fn ops_changed_email(user: &UserRecord, principal: &Principal) -> bool {
    !user.email.eq_ignore_ascii_case(&principal.account.email)
}
