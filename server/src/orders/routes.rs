//! The orders REST API, mounted at `/api/orders`.

use super::{Orders, OrdersError};
use crate::contracts::ports::PaymentMethod;
use crate::platform::access::{Access, Guarded};
use app::api::ErrorDetail;
use app::orders::{CardInput, CheckoutInput, OrderView};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::header::COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

/// Guest checkout: an order is reached by its id, a UUID only its shopper knows.
pub fn router<S: Clone + Send + Sync + 'static>(orders: Arc<Orders>) -> Guarded<S> {
    Guarded::new()
        .route("/", Access::SignedIn, get(my_orders))
        .route("/{id}", Access::Public, get(get_order).put(put_order))
        .route("/{id}/payment", Access::Public, post(post_payment))
        .with_state(orders)
}

fn body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, OrdersError> {
    body.map(|Json(t)| t)
        .map_err(|e| OrdersError::Invalid(ErrorDetail::new("invalid_body", e.body_text()).on_field("body")))
}

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

/// `GET /api/orders/{id}`: a guest's order by its id; an account's order for that account and staff.
async fn get_order(
    State(orders): State<Arc<Orders>>,
    axum::Extension(caller): axum::Extension<app::account::SignedIn>,
    Path(id): Path<String>,
) -> Result<Json<OrderView>, crate::platform::http::ApiError> {
    use crate::platform::http::{ApiError, ServiceError};
    let order = orders.get(&id).await.map_err(|e| e.api_error())?;
    if !order.visible_to(&caller) {
        let (status, code) = match caller.0 {
            None => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            Some(_) => (StatusCode::FORBIDDEN, "forbidden"),
        };
        return Err(ApiError::new(status, code, "This is not your order"));
    }
    Ok(Json(order))
}

/// `PUT /api/orders/{id}`: places the cart (named by the cart cookie) as this order.
/// 201 when placed now, 200 when this id was placed before with the same details.
async fn put_order(
    State(orders): State<Arc<Orders>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    caller: Option<axum::Extension<app::account::SignedIn>>,
    input: Result<Json<CheckoutInput>, JsonRejection>,
) -> Result<(StatusCode, Json<OrderView>), OrdersError> {
    let input = body(input)?;
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

/// `POST /api/orders/{id}/payment`: submits a payment; 202, the result arrives by webhook.
async fn post_payment(
    State(orders): State<Arc<Orders>>,
    Path(id): Path<String>,
    input: Result<Json<PaymentBody>, JsonRejection>,
) -> Result<(StatusCode, Json<serde_json::Value>), OrdersError> {
    let method = match body(input)? {
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
