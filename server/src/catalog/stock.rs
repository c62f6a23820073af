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
//! take one commit per order, one after another).

use super::domain::{Product, Sku};
use super::store::CatalogTable;
use crate::contracts::{
    OrderCancelled, OrderPlaced, StockLine, StockReleased, StockReservationRejected, StockReserved,
};
use crate::platform::consumer::{Applied, Consumer, apply_once_all};
use crate::platform::events::Envelope;
use crate::platform::outbox::{self, Relay};
use crate::platform::store::optimistic::{self, Attempt};
use crate::platform::store::{
    Abandoned, Combiner, Condition, Item, Key, StoreError, Turns, WriteOp, together_or_alone,
};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

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

/// An order placed, with what it wants of each product (one line per SKU).
struct Placement {
    placed: OrderPlaced,
    lines: Vec<StockLine>,
    event: Envelope,
}

impl Placement {
    fn new(placed: OrderPlaced, event: &Envelope) -> Self {
        let mut wanted: BTreeMap<String, u32> = BTreeMap::new();
        for line in &placed.lines {
            *wanted.entry(line.sku.clone()).or_default() += line.quantity;
        }
        let lines = wanted.into_iter().map(|(sku, quantity)| StockLine { sku, quantity }).collect();
        Self { placed, lines, event: event.clone() }
    }
}

/// Orders reserved in one transaction at most: three writes each (the
/// reservation, its event, the processed marker) beside the products'.
const BATCH_ORDERS: usize = 24;

/// The products a batch of orders wants, as read (with their versions), and
/// which of them the batch changed.
#[derive(Default)]
struct Shelf {
    products: BTreeMap<String, Option<(Product, u64)>>,
    changed: BTreeSet<String>,
}

impl Shelf {
    fn available(&self, sku: &str) -> u32 {
        self.products.get(sku).and_then(Option::as_ref).map_or(0, |(product, _)| product.stock)
    }

    /// Takes every line from stock, or nothing: `Err` names the first short line and what is left of it.
    fn take(&mut self, lines: &[StockLine]) -> Result<(), (StockLine, u32)> {
        if let Some(short) = lines.iter().find(|l| self.available(&l.sku) < l.quantity) {
            return Err((short.clone(), self.available(&short.sku)));
        }
        for line in lines {
            if let Some(Some((product, _))) = self.products.get_mut(&line.sku) {
                product.stock -= line.quantity;
                self.changed.insert(line.sku.clone());
            }
        }
        Ok(())
    }
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

    async fn on_placed(&self, placed: OrderPlaced, event: &Envelope) -> anyhow::Result<()> {
        let order_id = placed.order_id.clone();
        let placement = Placement::new(placed, event);
        match self.placements.submit(placement, |batch| self.reserve_batch(batch)).await {
            Ok(outcome) => outcome,
            Err(Abandoned) => Err(anyhow::anyhow!("reserving stock for order {order_id} was interrupted; will retry")),
        }
    }

    /// Reserves a batch of orders under the turns of every product they
    /// want: in one transaction, or one by one when that loses a race (or
    /// one of them was handled before).
    async fn reserve_batch(&self, batch: Vec<Placement>) -> Vec<anyhow::Result<()>> {
        let skus: Vec<String> = batch.iter().flat_map(|p| &p.lines).map(|l| stock_turn(&l.sku)).collect();
        let _turns = self.turns.take(skus).await;
        let together = async {
            match self.reserve(&batch.iter().collect::<Vec<_>>()).await {
                Ok(Attempt::Done(())) => Some(batch.iter().map(|_| Ok(())).collect()),
                Ok(Attempt::Raced) => None,
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "orders reserved together failed; one by one");
                    None
                }
            }
        };
        together_or_alone(&batch, together, |placement| self.reserve_alone(placement)).await
    }

    async fn reserve_alone(&self, placement: &Placement) -> anyhow::Result<()> {
        let alone = [placement];
        let done = optimistic::until_done(|| self.reserve(&alone)).await?;
        done.ok_or_else(|| anyhow::anyhow!("stock of order {} kept changing; will retry", placement.placed.order_id))
    }

    /// One attempt at deciding every one of `placements` in one
    /// transaction, in order: each order reserves all its lines, or is
    /// rejected for the first short one.
    async fn reserve(&self, placements: &[&Placement]) -> anyhow::Result<Attempt<()>> {
        let mut open = Vec::with_capacity(placements.len());
        for &placement in placements {
            if self.reservation(&placement.placed.order_id).await?.is_none() {
                open.push(placement); // else reserved, rejected or cancelled already
            }
        }
        if open.is_empty() {
            return Ok(Attempt::Done(()));
        }
        let mut shelf = self.shelf(&open).await?;
        let mut ops = Vec::new();
        let mut decided = Vec::with_capacity(open.len());
        for placement in &open {
            let (state, decision) = decide(placement, &mut shelf)?;
            ops.extend(decision);
            decided.push((&placement.placed.order_id, state));
        }
        for sku in &shelf.changed {
            if let Some(Some((product, version))) = shelf.products.get(sku) {
                ops.push(self.table.put_product(product, *version)?);
            }
        }
        let events: Vec<&Envelope> = open.iter().map(|p| &p.event).collect();
        if !self.commit(&events, ops).await? {
            return Ok(Attempt::Raced);
        }
        for (order, state) in decided {
            tracing::info!(%order, ?state, "stock reservation decided");
        }
        Ok(Attempt::Done(()))
    }

    /// Reads every product that `placements` want, once each.
    async fn shelf(&self, placements: &[&Placement]) -> anyhow::Result<Shelf> {
        let mut shelf = Shelf::default();
        for line in placements.iter().flat_map(|p| &p.lines) {
            if !shelf.products.contains_key(&line.sku) {
                let sku = Sku::parse(&line.sku).map_err(|e| anyhow::anyhow!("order line SKU: {}", e.message))?;
                shelf.products.insert(line.sku.clone(), self.table.product_versioned(&sku).await?);
            }
        }
        Ok(shelf)
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

/// Reserves `placement`'s lines from `shelf`, or rejects it for the first
/// short line: its state and the writes recording it (the reservation and
/// the event announcing it).
fn decide(placement: &Placement, shelf: &mut Shelf) -> anyhow::Result<(State, Vec<WriteOp>)> {
    let order_id = &placement.placed.order_id;
    let trace = placement.event.trace();
    let (state, outgoing) = match shelf.take(&placement.lines) {
        Ok(()) => {
            let reserved = StockReserved { order_id: order_id.clone(), lines: placement.lines.clone() };
            (State::Reserved, Envelope::new(SOURCE, &reserved, "", trace.as_ref()))
        }
        Err((line, available)) => {
            let rejected = StockReservationRejected {
                order_id: order_id.clone(),
                sku: line.sku,
                requested: line.quantity,
                available,
            };
            (State::Rejected, Envelope::new(SOURCE, &rejected, "", trace.as_ref()))
        }
    };
    let record = Reservation { state, lines: placement.lines.clone() };
    let ops = vec![
        WriteOp::Put { item: Item::from_record(reservation_key(order_id), &record)?, condition: Condition::NotExists },
        outbox::stage(&outgoing)?,
    ];
    Ok((state, ops))
}

#[async_trait]
impl Consumer for StockKeeper {
    const NAME: &'static str = CONSUMER;
    type Event = Incoming;

    async fn on(&self, event: Incoming, envelope: &Envelope) -> anyhow::Result<()> {
        match event {
            Incoming::OrderPlaced(placed) => self.on_placed(placed, envelope).await,
            Incoming::OrderCancelled(cancelled) => self.on_cancelled(cancelled, envelope).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contracts::OrderLine;
    use crate::platform::consumer::{Handler, handle_at_once};
    use crate::platform::hub::EmbeddedHub;
    use crate::platform::store::EmbeddedStore;
    use std::sync::Arc;

    const SKU: &str = "KIT-004";

    fn placed(order: &str, quantity: u32) -> Envelope {
        let line = OrderLine {
            sku: SKU.into(),
            name: "Mug".into(),
            quantity,
            unit_price_minor: 1450,
            fulfilment: Default::default(),
        };
        let placed = OrderPlaced {
            order_id: order.into(),
            email: "a@b.c".into(),
            currency: "USD".into(),
            lines: vec![line],
            net_total_minor: 1450 * i64::from(quantity),
            account_id: None,
        };
        Envelope::new("orders", &placed, "", None)
    }

    /// A stock keeper over the demo catalog, with `stock` units of [`SKU`]; the product's version.
    async fn keeper(dir: &std::path::Path, stock: u32) -> (Arc<StockKeeper>, CatalogTable, u64) {
        let store = EmbeddedStore::open(dir).unwrap();
        let table = CatalogTable::open(&store).await.unwrap();
        crate::catalog::seed::seed_demo(&table).await.unwrap();
        let (mut product, version) = table.product_versioned(&Sku::parse(SKU).unwrap()).await.unwrap().unwrap();
        product.stock = stock;
        table.table().transact_write(vec![table.put_product(&product, version).unwrap()]).await.unwrap();
        let hub = Arc::new(EmbeddedHub::open(&store, Vec::new()).await.unwrap());
        let keeper = Arc::new(StockKeeper::new(table.clone(), table.relay(hub)));
        (keeper, table, version + 1)
    }

    async fn state(keeper: &StockKeeper, order: &str) -> State {
        keeper.reservation(order).await.unwrap().expect("decided").0.state
    }

    async fn product(table: &CatalogTable) -> (Product, u64) {
        table.product_versioned(&Sku::parse(SKU).unwrap()).await.unwrap().unwrap()
    }

    #[tokio::test]
    async fn orders_placed_at_once_share_writes_and_are_reserved_in_turn_until_the_stock_runs_out() {
        let dir = tempfile::tempdir().unwrap();
        let (keeper, table, version) = keeper(dir.path(), 5).await;
        handle_at_once(keeper.clone(), (0..12).map(|n| placed(&format!("o{n}"), 1)).collect()).await;
        let mut states = Vec::new();
        for n in 0..12 {
            states.push(state(&keeper, &format!("o{n}")).await);
        }
        assert_eq!(states.iter().filter(|s| **s == State::Reserved).count(), 5, "{states:?}");
        assert_eq!(states.iter().filter(|s| **s == State::Rejected).count(), 7, "{states:?}");
        let (product, now) = product(&table).await;
        assert_eq!(product.stock, 0);
        assert!(now - version < 5, "5 reservations in fewer writes of the product: {}", now - version);
    }

    #[tokio::test]
    async fn an_order_placed_again_beside_others_is_reserved_once() {
        let dir = tempfile::tempdir().unwrap();
        let (keeper, table, _) = keeper(dir.path(), 10).await;
        keeper.handle(&placed("o1", 2)).await.unwrap();
        handle_at_once(keeper.clone(), vec![placed("o1", 2), placed("o2", 1), placed("o1", 2), placed("o3", 3)]).await;
        assert_eq!(product(&table).await.0.stock, 4, "10 - 2 - 1 - 3");
        for order in ["o1", "o2", "o3"] {
            assert_eq!(state(&keeper, order).await, State::Reserved, "{order}");
        }
    }
}
