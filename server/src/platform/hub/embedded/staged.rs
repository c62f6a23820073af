//! Delivery in the commit that stages an event (the embedded store can: see
//! [`Store::deliver_staged`](crate::platform::store::Store::deliver_staged)):
//! an event a service stages in its outbox is queued for each consumer
//! subscribed to it in the service's own transaction, exactly as a publish
//! would queue it, and its consumers are woken once that commit is done.
//! Nothing is left in the outbox for the relay, which still publishes what
//! earlier versions left there.

use super::{EmbeddedHub, now_ms, queue};
use crate::platform::events::Envelope;
use crate::platform::store::{Item, Key, StagedDelivery, StoreError, WriteOp};

impl StagedDelivery for EmbeddedHub {
    fn table(&self) -> &str {
        self.table.name()
    }

    fn deliver(&self, staged: &Item) -> Result<Vec<WriteOp>, StoreError> {
        let event: Envelope = staged.record()?;
        let now = now_ms();
        let consumers = self.subscriptions.iter().filter(|s| s.wants(&event.event_type));
        consumers.map(|s| self.enqueue_op(&s.consumer, &event, 0, now)).collect()
    }

    fn delivered(&self, written: &[Key]) {
        for sub in &self.subscriptions {
            if written.iter().any(|key| key.pk == queue(&sub.consumer)) {
                self.wake(&sub.consumer);
            }
        }
    }
}
