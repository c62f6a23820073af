//! Queueing: the puts that queue an event for each consumer subscribed to
//! it, its envelope encoded once for all of them (or taken as staged).

use super::{EmbeddedHub, now_ms, queue};
use crate::platform::events::Envelope;
use crate::platform::hub::HubError;
use crate::platform::store::{Condition, Item, Key, StoreError, WriteOp};
use serde::Serialize;
use serde_json::value::{RawValue, to_raw_value};
use std::sync::atomic::Ordering;
use uuid::Uuid;

/// A [`Message`](super::Message) as it is queued: its envelope's JSON as it is, once for
/// every consumer it goes to (not encoded again for each).
#[derive(Serialize)]
struct Queued<'a> {
    envelope: &'a RawValue,
    receive_count: u32,
}

/// The envelope's JSON, to queue once for every consumer it goes to.
fn encoded(envelope: &Envelope) -> Result<Box<RawValue>, StoreError> {
    to_raw_value(envelope).map_err(|e| StoreError::Invalid(format!("unencodable event: {e}")))
}

impl EmbeddedHub {
    fn message_key(&self, consumer: &str, visible_at_ms: u64, event_id: &Uuid) -> Key {
        let seq = self.sequence.fetch_add(1, Ordering::Relaxed);
        Key::new(queue(consumer), format!("{visible_at_ms:013}#{seq:012}#{}#{event_id}", self.run))
    }

    /// The put that queues `envelope` for `consumer`, due at `visible_at_ms`.
    pub(super) fn enqueue_op(
        &self,
        consumer: &str,
        envelope: &Envelope,
        receive_count: u32,
        visible_at_ms: u64,
    ) -> Result<WriteOp, StoreError> {
        self.enqueue_json(consumer, &envelope.id, &encoded(envelope)?, receive_count, visible_at_ms)
    }

    /// The put that queues the event whose envelope is `json` for `consumer`.
    pub(super) fn enqueue_json(
        &self,
        consumer: &str,
        event_id: &Uuid,
        json: &RawValue,
        receive_count: u32,
        visible_at_ms: u64,
    ) -> Result<WriteOp, StoreError> {
        let key = self.message_key(consumer, visible_at_ms, event_id);
        let message = Queued { envelope: json, receive_count };
        Ok(WriteOp::Put { item: Item::from_record(key, &message)?, condition: Condition::NotExists })
    }

    /// Queues each event for every consumer subscribed to it, and wakes their receivers.
    pub(super) async fn enqueue(&self, events: &[Envelope]) -> Result<(), HubError> {
        let now = now_ms();
        let mut ops = Vec::new();
        let mut woken = Vec::new();
        for event in events {
            let json = encoded(event)?;
            for sub in self.subscriptions.iter().filter(|s| s.wants(&event.event_type)) {
                ops.push(self.enqueue_json(&sub.consumer, &event.id, &json, 0, now)?);
                woken.push(sub.consumer.as_str());
            }
        }
        for chunk in ops.chunks(crate::platform::store::MAX_TRANSACTION_OPS) {
            self.table.transact_write(chunk.to_vec()).await?;
        }
        woken.into_iter().for_each(|c| self.wake(c));
        Ok(())
    }
}
