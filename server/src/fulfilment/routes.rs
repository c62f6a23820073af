//! The dispatch REST API, mounted at `/api/fulfilment` (dispatchers and administrators).

use super::{Fulfilment, FulfilmentError, QueueQuery};
use crate::platform::access::{Access, Guarded};
use crate::platform::caller::OwnChange;
use crate::platform::extract::{ApiJson, ApiQuery, Body, DeviceChange, IdempotencyKey};
use crate::platform::json::Json;
use app::account::{Role, SignedIn};
use app::api::ErrorBody;
use app::fulfilment::{ProcessInput, ShippingOrderPage, ShippingOrderView};
use axum::Extension;
use axum::extract::{Path, State};
use serde::Deserialize;
use std::sync::Arc;
use utoipa_axum::routes;

pub fn router<S: Clone + Send + Sync + 'static>(fulfilment: Arc<Fulfilment>) -> Guarded<S> {
    let dispatch = Access::Role(Role::Dispatcher);
    Guarded::new()
        .route(dispatch, routes!(queue))
        .route(dispatch, routes!(one))
        .route(dispatch, routes!(process))
        .with_state(fulfilment)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    status: Option<String>,
    q: Option<String>,
    cursor: Option<String>,
    limit: Option<String>,
}

/// The dispatch queue, oldest first.
///
/// Oldest first.
#[utoipa::path(
    get,
    path = "/shipping-orders",
    tag = "fulfilment",
    params(
        ("status" = Option<String>, Query, description = "pending (default) or processed"),
        ("q" = Option<String>, Query, description = "order number or recipient's name"),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page"),
        ("limit" = Option<u32>, Query, description = "page size, 1–100", minimum = 1, maximum = 100),
    ),
    responses(
        (status = 200, description = "a page", body = ShippingOrderPage),
        (status = 400, description = "a bad parameter, named in `field`", body = ErrorBody),
        (status = 401, description = "not signed in (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "signed in without the role (`forbidden`)", body = ErrorBody),
    )
)]
async fn queue(
    State(fulfilment): State<Arc<Fulfilment>>,
    ApiQuery(p): ApiQuery<Params>,
) -> Result<Json<ShippingOrderPage>, FulfilmentError> {
    let query = QueueQuery { status: p.status, q: p.q, cursor: p.cursor, limit: p.limit };
    Ok(Json(fulfilment.queue(query).await?))
}

/// One shipping order, with the version to send back.
#[utoipa::path(
    get,
    path = "/shipping-orders/{id}",
    tag = "fulfilment",
    params(
        ("id" = String, Path, description = "shipping order id (`so-<order id>`)"),
    ),
    responses(
        (status = 200, description = "the shipping order", body = ShippingOrderView),
        (status = 401, description = "not signed in (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "signed in without the role (`forbidden`)", body = ErrorBody),
        (status = 404, description = "no such shipping order", body = ErrorBody),
    )
)]
async fn one(
    State(fulfilment): State<Arc<Fulfilment>>,
    Path(id): Path<String>,
) -> Result<Json<ShippingOrderView>, FulfilmentError> {
    Ok(Json(fulfilment.get(&id).await?))
}

impl Body for ProcessInput {}

/// Mark lines processed (packed and handed to the carrier).
#[utoipa::path(
    post,
    path = "/shipping-orders/{id}/process",
    tag = "fulfilment",
    params(
        ("id" = String, Path, description = "shipping order id (`so-<order id>`)"),
        DeviceChange,
    ),
    request_body = ProcessInput,
    responses(
        (status = 200, description = "the shipping order", body = ShippingOrderView),
        (status = 400, description = "a bad field, named in `field`", body = ErrorBody),
        (status = 401, description = "not signed in (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "signed in without the role (`forbidden`)", body = ErrorBody),
        (status = 404, description = "no such shipping order", body = ErrorBody),
        (status = 409, description = "`version_conflict` or `line_already_processed`; or `account_changed`: made by another account than the caller's", body = ErrorBody),
    )
)]
async fn process(
    State(fulfilment): State<Arc<Fulfilment>>,
    Extension(caller): Extension<SignedIn>,
    Path(id): Path<String>,
    _own: OwnChange,
    IdempotencyKey(change): IdempotencyKey,
    ApiJson(input): ApiJson<ProcessInput>,
) -> Result<Json<ShippingOrderView>, FulfilmentError> {
    let dispatcher = caller.0.map(|a| a.id).unwrap_or_default();
    Ok(Json(fulfilment.process(&id, input, &dispatcher, change).await?))
}
