//! Products as administrators keep them: created, edited (name,
//! description, price, category, fulfilment, picture) and archived (no
//! longer sold, kept for the orders that bought it).

use crate::catalog::{Fulfilment, ProductView};
use serde::{Deserialize, Serialize};

/// `PUT /api/catalog/admin/products/{sku}`: a product as administrators write it.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductInput {
    /// 1–120 characters.
    #[cfg_attr(feature = "ssr", schema(max_length = 120, pattern = r"\S"))]
    pub name: String,
    /// Up to 2,000 characters.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(max_length = 2000))]
    pub description: String,
    /// In minor units of the store's currency: 1 to 100,000,000.
    #[cfg_attr(feature = "ssr", schema(minimum = 1, maximum = 100_000_000))]
    pub price_minor: i64,
    /// A category's slug: one of the store's categories.
    #[cfg_attr(feature = "ssr", schema(pattern = r"^[a-z0-9-]{1,40}$"))]
    pub category: String,
    #[serde(default)]
    pub fulfilment: Fulfilment,
    /// The picture's site path (`/images/…`); empty for the store's plain picture.
    #[serde(default)]
    pub image: String,
    /// No longer sold: hidden from the shop, refused in carts and orders.
    #[serde(default)]
    pub archived: bool,
    /// The version the change was made from (omit to create): a product
    /// changed meanwhile is not overwritten (409 `version_conflict`).
    #[serde(default)]
    pub expected_version: Option<u64>,
}

/// A product as administrators see it: archived ones too, with the
/// version a change must name.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminProduct {
    #[serde(flatten)]
    pub product: ProductView,
    pub archived: bool,
    pub version: u64,
}

/// `GET /api/catalog/admin/products`: a page of products, archived ones too, in SKU order.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminProducts {
    pub items: Vec<AdminProduct>,
    /// Pass back as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

/// A product's edit form: the product (`None`: a new one) and the categories to choose from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductForm {
    pub product: Option<AdminProduct>,
    pub categories: Vec<crate::catalog::CategoryView>,
}

/// The picture a product shows when it has none of its own.
pub const PLAIN_PICTURE: &str = "/images/product.svg";

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

/// A page of products matching the shop's listing parameters, archived ones too (administrators).
#[server(prefix = "/rpc", endpoint = "products/list", input = GetUrl, output = crate::json::Answer, client = crate::rpc_client::Store)]
pub async fn load_admin_products(
    #[server(flatten)] params: crate::catalog::ProductQueryParams,
) -> Result<AdminProducts, ServerFnError> {
    crate::account::ssr::require(crate::account::Role::Admin).await?;
    ssr::products()?.list(params).await.map_err(crate::rpc::to_server_error)
}

/// A product's edit form; a new product's without `sku` (administrators).
#[server(prefix = "/rpc", endpoint = "products/form", input = GetUrl, output = crate::json::Answer, client = crate::rpc_client::Store)]
pub async fn load_product_form(sku: Option<String>) -> Result<ProductForm, ServerFnError> {
    crate::account::ssr::require(crate::account::Role::Admin).await?;
    ssr::products()?.form(sku).await.map_err(crate::rpc::to_server_error)
}

/// A product's form as it is sent: `price` in the currency's major units
/// as typed (`12.50`); `expected_version` empty when creating; `archived`
/// present when ticked.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProductFields {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub price: String,
    pub category: String,
    #[serde(default)]
    pub fulfilment: Fulfilment,
    #[serde(default)]
    pub image: String,
    #[serde(default)]
    pub archived: Option<String>,
    #[serde(default)]
    pub expected_version: Option<String>,
}

/// Creates or changes product `sku` from its form (administrators). Posted
/// without JavaScript, it goes on to the product's page, which says so.
#[server(prefix = "/rpc", endpoint = "products/save", output = crate::json::Answer, client = crate::rpc_client::Store)]
pub async fn save_product(
    sku: String,
    #[server(flatten)] fields: ProductFields,
) -> Result<AdminProduct, ServerFnError> {
    crate::account::ssr::require(crate::account::Role::Admin).await?;
    let refuse = |field: &str, message: String| {
        let detail = crate::api::ErrorDetail::new(format!("invalid_{field}"), field_message(field, &message));
        crate::rpc::to_server_error(detail.on_field(field))
    };
    let ProductFields { name, description, price, category, fulfilment, image, archived, expected_version } = fields;
    let price_minor = parse_price(&price).map_err(|m| refuse("price_minor", m))?;
    let expected_version = match expected_version.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(v) => Some(v.parse().map_err(|_| refuse("expected_version", "not a version".into()))?),
    };
    let archived = archived.is_some_and(|a| a == "true" || a == "on");
    let input =
        ProductInput { name, description, price_minor, category, fulfilment, image, archived, expected_version };
    let saved = ssr::products()?.save(sku, input).await.map_err(|mut e| {
        if let Some(field) = &e.field {
            e.message = field_message(field, &e.message);
        }
        crate::rpc::to_server_error(e)
    })?;
    let page = format!("/admin/products/{}", crate::url::encode_component(&saved.product.sku));
    crate::rpc::posted_form_goes_on(None, &crate::url::with_query(&page, &[("done", Some(SAVED))]))?;
    Ok(saved)
}

/// What a product's page says it was (`?done=saved`) when a form posted
/// without JavaScript has just saved it.
pub const SAVED: &str = "saved";

/// The form's fields: the API's field name and the label it shows.
pub const FIELDS: [(&str, &str); 6] = [
    ("sku", "SKU"),
    ("name", "Name"),
    ("description", "Description"),
    ("price_minor", "Price"),
    ("category", "Category"),
    ("image", "Picture"),
];

/// A refusal of `field` as the form shows it: `"Price: enter a price like 12.50"`.
pub fn field_message(field: &str, message: &str) -> String {
    match FIELDS.iter().find(|(name, _)| *name == field) {
        Some((_, label)) => format!("{label}: {message}"),
        None => message.to_string(),
    }
}

/// What `message` says about the field labelled `label`, if it is about it.
pub fn about_field<'m>(message: &'m str, label: &str) -> Option<&'m str> {
    message.strip_prefix(label)?.strip_prefix(": ")
}

/// A price typed in major units (`12`, `12.5`, `12.50`) in minor units.
pub fn parse_price(typed: &str) -> Result<i64, String> {
    let typed = typed.trim().trim_start_matches('$');
    let (whole, cents) = typed.split_once('.').unwrap_or((typed, ""));
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    if !digits(whole) || cents.len() > 2 || (!cents.is_empty() && !digits(cents)) || whole.len() > 9 {
        return Err("enter a price like 12.50".into());
    }
    let cents = format!("{cents:0<2}");
    Ok(whole.parse::<i64>().unwrap_or(0) * 100 + cents.parse::<i64>().unwrap_or(0))
}

/// The price as the form shows it: `1250` → `"12.50"`.
pub fn typed_price(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

#[cfg(feature = "ssr")]
pub mod ssr {
    //! The port through which the products pages' server functions reach the catalog.

    use super::*;
    use crate::api::ErrorDetail;
    use std::sync::Arc;

    #[async_trait::async_trait]
    pub trait ProductsApi: Send + Sync {
        async fn list(&self, params: crate::catalog::ProductQueryParams) -> Result<AdminProducts, ErrorDetail>;
        async fn form(&self, sku: Option<String>) -> Result<ProductForm, ErrorDetail>;
        async fn save(&self, sku: String, input: ProductInput) -> Result<AdminProduct, ErrorDetail>;
    }

    pub type SharedProducts = Arc<dyn ProductsApi>;

    pub(super) fn products() -> Result<SharedProducts, ServerFnError> {
        use_context::<SharedProducts>().ok_or_else(|| ServerFnError::new("products are not available"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_are_typed_in_major_units() {
        assert_eq!(parse_price("12.50"), Ok(1250));
        assert_eq!(parse_price("12.5"), Ok(1250));
        assert_eq!(parse_price(" $7 "), Ok(700));
        assert_eq!(parse_price("0.05"), Ok(5));
        for bad in ["", "12.505", "-3", "1e3", "12,50", "abc"] {
            assert!(parse_price(bad).is_err(), "{bad:?}");
        }
        assert_eq!(typed_price(1250), "12.50");
        assert_eq!(typed_price(5), "0.05");
    }
}
