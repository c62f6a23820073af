//! The identity service as the UI's server functions reach it
//! (`app::account::ssr::IdentityApi`): session cookies in, wire types out.

use super::{Identity, IdentityError};
use crate::platform::http::ServiceError;
use app::account::{AccountView, ProfileInput, RegisterInput, SignInInput};
use app::api::ErrorDetail;

#[async_trait::async_trait]
impl app::account::ssr::IdentityApi for Identity {
    async fn sign_in(&self, email: String, password: String) -> Result<(AccountView, String), ErrorDetail> {
        Identity::sign_in(self, SignInInput { email, password }).await.map_err(|e| e.detail())
    }

    async fn register(
        &self,
        email: String,
        name: String,
        password: String,
    ) -> Result<(AccountView, String), ErrorDetail> {
        Identity::register(self, RegisterInput { email, name, password }).await.map_err(|e| e.detail())
    }

    async fn sign_out(&self, cookie: Option<String>) -> Result<String, ErrorDetail> {
        if let Some(principal) = self.principal(cookie.as_deref()).await.map_err(|e| IdentityError::from(e).detail())? {
            Identity::sign_out(self, &principal).await.map_err(|e| e.detail())?;
        }
        Ok(self.clear_cookie())
    }

    fn single_sign_on(&self) -> bool {
        self.has_oidc()
    }

    async fn update_profile(
        &self,
        cookie: Option<String>,
        name: String,
        email: String,
    ) -> Result<AccountView, ErrorDetail> {
        let principal = self.session_principal(cookie).await.map_err(|e| e.detail())?;
        Identity::update_profile(self, &principal, ProfileInput { name, email }).await.map_err(|e| e.detail())
    }

    async fn change_password(
        &self,
        cookie: Option<String>,
        current_password: String,
        new_password: String,
    ) -> Result<(), ErrorDetail> {
        let principal = self.session_principal(cookie).await.map_err(|e| e.detail())?;
        Identity::change_password(self, &principal, &current_password, &new_password).await.map_err(|e| e.detail())
    }

    async fn request_password_reset(&self, email: String) -> Result<(), ErrorDetail> {
        Identity::request_password_reset(self, &email).await.map_err(|e| e.detail())
    }

    async fn reset_password(&self, token: String, new_password: String) -> Result<(AccountView, String), ErrorDetail> {
        Identity::reset_password(self, &token, &new_password).await.map_err(|e| e.detail())
    }

    async fn delete_account(&self, cookie: Option<String>) -> Result<String, ErrorDetail> {
        let principal = self.session_principal(cookie).await.map_err(|e| e.detail())?;
        Identity::delete_account(self, &principal).await.map_err(|e| e.detail())?;
        Ok(self.clear_cookie())
    }
}
