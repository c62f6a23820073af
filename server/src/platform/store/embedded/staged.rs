//! Staged items delivered in the commit that stages them
//! ([`Store::deliver_staged`](crate::platform::store::Store::deliver_staged)).
//!
//! Every table of the store shares one file, so a service's write and the
//! hub's queue entries for the events it stages can be one redb
//! transaction: the events are delivered exactly when the change they
//! announce is committed, with no relay reading the outbox, publishing and
//! deleting in commits of their own. A staged put keeps its place in the
//! request as a check of its condition (so a refusal still names the
//! caller's operation) and writes nothing in its own table.

use super::Trees;
use super::apply::{Part, prepare};
use crate::platform::store::model::{Key, WriteOp};
use crate::platform::store::{StagedDelivery, StoreError};
use std::sync::{Arc, Weak};

/// Where puts into `partition` go: `to`'s writes, in `trees`' table.
pub(super) struct Route {
    pub(super) partition: String,
    pub(super) trees: Arc<Trees>,
    pub(super) to: Weak<dyn StagedDelivery>,
}

/// Who to tell once one request's deliveries are committed, and what they wrote.
pub(super) struct Routed {
    to: Arc<dyn StagedDelivery>,
    written: Vec<Key>,
}

impl Routed {
    /// Tells the receiver its writes are committed.
    pub(super) fn done(self) {
        self.to.delivered(&self.written);
    }
}

impl Route {
    /// Whether puts into `partition` of the table of `trees` are delivered
    /// (never the receiver's own table), while the receiver lives.
    pub(super) fn routes(&self, partition: &str, trees: &Arc<Trees>) -> bool {
        partition == self.partition && self.serves(trees) && self.to.strong_count() > 0
    }

    /// Whether writes to the table of `trees` are routed: any but the receiver's own.
    fn serves(&self, trees: &Arc<Trees>) -> bool {
        !Arc::ptr_eq(&self.trees, trees)
    }

    /// Turns the puts of `ops` (a write to the table of `trees`) into this
    /// route's partition into checks and returns their deliveries, as the
    /// request's part in the receiver's table; `None` when there are none,
    /// or when they are not routed (the puts are then stored as they are).
    pub(super) fn take(&self, trees: &Arc<Trees>, ops: &mut [WriteOp]) -> Result<Option<(Part, Routed)>, StoreError> {
        let staged = |op: &WriteOp| matches!(op, WriteOp::Put { item, .. } if item.key.pk == self.partition);
        if !self.serves(trees) || !ops.iter().any(staged) {
            return Ok(None);
        }
        let Some(to) = self.to.upgrade() else { return Ok(None) };
        let mut writes = Vec::new();
        for op in ops.iter_mut() {
            if let WriteOp::Put { item, condition } = op
                && item.key.pk == self.partition
            {
                writes.extend(to.deliver(item)?);
                let check = WriteOp::Check { key: item.key.clone(), condition: *condition };
                *op = check;
            }
        }
        let written = writes.iter().map(|w| w.key().clone()).collect();
        Ok(Some((Part { trees: self.trees.clone(), ops: prepare(writes)? }, Routed { to, written })))
    }
}
