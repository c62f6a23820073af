//! Folding events into the view: OrderConfirmed adds an order's net total
//! to its month, OrderCancelled after it takes it out again. Each order's
//! share is kept beside the month totals, so an order counts once however
//! often and in whatever order its events arrive.

use super::{CONSUMER, FOLD_BATCH, MonthRecord, Reports, month_key, month_of, share_key, status_key};
use crate::contracts::{OrderCancelled, OrderConfirmed};
use crate::platform::consumer::{Consumer, processed_marker};
use crate::platform::events::{Consumed, Envelope};
use crate::platform::store::optimistic::{self, Attempt};
use crate::platform::store::{Condition, Item, StoreError, Turns, WriteOp};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use time::OffsetDateTime;

crate::consumed_events! {
    /// What the completed-orders view is made of.
    pub enum Incoming { OrderConfirmed, OrderCancelled }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Share {
    Counted,
    /// Confirmed, then cancelled: taken out again.
    Withdrawn,
    /// Cancelled before any confirmation arrived: never counts.
    Tombstone,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct OrderShare {
    share: Share,
    month: String,
    currency: String,
    net_minor: i64,
}

/// What one event changes in a month's totals.
struct Delta {
    month: String,
    currency: String,
    net_minor: i64,
    orders: i64,
}

/// The items one batch reads and writes, each with the version it was read at (0: new).
#[derive(Default)]
struct Batch {
    ops: Vec<WriteOp>,
    shares: HashMap<String, (Option<OrderShare>, u64)>,
    months: BTreeMap<(String, String), (MonthRecord, u64)>,
    seen: BTreeSet<uuid::Uuid>,
    folded: usize,
}

impl Reports {
    /// Folds `events` (at most [`FOLD_BATCH`]) into the view in one transaction.
    /// Events processed before are skipped. Fails when another writer changed
    /// the same items meanwhile (the consumer then retries).
    pub async fn fold(&self, events: &[Envelope]) -> anyhow::Result<usize> {
        anyhow::ensure!(events.len() <= FOLD_BATCH, "fold at most {FOLD_BATCH} events at once");
        let mut batch = Batch::default();
        for envelope in events {
            let Some(event) = Incoming::from_envelope(envelope)? else { continue };
            let marker = processed_marker(CONSUMER, envelope)?;
            if !batch.seen.insert(envelope.id) || self.table.get(marker.key()).await?.is_some() {
                continue;
            }
            batch.ops.push(marker);
            batch.folded += 1;
            let share = self.share(&mut batch, &envelope.partition_key).await?;
            if let Some(delta) = change(share, &event, envelope.timestamp) {
                self.add(&mut batch, delta).await?;
            }
        }
        if batch.folded == 0 {
            return Ok(0);
        }
        let folded = batch.folded;
        self.table.transact_write(writes(batch)?).await?;
        Ok(folded)
    }

    /// The order's share as this batch has it (read once from the table).
    async fn share<'b>(&self, batch: &'b mut Batch, order_id: &str) -> anyhow::Result<&'b mut Option<OrderShare>> {
        if !batch.shares.contains_key(order_id) {
            let entry = match self.table.get(&share_key(order_id)).await? {
                Some(item) => (Some(item.record::<OrderShare>()?), item.version),
                None => (None, 0),
            };
            batch.shares.insert(order_id.to_string(), entry);
        }
        Ok(&mut batch.shares.get_mut(order_id).expect("loaded above").0)
    }

    /// Adds `delta` to its month's totals as this batch has them.
    async fn add(&self, batch: &mut Batch, delta: Delta) -> anyhow::Result<()> {
        let slot = (delta.month.clone(), delta.currency.clone());
        if !batch.months.contains_key(&slot) {
            let entry = match self.table.get(&month_key(&delta.month, &delta.currency)).await? {
                Some(item) => (item.record::<MonthRecord>()?, item.version),
                None => (MonthRecord { month: delta.month, currency: delta.currency, ..MonthRecord::default() }, 0),
            };
            batch.months.insert(slot.clone(), entry);
        }
        let (record, _) = batch.months.get_mut(&slot).expect("loaded above");
        record.net_total_minor += delta.net_minor;
        record.order_count = record.order_count.saturating_add_signed(delta.orders);
        Ok(())
    }
}

/// The order's share after `event` (at `at`), and what that changes in a month.
fn change(share: &mut Option<OrderShare>, event: &Incoming, at: OffsetDateTime) -> Option<Delta> {
    match (event, share.as_mut()) {
        (Incoming::OrderConfirmed(confirmed), None) => {
            let month = month_of(at);
            let (currency, net_minor) = (confirmed.currency.clone(), confirmed.net_total_minor);
            *share =
                Some(OrderShare { share: Share::Counted, month: month.clone(), currency: currency.clone(), net_minor });
            Some(Delta { month, currency, net_minor, orders: 1 })
        }
        // Counted, withdrawn or cancelled before: nothing to add.
        (Incoming::OrderConfirmed(_), Some(_)) => None,
        (Incoming::OrderCancelled(_), Some(s)) if s.share == Share::Counted => {
            s.share = Share::Withdrawn;
            Some(Delta { month: s.month.clone(), currency: s.currency.clone(), net_minor: -s.net_minor, orders: -1 })
        }
        (Incoming::OrderCancelled(_), Some(_)) => None,
        (Incoming::OrderCancelled(_), None) => {
            let tombstone =
                OrderShare { share: Share::Tombstone, month: month_of(at), currency: String::new(), net_minor: 0 };
            *share = Some(tombstone);
            None
        }
    }
}

/// The batch's transaction: markers, shares and months each conditional on
/// the version read, and the view's new as-of time.
fn writes(batch: Batch) -> anyhow::Result<Vec<WriteOp>> {
    let mut ops = batch.ops;
    for (order_id, (share, version)) in batch.shares {
        if let Some(share) = share {
            let item = Item::from_record(share_key(&order_id), &share)?;
            ops.push(WriteOp::Put { item, condition: Condition::Version(version) });
        }
    }
    for ((month, currency), (record, version)) in batch.months {
        let item = Item::from_record(month_key(&month, &currency), &record)?;
        ops.push(WriteOp::Put { item, condition: Condition::Version(version) });
    }
    let status = super::Status { as_of: OffsetDateTime::now_utc() };
    ops.push(WriteOp::Put { item: Item::from_record(status_key(), &status)?, condition: Condition::None });
    Ok(ops)
}

pub struct ReportFolder(Arc<Reports>, Turns);

impl ReportFolder {
    pub fn new(reports: Arc<Reports>) -> Self {
        Self(reports, Turns::default())
    }
}

#[async_trait::async_trait]
impl Consumer for ReportFolder {
    const NAME: &'static str = CONSUMER;
    type Event = Incoming;

    /// Orders are folded concurrently and share their month's totals: folds
    /// in this process take turns on them, and one that lost the race to
    /// another process reads again at once, not at a redelivery.
    async fn on(&self, _event: Incoming, envelope: &Envelope) -> anyhow::Result<()> {
        let _turn = self.1.take(["months"]).await;
        let folded = optimistic::until_done(|| async {
            match self.0.fold(std::slice::from_ref(envelope)).await {
                Err(e) if matches!(e.downcast_ref(), Some(StoreError::TransactionCancelled { .. })) => {
                    Ok(Attempt::Raced)
                }
                folded => folded.map(Attempt::Done),
            }
        })
        .await?;
        folded.map(drop).ok_or_else(|| anyhow::anyhow!("the report's month kept changing"))
    }
}
