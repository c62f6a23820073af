//! Folding events into the view: OrderConfirmed adds an order's net total
//! to its month, OrderCancelled after it takes it out again, and
//! RefundIssued takes the refunded items' net price out of the month the
//! refund was issued in (the order still counts: it was sold). Each order's
//! share is kept beside the month totals, so an order counts once however
//! often and in whatever order its events arrive.

use super::{CONSUMER, FOLD_BATCH, MonthRecord, Reports, month_key, month_of, share_key, status_key};
use crate::contracts::{OrderCancelled, OrderConfirmed, RefundIssued};
use crate::platform::consumer::{Consumer, Effects, processed_marker};
use crate::platform::events::{Consumed, Envelope};
use crate::platform::store::optimistic::{self, Attempt};
use crate::platform::store::{Abandoned, Combiner, Condition, Item, StoreError, WriteOp, together_or_alone};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use time::OffsetDateTime;

crate::consumed_events! {
    /// What the completed-orders view is made of.
    pub enum Incoming { OrderConfirmed, OrderCancelled, RefundIssued }
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
        // Each refund once (its event's marker): its month, whatever the order's.
        (Incoming::RefundIssued(refund), _) => Some(Delta {
            month: month_of(at),
            currency: refund.currency.clone(),
            net_minor: -refund.net_minor,
            orders: 0,
        }),
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

/// The view's consumer. Orders are folded concurrently and share their
/// month's totals: events that arrive while a fold is being written wait and
/// are folded together next (one transaction, the month read and written
/// once); a fold that lost the race to another process reads again at once,
/// not at a redelivery.
pub struct ReportFolder {
    reports: Arc<Reports>,
    events: Combiner<Envelope, anyhow::Result<()>>,
}

impl ReportFolder {
    pub fn new(reports: Arc<Reports>) -> Self {
        Self { reports, events: Combiner::new(FOLD_BATCH) }
    }

    /// Folds a batch in one transaction or, when that fails, each event on
    /// its own (so an event that cannot be folded fails alone).
    async fn fold_all(&self, batch: Vec<Envelope>) -> Vec<anyhow::Result<()>> {
        let together = async {
            match self.fold_until_done(&batch).await {
                Ok(()) => Some(batch.iter().map(|_| Ok(())).collect()),
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "events folded together failed; one by one");
                    None
                }
            }
        };
        together_or_alone(&batch, together, |event| self.fold_until_done(std::slice::from_ref(event))).await
    }

    async fn fold_until_done(&self, events: &[Envelope]) -> anyhow::Result<()> {
        let folded = optimistic::until_done(|| async {
            match self.reports.fold(events).await {
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

#[async_trait::async_trait]
impl Consumer for ReportFolder {
    const NAME: &'static str = CONSUMER;
    /// The report's rows.
    const EFFECTS: Effects = Effects::InStore;
    type Event = Incoming;

    async fn on(&self, _event: Incoming, envelope: &Envelope) -> anyhow::Result<()> {
        match self.events.submit(envelope.clone(), |batch| self.fold_all(batch)).await {
            Ok(outcome) => outcome,
            Err(Abandoned) => Err(anyhow::anyhow!("folding event {} was interrupted; will retry", envelope.id)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contracts::{OrderLine, ShippingAddress};
    use crate::platform::consumer::handle_at_once;
    use crate::platform::store::EmbeddedStore;

    fn confirmed(order_id: &str, net_minor: i64) -> Envelope {
        let line = OrderLine {
            sku: "KIT-001".into(),
            name: "Mug".into(),
            quantity: 1,
            unit_price_minor: net_minor,
            fulfilment: Default::default(),
        };
        let address = ShippingAddress {
            name: "A".into(),
            line1: "1 St".into(),
            line2: String::new(),
            city: "C".into(),
            postal_code: "1".into(),
            country: "US".into(),
        };
        let event = OrderConfirmed {
            order_id: order_id.into(),
            email: "a@example.com".into(),
            currency: "USD".into(),
            lines: vec![line],
            net_total_minor: net_minor,
            tax_minor: 0,
            shipping_minor: 0,
            gross_total_minor: net_minor,
            shipping_address: address,
            number: String::new(),
            account_id: None,
        };
        Envelope::new("orders", &event, "", None)
    }

    #[tokio::test]
    async fn orders_confirmed_at_once_are_folded_into_their_month_in_shared_writes() {
        let dir = tempfile::tempdir().unwrap();
        let store = EmbeddedStore::open(dir.path()).unwrap();
        let reports = Arc::new(Reports::open(&store).await.unwrap());
        let folder = Arc::new(ReportFolder::new(reports.clone()));
        let events: Vec<Envelope> = (0..30).map(|n| confirmed(&format!("r-{n}"), 1_00)).collect();
        let month = month_of(events[0].timestamp);
        let twice = confirmed("r-0", 1_00); // delivered twice
        handle_at_once(folder, events.into_iter().chain([twice]).collect()).await;
        let item = reports.table.get(&month_key(&month, "USD")).await.unwrap().expect("the month");
        let record: MonthRecord = item.record().unwrap();
        assert_eq!((record.net_total_minor, record.order_count), (30_00, 30));
        assert!(item.version < 30, "30 orders in fewer writes of the month: {}", item.version);
    }
}
