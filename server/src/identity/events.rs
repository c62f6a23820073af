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
