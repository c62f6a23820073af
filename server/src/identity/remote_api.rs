//! The account pages' port in a process that does not run identity:
//! identity's API at `identity_url`. Its session cookie comes back in the
//! answer's `Set-Cookie`, which the page's server function passes on.

use crate::platform::upstream::{Answer, Upstream};
use app::account::ssr::IdentityApi;
use app::account::{
    AccountView, ChangePasswordInput, NewPasswordInput, PasswordResetInput, ProfileInput, RegisterInput, SignInInput,
};
use app::api::ErrorDetail;
use axum::http::Method;

pub struct RemoteIdentity(pub Upstream);

impl RemoteIdentity {
    /// The cookie identity set, which a sign-in, sign-out or deletion always answers with.
    fn cookie<T>(answer: Answer<T>) -> Result<(T, String), ErrorDetail> {
        let cookie = answer.set_cookies.into_iter().find(|c| c.starts_with(super::SESSION_COOKIE));
        let missing = || ErrorDetail::new("service_unavailable", "Signing in is not answering; try again shortly");
        Ok((answer.value, cookie.ok_or_else(|| missing().with_status(503))?))
    }
}

/// Exactly the page's session cookie (`""`: none), never the request's others.
fn only(cookie: &Option<String>) -> Option<&str> {
    Some(cookie.as_deref().unwrap_or_default())
}

#[async_trait::async_trait]
impl IdentityApi for RemoteIdentity {
    async fn sign_in(&self, email: String, password: String) -> Result<(AccountView, String), ErrorDetail> {
        let body = SignInInput { email, password };
        Self::cookie(self.0.call(Method::POST, "/api/account/sign-in", &[], Some(&body), Some("")).await?)
    }

    async fn register(
        &self,
        email: String,
        name: String,
        password: String,
    ) -> Result<(AccountView, String), ErrorDetail> {
        let body = RegisterInput { email, name, password };
        Self::cookie(self.0.call(Method::POST, "/api/account/register", &[], Some(&body), Some("")).await?)
    }

    async fn sign_out(&self, cookie: Option<String>) -> Result<String, ErrorDetail> {
        let answer = self.0.call::<()>(Method::POST, "/api/account/sign-out", &[], None::<&()>, only(&cookie)).await?;
        Ok(Self::cookie(answer)?.1)
    }

    /// Single sign-on is started at identity's own address, which this process does not serve.
    fn single_sign_on(&self) -> bool {
        false
    }

    async fn update_profile(
        &self,
        cookie: Option<String>,
        name: String,
        email: String,
    ) -> Result<AccountView, ErrorDetail> {
        let body = ProfileInput { name, email };
        Ok(self.0.call(Method::PUT, "/api/account/me", &[], Some(&body), only(&cookie)).await?.value)
    }

    async fn change_password(
        &self,
        cookie: Option<String>,
        current_password: String,
        new_password: String,
    ) -> Result<(), ErrorDetail> {
        let body = ChangePasswordInput { current_password, new_password };
        self.0.call::<()>(Method::PUT, "/api/account/password", &[], Some(&body), only(&cookie)).await.map(drop)
    }

    async fn request_password_reset(&self, email: String) -> Result<(), ErrorDetail> {
        let body = PasswordResetInput { email };
        self.0.call::<()>(Method::POST, "/api/account/password-reset", &[], Some(&body), Some("")).await.map(drop)
    }

    async fn reset_password(&self, token: String, new_password: String) -> Result<(AccountView, String), ErrorDetail> {
        let body = NewPasswordInput { token, new_password };
        Self::cookie(
            self.0.call(Method::POST, "/api/account/password-reset/complete", &[], Some(&body), Some("")).await?,
        )
    }

    async fn delete_account(&self, cookie: Option<String>) -> Result<String, ErrorDetail> {
        let answer = self.0.call::<()>(Method::DELETE, "/api/account/me", &[], None::<&()>, only(&cookie)).await?;
        Ok(Self::cookie(answer)?.1)
    }
}
