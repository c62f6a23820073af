//! The inventory pages' port: their server functions reach the catalog
//! through it (the functions have checked the caller is an administrator).

use super::Adjusted;
use crate::catalog::Catalog;
use crate::platform::http::ServiceError;
use app::api::ErrorDetail;
use app::inventory::ssr::InventoryApi;
use app::inventory::{LowStock, StockAdjustment, StockAdjustmentInput, StockHistory};

#[async_trait::async_trait]
impl InventoryApi for Catalog {
    async fn low_stock(&self, below: u32) -> Result<LowStock, ErrorDetail> {
        Catalog::low_stock(self, below).await.map_err(|e| e.detail())
    }

    async fn history(&self, sku: String) -> Result<StockHistory, ErrorDetail> {
        self.stock_history(&sku).await.map_err(|e| e.detail())
    }

    fn new_id(&self) -> String {
        uuid::Uuid::now_v7().to_string()
    }

    async fn adjust(
        &self,
        sku: String,
        id: String,
        input: StockAdjustmentInput,
        by: String,
    ) -> Result<StockAdjustment, ErrorDetail> {
        match self.adjust_stock(&sku, &id, input, &by).await.map_err(|e| e.detail())? {
            Adjusted::Now(done) | Adjusted::Before(done) => Ok(done),
        }
    }
}
