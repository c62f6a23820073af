//! Placing an order: the checkout's cart as the cart service priced it from
//! the catalog a moment ago (no second read of each product), the order stored with the next order number and OrderPlaced in one
//! transaction, then the cart emptied. A retried request with the same id
//! and the same body gets the stored order back.

use super::error::OrdersError;
use super::record::{OrderRecord, Status, StockState, Totals};
use super::{Orders, SOURCE, parse_order_id};
use crate::contracts::{OrderLine, OrderPlaced};
use crate::platform::events::Envelope;
use crate::platform::outbox;
use crate::platform::store::optimistic::{self, Attempt};
use crate::platform::store::{Abandoned, Condition, StoreError, WriteOp, together_or_alone};
use app::cart::{CartLineView, CartOwner, CartView};
use app::orders::{CheckoutInput, OrderView};
use time::OffsetDateTime;

/// Rounds of taking the next order number before giving up (each lost
/// round means another order was stored meanwhile).
const NUMBER_ROUNDS: u32 = 32;

/// Orders numbered and stored in one transaction at most: two writes each
/// (the order, its event) beside the counter's.
pub(super) const NUMBERING_BATCH: usize = 32;

/// An order ready to be numbered and stored, with its staged OrderPlaced and who placed it.
pub(super) struct Unnumbered {
    record: OrderRecord,
    staged: WriteOp,
    owner: CartOwner,
}

/// The order as stored, or the one a same request stored before.
pub(super) type Stored = Result<OrderRecord, OrderView>;

/// A placed order, and whether this request placed it (or an earlier one with the same id did).
pub struct Placed {
    pub order: OrderView,
    pub created: bool,
}

impl Orders {
    /// Places `owner`'s cart as order `id`, linked to the owner's account if signed in.
    pub async fn place(&self, id: &str, input: CheckoutInput, owner: CartOwner) -> Result<Placed, OrdersError> {
        let id = parse_order_id(id)?;
        let input = input.normalized();
        let request = serde_json::to_string(&input).expect("checkout input serialises");
        if let Some(existing) = self.same_request(&id, &request, &owner).await? {
            return Ok(Placed { order: existing, created: false });
        }
        let problems = input.problems();
        if !problems.is_empty() {
            return Err(OrdersError::InvalidFields(problems));
        }
        let (cart, _) = self
            .carts
            .view(owner.clone())
            .await
            .map_err(|detail| OrdersError::Upstream { context: "orders could not read the cart", detail })?;
        let (lines, currency) = priced(&cart)?;
        let record = self.new_record(id.clone(), input, lines, currency, &owner, request);
        let record = match self.store_numbered(record, &owner).await? {
            Ok(stored) => stored,
            Err(existing) => return Ok(Placed { order: existing, created: false }),
        };
        self.relay.notify();
        tracing::info!(order = %id, gross = record.totals.gross_minor, "order placed");
        // The cart became the order. If emptying it fails the order still stands.
        if let Err(e) = self.carts.clear(owner).await {
            tracing::warn!(order = %id, error = %e.message, "could not empty the cart after placing the order");
        }
        Ok(Placed { order: record.view(), created: true })
    }

    /// The order as placed now, before it has a number.
    fn new_record(
        &self,
        id: String,
        input: CheckoutInput,
        lines: Vec<OrderLine>,
        currency: String,
        owner: &CartOwner,
        request: String,
    ) -> OrderRecord {
        let net = lines.iter().map(|l| l.unit_price_minor * i64::from(l.quantity)).sum();
        let now = OffsetDateTime::now_utc();
        OrderRecord {
            id: id.into(),
            email: input.email,
            shipping_address: input.shipping_address.into(),
            currency,
            lines,
            totals: Totals::from(app::orders::Totals::for_net(net)),
            status: Status::PendingPayment,
            stock: StockState::Pending,
            attempts: 0,
            payment_in_progress: None,
            payment_error: None,
            paid_by: None,
            cancel_reason: None,
            refund_due: false,
            payment_claimed_at: None,
            receipt_sent: false,
            shipping_status: None,
            placed_at: now,
            account_id: owner.account_id.clone(),
            placed_by_cart: self.placer_cart(owner),
            number: 0,
            pay_by: now + self.payment_timeout,
            request,
        }
    }

    /// Stores `record` with the next order number and its OrderPlaced, or
    /// answers with the order a concurrent same request stored. Orders placed
    /// while one is being stored wait, and are then numbered and stored
    /// together (one read of the counter, one transaction).
    async fn store_numbered(&self, record: OrderRecord, owner: &CartOwner) -> Result<Stored, OrdersError> {
        let staged = outbox::stage(&Envelope::new(SOURCE, &placed(&record), "", None))?;
        let unnumbered = Unnumbered { record: record.clone(), staged: staged.clone(), owner: owner.clone() };
        match self.numbering.submit(unnumbered, |batch| self.store_batch(batch)).await {
            Ok(stored) => stored,
            // Its batch's writer stopped (its request was dropped): whether it
            // stored this order is unknown, and storing it alone finds out.
            Err(Abandoned) => self.store_alone(&record, &staged, owner).await,
        }
    }

    /// Stores a batch of orders in one transaction, or each alone when that
    /// fails (a same id placed before or twice in the batch, or another
    /// process took the numbers first).
    async fn store_batch(&self, batch: Vec<Unnumbered>) -> Vec<Result<Stored, OrdersError>> {
        let together = async {
            match self.store_together(&batch).await {
                Ok(Some(stored)) => Some(stored.into_iter().map(|order| Ok(Ok(order))).collect()),
                Ok(None) => None,
                Err(e) => {
                    tracing::warn!(error = %e, "orders stored together failed; one by one");
                    None
                }
            }
        };
        together_or_alone(&batch, together, |u| self.store_alone(&u.record, &u.staged, &u.owner)).await
    }

    /// One attempt at storing every order of `batch` with consecutive numbers;
    /// `None` when the transaction was cancelled.
    async fn store_together(&self, batch: &[Unnumbered]) -> Result<Option<Vec<OrderRecord>>, OrdersError> {
        let (first, take_numbers) = self.next_numbers(batch.len() as u64).await?;
        let mut ops = vec![take_numbers];
        let mut stored = Vec::with_capacity(batch.len());
        for (number, u) in (first..).zip(batch) {
            let numbered = OrderRecord { number, ..u.record.clone() };
            ops.push(WriteOp::Put { item: numbered.item()?, condition: Condition::NotExists });
            ops.push(u.staged.clone());
            stored.push(numbered);
        }
        match self.table.transact_write(ops).await {
            Ok(()) => Ok(Some(stored)),
            Err(StoreError::TransactionCancelled { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Stores one order with the next number, taking the next again when
    /// another order took it first.
    async fn store_alone(
        &self,
        record: &OrderRecord,
        staged: &WriteOp,
        owner: &CartOwner,
    ) -> Result<Stored, OrdersError> {
        let numbered = optimistic::within(NUMBER_ROUNDS, || async {
            let (number, take_number) = self.next_numbers(1).await?;
            let numbered = OrderRecord { number, ..record.clone() };
            let order = WriteOp::Put { item: numbered.item()?, condition: Condition::NotExists };
            match self.table.transact_write(vec![order, take_number, staged.clone()]).await {
                Ok(()) => Ok(Attempt::Done(Ok(numbered))),
                // A concurrent request with the same id won the race.
                Err(StoreError::TransactionCancelled { index: 0, .. }) => {
                    Ok(Attempt::Done(Err(self.same_request(&record.id, &record.request, owner).await?)))
                }
                // Another order took this number first: take the next.
                Err(StoreError::TransactionCancelled { index: 1, .. }) => Ok(Attempt::Raced),
                Err(e) => Err(OrdersError::from(e)),
            }
        })
        .await?;
        match numbered {
            Some(Ok(stored)) => Ok(Ok(stored)),
            Some(Err(Some(order))) => Ok(Err(order)),
            Some(Err(None)) => Err(OrdersError::conflict("order_id_in_use", "This order id is taken by another order")),
            None => Err(OrdersError::conflict("busy", "Many orders are being placed right now; try again")),
        }
    }

    /// The stored order if this `owner` placed it with exactly `request`
    /// (a retried PUT); a 409 if it was placed with something else or by
    /// someone else (whose order is not revealed).
    async fn same_request(&self, id: &str, request: &str, owner: &CartOwner) -> Result<Option<OrderView>, OrdersError> {
        match self.load(id).await? {
            Some((existing, _)) if existing.request == request && self.placed_by(&existing, owner) => {
                Ok(Some(existing.view()))
            }
            Some(_) => Err(OrdersError::conflict("order_id_in_use", "This order id is taken by another order")),
            None => Ok(None),
        }
    }
}

/// The cart's lines as the cart service priced them from the catalog
/// just now (price, name, stock), and their one currency.
fn priced(cart: &CartView) -> Result<(Vec<OrderLine>, String), OrdersError> {
    if cart.lines.is_empty() {
        return Err(OrdersError::conflict("cart_empty", "Your cart is empty"));
    }
    let currency = &cart.subtotal.currency;
    if cart.lines.iter().any(|l| !l.withdrawn && &l.unit_price.currency != currency) {
        return Err(OrdersError::conflict("mixed_currencies", "Your cart mixes currencies"));
    }
    let lines = cart.lines.iter().map(order_line).collect::<Result<_, _>>()?;
    Ok((lines, currency.clone()))
}

/// A cart line as ordered: the product as sold now, if it is sold and enough is in stock.
fn order_line(line: &CartLineView) -> Result<OrderLine, OrdersError> {
    if line.withdrawn {
        return Err(OrdersError::conflict("product_unavailable", format!("{} is no longer sold", line.name)));
    }
    if line.available < line.quantity {
        let message = match line.available {
            0 => format!("{} is out of stock", line.name),
            n => format!("Only {n} of {} left", line.name),
        };
        return Err(OrdersError::conflict("insufficient_stock", message));
    }
    Ok(OrderLine {
        sku: line.sku.clone(),
        name: line.name.clone(),
        quantity: line.quantity,
        unit_price_minor: line.unit_price.amount_minor,
        fulfilment: line.fulfilment.into(),
    })
}

/// The event announcing `record`.
fn placed(record: &OrderRecord) -> OrderPlaced {
    OrderPlaced {
        order_id: record.id.clone(),
        email: record.email.clone(),
        currency: record.currency.clone(),
        lines: record.lines.clone(),
        net_total_minor: record.totals.net_minor,
        account_id: record.account_id.clone(),
    }
}
