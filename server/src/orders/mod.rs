//! The orders service: the checkout micro-app's BFF and the order repository.
//! Owns the `orders` table.
//!
//! Placing an order (`PUT /api/orders/{id}`, id chosen by the client so a
//! retry is harmless) snapshots the caller's cart, re-priced against the
//! catalog, as a *PendingPayment* order and publishes OrderPlaced in the same
//! transaction. The catalog reserves stock; the payments service reports the
//! payment; the order is confirmed (OrderConfirmed) once both have happened.
//! An order not paid by its deadline is cancelled (OrderCancelled), which
//! releases its stock.

mod composition;
mod error;
pub mod events;
mod expiry;
mod handler;
pub mod numbering;
mod payment;
mod port;
mod privacy;
mod reading;
mod record;
mod routes;
mod service;

pub use error::OrdersError;
pub use handler::{CONSUMER, OrderEvents};
pub use record::spec as table_spec;
pub(crate) use routes::reader;
pub use service::SERVICE;

use crate::contracts::OrderPlaced;
use crate::contracts::ports::Payments;
use crate::contracts::{FulfilmentKind, OrderLine};
use crate::platform::consumer::processed_marker;
use crate::platform::events::Envelope;
use crate::platform::outbox::{self, Relay};
use crate::platform::signing::OrderLinks;
use crate::platform::store::optimistic::{self, Attempt};
use crate::platform::store::{Condition, Store, StoreError, Table, WriteOp};
use app::api::ErrorDetail;
use app::cart::CartOwner;
use app::cart::ssr::SharedCarts;
use app::catalog::ssr::SharedCatalog;
use app::orders::{CheckoutInput, OrderStatus, OrderView, Totals};
use record::{OrderRecord, StockState};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use uuid::Uuid;

/// Rounds of taking the next order number before giving up (each lost
/// round means another order was stored meanwhile).
const NUMBER_ROUNDS: u32 = 32;

pub const SOURCE: &str = "orders";

pub struct Orders {
    table: Arc<dyn Table>,
    relay: Relay,
    catalog: SharedCatalog,
    carts: SharedCarts,
    payments: Arc<dyn Payments>,
    payment_timeout: Duration,
    /// Checks the link tokens that open an order (receipt e-mails).
    links: OrderLinks,
}

/// A placed order, and whether this request placed it (or an earlier one with the same id did).
pub struct Placed {
    pub order: OrderView,
    pub created: bool,
}

/// An order id: a random UUID (version 4 or 7) in its canonical form, as a
/// browser's `crypto.randomUUID()` makes. Guessable ids (nil, sequential,
/// other spellings of one id) are refused.
fn parse_order_id(id: &str) -> Result<String, OrdersError> {
    let random =
        Uuid::parse_str(id).ok().filter(|u| matches!(u.get_version_num(), 4 | 7) && u.hyphenated().to_string() == id);
    random.map(|u| u.hyphenated().to_string()).ok_or_else(|| {
        OrdersError::Invalid(
            ErrorDetail::new("invalid_order_id", "The order id must be a random UUID (version 4 or 7), in lower case")
                .on_field("id"),
        )
    })
}

impl Orders {
    pub async fn open(
        store: &dyn Store,
        hub: Arc<dyn crate::platform::hub::EventHub>,
        catalog: SharedCatalog,
        carts: SharedCarts,
        payments: Arc<dyn Payments>,
        payment_timeout: Duration,
        links: OrderLinks,
    ) -> Result<Self, StoreError> {
        let table = store.open_table(&table_spec()).await?;
        Ok(Self { relay: Relay::new(table.clone(), hub), table, catalog, carts, payments, payment_timeout, links })
    }

    /// The token of the order's link (for its owner's pages).
    pub fn link_token(&self, id: &str) -> String {
        self.links.token(id)
    }

    pub fn relay(&self) -> Relay {
        self.relay.clone()
    }

    async fn load(&self, id: &str) -> Result<Option<(OrderRecord, u64)>, StoreError> {
        Ok(match self.table.get(&record::key(id)).await? {
            Some(item) => Some((item.record()?, item.version)),
            None => None,
        })
    }

    pub async fn get(&self, id: &str) -> Result<OrderView, OrdersError> {
        let id = parse_order_id(id)?;
        self.load(&id).await?.map(|(o, _)| o.view()).ok_or(OrdersError::NotFound(id))
    }

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
        let cart = self
            .carts
            .view(owner.clone())
            .await
            .map_err(|detail| OrdersError::Upstream { context: "orders could not read the cart", detail })?;
        let (cart, _) = cart;
        if cart.lines.is_empty() {
            return Err(OrdersError::conflict("cart_empty", "Your cart is empty"));
        }
        // Re-validate every line against the catalog now: price, name, stock.
        let mut lines = Vec::with_capacity(cart.lines.len());
        let mut currency = None;
        for line in &cart.lines {
            let product = self
                .catalog
                .product(line.sku.clone())
                .await
                .map_err(|detail| OrdersError::Upstream { context: "orders could not read the catalog", detail })?
                .ok_or_else(|| {
                    OrdersError::conflict("product_unavailable", format!("{} is no longer sold", line.name))
                })?;
            if product.stock < line.quantity {
                return Err(OrdersError::conflict(
                    "insufficient_stock",
                    match product.stock {
                        0 => format!("{} is out of stock", product.name),
                        n => format!("Only {n} of {} left", product.name),
                    },
                ));
            }
            if currency.get_or_insert_with(|| product.price.currency.clone()) != &product.price.currency {
                return Err(OrdersError::conflict("mixed_currencies", "Your cart mixes currencies"));
            }
            lines.push(OrderLine {
                sku: product.sku,
                name: product.name,
                quantity: line.quantity,
                unit_price_minor: product.price.amount_minor,
                fulfilment: match product.fulfilment {
                    app::catalog::Fulfilment::Physical => FulfilmentKind::Physical,
                    app::catalog::Fulfilment::Digital => FulfilmentKind::Digital,
                },
            });
        }
        let net = lines.iter().map(|l| l.unit_price_minor * i64::from(l.quantity)).sum();
        let now = OffsetDateTime::now_utc();
        let record = OrderRecord {
            id: id.clone(),
            email: input.email.clone(),
            shipping_address: input.shipping_address.clone(),
            currency: currency.unwrap_or_else(|| "USD".into()),
            lines,
            totals: Totals::for_net(net),
            status: OrderStatus::PendingPayment,
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
            placed_by_cart: self.placer_cart(&owner),
            number: 0,
            pay_by: now + self.payment_timeout,
            request,
        };
        let placed = OrderPlaced {
            order_id: id.clone(),
            email: record.email.clone(),
            currency: record.currency.clone(),
            lines: record.lines.clone(),
            net_total_minor: net,
            account_id: record.account_id.clone(),
        };
        let staged = outbox::stage(&Envelope::new(SOURCE, &placed, "", None))?;
        let numbered = optimistic::within(NUMBER_ROUNDS, || async {
            let (number, take_number) = self.next_number().await?;
            let numbered = OrderRecord { number, ..record.clone() };
            let order = WriteOp::Put { item: numbered.item()?, condition: Condition::NotExists };
            match self.table.transact_write(vec![order, take_number, staged.clone()]).await {
                Ok(()) => Ok(Attempt::Done(Ok(numbered))),
                // A concurrent request with the same id won the race.
                Err(StoreError::TransactionCancelled { index: 0, .. }) => {
                    Ok(Attempt::Done(Err(self.same_request(&id, &record.request, &owner).await?)))
                }
                // Another order took this number first: take the next.
                Err(StoreError::TransactionCancelled { index: 1, .. }) => Ok(Attempt::Raced),
                Err(e) => Err(OrdersError::from(e)),
            }
        })
        .await?;
        let record = match numbered {
            Some(Ok(stored)) => stored,
            Some(Err(Some(order))) => return Ok(Placed { order, created: false }),
            Some(Err(None)) => {
                return Err(OrdersError::conflict("order_id_in_use", "This order id is taken by another order"));
            }
            None => return Err(OrdersError::conflict("busy", "Many orders are being placed right now; try again")),
        };
        self.relay.notify();
        tracing::info!(order = %id, gross = record.totals.gross_minor, "order placed");
        // The cart became the order. If emptying it fails the order still stands.
        if let Err(e) = self.carts.clear(owner).await {
            tracing::warn!(order = %id, error = %e.message, "could not empty the cart after placing the order");
        }
        Ok(Placed { order: record.view(), created: true })
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

    /// Applies `f` to the stored order with optimistic locking, retrying when another write got there first.
    async fn change(
        &self,
        id: &str,
        f: impl Fn(OrderRecord) -> anyhow::Result<Option<(OrderRecord, Vec<Envelope>)>>,
    ) -> Result<bool, OrdersError> {
        self.change_with(id, None, f).await.map_err(|e| match e.downcast::<StoreError>() {
            Ok(store) => OrdersError::Store(store),
            Err(other) => OrdersError::Store(StoreError::Backend(format!("{other:#}"))),
        })
    }

    /// Applies an event's change once (processed marker in the same transaction).
    pub(crate) async fn change_on_event(
        &self,
        consumer: &str,
        event: &Envelope,
        id: &str,
        f: impl Fn(OrderRecord) -> anyhow::Result<Option<(OrderRecord, Vec<Envelope>)>>,
    ) -> anyhow::Result<()> {
        self.change_with(id, Some((consumer, event)), f).await.map(drop)
    }

    async fn change_with(
        &self,
        id: &str,
        marker: Option<(&str, &Envelope)>,
        f: impl Fn(OrderRecord) -> anyhow::Result<Option<(OrderRecord, Vec<Envelope>)>>,
    ) -> anyhow::Result<bool> {
        let changed = optimistic::until_done(|| async {
            let Some((order, version)) = self.load(id).await? else {
                // Events about an order we never stored (e.g. another store's): nothing to do.
                tracing::warn!(order = %id, "event for an unknown order ignored");
                return Ok::<_, anyhow::Error>(Attempt::Done(false));
            };
            let Some((order, events)) = f(order)? else {
                return Ok(Attempt::Done(false));
            };
            let mut ops = Vec::new();
            if let Some((consumer, event)) = marker {
                ops.push(processed_marker(consumer, event)?);
            }
            let order_index = ops.len();
            ops.push(WriteOp::Put { item: order.item()?, condition: Condition::Version(version) });
            for event in &events {
                ops.push(outbox::stage(event)?);
            }
            match self.table.transact_write(ops).await {
                Ok(()) => {
                    if !events.is_empty() {
                        self.relay.notify();
                    }
                    Ok(Attempt::Done(true))
                }
                Err(StoreError::TransactionCancelled { index, .. }) if marker.is_some() && index == 0 => {
                    Ok(Attempt::Done(false)) // processed before
                }
                Err(StoreError::TransactionCancelled { index, .. }) if index == order_index => Ok(Attempt::Raced),
                Err(e) => Err(e.into()),
            }
        })
        .await?;
        changed.ok_or_else(|| anyhow::anyhow!("order {id} kept changing under us; will retry"))
    }
}
