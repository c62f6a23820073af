//! The orders REST API, mounted at `/api/orders`.

use super::{Orders, OrdersError};
use crate::contracts::ports::PaymentMethod;
use crate::platform::access::{Access, Guarded};
use crate::platform::caller::OwnChange;
use crate::platform::extract::{ApiJson, Body, DeviceChange, LinkToken};
use crate::platform::json::Json;
use crate::platform::versioned;
use app::api::ErrorBody;
use app::api::ErrorDetail;
use app::orders::{CardInput, CheckoutInput, OrderReader, OrderView};
use axum::extract::{Path, Query, State};
use axum::http::header::COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;
use utoipa_axum::routes;

/// Guest checkout: a guest places an order from their cart (named by its
/// cookie), and who may read or pay for one is decided per order
/// (`app::orders::access`); anonymous callers with no cookie and no link
/// token have nothing to place, read or pay.
pub fn router<S: Clone + Send + Sync + 'static>(orders: Arc<Orders>) -> Guarded<S> {
    Guarded::new()
        .route(Access::SignedIn, routes!(my_orders))
        .route(Access::OrderHolder, routes!(get_order, put_order))
        .route(Access::OrderHolder, routes!(post_payment))
        .with_state(orders)
}

impl Body for CheckoutInput {}
impl Body for PaymentBody {}

/// The signed-in shopper's orders, newest first.
///
/// The signed-in shopper's orders, newest first.
#[utoipa::path(
    get,
    path = "/",
    tag = "orders",
    responses(
        (status = 200, description = "orders", body = [OrderView]),
        (status = 401, description = "not signed in (`unauthenticated`)", body = ErrorBody),
    )
)]
async fn my_orders(
    State(orders): State<Arc<Orders>>,
    axum::Extension(caller): axum::Extension<app::account::SignedIn>,
) -> Result<Json<Vec<OrderView>>, crate::platform::http::ApiError> {
    let account = caller.0.map(|a| a.id).unwrap_or_default();
    let mine = orders
        .orders_of(&account, 50)
        .await
        .map_err(|e| crate::platform::http::ApiError::internal("orders store failed", &e))?;
    Ok(Json(mine))
}

/// What a request brings to read an order (see `app::orders::access`).
pub(crate) fn reader(caller: app::account::SignedIn, headers: &HeaderMap, token: Option<String>) -> OrderReader {
    let cookie = headers.get(COOKIE).and_then(|v| v.to_str().ok()).map(str::to_string);
    OrderReader { caller, cookie, token }
}

/// One order, for its account, staff, the link token's holder or the guest browser that placed it.
///
/// The order, for whoever may see it (`app::orders::access`), tagged with
/// its version (`ETag`): a client that polls it sends the tag back in
/// `If-None-Match` and is answered 304, with no body, until it changes;
/// with `Prefer: wait=<seconds>` too, the answer waits for the change.
#[utoipa::path(
    get,
    path = "/{id}",
    tag = "orders",
    params(
        ("id" = inline(crate::orders::OrderId), Path, description = "the order id (a UUID the client chose)"),
        LinkToken,
        ("If-None-Match" = Option<String>, Header, description = "the `ETag` of the order as the client has it: 304 while it is unchanged"),
        ("Prefer" = Option<String>, Header, description = "`wait=<seconds>` (RFC 7240), with `If-None-Match`: answer once the order changes, or 304 when it has not within that time (at most 10 s, and half the request timeout)"),
    ),
    responses(
        (status = 200, description = "the order", body = OrderView,
            headers(("ETag" = String, description = "the order's version, `W/\"<n>\"`: send it back in `If-None-Match` to be told whether it changed"))),
        (status = 304, description = "unchanged since the `ETag` named in `If-None-Match` (no body)",
            headers(("ETag" = String, description = "the order's version"))),
        (status = 400, description = "not a UUID (`invalid_order_id`)", body = ErrorBody),
        (status = 401, description = "no proof: not signed in, no link token and not the browser that placed it (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "someone else's order (`forbidden`)", body = ErrorBody),
        (status = 404, description = "no such order", body = ErrorBody),
    )
)]
async fn get_order(
    State(orders): State<Arc<Orders>>,
    axum::Extension(caller): axum::Extension<app::account::SignedIn>,
    Path(id): Path<String>,
    Query(param): Query<LinkToken>,
    headers: HeaderMap,
) -> Result<Response, OrdersError> {
    let reader = reader(caller, &headers, param.token);
    let wait = versioned::wait_asked(&headers, orders.longest_wait);
    let (order, version) = orders.readable_after(&id, &reader, wait, |v| versioned::unchanged(&headers, v)).await?;
    Ok(versioned::answer(&headers, version, || Json(order.view())))
}

/// Place the cart as order `{id}` (idempotent).
///
/// Places the cart (named by the cart cookie) as this order. 201 when placed now, 200 when this id was
/// placed before with the same details.
#[utoipa::path(
    put,
    path = "/{id}",
    tag = "orders",
    params(
        ("id" = inline(crate::orders::OrderId), Path, description = "the order id (a UUID the client chose)"),
        DeviceChange,
    ),
    request_body = CheckoutInput,
    responses(
        (status = 200, description = "placed before with the same details", body = OrderView),
        (status = 201, description = "placed", body = OrderView),
        (status = 400, description = "a bad field, named in `field`; `invalid_order_id`, `invalid_body`", body = ErrorBody),
        (status = 401, description = "anonymous with no cookie and no link token (`unauthenticated`)", body = ErrorBody),
        (status = 409, description = "`cart_empty`, `insufficient_stock` or `order_id_in_use`; or `account_changed`: made by another account than the caller's", body = ErrorBody),
    )
)]
async fn put_order(
    State(orders): State<Arc<Orders>>,
    Path(id): Path<String>,
    _own: OwnChange,
    headers: HeaderMap,
    caller: Option<axum::Extension<app::account::SignedIn>>,
    ApiJson(input): ApiJson<CheckoutInput>,
) -> Result<(StatusCode, Json<OrderView>), OrdersError> {
    let owner = app::cart::CartOwner {
        cookie: headers.get(COOKIE).and_then(|v| v.to_str().ok()).map(str::to_string),
        account_id: caller.and_then(|axum::Extension(c)| c.0).map(|a| a.id),
    };
    let placed = orders.place(&id, input, owner).await?;
    Ok((if placed.created { StatusCode::CREATED } else { StatusCode::OK }, Json(placed.order)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct PaymentBody {
    /// Card details (simulated provider).
    card: Option<CardInput>,
    /// A provider payment method id, e.g. from Stripe Elements (`pm_…`).
    payment_method: Option<String>,
}

/// Pay for the order; the result arrives by webhook.
///
/// Submits a payment for whoever may see the order; 202, the result arrives by webhook.
#[utoipa::path(
    post,
    path = "/{id}/payment",
    tag = "orders",
    params(
        ("id" = inline(crate::orders::OrderId), Path, description = "the order id (a UUID the client chose)"),
        LinkToken,
    ),
    request_body = PaymentBody,
    responses(
        (status = 202, description = "submitted", body = OrderView),
        (status = 400, description = "a bad field, named in `field`; `invalid_order_id`, `invalid_body`", body = ErrorBody),
        (status = 401, description = "anonymous with no cookie and no link token (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "someone else's order (`forbidden`)", body = ErrorBody),
        (status = 404, description = "no such order", body = ErrorBody),
        (status = 409, description = "not payable now", body = ErrorBody),
        (status = 503, description = "`payments_unavailable`", body = ErrorBody),
    )
)]
async fn post_payment(
    State(orders): State<Arc<Orders>>,
    axum::Extension(caller): axum::Extension<app::account::SignedIn>,
    Path(id): Path<String>,
    Query(param): Query<LinkToken>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<PaymentBody>,
) -> Result<(StatusCode, Json<serde_json::Value>), OrdersError> {
    orders.read(&id, &reader(caller, &headers, param.token)).await?;
    let method = match input {
        PaymentBody { card: Some(card), payment_method: None } => PaymentMethod::Card(card),
        PaymentBody { card: None, payment_method: Some(pm) } => PaymentMethod::ProviderToken(pm),
        _ => {
            return Err(OrdersError::Invalid(
                ErrorDetail::new("invalid_body", "Send exactly one of `card` or `payment_method`").on_field("body"),
            ));
        }
    };
    orders.pay(&id, method).await?;
    Ok((StatusCode::ACCEPTED, Json(json!({ "status": "processing" }))))
}
