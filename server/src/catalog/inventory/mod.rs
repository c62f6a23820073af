//! Inventory: administrators set or adjust a product's stock with a reason.
//! Each adjustment is one transaction: the product's stock on the version
//! read (so it races safely with reservations, which write the same item:
//! the loser reads again), an entry in the product's stock history, and a
//! marker under the adjustment's id, which the client chose, so a retried
//! request is answered with what it did the first time.
//!
//! | item       | pk             | sk                                  |
//! |------------|----------------|-------------------------------------|
//! | history    | `STOCK#<sku>`  | `<unix micros, 20 digits>#<id>`     |
//! | marker     | `ADJUSTMENT`   | id                                  |

mod pages;
pub mod restock;
pub mod routes;
mod rules;

use super::domain::Sku;
use super::{Catalog, CatalogError};
use crate::platform::store::optimistic::{self, Attempt};
use crate::platform::store::{Condition, Item, Key, Query, StoreError, WriteOp};
use app::inventory::{LowStock, StockAdjustment, StockAdjustmentInput, StockHistory, StockLevel};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The most history entries one answer lists.
const HISTORY_LIMIT: usize = 100;

fn marker_key(id: &str) -> Key {
    Key::new("ADJUSTMENT", id)
}

fn history_partition(sku: &Sku) -> String {
    format!("STOCK#{}", sku.as_str())
}

/// What an adjustment's id stands for: the request, and what it did.
#[derive(Serialize, Deserialize)]
struct Marker {
    input: StockAdjustmentInput,
    adjustment: StockAdjustment,
}

/// How an adjustment request came out.
pub enum Adjusted {
    /// Applied now.
    Now(StockAdjustment),
    /// The same request was applied before (a retry).
    Before(StockAdjustment),
}

impl Catalog {
    /// Applies `input` to `sku`'s stock as adjustment `id`, by administrator `by`.
    pub async fn adjust_stock(
        &self,
        sku: &str,
        id: &str,
        input: StockAdjustmentInput,
        by: &str,
    ) -> Result<Adjusted, CatalogError> {
        let sku = Sku::parse(sku)?;
        rules::check(id, &input)?;
        let done = optimistic::until_done(|| self.try_adjust(&sku, id, &input, by)).await?;
        done.ok_or_else(|| CatalogError::Busy(format!("the stock of {} keeps changing; try again", sku.as_str())))
    }

    async fn try_adjust(
        &self,
        sku: &Sku,
        id: &str,
        input: &StockAdjustmentInput,
        by: &str,
    ) -> Result<Attempt<Adjusted>, CatalogError> {
        if let Some(done) = self.adjusted_before(id, input).await? {
            return Ok(Attempt::Done(Adjusted::Before(done)));
        }
        let Some((mut product, version)) = self.table.product_versioned(sku).await? else {
            return Err(CatalogError::ProductNotFound(sku.as_str().into()));
        };
        let stock_after = rules::stock_after(product.stock, input)?;
        let at = OffsetDateTime::now_utc();
        let adjustment = StockAdjustment {
            id: id.into(),
            sku: sku.as_str().into(),
            reason: input.reason,
            change: i64::from(stock_after) - i64::from(product.stock),
            stock_after,
            note: input.note.trim().into(),
            at: at.format(&Rfc3339).unwrap_or_default(),
            by: by.into(),
        };
        product.stock = stock_after;
        let history = Key::new(history_partition(sku), format!("{:020}#{id}", at.unix_timestamp_nanos() / 1000));
        let marker = Marker { input: input.clone(), adjustment: adjustment.clone() };
        let ops = vec![
            WriteOp::Put { item: Item::from_record(marker_key(id), &marker)?, condition: Condition::NotExists },
            self.table.put_product(&product, version)?,
            WriteOp::Put { item: Item::from_record(history, &adjustment)?, condition: Condition::NotExists },
        ];
        match self.table.table().transact_write(ops).await {
            Ok(()) => Ok(Attempt::Done(Adjusted::Now(adjustment))),
            // The id was taken meanwhile, or a reservation changed the stock: look again.
            Err(StoreError::TransactionCancelled { .. }) => Ok(Attempt::Raced),
            Err(e) => Err(e.into()),
        }
    }

    /// What adjustment `id` did, if it was applied: the same request's
    /// result, or a conflict when the id was used for another request.
    async fn adjusted_before(
        &self,
        id: &str,
        input: &StockAdjustmentInput,
    ) -> Result<Option<StockAdjustment>, CatalogError> {
        let Some(item) = self.table.table().get(&marker_key(id)).await? else { return Ok(None) };
        let marker: Marker = item.record()?;
        if &marker.input == input {
            Ok(Some(marker.adjustment))
        } else {
            Err(CatalogError::Conflict("adjustment_id_in_use", format!("adjustment {id} was made with other values")))
        }
    }

    /// The product's stock and its latest adjustments, newest first.
    pub async fn stock_history(&self, sku: &str) -> Result<StockHistory, CatalogError> {
        let sku = Sku::parse(sku)?;
        let product =
            self.table.product(&sku).await?.ok_or_else(|| CatalogError::ProductNotFound(sku.as_str().into()))?;
        let page =
            self.table.table().query(Query::partition(history_partition(&sku)).reverse().limit(HISTORY_LIMIT)).await?;
        let adjustments = page.items.iter().map(Item::record).collect::<Result<_, _>>()?;
        Ok(StockHistory { sku: sku.as_str().into(), name: product.name, stock: product.stock, adjustments })
    }

    /// Every product still sold with fewer than `below` in stock, fewest first.
    pub async fn low_stock(&self, below: u32) -> Result<LowStock, CatalogError> {
        let mut low = Vec::new();
        let mut after = None;
        loop {
            let batch = self.table.products_after(None, after.as_ref(), super::SCAN_BATCH).await?;
            after = batch.products.last().map(|p| p.sku.clone());
            low.extend(batch.products.into_iter().filter(|p| p.stock < below && !p.archived).map(|p| StockLevel {
                sku: p.sku.as_str().into(),
                name: p.name,
                stock: p.stock,
            }));
            if !batch.more {
                break;
            }
        }
        low.sort_by(|a, b| a.stock.cmp(&b.stock).then_with(|| a.sku.cmp(&b.sku)));
        Ok(LowStock { below, products: low })
    }
}
