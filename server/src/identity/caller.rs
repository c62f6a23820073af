//! Who is calling: the request middleware every route and server function
//! relies on.

use super::Identity;
use app::account::SignedIn;
use std::sync::Arc;

/// Middleware: who is calling, from a bearer JWT or the session cookie, put
/// in the request's extensions as [`SignedIn`] for route guards and server
/// functions. A bearer token that does not verify is answered 401 at once.
pub async fn resolve_caller(
    axum::extract::State(identity): axum::extract::State<Arc<Identity>>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let authorization = request.headers().get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    if let Some(token) = authorization.and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer "))) {
        match identity.bearer(token.trim()).await {
            Ok(principal) => {
                request.extensions_mut().insert(SignedIn(Some(principal.account)));
                return next.run(request).await;
            }
            Err(e) => {
                let challenge = format!(
                    "Bearer error=\"invalid_token\", error_description=\"{}\"",
                    e.to_string().replace('"', "'")
                );
                let mut response = e.into_response();
                if let Ok(value) = axum::http::HeaderValue::from_str(&challenge) {
                    response.headers_mut().insert(axum::http::header::WWW_AUTHENTICATE, value);
                }
                return response;
            }
        }
    }
    let cookie = request.headers().get(axum::http::header::COOKIE).and_then(|v| v.to_str().ok());
    let caller = match identity.principal(cookie).await {
        Ok(principal) => principal.map(|p| p.account),
        Err(e) => {
            tracing::error!(error = %e, "cannot read the session; treating the caller as signed out");
            None
        }
    };
    request.extensions_mut().insert(SignedIn(caller));
    next.run(request).await
}

#[async_trait::async_trait]
impl crate::contracts::ports::Sessions for super::Identity {
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
