//! Identity's events: what becomes of an account.
//!
//! The rules for changing a contract are in `crate::contracts`.

use crate::contracts::domain_event;
use serde::{Deserialize, Serialize};

/// A shopper deleted their account: services holding personal data about it
/// remove or anonymise that data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountDeleted {
    pub account_id: String,
}
domain_event!(AccountDeleted, account_id);

/// Someone asked for a link to choose a new password for this account (it
/// has one): the notifications service e-mails it. The link's token is
/// signed from `account_id` and `nonce` with the store's key for
/// [`PASSWORD_RESET_LINK`], so no secret travels in the event; identity
/// accepts it until `expires_at` (RFC 3339, UTC), once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordResetRequested {
    pub account_id: String,
    pub email: String,
    pub name: String,
    pub nonce: String,
    pub expires_at: String,
}
domain_event!(PasswordResetRequested, account_id, one per nonce);

/// The purpose password-reset links are signed for (`platform::signing::Signer`).
pub const PASSWORD_RESET_LINK: &str = "password reset link";
