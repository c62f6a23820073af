//! `GET /api/openapi.json`: the API's OpenAPI 3.1 description
//! (`server/openapi.json`). `tests/api/openapi.rs` keeps it true to the
//! router: the same paths, each guard's decision, each route's methods, and
//! the schemas of real answers.

use crate::platform::access::{Access, Guarded};
use axum::http::header::CONTENT_TYPE;
use axum::routing::get;

/// The description, as served.
pub const DOCUMENT: &str = include_str!("../openapi.json");

pub fn router<S: Clone + Send + Sync + 'static>() -> Guarded<S> {
    Guarded::new().route(
        "/api/openapi.json",
        Access::Public,
        get(|| async { ([(CONTENT_TYPE, "application/json")], DOCUMENT) }),
    )
}
