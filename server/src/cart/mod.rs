//! The cart service: the cart micro-app's BFF. Owns the `carts` table (one
//! item per cart) and prices carts from the catalog's public read API.
//!
//! | item | pk            | sk     |
//! |------|---------------|--------|
//! | cart | `CART#<uuid>` | `CART` |
//!
//! A guest's cart is named by a signed, HttpOnly cookie; a signed-in
//! shopper's by their account (the guest cart merges into it). Edits are
//! optimistically locked, so two tabs editing at once never lose a line, and
//! may carry a change id (the `Idempotency-Key` a device's outbox gives each
//! queued edit): the cart remembers the ids it applied, in the same write, so
//! a change replayed after a lost answer is answered again, never applied twice.

mod changes;
mod owner;
mod pricing;
mod record;
mod routes;
mod service;

pub use changes::ChangeId;

pub use record::{CartId, table_spec};
use record::{CartRecord, StoredLine, cart_item};
pub use service::SERVICE;

use crate::platform::http::{ApiError, ServiceError};
use crate::platform::signing::Signer;
use crate::platform::store::optimistic::{self, Attempt};
use crate::platform::store::{Condition, Store, StoreError, Table};
use app::api::ErrorDetail;
use app::cart::{CartOwner, CartView, MAX_LINE_QUANTITY, MAX_LINES, ssr::CartApi};
use app::catalog::{ProductView, ssr::SharedCatalog};
use axum::http::StatusCode;
use std::sync::Arc;
use time::OffsetDateTime;

pub const COOKIE: &str = "tbs_cart";

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
            Self::Invalid(detail) => ApiError::with_detail(StatusCode::BAD_REQUEST, detail.clone()),
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

    /// The cart priced now; empty when there is no cart.
    pub async fn view(&self, id: Option<CartId>) -> Result<CartView, CartError> {
        let record = match id {
            Some(id) => self.load(id).await?.map(|(record, _)| record).unwrap_or_default(),
            None => CartRecord::default(),
        };
        self.price(&record).await
    }

    /// Sets the quantity of `sku` (idempotent).
    pub async fn set_quantity(
        &self,
        id: CartId,
        sku: &str,
        quantity: u32,
        change: Option<&ChangeId>,
    ) -> Result<CartView, CartError> {
        check_quantity(quantity)?;
        self.edit(id, sku, change, |_| quantity).await
    }

    /// Adds `quantity` units of `sku` to those already in the cart (once per change id).
    pub async fn add(
        &self,
        id: CartId,
        sku: &str,
        quantity: u32,
        change: Option<&ChangeId>,
    ) -> Result<CartView, CartError> {
        check_quantity(quantity)?;
        self.edit(id, sku, change, |current| current + quantity).await
    }

    async fn edit(
        &self,
        id: CartId,
        sku: &str,
        change: Option<&ChangeId>,
        quantity: impl Fn(u32) -> u32,
    ) -> Result<CartView, CartError> {
        let product = self
            .catalog
            .product(sku.to_string())
            .await
            .map_err(CartError::Catalog)?
            .ok_or_else(|| CartError::UnknownProduct(sku.to_uppercase()))?;
        let saved = optimistic::until_done(|| async {
            let (mut record, version) = self.load(id).await?.unwrap_or_default();
            if record.changes.applied(change) {
                return Ok(Attempt::Done(record));
            }
            let current = record.lines.iter().find(|l| l.sku == product.sku).map_or(0, |l| l.quantity);
            set_line(&mut record, &product, quantity(current))?;
            record.changes.remember(change);
            Ok::<_, CartError>(self.save(id, record, version).await?)
        })
        .await?;
        self.price_knowing(&saved.ok_or(CartError::Busy)?, Some(&product)).await
    }

    /// Removes `sku` from the cart (idempotent: removing what is not there is fine).
    pub async fn remove(&self, id: CartId, sku: &str, change: Option<&ChangeId>) -> Result<CartView, CartError> {
        let sku = sku.to_uppercase();
        let saved = optimistic::until_done(|| async {
            let Some((mut record, version)) = self.load(id).await? else {
                return Ok(Attempt::Done(CartRecord::default()));
            };
            if record.changes.applied(change) {
                return Ok(Attempt::Done(record));
            }
            record.lines.retain(|l| l.sku != sku);
            record.changes.remember(change);
            self.save(id, record, version).await
        })
        .await?;
        self.price(&saved.ok_or(CartError::Busy)?).await
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

    /// Writes the cart if nobody changed it since `version`.
    async fn save(&self, id: CartId, mut record: CartRecord, version: u64) -> Result<Attempt<CartRecord>, StoreError> {
        record.updated_at = OffsetDateTime::now_utc();
        let written = optimistic::written(self.table.put(cart_item(id, &record)?, Condition::Version(version)).await)?;
        Ok(written.map(|_| record))
    }
}

#[async_trait::async_trait]
impl CartApi for Carts {
    fn guest_cart(&self, cookie: Option<&str>) -> Option<String> {
        self.cart_in(cookie).map(|id| id.0.to_string())
    }

    async fn view(&self, owner: CartOwner) -> Result<(CartView, Vec<String>), ErrorDetail> {
        let (id, cookies) = self.resolve(&owner, false).await.map_err(|e| e.detail())?;
        Ok((Carts::view(self, id).await.map_err(|e| e.detail())?, cookies))
    }

    async fn add(&self, owner: CartOwner, sku: String, quantity: u32) -> Result<(CartView, Vec<String>), ErrorDetail> {
        let (id, cookies) = self.resolve(&owner, true).await.map_err(|e| e.detail())?;
        let id = id.expect("resolve creates a cart when asked");
        Ok((Carts::add(self, id, &sku, quantity, None).await.map_err(|e| e.detail())?, cookies))
    }

    async fn clear(&self, owner: CartOwner) -> Result<(), ErrorDetail> {
        match self.resolve(&owner, false).await.map_err(|e| e.detail())? {
            (Some(id), _) => Carts::clear(self, id).await.map_err(|e| e.detail()),
            (None, _) => Ok(()),
        }
    }
}

/// Sets the line for `product` to `wanted` units, within stock and the cart's limits.
fn set_line(record: &mut CartRecord, product: &ProductView, wanted: u32) -> Result<(), CartError> {
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
                ErrorDetail::new("cart_full", format!("A cart holds at most {MAX_LINES} products")).on_field("sku"),
            ));
        }
        None => record.lines.push(StoredLine { sku: product.sku.clone(), quantity: wanted }),
    }
    Ok(())
}
