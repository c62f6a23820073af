//! The returns service. Owns the `returns` table: what it knows of each
//! paid order (built from events, `view.rs`), and the returns shoppers ask
//! for (`requesting.rs`) and the dispatch team receives (`receiving.rs`),
//! through the API (`routes.rs`) or the returns pages (`pages.rs`).
//! It publishes ReturnRequested and ReturnReceived through its outbox.
//!
//! | item   | pk             | sk       | index `open`                      |
//! |--------|----------------|----------|-----------------------------------|
//! | order  | `ORDER#<id>`   | `ORDER`  | —                                 |
//! | return | `RETURN#<id>`  | `RETURN` | `OPEN` / `<requested at>#<id>` while requested |

pub mod events;
mod pages;
mod receiving;
mod requesting;
mod routes;
mod service;
mod view;

pub use service::SERVICE;

use crate::contracts::{OrderAnonymised, OrderCancelled, OrderConfirmed, ReturnLine, ShipmentItemProcessed};
use crate::platform::consumer::{Consumer, Effects};
use crate::platform::events::Envelope;
use crate::platform::http::{ApiError, ServiceError};
use crate::platform::outbox::Relay;
use crate::platform::store::{Item, Key, Query, Store, StoreError, Table, TableSpec};
use app::returns::{OpenReturns, ReceivedLine, ReturnInput, ReturnLineView, ReturnStatus, ReturnView};
use async_trait::async_trait;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use time::format_description::well_known::Rfc3339;

pub const CONSUMER: &str = "returns";
const SOURCE: &str = "returns";
const OPEN: &str = "open";
/// The most open returns one answer lists.
const OPEN_LIMIT: usize = 200;

pub fn table_spec() -> TableSpec {
    TableSpec::new("returns").with_index(OPEN)
}

crate::consumed_events! {
    /// What returns knows of orders.
    pub enum Incoming { OrderConfirmed, ShipmentItemProcessed, OrderCancelled, OrderAnonymised }
}

fn order_key(order_id: &str) -> Key {
    Key::new(format!("ORDER#{order_id}"), "ORDER")
}

fn return_key(id: &str) -> Key {
    Key::new(format!("RETURN#{id}"), "RETURN")
}

/// A return as stored.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReturnRecord {
    pub id: String,
    pub order_id: String,
    pub order_number: String,
    pub account_id: Option<String>,
    pub status: ReturnStatus,
    pub lines: Vec<ReturnLine>,
    pub reason: String,
    pub refund_minor: i64,
    pub currency: String,
    pub requested_at: String,
    #[serde(default)]
    pub received: Vec<ReceivedLine>,
    /// The request as it came (a retry must be the same).
    pub input: ReturnInput,
}

impl ReturnRecord {
    fn item(&self) -> Result<Item, StoreError> {
        let item = Item::from_record(return_key(&self.id), self)?;
        Ok(match self.status {
            ReturnStatus::Requested => {
                item.with_index(OPEN, Key::new("OPEN", format!("{}#{}", self.requested_at, self.id)))
            }
            ReturnStatus::Received => item,
        })
    }

    pub fn view(&self) -> ReturnView {
        ReturnView {
            id: self.id.clone(),
            order_id: self.order_id.clone(),
            order_number: self.order_number.clone(),
            status: self.status,
            lines: self
                .lines
                .iter()
                .map(|l| ReturnLineView {
                    sku: l.sku.clone(),
                    name: l.name.clone(),
                    quantity: l.quantity,
                    unit_price_minor: l.unit_price_minor,
                })
                .collect(),
            reason: self.reason.clone(),
            refund_minor: self.refund_minor,
            currency: self.currency.clone(),
            requested_at: self.requested_at.clone(),
            received: self.received.clone(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReturnsError {
    #[error("{1}")]
    Invalid(&'static str, String),
    #[error("{1}")]
    Conflict(&'static str, String),
    #[error("no order {0} that can be returned from")]
    OrderNotFound(String),
    #[error("no return {0}")]
    NotFound(String),
    #[error("returns are busy")]
    Busy,
    /// 401/403: the caller may not act on this order.
    #[error("{}", .0.detail.message)]
    Refused(ApiError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ServiceError for ReturnsError {
    fn api_error(&self) -> ApiError {
        match self {
            Self::Invalid(field, why) => ApiError::invalid_field(field, why.clone()),
            Self::Conflict(code, why) => ApiError::new(StatusCode::CONFLICT, code, why.clone()),
            Self::OrderNotFound(id) => ApiError::new(
                StatusCode::NOT_FOUND,
                "order_not_found",
                format!("No paid order {id}: items can be returned once their order is paid for and sent"),
            ),
            Self::NotFound(id) => ApiError::new(StatusCode::NOT_FOUND, "return_not_found", format!("No return {id}")),
            Self::Busy => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "busy", "Returns are busy; try again"),
            Self::Refused(refused) => ApiError::with_detail(refused.status, refused.detail.clone()),
            Self::Store(e) => ApiError::internal("returns store failed", e),
        }
    }
}

crate::respond_with_api_error!(ReturnsError);

pub struct Returns {
    table: Arc<dyn Table>,
    relay: Relay,
}

impl Returns {
    pub async fn open(store: &dyn Store, hub: Arc<dyn crate::platform::hub::EventHub>) -> Result<Self, StoreError> {
        let table = store.open_table(&table_spec()).await?;
        Ok(Self { relay: Relay::new(table.clone(), hub), table })
    }

    pub fn relay(&self) -> Relay {
        self.relay.clone()
    }

    /// The returns waiting for their items, oldest first.
    pub async fn open_returns(&self) -> Result<OpenReturns, ReturnsError> {
        let page = self.table.query(Query::partition("OPEN").on_index(OPEN).limit(OPEN_LIMIT)).await?;
        let records: Vec<ReturnRecord> = page.items.iter().map(Item::record).collect::<Result<_, _>>()?;
        Ok(OpenReturns { items: records.iter().map(ReturnRecord::view).collect() })
    }
}

pub struct OrdersForReturns(pub Arc<Returns>);

#[async_trait]
impl Consumer for OrdersForReturns {
    const NAME: &'static str = CONSUMER;
    /// What returns knows of orders.
    const EFFECTS: Effects = Effects::InStore;
    type Event = Incoming;

    async fn on(&self, event: Incoming, envelope: &Envelope) -> anyhow::Result<()> {
        match event {
            Incoming::OrderConfirmed(confirmed) => self.0.confirmed(&confirmed).await,
            Incoming::ShipmentItemProcessed(item) => {
                self.0.sent(&item, envelope.timestamp.format(&Rfc3339).unwrap_or_default()).await
            }
            Incoming::OrderCancelled(cancelled) => self.0.cancelled(&cancelled).await,
            Incoming::OrderAnonymised(anonymised) => self.0.anonymised(&anonymised.order_id).await,
        }
    }
}
