//! The orders service: the checkout micro-app's BFF and the order repository.
//! Owns the `orders` table.
//!
//! Placing an order (`PUT /api/orders/{id}`, id chosen by the client so a
//! retry is harmless) snapshots the caller's cart, as the cart service has
//! just priced it from the catalog, as a *PendingPayment* order and
//! publishes OrderPlaced in the same transaction. The catalog reserves stock; the payments service reports the
//! payment; the order is confirmed (OrderConfirmed) once both have happened.
//! An order not paid by its deadline is cancelled (OrderCancelled), which
//! releases its stock.

mod changing;
mod composition;
mod error;
pub mod events;
mod expiry;
mod handler;
pub mod numbering;
mod payment;
mod placing;
mod port;
mod privacy;
mod reading;
mod record;
mod routes;
mod service;

pub use error::OrdersError;
pub use handler::{CONSUMER, OrderEvents};
pub use placing::Placed;
pub use record::spec as table_spec;
pub(crate) use routes::reader;
pub use service::SERVICE;

use crate::contracts::ports::Payments;
use crate::platform::outbox::Relay;
use crate::platform::signing::OrderLinks;
use crate::platform::store::{Combiner, Decoded, Store, StoreError, Table, Watch, Watched};
use app::api::ErrorDetail;
use app::cart::ssr::SharedCarts;
use app::orders::OrderView;
use record::OrderRecord;
use std::sync::Arc;
use std::time::Duration;

pub const SOURCE: &str = "orders";
/// The most orders kept decoded ([`Orders::load`]): a few hundred are in
/// flight at the busiest; a few kilobytes each.
const DECODED_ORDERS: usize = 1024;
/// The longest a read of an order waits for it to change (`Prefer: wait`).
const LONGEST_WAIT: Duration = Duration::from_secs(10);

pub struct Orders {
    table: Arc<dyn Table>,
    relay: Relay,
    carts: SharedCarts,
    payments: Arc<dyn Payments>,
    payment_timeout: Duration,
    /// Checks the link tokens that open an order (receipt e-mails).
    links: OrderLinks,
    /// Orders placed while one is being stored wait, and are numbered and stored together.
    numbering: Combiner<placing::Unnumbered, Result<placing::Stored, OrdersError>>,
    /// The orders last read or written, decoded: an order is read about
    /// fifteen times on its way, mostly unchanged since the last.
    decoded: Decoded<OrderRecord>,
    /// The same table as `table`, seen as [`Watched`]: for waiting on an order's writes.
    watched: Arc<Watched>,
    /// The longest a read waits for an order to change (`Prefer: wait`).
    longest_wait: Duration,
}

/// An order id: a random UUID (version 4 or 7) in its canonical form, as a
/// browser's `crypto.randomUUID()` makes, or the app's time-ordered UUIDv7
/// (74 random bits). Guessable ids (nil, sequential,
/// other spellings of one id) are refused.
pub struct OrderId;

/// The API's description of an order id in a path: the rule of [`parse_order_id`].
impl utoipa::PartialSchema for OrderId {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        crate::openapi::text_matching("^[0-9a-f]{8}-[0-9a-f]{4}-[47][0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$")
    }
}

impl utoipa::ToSchema for OrderId {}

/// The [`OrderId`] in `id` (the rule of [`app::orders::is_order_id`]), or
/// 400 `invalid_order_id`.
fn parse_order_id(id: &str) -> Result<String, OrdersError> {
    if app::orders::is_order_id(id) {
        return Ok(id.to_string());
    }
    Err(OrdersError::Invalid(
        ErrorDetail::new("invalid_order_id", "The order id must be a random UUID (version 4 or 7), in lower case")
            .on_field("id"),
    ))
}

impl Orders {
    pub async fn open(
        store: &dyn Store,
        hub: Arc<dyn crate::platform::hub::EventHub>,
        carts: SharedCarts,
        payments: Arc<dyn Payments>,
        payment_timeout: Duration,
        links: OrderLinks,
    ) -> Result<Self, StoreError> {
        let watched = Arc::new(Watched::new(store.open_table(&table_spec()).await?));
        let table: Arc<dyn Table> = watched.clone();
        let relay = Relay::new(table.clone(), hub);
        Ok(Self {
            relay,
            table,
            carts,
            payments,
            payment_timeout,
            links,
            numbering: Combiner::new(placing::NUMBERING_BATCH),
            decoded: Decoded::new(DECODED_ORDERS),
            watched,
            longest_wait: LONGEST_WAIT,
        })
    }

    /// Waits of reads for a change last at most `longest` (kept inside the
    /// request timeout by whoever serves them).
    pub fn waiting_at_most(mut self, longest: Duration) -> Self {
        self.longest_wait = longest.min(LONGEST_WAIT);
        self
    }

    /// A watch on order `id`'s writes, to wait for it to change.
    fn watch(&self, id: &str) -> Watch {
        self.watched.watch(&record::key(id))
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
            Some(item) => Some((self.decoded.record(&item)?, item.version)),
            None => None,
        })
    }

    pub async fn get(&self, id: &str) -> Result<OrderView, OrdersError> {
        let id = parse_order_id(id)?;
        self.load(&id).await?.map(|(o, _)| o.view()).ok_or(OrdersError::NotFound(id))
    }
}
