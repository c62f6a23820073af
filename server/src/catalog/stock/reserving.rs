//! Reserving stock for the orders placed: in batches of the orders that
//! waited while a reservation was being written, each order decided in the
//! order it came (all its lines, or rejected for the first short one).

use super::{Reservation, SOURCE, State, StockKeeper, reservation_key, stock_turn};
use crate::catalog::domain::{Product, Sku};
use crate::contracts::{OrderPlaced, StockLine, StockReservationRejected, StockReserved};
use crate::platform::events::Envelope;
use crate::platform::outbox;
use crate::platform::store::optimistic::{self, Attempt};
use crate::platform::store::{Abandoned, Condition, Item, WriteOp, together_or_alone};
use std::collections::{BTreeMap, BTreeSet};

/// An order placed, with what it wants of each product (one line per SKU).
pub(super) struct Placement {
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
pub(super) const BATCH_ORDERS: usize = 24;

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

impl StockKeeper {
    pub(super) async fn on_placed(&self, placed: OrderPlaced, event: &Envelope) -> anyhow::Result<()> {
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
