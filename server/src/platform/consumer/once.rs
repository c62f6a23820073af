//! What makes a handler idempotent: its effect written together with a
//! "processed" marker for the event id, in one transaction.

use crate::platform::events::Envelope;
use crate::platform::store::{Condition, Item, Key, StoreError, Table, WriteOp};

/// Whether an effect was applied or the event had been processed before.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    Now,
    Before,
}

/// How long a "processed" marker is kept: longer than any redelivery of its
/// event can come (a queue's retries take minutes, SQS keeps a dead letter
/// 14 days at most, a provider retries a webhook for 3 days).
pub const PROCESSED_KEPT: time::Duration = time::Duration::days(30);

/// The marker recording that `consumer` processed `event`, kept [`PROCESSED_KEPT`].
pub fn processed_marker(consumer: &str, event: &Envelope) -> Result<WriteOp, StoreError> {
    let key = Key::new(format!("PROCESSED#{consumer}"), event.id.to_string());
    let record = serde_json::json!({ "type": event.event_type, "at": event.timestamp.unix_timestamp() });
    let item = Item::new(key, record).expiring_at(time::OffsetDateTime::now_utc() + PROCESSED_KEPT);
    Ok(WriteOp::Put { item, condition: Condition::NotExists })
}

/// Writes `effect` and the processed marker in one transaction, so the
/// effect happens exactly once per event id.
pub async fn apply_once(
    table: &dyn Table,
    consumer: &str,
    event: &Envelope,
    effect: Vec<WriteOp>,
) -> Result<Applied, StoreError> {
    apply_once_all(table, consumer, &[event], effect).await
}

/// Writes `effect` and the processed markers of all of `events` in one
/// transaction (a batch of events handled together). With one event, its
/// marker found already there means [`Applied::Before`]; with several, a
/// cancelled transaction does not say which, and the caller handles them
/// one by one.
pub async fn apply_once_all(
    table: &dyn Table,
    consumer: &str,
    events: &[&Envelope],
    effect: Vec<WriteOp>,
) -> Result<Applied, StoreError> {
    let mut ops = events.iter().map(|event| processed_marker(consumer, event)).collect::<Result<Vec<_>, _>>()?;
    ops.extend(effect);
    match table.transact_write(ops).await {
        Ok(()) => Ok(Applied::Now),
        Err(StoreError::TransactionCancelled { index: 0, .. }) if events.len() == 1 => Ok(Applied::Before),
        Err(e) => Err(e),
    }
}
