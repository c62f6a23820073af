//! What the edge answers before any handler runs, added to each operation
//! it can answer, by the same rules the edge applies: 429 where the
//! per-client limits apply, 403 for a state change from another site, 413
//! for a body over the limit. A handler's own answer with the same status
//! keeps its description, and the edge's is added to it.

use crate::platform::http::ErrorBody;
use crate::platform::{bad_input, csrf, rate_limit};
use axum::http::Method;
use std::collections::btree_map::Entry;
use utoipa::ToSchema;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, HeaderBuilder, OpenApi, Ref, RefOr, Response, ResponseBuilder};

/// Documents the edge's answers on every operation of `document`.
pub fn describe(document: &mut OpenApi) {
    let too_large = format!("`body_too_large`: the body is over {} KiB", bad_input::BODY_LIMIT / 1024);
    for (path, item) in document.paths.paths.iter_mut() {
        for (method, operation) in operations(item) {
            if rate_limit::limited(&method, path) {
                let retry = "`rate_limited`: too many requests from this client; retry after `Retry-After` seconds";
                add(operation, "429", retry, true);
            }
            if csrf::guarded(&method, path) {
                add(operation, "403", "`cross_site_request`: started by another site", false);
            }
            if operation.request_body.is_some() {
                add(operation, "413", &too_large, false);
            }
        }
    }
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = (Method, &mut Operation)> {
    [
        (Method::GET, &mut item.get),
        (Method::PUT, &mut item.put),
        (Method::POST, &mut item.post),
        (Method::DELETE, &mut item.delete),
        (Method::PATCH, &mut item.patch),
    ]
    .into_iter()
    .filter_map(|(method, operation)| operation.as_mut().map(|operation| (method, operation)))
}

/// Adds the edge's answer `status` to `operation` (or its words to the
/// handler's answer with that status).
fn add(operation: &mut Operation, status: &str, description: &str, retry_after: bool) {
    match operation.responses.responses.entry(status.to_string()) {
        Entry::Vacant(slot) => {
            slot.insert(RefOr::T(error(description, retry_after)));
        }
        Entry::Occupied(mut slot) => {
            if let RefOr::T(response) = slot.get_mut() {
                response.description = format!("{}; or, at the edge, {description}", response.description);
            }
        }
    }
}

/// An error answer with the API's error body.
fn error(description: &str, retry_after: bool) -> Response {
    let body = ContentBuilder::new().schema(Some(Ref::from_schema_name(ErrorBody::name()))).build();
    let response = ResponseBuilder::new().description(description).content("application/json", body);
    if !retry_after {
        return response.build();
    }
    let seconds = HeaderBuilder::new()
        .schema(ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1)))
        .description(Some("seconds to wait"))
        .build();
    response.header("Retry-After", seconds).build()
}
