//! The catalog's part of the order saga: reserve stock when an order is
//! placed (StockReserved, or StockReservationRejected naming what is short),
//! release it when the order is cancelled (StockReleased).
//!
//! One `RESERVATION/<order id>` item per order records what happened, in the
//! same transaction as the stock change and the outgoing event, so every
//! step happens once however often an event arrives. A cancellation that
//! arrives before its order leaves a `cancelled` reservation, so the late
//! OrderPlaced reserves nothing.
//!
//! Orders placed while a reservation is being written wait and are then
//! decided together, in the order they came: one read of each product and one
//! transaction for the batch (a best-selling product's stock would otherwise
//! take one commit per order, one after another): [`reserving`].

mod reserving;
#[cfg(test)]
mod tests;

use super::domain::Sku;
use super::store::CatalogTable;
use crate::contracts::{OrderCancelled, OrderPlaced, StockLine, StockReleased};
use crate::platform::consumer::{Applied, Consumer, Effects, apply_once_all};
use crate::platform::events::Envelope;
use crate::platform::outbox::{self, Relay};
use crate::platform::store::optimistic::{self, Attempt};
use crate::platform::store::{Combiner, Condition, Item, Key, StoreError, Turns, WriteOp};
use async_trait::async_trait;
use reserving::{BATCH_ORDERS, Placement};
use serde::{Deserialize, Serialize};

pub const CONSUMER: &str = "catalog-stock";
const SOURCE: &str = "catalog";

crate::consumed_events! {
    /// What the catalog's stock keeper reacts to.
    pub enum Incoming { OrderPlaced, OrderCancelled }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum State {
    Reserved,
    Rejected,
    Released,
    /// Cancelled before it was placed (events out of order).
    Cancelled,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Reservation {
    state: State,
    lines: Vec<StockLine>,
}

fn reservation_key(order_id: &str) -> Key {
    Key::new("RESERVATION", order_id)
}

pub struct StockKeeper {
    table: CatalogTable,
    relay: Relay,
    /// Orders of one product, handled concurrently, take turns on its stock.
    turns: Turns,
    /// Orders placed while a reservation is being written wait, and are then reserved together.
    placements: Combiner<Placement, anyhow::Result<()>>,
}

fn stock_turn(sku: &str) -> String {
    format!("stock#{}", sku.to_uppercase())
}

impl StockKeeper {
    pub fn new(table: CatalogTable, relay: Relay) -> Self {
        Self { table, relay, turns: Turns::default(), placements: Combiner::new(BATCH_ORDERS) }
    }

    async fn reservation(&self, order_id: &str) -> Result<Option<(Reservation, u64)>, StoreError> {
        Ok(match self.table.table().get(&reservation_key(order_id)).await? {
            Some(item) => Some((item.record()?, item.version)),
            None => None,
        })
    }

    /// Runs `ops` once for `events`; `Ok(false)` when a stock item changed meanwhile (try again).
    async fn commit(&self, events: &[&Envelope], ops: Vec<WriteOp>) -> anyhow::Result<bool> {
        match apply_once_all(&**self.table.table(), CONSUMER, events, ops).await {
            Ok(Applied::Now) => {
                self.relay.notify();
                Ok(true)
            }
            Ok(Applied::Before) => Ok(true),
            Err(StoreError::TransactionCancelled { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    async fn on_cancelled(&self, cancelled: OrderCancelled, event: &Envelope) -> anyhow::Result<()> {
        let done = optimistic::until_done(|| self.release(event, &cancelled)).await?;
        done.ok_or_else(|| anyhow::anyhow!("stock of order {} kept changing; will retry", cancelled.order_id))
    }

    /// One attempt at giving back what the order held (or noting it was cancelled before it held anything).
    async fn release(&self, event: &Envelope, cancelled: &OrderCancelled) -> anyhow::Result<Attempt<()>> {
        // Held until the commit below: the stock read here is written there.
        let mut held = None;
        let ops = match self.reservation(&cancelled.order_id).await? {
            None => vec![WriteOp::Put {
                item: Item::from_record(
                    reservation_key(&cancelled.order_id),
                    &Reservation { state: State::Cancelled, lines: Vec::new() },
                )?,
                condition: Condition::NotExists,
            }],
            Some((reservation, version)) if reservation.state == State::Reserved => {
                held = Some(self.turns.take(reservation.lines.iter().map(|l| stock_turn(&l.sku))).await);
                let mut ops = Vec::new();
                for line in &reservation.lines {
                    let sku = Sku::parse(&line.sku).map_err(|e| anyhow::anyhow!("{}", e.message))?;
                    if let Some((mut product, product_version)) = self.table.product_versioned(&sku).await? {
                        product.stock += line.quantity;
                        ops.push(self.table.put_product(&product, product_version)?);
                    }
                }
                let released = Reservation { state: State::Released, lines: reservation.lines.clone() };
                ops.push(WriteOp::Put {
                    item: Item::from_record(reservation_key(&cancelled.order_id), &released)?,
                    condition: Condition::Version(version),
                });
                let event_out = StockReleased { order_id: cancelled.order_id.clone(), lines: reservation.lines };
                ops.push(outbox::stage(&Envelope::new(SOURCE, &event_out, "", event.trace().as_ref()))?);
                ops
            }
            Some(_) => return Ok(Attempt::Done(())), // rejected or released already: nothing held
        };
        let committed = self.commit(&[event], ops).await?;
        drop(held);
        if committed {
            tracing::info!(order = %cancelled.order_id, "stock released for cancelled order");
        }
        Ok(if committed { Attempt::Done(()) } else { Attempt::Raced })
    }
}

#[async_trait]
impl Consumer for StockKeeper {
    const NAME: &'static str = CONSUMER;
    /// Reservations and releases of stock.
    const EFFECTS: Effects = Effects::InStore;
    type Event = Incoming;

    async fn on(&self, event: Incoming, envelope: &Envelope) -> anyhow::Result<()> {
        match event {
            Incoming::OrderPlaced(placed) => self.on_placed(placed, envelope).await,
            Incoming::OrderCancelled(cancelled) => self.on_cancelled(cancelled, envelope).await,
        }
    }
}
