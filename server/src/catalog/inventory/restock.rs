//! Returned goods fit to sell go back into stock: on ReturnReceived, each
//! resellable line is a stock adjustment (reason `returned`) whose id is
//! made from the return and the SKU, so a redelivered event finds its
//! adjustment made and changes nothing.

use super::Adjusted;
use crate::catalog::Catalog;
use crate::contracts::ReturnReceived;
use crate::platform::consumer::{Consumer, Effects};
use crate::platform::events::Envelope;
use app::inventory::{StockAdjustmentInput, StockReason};
use app::returns::ItemCondition;
use async_trait::async_trait;
use std::sync::Arc;

pub const CONSUMER: &str = "catalog-restock";
/// Who the stock history says made these adjustments.
const BY: &str = "returns";

crate::consumed_events! {
    /// What puts returned goods back into stock.
    pub enum Incoming { ReturnReceived }
}

pub struct Restocker(pub Arc<Catalog>);

#[async_trait]
impl Consumer for Restocker {
    const NAME: &'static str = CONSUMER;
    /// Stock adjustments with ids made from the return.
    const EFFECTS: Effects = Effects::InStore;
    type Event = Incoming;

    async fn on(&self, event: Incoming, _: &Envelope) -> anyhow::Result<()> {
        let Incoming::ReturnReceived(received) = event;
        for line in received.lines.iter().filter(|l| l.condition == ItemCondition::Resellable && l.quantity > 0) {
            let id = format!("return-{}-{}", received.return_id, line.sku);
            let input = StockAdjustmentInput {
                reason: StockReason::Returned,
                change: Some(i64::from(line.quantity)),
                set: None,
                note: format!("return of order {}", received.order_id),
            };
            match self.0.adjust_stock(&line.sku, &id, input, BY).await {
                Ok(Adjusted::Now(_) | Adjusted::Before(_)) => {}
                Err(e) => anyhow::bail!("restocking {} from return {}: {e}", line.sku, received.return_id),
            }
        }
        Ok(())
    }
}
