//! The cart micro-app's data: the JSON shapes the cart service answers with,
//! the server functions the pages use (a GET for reading; a POST that adds to
//! the cart, for the product page's form without WASM) and, in [`outbox`],
//! the edits the app queues on the device and sends to the REST API.
//!
//! A guest's cart belongs to the browser through a signed, HttpOnly cookie; a
//! signed-in shopper's cart belongs to the account (a guest cart is merged
//! into it at the first request after signing in). The server functions pass
//! the request's [`CartOwner`] to the cart service through the
//! [`ssr::CartApi`] port and hand back any cookies it sets.

pub mod edits;
mod shown;
mod stored;

pub use shown::ShownCart;

use crate::catalog::Price;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

/// Most units of one product a cart may hold.
pub const MAX_LINE_QUANTITY: u32 = 10;
/// Most distinct products a cart may hold.
pub const MAX_LINES: usize = 50;

/// One product in the cart, priced now (not when it was added).
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = CartLine))]
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
    /// How it reaches the shopper.
    #[serde(default)]
    pub fulfilment: crate::catalog::Fulfilment,
    /// The catalog no longer sells it (archived or gone): it cannot be ordered.
    #[serde(default)]
    pub withdrawn: bool,
}

/// A shopper's cart.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = Cart))]
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

/// Whose cart a request means: the `Cookie` header (a guest cart) and the
/// signed-in account, if any (whose cart wins, and takes the guest's lines).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CartOwner {
    pub cookie: Option<String>,
    pub account_id: Option<String>,
}

/// The caller's cart (empty when they have none yet).
#[server(prefix = "/rpc", endpoint = "cart/get", input = GetUrl, output = crate::json::Answer, client = crate::rpc_client::Store)]
pub async fn get_cart() -> Result<CartView, ServerFnError> {
    let (cart, cookies) = ssr::carts()?.view(ssr::request_owner().await?).await.map_err(crate::rpc::to_server_error)?;
    crate::rpc::set_cookies(cookies);
    Ok(cart)
}

/// Adds `quantity` units of `sku` to what the cart already holds.
#[server(prefix = "/rpc", endpoint = "cart/add", output = crate::json::Answer, client = crate::rpc_client::Store)]
pub async fn add_to_cart(sku: String, quantity: u32) -> Result<CartView, ServerFnError> {
    let owner = ssr::request_owner().await?;
    let (cart, cookies) = ssr::carts()?.add(owner, sku, quantity).await.map_err(crate::rpc::to_server_error)?;
    crate::rpc::set_cookies(cookies);
    Ok(cart)
}

#[cfg(feature = "ssr")]
pub mod ssr {
    //! The port through which server functions reach the cart service.

    use super::*;
    use crate::api::ErrorDetail;
    use std::sync::Arc;

    /// The cart service, as the UI uses it. Each answer carries the
    /// `Set-Cookie` values to send (a new guest cart's cookie, or the removal
    /// of a guest cookie whose cart was merged into the account's).
    #[async_trait::async_trait]
    pub trait CartApi: Send + Sync {
        async fn view(&self, owner: CartOwner) -> Result<(CartView, Vec<String>), ErrorDetail>;
        /// Adds units (the product page's form, when the browser runs no WASM:
        /// the app itself edits through the REST API, from its outbox).
        async fn add(
            &self,
            owner: CartOwner,
            sku: String,
            quantity: u32,
        ) -> Result<(CartView, Vec<String>), ErrorDetail>;
        /// Empties the owner's cart (after it became an order).
        async fn clear(&self, owner: CartOwner) -> Result<(), ErrorDetail>;
        /// The guest cart a `Cookie` header names, if its signature holds:
        /// what tells one guest's browser from another's.
        fn guest_cart(&self, cookie: Option<&str>) -> Option<String>;
    }

    pub type SharedCarts = Arc<dyn CartApi>;

    pub(super) fn carts() -> Result<SharedCarts, ServerFnError> {
        use_context::<SharedCarts>().ok_or_else(|| ServerFnError::new("the cart is not available"))
    }

    /// Whose cart the request being served means.
    pub(crate) async fn request_owner() -> Result<CartOwner, ServerFnError> {
        let cookie = crate::rpc::request_cookie().await?;
        let account_id = crate::account::ssr::caller().await?.0.map(|a| a.id);
        Ok(CartOwner { cookie, account_id })
    }
}
