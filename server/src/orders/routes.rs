//! The orders REST API, mounted at `/api/orders`.

use super::{Orders, OrdersError};
use crate::contracts::ports::PaymentMethod;
use crate::platform::access::{Access, Guarded};
use crate::platform::extract::{ApiJson, Body};
use app::api::ErrorDetail;
use app::orders::{CardInput, CheckoutInput, OrderReader, OrderView};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header::COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

/// Guest checkout: a guest places an order from their cart (named by its
/// cookie), and who may read or pay for one is decided per order
/// (`app::orders::access`); anonymous callers with no cookie and no link
/// token have nothing to place, read or pay.
pub fn router<S: Clone + Send + Sync + 'static>(orders: Arc<Orders>) -> Guarded<S> {
    Guarded::new()
        .route("/", Access::SignedIn, get(my_orders))
        .route("/{id}", Access::OrderHolder, get(get_order).put(put_order))
        .route("/{id}/payment", Access::OrderHolder, post(post_payment))
        .with_state(orders)
}

impl Body for CheckoutInput {}
impl Body for PaymentBody {}

/// `GET /api/orders/`: the signed-in shopper's orders, newest first.
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

#[derive(Deserialize)]
struct TokenParam {
    token: Option<String>,
}

/// `GET /api/orders/{id}?token=`: the order, for whoever may see it (`app::orders::access`).
async fn get_order(
    State(orders): State<Arc<Orders>>,
    axum::Extension(caller): axum::Extension<app::account::SignedIn>,
    Path(id): Path<String>,
    Query(param): Query<TokenParam>,
    headers: HeaderMap,
) -> Result<Json<OrderView>, OrdersError> {
    Ok(Json(orders.read(&id, &reader(caller, &headers, param.token)).await?))
}

/// `PUT /api/orders/{id}`: places the cart (named by the cart cookie) as this order.
/// 201 when placed now, 200 when this id was placed before with the same details.
async fn put_order(
    State(orders): State<Arc<Orders>>,
    Path(id): Path<String>,
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PaymentBody {
    /// Card details (simulated provider).
    card: Option<CardInput>,
    /// A provider payment method id, e.g. from Stripe Elements (`pm_…`).
    payment_method: Option<String>,
}

/// `POST /api/orders/{id}/payment?token=`: submits a payment for whoever
/// may see the order; 202, the result arrives by webhook.
async fn post_payment(
    State(orders): State<Arc<Orders>>,
    axum::Extension(caller): axum::Extension<app::account::SignedIn>,
    Path(id): Path<String>,
    Query(param): Query<TokenParam>,
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
