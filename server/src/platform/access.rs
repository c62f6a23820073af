//! Access control, declared per route: every API route is registered with
//! an [`Access`] decision through [`Guarded`], which enforces it (401 for
//! anonymous callers, 403 for the wrong role) and records it, so the access
//! matrix test can walk every route with every kind of caller. A route is
//! its handlers' `#[utoipa::path]` descriptions too: the path is written
//! there once, and the OpenAPI description (`crate::openapi`) is gathered
//! from the routes, each path with its guard's decision as `x-access`.

use crate::platform::http::ApiError;
use app::account::{Role, SignedIn};
use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use utoipa::openapi::OpenApi;
use utoipa::openapi::extensions::ExtensionsBuilder;
use utoipa_axum::router::UtoipaMethodRouter;

/// Whether `caller` may read an order that account `holder` placed (`None`:
/// a guest's), `link_token` saying whether the request carries the order's
/// link token: the one rule (`app::orders::access`) for a service that
/// knows the placing account but not a guest's cart.
pub fn may_read_order(holder: Option<&str>, caller: &SignedIn, link_token: bool) -> Result<(), ApiError> {
    use app::orders::access::{Holder, Reader, may_read};
    let verdict =
        may_read(Holder { account_id: holder, guest_cart: None }, Reader { caller, guest_cart: None, link_token });
    match verdict.refusal() {
        None => Ok(()),
        Some(refusal) => {
            let status = StatusCode::from_u16(refusal.status.unwrap_or(403)).unwrap_or(StatusCode::FORBIDDEN);
            Err(ApiError::with_detail(status, refusal))
        }
    }
}

/// Who may call a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in account.
    SignedIn,
    /// Accounts with this role (administrators hold every role).
    Role(Role),
    /// One order's holder (`app::orders::access`): its owner signed in,
    /// staff (dispatchers and administrators), anyone with the order's link
    /// token, or the guest browser that placed it. Anonymous callers with
    /// neither a token nor a cookie get 401 here; the handler, which knows
    /// the order, decides the rest.
    OrderHolder,
}

impl Access {
    /// Whether `caller` may pass; the refusal otherwise.
    pub fn check(self, caller: &SignedIn) -> Result<(), ApiError> {
        match (self, &caller.0) {
            (Access::Public, _) => Ok(()),
            // The token, if any, is checked by the handler.
            (Access::OrderHolder, _) => Ok(()),
            (_, None) => Err(ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", "Sign in first")),
            (Access::SignedIn, Some(_)) => Ok(()),
            (Access::Role(role), Some(_)) if caller.has(role) => Ok(()),
            (Access::Role(role), Some(_)) => {
                Err(ApiError::new(StatusCode::FORBIDDEN, "forbidden", format!("This needs the {role} role")))
            }
        }
    }
}

/// One route's decision, as registered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteAccess {
    pub path: String,
    pub access: Access,
}

/// A router whose every route carries an access decision and its description.
#[derive(Clone)]
pub struct Guarded<S> {
    router: Router<S>,
    table: Vec<RouteAccess>,
    api: OpenApi,
}

impl<S: Clone + Send + Sync + 'static> Default for Guarded<S> {
    fn default() -> Self {
        Self { router: Router::new(), table: Vec::new(), api: OpenApi::default() }
    }
}

impl Access {
    /// How the description names it (`x-access`).
    pub fn name(self) -> String {
        match self {
            Access::Public => "public".into(),
            Access::SignedIn => "signed_in".into(),
            Access::OrderHolder => "order_holder".into(),
            Access::Role(role) => format!("role:{role}"),
        }
    }
}

async fn enforce(access: Access, request: Request, next: Next) -> Response {
    let caller = request.extensions().get::<SignedIn>().cloned().unwrap_or_default();
    let has_token = request.uri().query().is_some_and(|q| q.split('&').any(|p| p.starts_with("token=")));
    let has_cookie = request.headers().contains_key(axum::http::header::COOKIE);
    let access = match access {
        // Anonymous, no link token and no (guest cart) cookie: nothing the handler could admit.
        Access::OrderHolder if caller.0.is_none() && !has_token && !has_cookie => Access::SignedIn,
        other => other,
    };
    let mut response = match access.check(&caller) {
        Ok(()) => next.run(request).await,
        Err(refusal) => refusal.into_response(),
    };
    // An answer only some callers may have is theirs alone: never kept by a
    // browser's or a proxy's cache, whatever its path.
    if access != Access::Public {
        let no_store = axum::http::HeaderValue::from_static("no-store");
        response.headers_mut().insert(axum::http::header::CACHE_CONTROL, no_store);
    }
    response
}

impl<S: Clone + Send + Sync + 'static> Guarded<S> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the path of `handlers` (`utoipa_axum::routes!`: handlers of one
    /// path, each described by its `#[utoipa::path]`) for callers `access` admits.
    pub fn route(mut self, access: Access, handlers: UtoipaMethodRouter<S>) -> Self {
        let (schemas, paths, methods) = handlers;
        let mut paths = paths.paths.into_iter();
        let (Some((path, mut item)), None) = (paths.next(), paths.next()) else {
            panic!("a route is the handlers of one path");
        };
        let methods =
            methods.layer(middleware::from_fn(move |request: Request, next: Next| enforce(access, request, next)));
        self.router = self.router.route(&path, methods);
        item.extensions = Some(ExtensionsBuilder::new().add("x-access", access.name()).build());
        self.api.paths.paths.insert(path.clone(), item);
        self.api.components.get_or_insert_default().schemas.extend(schemas);
        self.table.push(RouteAccess { path, access });
        self
    }

    /// Mounts `other` under `prefix` (its `/` is served at `prefix` itself).
    pub fn nest(mut self, prefix: &str, other: Guarded<S>) -> Self {
        let under = |path: &str| if path == "/" { prefix.to_string() } else { format!("{prefix}{path}") };
        self.router = self.router.nest(prefix, other.router);
        self.table.extend(other.table.into_iter().map(|r| RouteAccess { path: under(&r.path), access: r.access }));
        let mut api = other.api;
        api.paths.paths = std::mem::take(&mut api.paths.paths).into_iter().map(|(p, item)| (under(&p), item)).collect();
        self.api.merge(api);
        self
    }

    /// Adds `other`'s routes beside these.
    pub fn merge(mut self, other: Guarded<S>) -> Self {
        self.router = self.router.merge(other.router);
        self.table.extend(other.table);
        self.api.merge(other.api);
        self
    }

    pub fn with_state<S2: Clone + Send + Sync + 'static>(self, state: S) -> Guarded<S2> {
        Guarded { router: self.router.with_state(state), table: self.table, api: self.api }
    }

    /// The description of these routes: their paths, operations and schemas.
    pub fn api(&self) -> &OpenApi {
        &self.api
    }

    pub fn into_parts(self) -> (Router<S>, Vec<RouteAccess>) {
        (self.router, self.table)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::account::AccountView;

    fn caller(roles: &[Role]) -> SignedIn {
        SignedIn(Some(AccountView { id: "u".into(), email: "e".into(), name: "n".into(), roles: roles.to_vec() }))
    }

    #[test]
    fn anonymous_is_401_wrong_role_403_and_admin_holds_every_role() {
        let dispatch = Access::Role(Role::Dispatcher);
        assert_eq!(dispatch.check(&SignedIn(None)).unwrap_err().status, StatusCode::UNAUTHORIZED);
        assert_eq!(dispatch.check(&caller(&[Role::Shopper])).unwrap_err().status, StatusCode::FORBIDDEN);
        assert!(dispatch.check(&caller(&[Role::Shopper, Role::Dispatcher])).is_ok());
        assert!(dispatch.check(&caller(&[Role::Shopper, Role::Admin])).is_ok());
        assert!(Access::Role(Role::Admin).check(&caller(&[Role::Dispatcher])).is_err());
        assert!(Access::SignedIn.check(&caller(&[Role::Shopper])).is_ok());
        assert!(Access::Public.check(&SignedIn(None)).is_ok());
    }
}
