//! The dispatch REST API, mounted at `/api/fulfilment` (dispatchers and administrators).

use super::{Fulfilment, FulfilmentError, QueueQuery};
use crate::platform::access::{Access, Guarded};
use crate::platform::extract::{ApiJson, ApiQuery, Body, IdempotencyKey};
use app::account::{Role, SignedIn};
use app::fulfilment::{ProcessInput, ShippingOrderPage, ShippingOrderView};
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Extension, Json};
use serde::Deserialize;
use std::sync::Arc;

pub fn router<S: Clone + Send + Sync + 'static>(fulfilment: Arc<Fulfilment>) -> Guarded<S> {
    let dispatch = Access::Role(Role::Dispatcher);
    Guarded::new()
        .route("/shipping-orders", dispatch, get(queue))
        .route("/shipping-orders/{id}", dispatch, get(one))
        .route("/shipping-orders/{id}/process", dispatch, post(process))
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

/// `GET /api/fulfilment/shipping-orders?status=pending&q=&cursor=&limit=`: oldest first.
async fn queue(
    State(fulfilment): State<Arc<Fulfilment>>,
    ApiQuery(p): ApiQuery<Params>,
) -> Result<Json<ShippingOrderPage>, FulfilmentError> {
    let query = QueueQuery { status: p.status, q: p.q, cursor: p.cursor, limit: p.limit };
    Ok(Json(fulfilment.queue(query).await?))
}

/// `GET /api/fulfilment/shipping-orders/{id}`
async fn one(
    State(fulfilment): State<Arc<Fulfilment>>,
    Path(id): Path<String>,
) -> Result<Json<ShippingOrderView>, FulfilmentError> {
    Ok(Json(fulfilment.get(&id).await?))
}

impl Body for ProcessInput {}

/// `POST /api/fulfilment/shipping-orders/{id}/process` `{ lines, carrier, tracking_number, expected_version }`
async fn process(
    State(fulfilment): State<Arc<Fulfilment>>,
    Extension(caller): Extension<SignedIn>,
    Path(id): Path<String>,
    IdempotencyKey(change): IdempotencyKey,
    ApiJson(input): ApiJson<ProcessInput>,
) -> Result<Json<ShippingOrderView>, FulfilmentError> {
    let dispatcher = caller.0.map(|a| a.id).unwrap_or_default();
    Ok(Json(fulfilment.process(&id, input, &dispatcher, change).await?))
}
