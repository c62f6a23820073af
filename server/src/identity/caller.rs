//! Who is calling, where identity runs: from a bearer JWT (verified against
//! the OpenID Connect issuer) or the session cookie (read from the table).

use super::Identity;
use crate::contracts::ports::Sessions;
use crate::platform::caller::bearer;
use app::account::AccountView;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

#[async_trait::async_trait]
impl Sessions for Identity {
    async fn caller(
        &self,
        authorization: Option<&str>,
        cookie_header: Option<&str>,
    ) -> Result<Option<AccountView>, Response> {
        if let Some(token) = bearer(authorization) {
            return match self.bearer(token).await {
                Ok(principal) => Ok(Some(principal.account)),
                Err(e) => Err(invalid_token(e)),
            };
        }
        Ok(match self.principal(cookie_header).await {
            Ok(principal) => principal.map(|p| p.account),
            Err(e) => {
                tracing::error!(error = %e, "cannot read the session; treating the caller as signed out");
                None
            }
        })
    }

    async fn still_signed_in(&self, cookie_header: &str) -> bool {
        match self.principal(Some(cookie_header)).await {
            Ok(found) => found.is_some(),
            Err(e) => {
                tracing::warn!(error = %e, "could not check a session; keeping its stream open");
                true
            }
        }
    }
}

/// The 401 for a bearer token that does not verify, with its challenge.
fn invalid_token(e: super::IdentityError) -> Response {
    let challenge =
        format!("Bearer error=\"invalid_token\", error_description=\"{}\"", e.to_string().replace('"', "'"));
    let mut response = e.into_response();
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
    }
    response
}
