//! The cart micro-app's data: the JSON shapes the cart service answers with,
//! and the server functions the pages use (a GET for reading, POSTs for edits).
//!
//! The cart belongs to the browser through a signed, HttpOnly cookie; the
//! server functions pass the request's cookie to the cart service through the
//! [`ssr::CartApi`] port and hand back any cookie it sets.

use crate::catalog::Price;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

/// Most units of one product a cart may hold.
pub const MAX_LINE_QUANTITY: u32 = 10;
/// Most distinct products a cart may hold.
pub const MAX_LINES: usize = 50;

/// One product in the cart, priced now (not when it was added).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLineView {
    pub sku: String,
    pub name: String,
    pub image: String,
    pub quantity: u32,
    pub unit_price: Price,
    pub line_total: Price,
    /// Units the catalog can supply now.
    pub available: u32,
    /// Why the line cannot be bought as it is (e.g. "Only 2 left"); absent when it can.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// A shopper's cart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartView {
    pub lines: Vec<CartLineView>,
    /// Units across all lines (the header badge).
    pub item_count: u32,
    pub subtotal: Price,
}

impl CartView {
    /// Whether every line can be bought as it stands.
    pub fn ready_for_checkout(&self) -> bool {
        !self.lines.is_empty() && self.lines.iter().all(|l| l.problem.is_none())
    }
}

/// The caller's cart (empty when they have none yet).
#[server(prefix = "/rpc", endpoint = "cart/get", input = GetUrl)]
pub async fn get_cart() -> Result<CartView, ServerFnError> {
    let cookie = ssr::request_cookie().await?;
    ssr::carts()?.view(cookie).await.map_err(ssr::to_server_error)
}

/// Sets how many units of `sku` the cart holds (adding the line if needed).
#[server(prefix = "/rpc", endpoint = "cart/set")]
pub async fn set_cart_quantity(sku: String, quantity: u32) -> Result<CartView, ServerFnError> {
    let cookie = ssr::request_cookie().await?;
    let (cart, set_cookie) = ssr::carts()?.set(cookie, sku, quantity).await.map_err(ssr::to_server_error)?;
    ssr::set_cookie(set_cookie);
    Ok(cart)
}

/// Adds `quantity` units of `sku` to what the cart already holds.
#[server(prefix = "/rpc", endpoint = "cart/add")]
pub async fn add_to_cart(sku: String, quantity: u32) -> Result<CartView, ServerFnError> {
    let cookie = ssr::request_cookie().await?;
    let (cart, set_cookie) = ssr::carts()?.add(cookie, sku, quantity).await.map_err(ssr::to_server_error)?;
    ssr::set_cookie(set_cookie);
    Ok(cart)
}

/// Removes a product from the cart.
#[server(prefix = "/rpc", endpoint = "cart/remove")]
pub async fn remove_cart_line(sku: String) -> Result<CartView, ServerFnError> {
    let cookie = ssr::request_cookie().await?;
    ssr::carts()?.remove(cookie, sku).await.map_err(ssr::to_server_error)
}

#[cfg(feature = "ssr")]
pub mod ssr {
    //! The port through which server functions reach the cart service.

    use super::*;
    use crate::api::ErrorDetail;
    use std::sync::Arc;

    /// The cart service, as the UI uses it. `cookie` is the request's `Cookie` header.
    #[async_trait::async_trait]
    pub trait CartApi: Send + Sync {
        async fn view(&self, cookie: Option<String>) -> Result<CartView, ErrorDetail>;
        /// Returns the cart and, for a new cart, the `Set-Cookie` value that names it.
        async fn set(
            &self,
            cookie: Option<String>,
            sku: String,
            quantity: u32,
        ) -> Result<(CartView, Option<String>), ErrorDetail>;
        async fn add(
            &self,
            cookie: Option<String>,
            sku: String,
            quantity: u32,
        ) -> Result<(CartView, Option<String>), ErrorDetail>;
        async fn remove(&self, cookie: Option<String>, sku: String) -> Result<CartView, ErrorDetail>;
        /// Empties the cart the cookie names (after it became an order).
        async fn clear(&self, cookie: Option<String>) -> Result<(), ErrorDetail>;
    }

    pub type SharedCarts = Arc<dyn CartApi>;

    pub(super) fn carts() -> Result<SharedCarts, ServerFnError> {
        use_context::<SharedCarts>().ok_or_else(|| ServerFnError::new("the cart is not available"))
    }

    pub(crate) fn to_server_error(e: ErrorDetail) -> ServerFnError {
        ServerFnError::new(e.message)
    }

    /// The `Cookie` header of the request being served.
    pub(crate) async fn request_cookie() -> Result<Option<String>, ServerFnError> {
        let headers: http::HeaderMap = leptos_axum::extract().await?;
        Ok(headers.get(http::header::COOKIE).and_then(|v| v.to_str().ok()).map(str::to_string))
    }

    pub(crate) fn set_cookie(value: Option<String>) {
        if let (Some(value), Some(response)) = (value, use_context::<leptos_axum::ResponseOptions>())
            && let Ok(value) = http::HeaderValue::from_str(&value)
        {
            response.append_header(http::header::SET_COOKIE, value);
        }
    }
}
