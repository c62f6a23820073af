//! `GET /api/openapi.json`: the API's OpenAPI 3.1 description, gathered from
//! the routes this process serves — each handler's `#[utoipa::path]`, the
//! wire types' `ToSchema`, each path's guard as `x-access` (see
//! `platform::access::Guarded`), what the edge answers before any
//! handler ([`edge`]) and which operations follow which ([`links`]).
//! `tests/api/openapi.rs` checks real answers against it.

mod edge;
mod links;

pub use links::FOLLOWS;

use crate::platform::access::{Access, Guarded};
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use std::sync::Arc;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::routes;

/// What the description says before any route: the API as a whole.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "The Better Store API",
        version = "1",
        description = "The services' public HTTP API. Money is integer minor units; times are UTC (RFC 3339). \
            Errors are `{ \"error\": { code, message, field? } }` (to a request that accepts `text/html`, a \
            browser's, the same status as a short HTML page saying what happened). `x-access` on each path is the guard every \
            method of it has: `public`, `signed_in`, `order_holder` (owner, staff, or `token=` from the receipt \
            link) or `role:<role>` (administrators hold every role). Sign in with the session cookie \
            (`/api/account/sign-in`) or, with an OpenID Connect issuer configured, a bearer JWT from it. \
            A new connection from a client already holding its share of open connections is answered 429 \
            `too_many_connections`, and one past the server's total 503 `server_busy`, both with `Retry-After`.",
    ),
    modifiers(&SignIn)
)]
struct Store;

/// The two ways to say who is calling.
struct SignIn;

impl Modify for SignIn {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_default();
        let cookie = ApiKey::Cookie(ApiKeyValue::new(crate::identity::SESSION_COOKIE));
        components.add_security_scheme("session", SecurityScheme::ApiKey(cookie));
        let bearer = HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build();
        components.add_security_scheme("bearer", SecurityScheme::Http(bearer));
    }
}

/// `routes` beside `GET /api/openapi.json`, which describes them and itself.
pub fn described<S: Clone + Send + Sync + 'static>(routes: Guarded<S>) -> Guarded<S> {
    let own = Guarded::new().route(Access::Public, routes!(describe));
    let mut document = Store::openapi();
    document.merge(routes.api().clone());
    document.merge(own.api().clone());
    edge::describe(&mut document);
    let mut json = serde_json::to_value(&document).expect("the description serialises");
    links::describe(&mut json);
    let json = serde_json::to_string_pretty(&json).expect("the description serialises");
    routes.merge(own.with_state(Arc::<str>::from(json)))
}

/// A string schema: text matching `pattern` (for path parameters whose
/// rule is a type's, e.g. a SKU's or an order id's).
pub fn text_matching(pattern: &str) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new().schema_type(Type::String).pattern(Some(pattern)).into()
}

/// This description.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "meta",
    responses((status = 200, description = "OpenAPI 3.1", body = Object))
)]
async fn describe(State(document): State<Arc<str>>) -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], document.to_string())
}
