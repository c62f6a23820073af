//! Who is calling: the request middleware every route and server function
//! relies on.

use super::Identity;
use crate::platform::http::ApiError;
use app::account::SignedIn;
use axum::http::StatusCode;
use std::sync::Arc;

/// Middleware: who is calling, from a bearer JWT or the session cookie, put
/// in the request's extensions as [`SignedIn`] for route guards and server
/// functions. A bearer token that does not verify is answered 401 at once; a
/// change a device queued for another account than the caller's is refused
/// (see [`MADE_BY`]).
pub async fn resolve_caller(
    axum::extract::State(identity): axum::extract::State<Arc<Identity>>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let caller = match caller(&identity, request.headers()).await {
        Ok(caller) => caller,
        Err(refusal) => return refusal,
    };
    if let Err(refusal) = made_by(request.headers(), caller.as_ref()) {
        return refusal.into_response();
    }
    request.extensions_mut().insert(SignedIn(caller));
    next.run(request).await
}

/// The account behind a bearer token (which must verify) or the session cookie.
async fn caller(
    identity: &Identity,
    headers: &axum::http::HeaderMap,
) -> Result<Option<app::account::AccountView>, axum::response::Response> {
    use axum::response::IntoResponse;
    let authorization = headers.get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    if let Some(token) = authorization.and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer "))) {
        return match identity.bearer(token.trim()).await {
            Ok(principal) => Ok(Some(principal.account)),
            Err(e) => {
                let challenge = format!(
                    "Bearer error=\"invalid_token\", error_description=\"{}\"",
                    e.to_string().replace('"', "'")
                );
                let mut response = e.into_response();
                if let Ok(value) = axum::http::HeaderValue::from_str(&challenge) {
                    response.headers_mut().insert(axum::http::header::WWW_AUTHENTICATE, value);
                }
                Err(response)
            }
        };
    }
    let cookie = headers.get(axum::http::header::COOKIE).and_then(|v| v.to_str().ok());
    Ok(match identity.principal(cookie).await {
        Ok(principal) => principal.map(|p| p.account),
        Err(e) => {
            tracing::error!(error = %e, "cannot read the session; treating the caller as signed out");
            None
        }
    })
}

/// The account a device's queued change was made by (its id). A change made
/// while one account was signed in must never be applied for another: the
/// session may have ended, and someone else signed in, before the device
/// could send it (public/outbox.js sends this with every change an account
/// queued; a guest's changes go to whoever's cart the browser now has).
pub const MADE_BY: &str = "tbs-made-by";

fn made_by(headers: &axum::http::HeaderMap, caller: Option<&app::account::AccountView>) -> Result<(), ApiError> {
    let Some(made_by) = headers.get(MADE_BY) else { return Ok(()) };
    if caller.is_some_and(|account| made_by.as_bytes() == account.id.as_bytes()) {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::CONFLICT,
        "account_changed",
        "This change was made while another account was signed in on this device, so it was not applied",
    ))
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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;

    fn account(id: &str) -> app::account::AccountView {
        app::account::AccountView { id: id.into(), email: String::new(), name: String::new(), roles: vec![] }
    }

    fn made_by_header(id: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(MADE_BY, id.parse().unwrap());
        headers
    }

    #[test]
    fn a_change_without_its_maker_is_anyones() {
        assert!(made_by(&HeaderMap::new(), None).is_ok());
        assert!(made_by(&HeaderMap::new(), Some(&account("a"))).is_ok());
    }

    #[test]
    fn a_change_is_applied_only_for_the_account_that_made_it() {
        assert!(made_by(&made_by_header("a"), Some(&account("a"))).is_ok());
        let refused = made_by(&made_by_header("a"), Some(&account("b"))).unwrap_err();
        assert_eq!((refused.status, refused.detail.code.as_str()), (StatusCode::CONFLICT, "account_changed"));
        assert!(made_by(&made_by_header("a"), None).is_err(), "signed out since: not applied to a guest cart");
    }
}
