//! The cart service: the cart micro-app's BFF. Owns the `carts` table (one
//! item per cart) and prices carts from the catalog's public read API.
//!
//! | item | pk            | sk     |
//! |------|---------------|--------|
//! | cart | `CART#<uuid>` | `CART` |
//!
//! A guest's cart is named by a signed, HttpOnly cookie. Edits are
//! idempotent (a PUT sets a quantity, it does not add to it) and
//! optimistically locked, so two tabs editing at once never lose a line.

mod routes;

pub use routes::router;

use crate::platform::http::{ApiError, ServiceError};
use crate::platform::signing::Signer;
use crate::platform::store::{Condition, Item, Key, Store, StoreError, Table, TableSpec};
use app::api::ErrorDetail;
use app::cart::{CartLineView, CartView, MAX_LINE_QUANTITY, MAX_LINES, ssr::CartApi};
use app::catalog::{Price, ssr::SharedCatalog};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use time::OffsetDateTime;
use uuid::Uuid;

pub const COOKIE: &str = "tbs_cart";
const COOKIE_MAX_AGE_SECS: u32 = 60 * 60 * 24 * 30;
/// Attempts at an edit when another edit of the same cart got there first.
const EDIT_ATTEMPTS: usize = 5;

pub fn table_spec() -> TableSpec {
    TableSpec::new("carts")
}

/// A cart's identity, as named by its cookie.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CartId(Uuid);

impl CartId {
    fn key(self) -> Key {
        Key::new(format!("CART#{}", self.0), "CART")
    }
}

impl std::fmt::Display for CartId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct CartRecord {
    lines: Vec<StoredLine>,
    #[serde(with = "time::serde::rfc3339")]
    updated_at: OffsetDateTime,
}

impl Default for CartRecord {
    fn default() -> Self {
        Self { lines: Vec::new(), updated_at: OffsetDateTime::UNIX_EPOCH }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct StoredLine {
    sku: String,
    quantity: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum CartError {
    #[error("{0}")]
    Invalid(ErrorDetail),
    #[error("no product has SKU {0}")]
    UnknownProduct(String),
    #[error("{0}")]
    Unavailable(String),
    #[error("the cart is busy; try again")]
    Busy,
    #[error("the catalog failed: {0}")]
    Catalog(ErrorDetail),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ServiceError for CartError {
    fn api_error(&self) -> ApiError {
        match self {
            Self::Invalid(detail) => ApiError { status: StatusCode::BAD_REQUEST, detail: detail.clone() },
            Self::UnknownProduct(sku) => {
                ApiError::new(StatusCode::NOT_FOUND, "product_not_found", format!("No product has SKU {sku}"))
            }
            Self::Unavailable(message) => ApiError::new(StatusCode::CONFLICT, "insufficient_stock", message.clone()),
            Self::Busy => ApiError::new(StatusCode::CONFLICT, "cart_busy", self.to_string()),
            Self::Catalog(e) => ApiError::internal("cart could not read the catalog", e),
            Self::Store(e) => ApiError::internal("cart store failed", e),
        }
    }
}

crate::respond_with_api_error!(CartError);

/// Parses a requested quantity.
pub fn check_quantity(quantity: u32) -> Result<u32, CartError> {
    if (1..=MAX_LINE_QUANTITY).contains(&quantity) {
        Ok(quantity)
    } else {
        Err(CartError::Invalid(
            ErrorDetail::new(
                "invalid_quantity",
                format!("quantity must be between 1 and {MAX_LINE_QUANTITY} (use DELETE to remove a product)"),
            )
            .on_field("quantity"),
        ))
    }
}

pub struct Carts {
    table: Arc<dyn Table>,
    catalog: SharedCatalog,
    signer: Signer,
    /// Whether cookies get `Secure` (the store is served over HTTPS).
    secure_cookies: bool,
}

impl Carts {
    pub async fn open(
        store: &dyn Store,
        catalog: SharedCatalog,
        secret: &[u8],
        secure_cookies: bool,
    ) -> Result<Self, StoreError> {
        Ok(Self {
            table: store.open_table(&table_spec()).await?,
            catalog,
            signer: Signer::new(secret, "cart"),
            secure_cookies,
        })
    }

    /// The cart a `Cookie` header names, if it carries a valid cart cookie.
    pub fn cart_in(&self, cookie_header: Option<&str>) -> Option<CartId> {
        let header = cookie_header?;
        header.split(';').filter_map(|pair| pair.trim().split_once('=')).find_map(|(name, value)| {
            (name == COOKIE).then(|| self.signer.verify(value).and_then(|v| Uuid::parse_str(v).ok()).map(CartId))?
        })
    }

    /// The cart the cookie names, or a new one with the `Set-Cookie` value naming it.
    pub fn cart_or_new(&self, cookie_header: Option<&str>) -> (CartId, Option<String>) {
        match self.cart_in(cookie_header) {
            Some(id) => (id, None),
            None => {
                let id = CartId(Uuid::new_v4());
                let secure = if self.secure_cookies { "; Secure" } else { "" };
                let cookie = format!(
                    "{COOKIE}={}; Path=/; Max-Age={COOKIE_MAX_AGE_SECS}; HttpOnly; SameSite=Lax{secure}",
                    self.signer.sign(&id.to_string())
                );
                (id, Some(cookie))
            }
        }
    }

    /// The cart priced now; empty when there is no cart.
    pub async fn view(&self, id: Option<CartId>) -> Result<CartView, CartError> {
        let record = match id {
            Some(id) => self.load(id).await?.map(|(record, _)| record).unwrap_or_default(),
            None => CartRecord::default(),
        };
        self.price(&record).await
    }

    /// Sets the quantity of `sku` (idempotent).
    pub async fn set_quantity(&self, id: CartId, sku: &str, quantity: u32) -> Result<CartView, CartError> {
        check_quantity(quantity)?;
        self.edit(id, sku, |_| quantity).await
    }

    /// Adds `quantity` units of `sku` to those already in the cart.
    pub async fn add(&self, id: CartId, sku: &str, quantity: u32) -> Result<CartView, CartError> {
        check_quantity(quantity)?;
        self.edit(id, sku, |current| current + quantity).await
    }

    async fn edit(&self, id: CartId, sku: &str, quantity: impl Fn(u32) -> u32) -> Result<CartView, CartError> {
        let product = self
            .catalog
            .product(sku.to_string())
            .await
            .map_err(CartError::Catalog)?
            .ok_or_else(|| CartError::UnknownProduct(sku.to_uppercase()))?;
        for _ in 0..EDIT_ATTEMPTS {
            let (mut record, version) = self.load(id).await?.unwrap_or_default();
            let current = record.lines.iter().find(|l| l.sku == product.sku).map_or(0, |l| l.quantity);
            let wanted = quantity(current);
            check_quantity(wanted)?;
            if wanted > product.stock {
                return Err(CartError::Unavailable(match product.stock {
                    0 => format!("{} is out of stock", product.name),
                    n => format!("Only {n} of {} left", product.name),
                }));
            }
            let full = record.lines.len() >= MAX_LINES;
            match record.lines.iter_mut().find(|l| l.sku == product.sku) {
                Some(line) => line.quantity = wanted,
                None if full => {
                    return Err(CartError::Invalid(
                        ErrorDetail::new("cart_full", format!("A cart holds at most {MAX_LINES} products"))
                            .on_field("sku"),
                    ));
                }
                None => record.lines.push(StoredLine { sku: product.sku.clone(), quantity: wanted }),
            }
            if self.save(id, &mut record, version).await? {
                return self.price(&record).await;
            }
        }
        Err(CartError::Busy)
    }

    /// Removes `sku` from the cart (idempotent: removing what is not there is fine).
    pub async fn remove(&self, id: CartId, sku: &str) -> Result<CartView, CartError> {
        let sku = sku.to_uppercase();
        for _ in 0..EDIT_ATTEMPTS {
            let Some((mut record, version)) = self.load(id).await? else {
                return self.price(&CartRecord::default()).await;
            };
            record.lines.retain(|l| l.sku != sku);
            if self.save(id, &mut record, version).await? {
                return self.price(&record).await;
            }
        }
        Err(CartError::Busy)
    }

    /// Empties the cart.
    pub async fn clear(&self, id: CartId) -> Result<(), CartError> {
        self.table.delete(&id.key(), Condition::None).await?;
        Ok(())
    }

    async fn load(&self, id: CartId) -> Result<Option<(CartRecord, u64)>, StoreError> {
        match self.table.get(&id.key()).await? {
            Some(item) => Ok(Some((item.record()?, item.version))),
            None => Ok(None),
        }
    }

    /// Writes the cart if nobody changed it since `version`; false if somebody did.
    async fn save(&self, id: CartId, record: &mut CartRecord, version: u64) -> Result<bool, StoreError> {
        record.updated_at = OffsetDateTime::now_utc();
        match self.table.put(Item::from_record(id.key(), record)?, Condition::Version(version)).await {
            Ok(_) => Ok(true),
            Err(StoreError::ConditionFailed(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn price(&self, record: &CartRecord) -> Result<CartView, CartError> {
        let mut lines = Vec::with_capacity(record.lines.len());
        let mut currency = "USD".to_string();
        for line in &record.lines {
            let product = self.catalog.product(line.sku.clone()).await.map_err(CartError::Catalog)?;
            let Some(p) = product else {
                // Withdrawn from the catalog: shown, but it cannot be bought.
                lines.push(CartLineView {
                    sku: line.sku.clone(),
                    name: line.sku.clone(),
                    image: String::new(),
                    quantity: line.quantity,
                    unit_price: Price { amount_minor: 0, currency: currency.clone() },
                    line_total: Price { amount_minor: 0, currency: currency.clone() },
                    available: 0,
                    problem: Some("No longer sold".into()),
                });
                continue;
            };
            currency = p.price.currency.clone();
            let problem = match p.stock {
                0 => Some("Out of stock".to_string()),
                n if n < line.quantity => Some(format!("Only {n} left")),
                _ => None,
            };
            lines.push(CartLineView {
                sku: p.sku,
                name: p.name,
                image: p.image,
                quantity: line.quantity,
                line_total: Price {
                    amount_minor: p.price.amount_minor * i64::from(line.quantity),
                    currency: p.price.currency.clone(),
                },
                unit_price: p.price,
                available: p.stock,
                problem,
            });
        }
        let item_count = lines.iter().map(|l| l.quantity).sum();
        let subtotal = Price { amount_minor: lines.iter().map(|l| l.line_total.amount_minor).sum(), currency };
        Ok(CartView { lines, item_count, subtotal })
    }
}

#[async_trait::async_trait]
impl CartApi for Carts {
    async fn view(&self, cookie: Option<String>) -> Result<CartView, ErrorDetail> {
        Carts::view(self, self.cart_in(cookie.as_deref())).await.map_err(|e| e.detail())
    }

    async fn set(
        &self,
        cookie: Option<String>,
        sku: String,
        quantity: u32,
    ) -> Result<(CartView, Option<String>), ErrorDetail> {
        let (id, set_cookie) = self.cart_or_new(cookie.as_deref());
        let cart = self.set_quantity(id, &sku, quantity).await.map_err(|e| e.detail())?;
        Ok((cart, set_cookie))
    }

    async fn add(
        &self,
        cookie: Option<String>,
        sku: String,
        quantity: u32,
    ) -> Result<(CartView, Option<String>), ErrorDetail> {
        let (id, set_cookie) = self.cart_or_new(cookie.as_deref());
        let cart = Carts::add(self, id, &sku, quantity).await.map_err(|e| e.detail())?;
        Ok((cart, set_cookie))
    }

    async fn clear(&self, cookie: Option<String>) -> Result<(), ErrorDetail> {
        match self.cart_in(cookie.as_deref()) {
            Some(id) => Carts::clear(self, id).await.map_err(|e| e.detail()),
            None => Ok(()),
        }
    }

    async fn remove(&self, cookie: Option<String>, sku: String) -> Result<CartView, ErrorDetail> {
        match self.cart_in(cookie.as_deref()) {
            Some(id) => Carts::remove(self, id, &sku).await.map_err(|e| e.detail()),
            None => Carts::view(self, None).await.map_err(|e| e.detail()),
        }
    }
}
