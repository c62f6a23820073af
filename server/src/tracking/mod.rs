//! The tracking service (CQRS). Owns the `tracking` table: a timeline per
//! order, built only from the events other services publish, and who the
//! order belongs to. Every entry it stores wakes the server-sent-event
//! streams of open pages that follow its order or account (`followers.rs`),
//! so they get it at once. What each event says on the timeline is
//! `entries.rs`.
//!
//! | item     | pk             | sk                              |
//! |----------|----------------|---------------------------------|
//! | owner    | `ORDER#<id>`   | `OWNER`                         |
//! | entry    | `ORDER#<id>`   | `AT#<unix micros>#<event id>`   |
//!
//! Index `by_account` on entries of an account's orders: `ACCOUNT#<id>` /
//! the entry's sort key, for a shopper's live stream (`follow.rs`).
//!
//! An entry's key derives from its event's id, so a redelivered event finds
//! its entry written and changes nothing.

mod entries;
mod follow;
mod followers;
mod privacy;
mod routes;
mod service;

pub use follow::follow;
pub use followers::Followed;
pub use service::SERVICE;

use crate::contracts::{
    OrderAnonymised, OrderCancelled, OrderConfirmed, OrderPlaced, OrderProcessed, PaymentFailed, PaymentSucceeded,
    ReceiptSent, RefundFailed, RefundIssued, ReturnReceived, ReturnRequested, ShipmentItemProcessed,
};
use crate::platform::consumer::{Consumer, Effects};
use crate::platform::events::Envelope;
use crate::platform::signing::OrderLinks;
use crate::platform::store::{
    Condition, Item, Key, Query, SortKeyCondition, Store, StoreError, Table, TableSpec, WriteOp,
};
use app::tracking::{Timeline, TimelineEntry};
use async_trait::async_trait;
use entries::describe;
use followers::Followers;
use std::sync::Arc;

pub const CONSUMER: &str = "tracking";

const BY_ACCOUNT: &str = "by_account";

pub fn table_spec() -> TableSpec {
    TableSpec::new("tracking").with_index(BY_ACCOUNT)
}

crate::consumed_events! {
    /// What tracking's timeline is made of.
    pub enum Incoming {
        OrderPlaced,
        PaymentSucceeded,
        PaymentFailed,
        OrderConfirmed,
        ReceiptSent,
        ShipmentItemProcessed,
        OrderProcessed,
        OrderCancelled,
        OrderAnonymised,
        ReturnRequested,
        ReturnReceived,
        RefundIssued,
        RefundFailed,
    }
}

fn owner_key(order_id: &str) -> Key {
    Key::new(format!("ORDER#{order_id}"), "OWNER")
}

/// A timeline entry, as the live streams send it.
#[derive(Clone, Debug)]
pub struct Update {
    pub order_id: String,
    pub entry: TimelineEntry,
}

/// Who an order belongs to, as tracking knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Owner {
    Unknown,
    Guest,
    Account(String),
}

pub struct Tracking {
    table: Arc<dyn Table>,
    followers: Arc<Followers>,
    links: OrderLinks,
}

impl Tracking {
    pub async fn open(store: &dyn Store, links: OrderLinks) -> Result<Self, StoreError> {
        let followers = Arc::new(Followers::default());
        Ok(Self { table: store.open_table(&table_spec()).await?, followers, links })
    }

    /// Whether other processes store entries too, so that a stream must
    /// look for them now and then (it cannot be woken by them).
    fn written_elsewhere(&self) -> bool {
        self.table.changes().is_none()
    }

    pub fn token(&self, order_id: &str) -> String {
        self.links.token(order_id)
    }

    /// Whether `token` is this order's link token.
    pub fn token_matches(&self, order_id: &str, token: &str) -> bool {
        self.links.matches(order_id, token)
    }

    pub async fn owner(&self, order_id: &str) -> Result<Owner, StoreError> {
        Ok(match self.table.get(&owner_key(order_id)).await? {
            None => Owner::Unknown,
            Some(item) => match item.attrs["account_id"].as_str() {
                Some(id) => Owner::Account(id.to_string()),
                None => Owner::Guest,
            },
        })
    }

    /// The order's timeline, oldest first.
    pub async fn timeline(&self, order_id: &str) -> Result<Timeline, StoreError> {
        let entries = self.entry_items(order_id).await?.iter().map(Item::record).collect::<Result<_, _>>()?;
        Ok(Timeline { order_id: order_id.to_string(), entries })
    }

    /// Every stored entry of the order, oldest first, as items.
    async fn entry_items(&self, order_id: &str) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut after = None;
        loop {
            let page = self
                .table
                .query(
                    Query::partition(format!("ORDER#{order_id}"))
                        .sort_key(SortKeyCondition::BeginsWith("AT#".into()))
                        .limit(100)
                        .start_after(after),
                )
                .await?;
            items.extend(page.items);
            match page.next {
                Some(next) => after = Some(next),
                None => return Ok(items),
            }
        }
    }

    async fn apply(&self, event: &Incoming, envelope: &Envelope) -> anyhow::Result<()> {
        let Some(entry) = describe(event, envelope.timestamp) else { return Ok(()) };
        let order_id = envelope.partition_key.clone();
        let sort = format!("AT#{:020}#{}", envelope.timestamp.unix_timestamp_nanos() / 1000, envelope.id);
        let mut ops = Vec::new();
        let account_id = if let Incoming::OrderPlaced(placed) = event {
            ops.push(WriteOp::Put {
                item: Item::new(owner_key(&order_id), serde_json::json!({ "account_id": placed.account_id })),
                condition: Condition::None,
            });
            placed.account_id.clone()
        } else {
            match self.owner(&order_id).await? {
                Owner::Account(id) => Some(id),
                _ => None,
            }
        };
        let mut item = Item::from_record(Key::new(format!("ORDER#{order_id}"), sort.clone()), &entry)?;
        if let Some(account) = &account_id {
            item = item.with_index(BY_ACCOUNT, Key::new(format!("ACCOUNT#{account}"), sort));
        }
        ops.insert(0, WriteOp::Put { item, condition: Condition::NotExists });
        match self.table.transact_write(ops).await {
            Ok(()) => {
                self.followers.stored(&order_id, account_id.as_deref());
                Ok(())
            }
            Err(StoreError::TransactionCancelled { index: 0, .. }) => Ok(()), // applied before
            Err(e) => Err(e.into()),
        }
    }
}

/// The order page's timeline part.
#[async_trait]
impl crate::contracts::ports::OrderPart<Timeline> for Tracking {
    async fn of(&self, order: &app::orders::OrderView) -> anyhow::Result<Option<Timeline>> {
        Ok(Some(self.timeline(&order.id).await?))
    }
}

pub struct TrackingView(pub Arc<Tracking>);

#[async_trait]
impl Consumer for TrackingView {
    const NAME: &'static str = CONSUMER;
    /// Tracking entries (open pages are told again after a restart).
    const EFFECTS: Effects = Effects::InStore;
    type Event = Incoming;

    async fn on(&self, event: Incoming, envelope: &Envelope) -> anyhow::Result<()> {
        match event {
            Incoming::OrderAnonymised(anonymised) => self.0.forget(&anonymised.order_id).await,
            event => self.0.apply(&event, envelope).await,
        }
    }
}
