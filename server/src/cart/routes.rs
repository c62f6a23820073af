//! The cart's REST API, mounted at `/api/cart`. The cart is the one the
//! request's `tbs_cart` cookie names; a first edit creates it and sets the cookie.

use super::{CartError, Carts};
use crate::platform::access::{Access, Guarded};
use app::api::ErrorDetail;
use app::cart::CartView;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{AppendHeaders, IntoResponse, Response};
use axum::routing::{get, put};
use serde::Deserialize;
use std::sync::Arc;

/// Guests have carts too: every cart route is public, the cookie names the cart.
pub fn router<S: Clone + Send + Sync + 'static>(carts: Arc<Carts>) -> Guarded<S> {
    Guarded::new()
        .route("/", Access::Public, get(get_cart).delete(clear_cart))
        .route("/items/{sku}", Access::Public, put(put_item).delete(delete_item))
        .with_state(carts)
}

fn cookie(headers: &HeaderMap) -> Option<&str> {
    headers.get(COOKIE).and_then(|v| v.to_str().ok())
}

/// `GET /api/cart`
async fn get_cart(State(carts): State<Arc<Carts>>, headers: HeaderMap) -> Result<Json<CartView>, CartError> {
    Ok(Json(carts.view(carts.cart_in(cookie(&headers))).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuantityBody {
    quantity: u32,
}

/// `PUT /api/cart/items/{sku}` with `{"quantity": n}`: sets the line's quantity.
async fn put_item(
    State(carts): State<Arc<Carts>>,
    Path(sku): Path<String>,
    headers: HeaderMap,
    body: Result<Json<QuantityBody>, JsonRejection>,
) -> Result<Response, CartError> {
    let Json(body) = body.map_err(|e| {
        CartError::Invalid(
            ErrorDetail::new("invalid_quantity", format!("expected {{\"quantity\": 1..10}}: {}", e.body_text()))
                .on_field("quantity"),
        )
    })?;
    let (id, set_cookie) = carts.cart_or_new(cookie(&headers));
    let cart = carts.set_quantity(id, &sku, body.quantity).await?;
    let cookies: Vec<_> = set_cookie.into_iter().map(|c| (SET_COOKIE, c)).collect();
    Ok((AppendHeaders(cookies), Json(cart)).into_response())
}

/// `DELETE /api/cart/items/{sku}`
async fn delete_item(
    State(carts): State<Arc<Carts>>,
    Path(sku): Path<String>,
    headers: HeaderMap,
) -> Result<Json<CartView>, CartError> {
    let id = carts.cart_in(cookie(&headers));
    Ok(Json(match id {
        Some(id) => carts.remove(id, &sku).await?,
        None => carts.view(None).await?,
    }))
}

/// `DELETE /api/cart`
async fn clear_cart(State(carts): State<Arc<Carts>>, headers: HeaderMap) -> Result<StatusCode, CartError> {
    if let Some(id) = carts.cart_in(cookie(&headers)) {
        carts.clear(id).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}
