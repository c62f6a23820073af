//! The shop's view of the catalog: the JSON shapes the catalog service answers
//! with, and the server functions the pages load them through.
//!
//! On the server the functions call the catalog service through the
//! [`ssr::CatalogReader`] port (provided as context by the `tbs` binary); in
//! the browser they become HTTP GETs, so responses can be cached.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

/// A price: integer minor units plus an ISO 4217 currency code.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Price {
    pub amount_minor: i64,
    pub currency: String,
}

impl Price {
    pub fn display(&self) -> String {
        crate::money::format_money(self.amount_minor, &self.currency)
    }
}

/// A product as shoppers see it.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = Product))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductView {
    pub sku: String,
    pub name: String,
    pub description: String,
    pub category: String,
    pub price: Price,
    /// Units available to order now.
    pub stock: u32,
    /// Site-relative URL of the product picture.
    pub image: String,
    /// How it reaches the shopper.
    #[serde(default)]
    pub fulfilment: Fulfilment,
}

/// How a product reaches the shopper: packed and sent by courier, or delivered digitally.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Fulfilment {
    #[default]
    Physical,
    Digital,
}

/// A category with how many products it holds.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = Category))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryView {
    pub slug: String,
    pub name: String,
    pub product_count: u32,
}

/// One page of a product listing.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductPage {
    pub items: Vec<ProductView>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
    /// The category filtered on, when one was.
    pub category: Option<CategoryView>,
}

/// The raw query of a product listing, exactly as it arrived (the catalog
/// service parses it, so a bad value gets a 400 naming the field).
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductQueryParams {
    /// Words to search for.
    pub q: Option<String>,
    /// A category's slug.
    pub category: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// 1–100, default 12.
    #[cfg_attr(feature = "ssr", param(value_type = Option<u32>, minimum = 1, maximum = 100))]
    pub limit: Option<String>,
}

/// Lists products matching a search text and/or category, a page at a time.
#[server(prefix = "/rpc", endpoint = "catalog/products", input = GetUrl, output = crate::json::Answer, client = crate::rpc_client::Store)]
pub async fn search_products(
    q: Option<String>,
    category: Option<String>,
    cursor: Option<String>,
    limit: Option<String>,
) -> Result<ProductPage, ServerFnError> {
    let params = ProductQueryParams { q, category, cursor, limit };
    ssr::catalog()?.products(params).await.map_err(crate::rpc::to_server_error)
}

/// One product by SKU; `None` when there is no such product.
#[server(prefix = "/rpc", endpoint = "catalog/product", input = GetUrl, output = crate::json::Answer, client = crate::rpc_client::Store)]
pub async fn get_product(sku: String) -> Result<Option<ProductView>, ServerFnError> {
    ssr::catalog()?.product(sku).await.map_err(crate::rpc::to_server_error)
}

/// Every category, in display order.
#[server(prefix = "/rpc", endpoint = "catalog/categories", input = GetUrl, output = crate::json::Answer, client = crate::rpc_client::Store)]
pub async fn list_categories() -> Result<Vec<CategoryView>, ServerFnError> {
    ssr::catalog()?.categories().await.map_err(crate::rpc::to_server_error)
}

#[cfg(feature = "ssr")]
pub mod ssr {
    //! The port through which server functions reach the catalog service.

    use super::*;
    use crate::api::ErrorDetail;
    use std::sync::Arc;

    /// Read access to the catalog, implemented by the catalog service.
    #[async_trait::async_trait]
    pub trait CatalogReader: Send + Sync {
        async fn products(&self, params: ProductQueryParams) -> Result<ProductPage, ErrorDetail>;
        async fn product(&self, sku: String) -> Result<Option<ProductView>, ErrorDetail>;
        async fn categories(&self) -> Result<Vec<CategoryView>, ErrorDetail>;
    }

    /// The catalog as provided in the reactive context.
    pub type SharedCatalog = Arc<dyn CatalogReader>;

    pub(super) fn catalog() -> Result<SharedCatalog, ServerFnError> {
        use_context::<SharedCatalog>().ok_or_else(|| ServerFnError::new("the catalog is not available"))
    }
}
