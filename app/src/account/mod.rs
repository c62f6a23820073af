//! Accounts as the API and the UI see them: roles, the signed-in user, what
//! the account forms send and the rules they follow; the server functions
//! the account pages call (`functions.rs`) and, on the server, the port
//! they reach identity through (`ssr.rs`).

use serde::{Deserialize, Serialize};

/// What a user may do. Every account is a shopper; staff also get
/// `dispatcher` (fulfilment) or `admin` (everything, reports).
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
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

    /// Its name, as [`Role::parse`] reads it and the API writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Shopper => "shopper",
            Self::Dispatcher => "dispatcher",
            Self::Admin => "admin",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The signed-in user.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = Account))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    pub id: String,
    pub email: String,
    pub name: String,
    pub roles: Vec<Role>,
}

/// A new local account (`POST /api/account/register`).
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterInput {
    #[cfg_attr(feature = "ssr", schema(max_length = 254, pattern = r"^[^\s@]+@[^\s.]\S*\.\S*[^\s.]$"))]
    pub email: String,
    #[cfg_attr(feature = "ssr", schema(max_length = 100, pattern = r"\S"))]
    pub name: String,
    #[cfg_attr(feature = "ssr", schema(min_length = 10, max_length = 256))]
    pub password: String,
}

/// E-mail and password (`POST /api/account/sign-in`).
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignInInput {
    pub email: String,
    pub password: String,
}

/// `PUT /api/account/me`: the profile's editable part.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileInput {
    #[cfg_attr(feature = "ssr", schema(max_length = 100, pattern = r"\S"))]
    pub name: String,
    #[cfg_attr(feature = "ssr", schema(max_length = 254, pattern = r"^[^\s@]+@[^\s.]\S*\.\S*[^\s.]$"))]
    pub email: String,
}

/// A new password, with the current one (`PUT /api/account/password`).
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordInput {
    pub current_password: String,
    #[cfg_attr(feature = "ssr", schema(min_length = 10, max_length = 256))]
    pub new_password: String,
}

/// Who forgot their password (`POST /api/account/password-reset`).
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetInput {
    #[cfg_attr(feature = "ssr", schema(max_length = 254, pattern = r"^[^\s@]+@[^\s.]\S*\.\S*[^\s.]$"))]
    pub email: String,
}

/// A new password, with the token of the link it was e-mailed
/// (`POST /api/account/password-reset/complete`).
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPasswordInput {
    #[cfg_attr(feature = "ssr", schema(max_length = 512))]
    pub token: String,
    #[cfg_attr(feature = "ssr", schema(min_length = 10, max_length = 256))]
    pub new_password: String,
}

/// The one rule for an e-mail address, wherever one is typed (registering,
/// the profile, checkout): at most 254 characters, no white space,
/// something before the first `@`, and after it a domain with a dot that
/// neither starts nor ends it. The OpenAPI description says it as a pattern
/// on each `email` field; `tests/api/openapi.rs` keeps the two equal.
pub fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else { return false };
    email.chars().count() <= 254
        && !email.contains(char::is_whitespace)
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
}

/// Fewest characters a password may have (the OpenAPI description's
/// `min_length` above says it too; `tests/api/openapi.rs` keeps them equal,
/// as it does every length and pattern described here).
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

/// What the account page was reached to say was done. Its forms go on to it
/// naming this in `?done=`, so the page says so also when the form was
/// posted without JavaScript (and after signing out or deleting the
/// account, when the form itself is gone).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Done {
    Profile,
    Password,
    SignedOut,
    Deleted,
}

impl Done {
    const ALL: [Self; 4] = [Self::Profile, Self::Password, Self::SignedOut, Self::Deleted];

    /// The account page saying this was done.
    pub fn page(self) -> &'static str {
        match self {
            Self::Profile => "/account?done=profile",
            Self::Password => "/account?done=password",
            Self::SignedOut => "/account?done=signed-out",
            Self::Deleted => "/account?done=deleted",
        }
    }

    /// What a page's `?done=` names, if anything.
    pub fn named(value: Option<&str>) -> Option<Self> {
        let value = value?;
        Self::ALL.into_iter().find(|done| done.page().strip_prefix("/account?done=") == Some(value))
    }
}

mod functions;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use functions::*;

#[cfg(test)]
mod tests {
    #[test]
    fn what_was_done_is_named_by_the_page_it_goes_on_to() {
        for done in super::Done::ALL {
            let value = done.page().rsplit('=').next();
            assert_eq!(super::Done::named(value), Some(done));
        }
        assert_eq!(super::Done::named(Some("other")), None);
        assert_eq!(super::Done::named(None), None);
    }

    use super::Role;

    #[test]
    fn a_role_is_named_as_the_api_writes_it_and_parse_reads_it() {
        for role in [Role::Shopper, Role::Dispatcher, Role::Admin] {
            assert_eq!(serde_json::to_value(role).unwrap(), role.as_str());
            assert_eq!(Role::parse(&role.to_string()), Some(role));
        }
    }
}
