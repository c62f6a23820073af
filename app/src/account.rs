//! Accounts as the API and the UI see them: roles and the signed-in user.

use serde::{Deserialize, Serialize};

/// What a user may do. Every account is a shopper; staff also get
/// `dispatcher` (fulfilment) or `admin` (everything, reports).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Shopper,
    Dispatcher,
    Admin,
}

impl Role {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "shopper" => Some(Self::Shopper),
            "dispatcher" => Some(Self::Dispatcher),
            "admin" | "administrator" => Some(Self::Admin),
            _ => None,
        }
    }
}

/// The signed-in user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    pub id: String,
    pub email: String,
    pub name: String,
    pub roles: Vec<Role>,
}

/// `POST /api/account/register`
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterInput {
    pub email: String,
    pub name: String,
    pub password: String,
}

/// `POST /api/account/sign-in`
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignInInput {
    pub email: String,
    pub password: String,
}

/// `PUT /api/account/password`
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordInput {
    pub current_password: String,
    pub new_password: String,
}

/// Fewest characters a password may have.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Who is calling: resolved from the session cookie by the server for every
/// request and kept in the request's extensions (server functions read it too).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SignedIn(pub Option<AccountView>);

impl SignedIn {
    /// Whether the caller holds `role` (an administrator holds every role).
    pub fn has(&self, role: Role) -> bool {
        self.0.as_ref().is_some_and(|a| a.roles.contains(&role) || a.roles.contains(&Role::Admin))
    }
}
