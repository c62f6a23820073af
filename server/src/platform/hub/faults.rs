//! The fault log: events a consumer could not handle, with the error, kept in
//! a store table so they survive restarts and can be resubmitted.

use super::{EventHub, HubError};
use crate::platform::events::{DomainEvent, Envelope, derive_id};
use crate::platform::store::{Condition, Item, Key, Query, StoreError, Table, WriteOp};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use time::OffsetDateTime;

const FAULTS: &str = "FAULT";

/// A dead-lettered event and why. Also published as a `FaultRecorded` event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fault {
    /// Deterministic per (consumer, event): the same failure is one fault.
    pub id: String,
    pub consumer: String,
    pub error: String,
    pub attempts: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub failed_at: OffsetDateTime,
    /// The original event, untouched.
    pub event: Envelope,
}

impl DomainEvent for Fault {
    const TYPE: &'static str = "FaultRecorded";

    fn partition_key(&self) -> String {
        self.consumer.clone()
    }

    fn occurrence(&self) -> String {
        self.id.clone()
    }
}

impl Fault {
    /// The redrive policy's fault: received too often without an acknowledgement
    /// (a consumer that crashed or timed out), so no handler error is known.
    pub fn exhausted(consumer: &str, event: &Envelope, attempts: u32) -> Self {
        Self::new(consumer, event, "delivery attempts exhausted without acknowledgement", attempts)
    }

    pub fn new(consumer: &str, event: &Envelope, error: &str, attempts: u32) -> Self {
        Self {
            id: derive_id("platform", Self::TYPE, consumer, &event.id.to_string()).simple().to_string(),
            consumer: consumer.into(),
            error: error.into(),
            attempts,
            failed_at: OffsetDateTime::now_utc(),
            event: event.clone(),
        }
    }
}

/// Says a fault happened, wherever it was recorded: an error log line and a
/// `FaultRecorded` event for whoever watches for faults.
pub(super) async fn announce(hub: &(dyn EventHub + '_), fault: &Fault) -> Result<(), HubError> {
    tracing::error!(
        consumer = %fault.consumer,
        event = %fault.event.id,
        event_type = %fault.event.event_type,
        error = %fault.error,
        fault = %fault.id,
        "event dead-lettered"
    );
    hub.publish(&[Envelope::new("platform", fault, "", fault.event.trace().as_ref())]).await
}

/// Faults in a store table (partition `FAULT`, sorted by id).
#[derive(Clone)]
pub struct FaultLog {
    table: Arc<dyn Table>,
}

impl FaultLog {
    pub fn new(table: Arc<dyn Table>) -> Self {
        Self { table }
    }

    fn key(id: &str) -> Key {
        Key::new(FAULTS, id)
    }

    /// The write that records `fault` (idempotent: the same fault overwrites itself).
    pub fn record_op(fault: &Fault) -> Result<WriteOp, StoreError> {
        Ok(WriteOp::Put { item: Item::from_record(Self::key(&fault.id), fault)?, condition: Condition::None })
    }

    pub fn remove_op(id: &str) -> WriteOp {
        WriteOp::Delete { key: Self::key(id), condition: Condition::Exists }
    }

    pub async fn record(&self, fault: &Fault) -> Result<(), StoreError> {
        self.table.transact_write(vec![Self::record_op(fault)?]).await
    }

    pub async fn remove(&self, id: &str) -> Result<(), StoreError> {
        self.table.delete(&Self::key(id), Condition::None).await
    }

    pub async fn get(&self, id: &str) -> Result<Option<Fault>, StoreError> {
        self.table.get(&Self::key(id)).await?.map(|item| item.record()).transpose()
    }

    /// All faults, oldest first.
    pub async fn list(&self) -> Result<Vec<Fault>, StoreError> {
        let mut faults = Vec::new();
        let mut cursor = None;
        loop {
            let page = self.table.query(Query::partition(FAULTS).start_after(cursor)).await?;
            for item in &page.items {
                faults.push(item.record::<Fault>()?);
            }
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        faults.sort_by_key(|f| f.failed_at);
        Ok(faults)
    }
}
