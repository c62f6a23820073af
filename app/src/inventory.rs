//! Inventory as administrators keep it: stock set or adjusted with a
//! reason, each change in a product's stock history, and the products
//! running low.

use serde::{Deserialize, Serialize};

/// Why stock changed.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StockReason {
    /// Goods arrived: stock goes up.
    Received,
    /// Goods were found damaged and written off: stock goes down.
    Damaged,
    /// A count found a different number: stock is set to it (or moved either way).
    CountCorrection,
    /// Returned goods fit to sell again: stock goes up.
    Returned,
}

impl StockReason {
    pub fn label(self) -> &'static str {
        match self {
            Self::Received => "Received",
            Self::Damaged => "Damaged",
            Self::CountCorrection => "Count correction",
            Self::Returned => "Returned",
        }
    }
}

/// `PUT /api/catalog/products/{sku}/stock-adjustments/{id}`: move stock by
/// `change`, or `set` it to a count; exactly one of the two.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StockAdjustmentInput {
    pub reason: StockReason,
    #[serde(default)]
    pub change: Option<i64>,
    #[serde(default)]
    pub set: Option<u32>,
    /// Up to 200 characters, e.g. the delivery note's number.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(max_length = 200))]
    pub note: String,
}

/// One change of a product's stock, as stored in its history.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockAdjustment {
    /// The id the client chose (a retried request is the same adjustment).
    pub id: String,
    pub sku: String,
    pub reason: StockReason,
    /// How stock moved (negative: down).
    pub change: i64,
    pub stock_after: u32,
    #[serde(default)]
    pub note: String,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// Who: the administrator's e-mail address.
    pub by: String,
}

/// `GET /api/catalog/products/{sku}/stock-history`: newest first.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockHistory {
    pub sku: String,
    pub name: String,
    pub stock: u32,
    pub adjustments: Vec<StockAdjustment>,
}

/// A product's stock level.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockLevel {
    pub sku: String,
    pub name: String,
    pub stock: u32,
}

/// `GET /api/catalog/low-stock?below=N`: products with fewer than `below`
/// in stock, fewest first.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LowStock {
    pub below: u32,
    pub products: Vec<StockLevel>,
}

/// The threshold the low-stock list uses unless asked otherwise.
pub const LOW_STOCK_BELOW: u32 = 5;

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

/// The products with fewer than `below` in stock (administrators).
#[server(prefix = "/rpc", endpoint = "inventory/low-stock", input = GetUrl, output = crate::json::Answer, client = crate::rpc_client::Store)]
pub async fn load_low_stock(below: u32) -> Result<LowStock, ServerFnError> {
    crate::account::ssr::require(crate::account::Role::Admin).await?;
    ssr::inventory()?.low_stock(below).await.map_err(crate::rpc::to_server_error)
}

/// A product's stock page: its history, and the id the next adjustment
/// made from it takes (sent twice, it adjusts once).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockPage {
    pub history: StockHistory,
    pub next_id: String,
}

/// A product's stock and history (administrators).
#[server(prefix = "/rpc", endpoint = "inventory/history", input = GetUrl, output = crate::json::Answer, client = crate::rpc_client::Store)]
pub async fn load_stock_page(sku: String) -> Result<StockPage, ServerFnError> {
    crate::account::ssr::require(crate::account::Role::Admin).await?;
    let inventory = ssr::inventory()?;
    let history = inventory.history(sku).await.map_err(crate::rpc::to_server_error)?;
    Ok(StockPage { history, next_id: inventory.new_id() })
}

/// The form's adjustment: `quantity` received or returned adds, damaged
/// takes away, a count correction sets stock to it. `id` is the form's own
/// (made when it was shown), so sending it twice adjusts once. Posted
/// without JavaScript, it goes on to the product's stock page, which says
/// what was saved (`?done=<the adjustment's id>`).
#[server(prefix = "/rpc", endpoint = "inventory/adjust", output = crate::json::Answer, client = crate::rpc_client::Store)]
pub async fn adjust_stock(
    sku: String,
    id: String,
    reason: StockReason,
    quantity: String,
    note: String,
) -> Result<StockAdjustment, ServerFnError> {
    let admin = crate::account::ssr::require(crate::account::Role::Admin).await?;
    let input = adjustment_input(reason, &quantity, note).map_err(|message| crate::rpc::refuse(400, message))?;
    let done = ssr::inventory()?.adjust(sku, id, input, admin.email).await.map_err(crate::rpc::to_server_error)?;
    let page = format!("/admin/inventory/{}", crate::url::encode_component(&done.sku));
    crate::rpc::posted_form_goes_on(None, &crate::url::with_query(&page, &[("done", Some(&done.id))]))?;
    Ok(done)
}

/// What the form's fields ask for; a message when the quantity is not a whole number above 0 (or 0 for a count).
pub fn adjustment_input(reason: StockReason, quantity: &str, note: String) -> Result<StockAdjustmentInput, String> {
    let parsed = quantity.trim().parse::<u32>().map_err(|_| "Enter a whole number".to_string())?;
    let (change, set) = match reason {
        StockReason::CountCorrection => (None, Some(parsed)),
        _ if parsed == 0 => return Err("Enter a quantity above 0".into()),
        StockReason::Damaged => (Some(-i64::from(parsed)), None),
        StockReason::Received | StockReason::Returned => (Some(i64::from(parsed)), None),
    };
    Ok(StockAdjustmentInput { reason, change, set, note })
}

#[cfg(feature = "ssr")]
pub mod ssr {
    //! The port through which the inventory's server functions reach the catalog.

    use super::*;
    use crate::api::ErrorDetail;
    use std::sync::Arc;

    #[async_trait::async_trait]
    pub trait InventoryApi: Send + Sync {
        async fn low_stock(&self, below: u32) -> Result<LowStock, ErrorDetail>;
        async fn history(&self, sku: String) -> Result<StockHistory, ErrorDetail>;
        /// A fresh adjustment id (a UUID).
        fn new_id(&self) -> String;
        async fn adjust(
            &self,
            sku: String,
            id: String,
            input: StockAdjustmentInput,
            by: String,
        ) -> Result<StockAdjustment, ErrorDetail>;
    }

    pub type SharedInventory = Arc<dyn InventoryApi>;

    pub(super) fn inventory() -> Result<SharedInventory, ServerFnError> {
        use_context::<SharedInventory>().ok_or_else(|| ServerFnError::new("inventory is not available"))
    }
}
