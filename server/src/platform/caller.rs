//! Who is calling: the request middleware every route and server function
//! relies on. It asks the identity service's [`Sessions`] port (in-process
//! where identity runs, its API elsewhere) and puts the answer in the
//! request's extensions as [`SignedIn`] for route guards and server functions;
//! [`OwnChange`] refuses a device's change made by another account.

use crate::contracts::ports::Sessions;
use crate::platform::http::ApiError;
use app::account::{AccountView, SignedIn};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use std::sync::Arc;

/// Middleware: a bearer token that does not verify is answered 401 at once.
pub async fn resolve_caller(
    axum::extract::State(sessions): axum::extract::State<Arc<dyn Sessions>>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let headers = request.headers();
    let text = |name| headers.get(name).and_then(|v: &axum::http::HeaderValue| v.to_str().ok());
    let caller = match sessions.caller(text(header::AUTHORIZATION), text(header::COOKIE)).await {
        Ok(caller) => caller,
        Err(refusal) => return refusal,
    };
    request.extensions_mut().insert(SignedIn(caller));
    next.run(request).await
}

/// The token of an `Authorization: Bearer …` header.
pub fn bearer(authorization: Option<&str>) -> Option<&str> {
    authorization.and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer "))).map(str::trim)
}

/// The account a device's queued change was made by (its id). A change made
/// while one account was signed in must never be applied for another: the
/// session may have ended, and someone else signed in, before the device
/// could send it (public/outbox.js sends this with every change an account
/// queued; a guest's changes go to whoever's cart the browser now has).
pub const MADE_BY: &str = "tbs-made-by";

/// A change the app's outbox may send, checked to be the caller's own (see
/// [`MADE_BY`]): an extractor of the routes that take such changes, so a
/// method a path lacks is 405 before anything else.
pub struct OwnChange;

impl<S: Send + Sync> FromRequestParts<S> for OwnChange {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let caller = parts.extensions.get::<SignedIn>().and_then(|signed_in| signed_in.0.as_ref());
        made_by(&parts.headers, caller).map(|()| OwnChange)
    }
}

fn made_by(headers: &HeaderMap, caller: Option<&AccountView>) -> Result<(), ApiError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn account(id: &str) -> AccountView {
        AccountView { id: id.into(), email: String::new(), name: String::new(), roles: vec![] }
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

    #[test]
    fn a_bearer_token_is_read_from_either_spelling() {
        assert_eq!(bearer(Some("Bearer abc ")), Some("abc"));
        assert_eq!(bearer(Some("bearer abc")), Some("abc"));
        assert_eq!(bearer(Some("Basic abc")), None);
        assert_eq!(bearer(None), None);
    }
}
