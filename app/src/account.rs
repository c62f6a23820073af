//! Accounts as the API and the UI see them: roles and the signed-in user.

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

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

/// The signed-in account, if any.
#[server(prefix = "/rpc", endpoint = "account/me", input = GetUrl, output = crate::json::Answer, client = crate::rpc_client::Store)]
pub async fn current_account() -> Result<Option<AccountView>, ServerFnError> {
    Ok(ssr::caller().await?.0)
}

/// Whether signing in through an OpenID Connect issuer is offered.
#[server(prefix = "/rpc", endpoint = "account/single-sign-on", input = GetUrl, output = crate::json::Answer, client = crate::rpc_client::Store)]
pub async fn single_sign_on() -> Result<bool, ServerFnError> {
    Ok(ssr::identity()?.single_sign_on())
}

/// Signs in; the session cookie comes with the answer.
#[server(prefix = "/rpc", endpoint = "account/sign-in", output = crate::json::Answer, client = crate::rpc_client::Store)]
pub async fn sign_in(email: String, password: String) -> Result<AccountView, ServerFnError> {
    let (account, cookie) = ssr::identity()?.sign_in(email, password).await.map_err(crate::rpc::to_server_error)?;
    crate::rpc::set_cookie(Some(cookie));
    Ok(account)
}

/// Creates a shopper account and signs it in.
#[server(prefix = "/rpc", endpoint = "account/register", output = crate::json::Answer, client = crate::rpc_client::Store)]
pub async fn register(email: String, name: String, password: String) -> Result<AccountView, ServerFnError> {
    let (account, cookie) =
        ssr::identity()?.register(email, name, password).await.map_err(crate::rpc::to_server_error)?;
    crate::rpc::set_cookie(Some(cookie));
    Ok(account)
}

/// Ends the session.
#[server(prefix = "/rpc", endpoint = "account/sign-out", output = crate::json::Answer, client = crate::rpc_client::Store)]
pub async fn sign_out() -> Result<(), ServerFnError> {
    let cookie = crate::rpc::request_cookie().await?;
    let clear = ssr::identity()?.sign_out(cookie).await.map_err(crate::rpc::to_server_error)?;
    crate::rpc::set_cookie(Some(clear));
    Ok(())
}

/// Changes the signed-in user's name and e-mail address.
#[server(prefix = "/rpc", endpoint = "account/profile", output = crate::json::Answer, client = crate::rpc_client::Store)]
pub async fn update_profile(name: String, email: String) -> Result<AccountView, ServerFnError> {
    let cookie = crate::rpc::request_cookie().await?;
    ssr::identity()?.update_profile(cookie, name, email).await.map_err(crate::rpc::to_server_error)
}

/// Changes the signed-in user's password, after checking the current one;
/// every other session of the account ends.
#[server(prefix = "/rpc", endpoint = "account/password", output = crate::json::Answer, client = crate::rpc_client::Store)]
pub async fn change_password(current_password: String, new_password: String) -> Result<(), ServerFnError> {
    let cookie = crate::rpc::request_cookie().await?;
    let identity = ssr::identity()?;
    identity.change_password(cookie, current_password, new_password).await.map_err(crate::rpc::to_server_error)
}

/// E-mails a link to choose a new password, if an account uses `email`
/// (the answer is the same either way).
#[server(prefix = "/rpc", endpoint = "account/password-reset", output = crate::json::Answer, client = crate::rpc_client::Store)]
pub async fn request_password_reset(email: String) -> Result<(), ServerFnError> {
    ssr::identity()?.request_password_reset(email).await.map_err(crate::rpc::to_server_error)?;
    // A form posted without JavaScript lands on the page saying so.
    leptos_axum::redirect("/account/reset-password?sent");
    Ok(())
}

/// Sets a new password with an e-mailed link's token and signs in.
#[server(prefix = "/rpc", endpoint = "account/password-reset/complete", output = crate::json::Answer, client = crate::rpc_client::Store)]
pub async fn reset_password(token: String, new_password: String) -> Result<AccountView, ServerFnError> {
    let identity = ssr::identity()?;
    let (account, cookie) = identity.reset_password(token, new_password).await.map_err(crate::rpc::to_server_error)?;
    crate::rpc::set_cookie(Some(cookie));
    leptos_axum::redirect("/account"); // signed in: the account, also without JavaScript
    Ok(account)
}

/// What a shopper types to confirm deleting their account.
pub const DELETE_CONFIRMATION: &str = "DELETE";

/// Deletes the signed-in user's account and personal data, and signs out.
#[server(prefix = "/rpc", endpoint = "account/delete", output = crate::json::Answer, client = crate::rpc_client::Store)]
pub async fn delete_account(confirm: String) -> Result<(), ServerFnError> {
    if confirm.trim() != DELETE_CONFIRMATION {
        return Err(crate::rpc::refuse(400, format!("Type {DELETE_CONFIRMATION} to confirm")));
    }
    let cookie = crate::rpc::request_cookie().await?;
    let clear = ssr::identity()?.delete_account(cookie).await.map_err(crate::rpc::to_server_error)?;
    crate::rpc::set_cookie(Some(clear));
    Ok(())
}

#[cfg(feature = "ssr")]
pub mod ssr {
    //! The port through which server functions reach the identity service,
    //! and the caller of the request being served.

    use super::*;
    use crate::api::ErrorDetail;
    use std::sync::Arc;

    #[async_trait::async_trait]
    pub trait IdentityApi: Send + Sync {
        /// The account and the `Set-Cookie` value of its new session.
        async fn sign_in(&self, email: String, password: String) -> Result<(AccountView, String), ErrorDetail>;
        async fn register(
            &self,
            email: String,
            name: String,
            password: String,
        ) -> Result<(AccountView, String), ErrorDetail>;
        /// Ends the session the cookie names; the `Set-Cookie` value that clears it.
        async fn sign_out(&self, cookie: Option<String>) -> Result<String, ErrorDetail>;
        /// Whether an OpenID Connect issuer is configured.
        fn single_sign_on(&self) -> bool;
        /// Updates the profile of the session the cookie names.
        async fn update_profile(
            &self,
            cookie: Option<String>,
            name: String,
            email: String,
        ) -> Result<AccountView, ErrorDetail>;
        /// Changes the password of the session the cookie names (its other sessions end).
        async fn change_password(
            &self,
            cookie: Option<String>,
            current_password: String,
            new_password: String,
        ) -> Result<(), ErrorDetail>;
        /// E-mails a link to choose a new password, if an account uses `email`.
        async fn request_password_reset(&self, email: String) -> Result<(), ErrorDetail>;
        /// Sets a new password with a reset link's token: the account and its new session's `Set-Cookie`.
        async fn reset_password(
            &self,
            token: String,
            new_password: String,
        ) -> Result<(AccountView, String), ErrorDetail>;
        /// Deletes the account of the session the cookie names; the `Set-Cookie` value that clears it.
        async fn delete_account(&self, cookie: Option<String>) -> Result<String, ErrorDetail>;
    }

    pub type SharedIdentity = Arc<dyn IdentityApi>;

    pub(crate) fn identity() -> Result<SharedIdentity, ServerFnError> {
        use_context::<SharedIdentity>().ok_or_else(|| ServerFnError::new("accounts are not available"))
    }

    /// Who is calling (resolved by the server from the session for every request).
    pub async fn caller() -> Result<SignedIn, ServerFnError> {
        match leptos_axum::extract::<axum::Extension<SignedIn>>().await {
            Ok(axum::Extension(caller)) => Ok(caller),
            Err(_) => Ok(SignedIn(None)),
        }
    }

    /// The caller, if they hold `role`; a refusal naming what is missing otherwise.
    pub async fn require(role: Role) -> Result<AccountView, ServerFnError> {
        let caller = caller().await?;
        match &caller.0 {
            None => Err(crate::rpc::refuse(401, "Sign in first")),
            Some(account) if caller.has(role) => Ok(account.clone()),
            Some(_) => Err(crate::rpc::refuse(403, format!("This needs the {role} role"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Role;

    #[test]
    fn a_role_is_named_as_the_api_writes_it_and_parse_reads_it() {
        for role in [Role::Shopper, Role::Dispatcher, Role::Admin] {
            assert_eq!(serde_json::to_value(role).unwrap(), role.as_str());
            assert_eq!(Role::parse(&role.to_string()), Some(role));
        }
    }
}
