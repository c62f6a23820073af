//! Delivery in the commit that stages an event (the embedded store can: see
//! [`Store::deliver_staged`](crate::platform::store::Store::deliver_staged)):
//! an event a service stages in its outbox is queued for each consumer
//! subscribed to it in the service's own transaction, exactly as a publish
//! would queue it, and its consumers are woken once that commit is done.
//! Nothing is left in the outbox for the relay, which still publishes what
//! earlier versions left there.

use super::{EmbeddedHub, now_ms, queue};
use crate::platform::store::{Item, Key, StagedDelivery, StoreError, WriteOp};
use std::borrow::Cow;
use uuid::Uuid;

/// What delivering needs of an envelope (see [`Envelope`](crate::platform::events::Envelope)).
#[derive(serde::Deserialize)]
struct Addressed<'a> {
    id: Uuid,
    #[serde(rename = "type", borrow)]
    event_type: Cow<'a, str>,
}

impl StagedDelivery for EmbeddedHub {
    fn table(&self) -> &str {
        self.table.name()
    }

    /// Reads of the staged envelope only its id and type, and queues its
    /// JSON as it is (decoding it whole and encoding it again for each
    /// consumer was most of a staged event's cost).
    fn deliver(&self, staged: &Item) -> Result<Vec<WriteOp>, StoreError> {
        staged.attrs.with_json(|json| {
            let event: Addressed = serde_json::from_str(json.get())
                .map_err(|e| StoreError::Invalid(format!("staged item {} is no event: {e}", staged.key)))?;
            let now = now_ms();
            let consumers = self.subscriptions.iter().filter(|s| s.wants(&event.event_type));
            consumers.map(|s| self.enqueue_json(&s.consumer, &event.id, json, 0, now)).collect()
        })?
    }

    fn delivered(&self, written: &[Key]) {
        for sub in &self.subscriptions {
            if written.iter().any(|key| key.pk == queue(&sub.consumer)) {
                self.wake(&sub.consumer);
            }
        }
    }
}
