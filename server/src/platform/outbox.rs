//! The transactional outbox: a service writes its state change and the events
//! announcing it in ONE store transaction (the outbox items live in the
//! service's own table, partition `OUTBOX`); a relay publishes them to the
//! hub and only then deletes them.
//!
//! A crash before the relay publishes delays events; a crash between publish
//! and delete publishes them again, which idempotent consumers absorb. No
//! event is lost and none is applied twice.
//!
//! A store that can write the hub's queues in the same commit (the embedded
//! one: [`Store::deliver_staged`](crate::platform::store::Store::deliver_staged))
//! queues a staged event there and then instead of keeping it in the outbox;
//! the relay then finds only what earlier versions left.

use crate::platform::events::Envelope;
use crate::platform::hub::{EventHub, HubError};
use crate::platform::store::relaxed::relaxed;
use crate::platform::store::{Condition, Item, Key, Query, StoreError, Table, WriteOp};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// The partition of a service's table that holds its outbox.
pub const OUTBOX: &str = "OUTBOX";

/// Events published per hub call (EventBridge's PutEvents takes at most 10).
pub const RELAY_BATCH: usize = 10;

/// How soon the relay looks again for work it was not woken for. Every commit
/// with staged events wakes it, and it looks once at start (events a crash
/// left), so this only bounds what a lost wake-up would cost: it starts at
/// [`POLL`] and doubles while the outbox stays empty, up to [`IDLE_POLL`], so
/// an idle store makes almost no calls.
const POLL: Duration = Duration::from_millis(250);
const IDLE_POLL: Duration = Duration::from_secs(8);

/// The write that puts `event` in the outbox; add it to the transaction that
/// makes the change the event announces.
pub fn stage(event: &Envelope) -> Result<WriteOp, StoreError> {
    let sk = format!("{:020}#{}", event.timestamp.unix_timestamp_nanos(), event.id);
    Ok(WriteOp::Put { item: Item::from_record(Key::new(OUTBOX, sk), event)?, condition: Condition::NotExists })
}

#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Hub(#[from] HubError),
}

/// Publishes one table's outbox.
#[derive(Clone)]
pub struct Relay {
    table: Arc<dyn Table>,
    hub: Arc<dyn EventHub>,
    wake: Arc<Notify>,
}

impl Relay {
    pub fn new(table: Arc<dyn Table>, hub: Arc<dyn EventHub>) -> Self {
        Self { table, hub, wake: Arc::new(Notify::new()) }
    }

    /// Call after committing a transaction with staged events: the relay
    /// publishes at once instead of at its next poll (unless the store
    /// delivered them in that commit, leaving nothing to publish).
    pub fn notify(&self) {
        if !self.table.delivers_staged(OUTBOX) {
            self.wake.notify_one();
        }
    }

    /// Publishes the oldest pending events (up to [`RELAY_BATCH`]), then
    /// removes them from the outbox. Returns how many were published.
    pub async fn relay_once(&self) -> Result<usize, RelayError> {
        let page = self.table.query(Query::partition(OUTBOX).limit(RELAY_BATCH)).await?;
        if page.items.is_empty() {
            return Ok(0);
        }
        let events = page.items.iter().map(Item::record::<Envelope>).collect::<Result<Vec<_>, _>>()?;
        self.hub.relay(&events).await?;
        // Published: a batch delete, not a transaction (half the cost on
        // DynamoDB); one left behind by a crash is published again, which
        // the consumers absorb; so a restart that lost it does no harm.
        relaxed(self.table.delete_batch(page.items.into_iter().map(|item| item.key).collect())).await?;
        Ok(events.len())
    }

    /// Relays until `shutdown` turns true; failures are logged and retried.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let mut backoff = POLL;
        while !*shutdown.borrow() {
            match self.relay_once().await {
                Ok(n) if n > 0 => {
                    backoff = POLL;
                    continue;
                }
                Ok(_) => backoff = (backoff * 2).min(IDLE_POLL),
                Err(e) => {
                    tracing::warn!(table = self.table.name(), error = %e, "outbox relay failed; retrying");
                    backoff = (backoff * 2).min(Duration::from_secs(10));
                }
            }
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(backoff) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    /// How many events wait in the outbox (up to 1000; for tests and metrics).
    pub async fn pending(&self) -> Result<usize, StoreError> {
        Ok(self.table.query(Query::partition(OUTBOX).limit(1000)).await?.items.len())
    }
}
