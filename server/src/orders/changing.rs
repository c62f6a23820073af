//! Changing a stored order: optimistic locking with bounded retries, the
//! events the change announces staged in the same transaction, and for a
//! consumer the event's processed marker too (so it applies once).

use super::Orders;
use super::error::OrdersError;
use super::record::OrderRecord;
use crate::platform::consumer::processed_marker;
use crate::platform::events::Envelope;
use crate::platform::outbox;
use crate::platform::store::optimistic::{self, Attempt};
use crate::platform::store::{Condition, StoreError, WriteOp};

/// What a change makes of the order: its new state and the events that announce it, or `None`.
pub(super) type Change = Option<(OrderRecord, Vec<Envelope>)>;

impl Orders {
    /// Applies `f` to the stored order with optimistic locking, retrying when another write got there first.
    pub(super) async fn change(
        &self,
        id: &str,
        f: impl Fn(OrderRecord) -> anyhow::Result<Change>,
    ) -> Result<bool, OrdersError> {
        self.change_with(id, None, f).await.map_err(|e| match e.downcast::<StoreError>() {
            Ok(store) => OrdersError::Store(store),
            Err(other) => OrdersError::Store(StoreError::Backend(format!("{other:#}"))),
        })
    }

    /// Applies an event's change once (processed marker in the same transaction).
    pub(crate) async fn change_on_event(
        &self,
        consumer: &str,
        event: &Envelope,
        id: &str,
        f: impl Fn(OrderRecord) -> anyhow::Result<Change>,
    ) -> anyhow::Result<()> {
        self.change_with(id, Some((consumer, event)), f).await.map(drop)
    }

    async fn change_with(
        &self,
        id: &str,
        marker: Option<(&str, &Envelope)>,
        f: impl Fn(OrderRecord) -> anyhow::Result<Change>,
    ) -> anyhow::Result<bool> {
        let changed = optimistic::until_done(|| async {
            let Some((order, version)) = self.load(id).await? else {
                // Events about an order we never stored (e.g. another store's): nothing to do.
                tracing::warn!(order = %id, "event for an unknown order ignored");
                return Ok::<_, anyhow::Error>(Attempt::Done(false));
            };
            let Some((order, events)) = f(order)? else {
                return Ok(Attempt::Done(false));
            };
            let mut ops = Vec::new();
            if let Some((consumer, event)) = marker {
                ops.push(processed_marker(consumer, event)?);
            }
            let order_index = ops.len();
            let item = order.item()?;
            self.decoded.wrote(&item, order);
            ops.push(WriteOp::Put { item, condition: Condition::Version(version) });
            for event in &events {
                ops.push(outbox::stage(event)?);
            }
            match self.table.transact_write(ops).await {
                Ok(()) => {
                    if !events.is_empty() {
                        self.relay.notify();
                    }
                    Ok(Attempt::Done(true))
                }
                Err(StoreError::TransactionCancelled { index, .. }) if marker.is_some() && index == 0 => {
                    Ok(Attempt::Done(false)) // processed before
                }
                Err(StoreError::TransactionCancelled { index, .. }) if index == order_index => Ok(Attempt::Raced),
                Err(e) => Err(e.into()),
            }
        })
        .await?;
        changed.ok_or_else(|| anyhow::anyhow!("order {id} kept changing under us; will retry"))
    }
}
