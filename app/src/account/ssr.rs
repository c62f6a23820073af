//! The port through which server functions reach the identity service,
//! and the caller of the request being served.

use super::{AccountView, Role, SignedIn};
use crate::api::ErrorDetail;
use leptos::prelude::*;
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
    async fn reset_password(&self, token: String, new_password: String) -> Result<(AccountView, String), ErrorDetail>;
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
