//! The embedded event hub: one durable queue per consumer, in a store table
//! (`hub`) next to the fault log.
//!
//! A queued message is an item in partition `QUEUE#<consumer>` whose sort key
//! starts with the time it becomes visible (`<ms since epoch, 13 digits>#…`),
//! so the queue reads in the order its messages fall due. A message queued
//! by this run is received without a write (its lease is kept in memory, see
//! [`leases`]); one queued before this run started is claimed durably,
//! re-keyed in a version-checked transaction (see [`claims`], with the
//! redrive policy). One look at the queue gives what is due and when the next
//! message is (see [`receiving`]). Delaying and acknowledging re-key or
//! delete the item. Two receivers never get the same message at once. An
//! event is encoded once for all its consumers (see [`queueing`]).
//!
//! [`leases`]: super::leases

use super::leases::{self, Leases};
use super::{Delivery, EventHub, Fault, FaultLog, HubError, Subscription, VISIBILITY_TIMEOUT};
use crate::platform::events::Envelope;
use crate::platform::store::relaxed::relaxed;
use crate::platform::store::{Condition, Item, Key, Store, StoreError, Table, TableSpec, WriteOp};
use async_trait::async_trait;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::Notify;

/// The hub's table (platform-owned; no service reads it).
pub fn spec() -> TableSpec {
    TableSpec::new("hub")
}

#[derive(Deserialize)]
pub(super) struct Message {
    envelope: Envelope,
    receive_count: u32,
}

mod claims;
mod queueing;
mod receiving;
mod staged;

pub struct EmbeddedHub {
    table: Arc<dyn Table>,
    /// The same table for what a restart does again: relayed publishes, acks.
    faults: FaultLog,
    subscriptions: Vec<Subscription>,
    /// Wakes a consumer's waiting receiver when something is queued for it.
    wake: HashMap<String, Arc<Notify>>,
    /// Orders messages queued in the same millisecond.
    sequence: AtomicU64,
    /// Names this run in the keys of the messages it queues: those are
    /// received on a lease in memory.
    run: String,
    leases: Leases,
    visibility_timeout: Duration,
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("clock after 1970").as_millis() as u64
}

fn queue(consumer: &str) -> String {
    format!("QUEUE#{consumer}")
}

impl EmbeddedHub {
    pub async fn open(store: &dyn Store, subscriptions: Vec<Subscription>) -> Result<Self, StoreError> {
        let table = store.open_table(&spec()).await?;
        let wake = subscriptions.iter().map(|s| (s.consumer.clone(), Arc::new(Notify::new()))).collect();
        Ok(Self {
            faults: FaultLog::new(table.clone()),
            table,
            subscriptions,
            wake,
            sequence: AtomicU64::new(0),
            run: uuid::Uuid::new_v4().simple().to_string()[..12].to_string(),
            leases: Leases::default(),
            visibility_timeout: VISIBILITY_TIMEOUT,
        })
    }

    /// Shortens the visibility timeout (tests of crashed consumers).
    pub fn with_visibility_timeout(mut self, timeout: Duration) -> Self {
        self.visibility_timeout = timeout;
        self
    }

    /// Whether this run queued the message under `key` (a key from an earlier
    /// run, or from before runs were named, has another third part).
    fn queued_by_this_run(&self, key: &Key) -> bool {
        key.sk.split('#').nth(2) == Some(self.run.as_str())
    }

    fn check_consumer(&self, consumer: &str) -> Result<(), HubError> {
        if self.wake.contains_key(consumer) { Ok(()) } else { Err(HubError::UnknownConsumer(consumer.into())) }
    }

    fn wake(&self, consumer: &str) {
        if let Some(notify) = self.wake.get(consumer) {
            notify.notify_one();
        }
    }

    /// The message's key, if `delivery` is still its latest receive: a lease
    /// must be this receive's; a durable claim's key is this receive's alone.
    fn receipt_key(&self, delivery: &Delivery) -> Result<Key, HubError> {
        let (sk, leased) = leases::parse(&delivery.receipt);
        let key = Key::new(queue(&delivery.consumer), sk);
        match leased {
            Some(count) if self.leases.get(&key).map(|lease| lease.receive_count) != Some(count) => {
                Err(HubError::StaleReceipt(delivery.receipt.clone()))
            }
            _ => Ok(key),
        }
    }

    async fn current(&self, delivery: &Delivery) -> Result<Item, HubError> {
        let key = self.receipt_key(delivery)?;
        self.table.get(&key).await?.ok_or_else(|| HubError::StaleReceipt(delivery.receipt.clone()))
    }

    /// Queues the delivered message again, due after `delay`, as received
    /// `receive_count` times so far.
    async fn requeue(&self, delivery: &Delivery, delay: Duration, receive_count: u32) -> Result<(), HubError> {
        let item = self.current(delivery).await?;
        let visible_at = now_ms() + delay.as_millis() as u64;
        let ops = vec![
            WriteOp::Delete { key: item.key.clone(), condition: Condition::Version(item.version) },
            self.enqueue_op(&delivery.consumer, &delivery.envelope, receive_count, visible_at)?,
        ];
        match self.table.transact_write(ops).await {
            Ok(()) => {
                self.leases.end(&item.key, delivery.receive_count);
                Ok(())
            }
            Err(StoreError::TransactionCancelled { .. }) => Err(HubError::StaleReceipt(delivery.receipt.clone())),
            Err(e) => Err(e.into()),
        }
    }
}

#[async_trait]
impl EventHub for EmbeddedHub {
    async fn publish(&self, events: &[Envelope]) -> Result<(), HubError> {
        self.enqueue(events).await
    }

    async fn relay(&self, events: &[Envelope]) -> Result<(), HubError> {
        relaxed(self.enqueue(events)).await
    }

    async fn receive(&self, consumer: &str, max: usize, wait: Duration) -> Result<Vec<Delivery>, HubError> {
        self.check_consumer(consumer)?;
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let taken = self.take_due(consumer, max.max(1)).await?;
            let now = tokio::time::Instant::now();
            if !taken.deliveries.is_empty() || now >= deadline {
                return Ok(taken.deliveries);
            }
            // Asleep until a publish wakes it, or the next message becomes
            // due (a delayed retry, a visibility timeout running out).
            let nap = match taken.next_due_in {
                Some(due) => due.clamp(Duration::from_millis(1), deadline - now),
                None => deadline - now,
            };
            let _ = tokio::time::timeout(nap, self.wake[consumer].notified()).await;
        }
    }

    /// Deletes what is under the receipt's key, if anything: one write, no read.
    async fn ack(&self, delivery: &Delivery) -> Result<(), HubError> {
        let key = self.receipt_key(delivery)?;
        match relaxed(self.table.delete(&key, Condition::Exists)).await {
            Ok(()) => {
                self.leases.end(&key, delivery.receive_count);
                Ok(())
            }
            Err(StoreError::ConditionFailed(_)) => Err(HubError::StaleReceipt(delivery.receipt.clone())),
            Err(e) => Err(e.into()),
        }
    }

    /// One write for all of them: their receipts' keys deleted in one request
    /// to the store's writer, as one commit holds them anyway. A receipt
    /// whose lease another receive has taken since is stale, left alone, and
    /// the error once the rest are done. (Unlike [`ack`](Self::ack), the
    /// delete has no condition: the receipt of a message claimed again since,
    /// whose key the new claim removed, deletes nothing and says nothing. A
    /// batch of one is acknowledged by `ack`, as every event was before.)
    async fn ack_all(&self, deliveries: &[&Delivery]) -> Result<(), HubError> {
        if let [delivery] = deliveries {
            return self.ack(delivery).await;
        }
        let (mut acked, mut stale) = (Vec::with_capacity(deliveries.len()), None);
        for delivery in deliveries {
            match self.receipt_key(delivery) {
                Ok(key) => acked.push((key, delivery.receive_count)),
                Err(e) => stale = stale.or(Some(e)),
            }
        }
        if !acked.is_empty() {
            relaxed(self.table.delete_batch(acked.iter().map(|(key, _)| key.clone()).collect())).await?;
            acked.iter().for_each(|(key, receive_count)| self.leases.end(key, *receive_count));
        }
        stale.map_or(Ok(()), Err)
    }

    async fn retry_later(&self, delivery: &Delivery, delay: Duration) -> Result<(), HubError> {
        self.requeue(delivery, delay, delivery.receive_count).await
    }

    async fn defer(&self, delivery: &Delivery, delay: Duration) -> Result<(), HubError> {
        self.requeue(delivery, delay, delivery.receive_count - 1).await
    }

    async fn dead_letter(&self, delivery: &Delivery, error: &str) -> Result<Fault, HubError> {
        let item = self.current(delivery).await?;
        let fault = Fault::new(&delivery.consumer, &delivery.envelope, error, delivery.receive_count);
        self.move_to_faults(&item, &fault).await?;
        self.leases.end(&item.key, delivery.receive_count);
        Ok(fault)
    }

    async fn faults(&self) -> Result<Vec<Fault>, HubError> {
        Ok(self.faults.list().await?)
    }

    async fn resubmit(&self, fault_id: &str) -> Result<Fault, HubError> {
        let fault = self.faults.get(fault_id).await?.ok_or_else(|| HubError::UnknownFault(fault_id.into()))?;
        // No subscription check: the CLI resubmits without running consumers;
        // the event waits in the queue until its consumer runs.
        let ops = vec![FaultLog::remove_op(&fault.id), self.enqueue_op(&fault.consumer, &fault.event, 0, now_ms())?];
        match self.table.transact_write(ops).await {
            Err(StoreError::TransactionCancelled { .. }) => return Err(HubError::UnknownFault(fault_id.into())),
            other => other?,
        }
        self.wake(&fault.consumer);
        Ok(fault)
    }
}
