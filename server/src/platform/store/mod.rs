//! The store port: a DynamoDB-shaped table API that every service uses for its
//! ONE table.
//!
//! The shape is deliberately DynamoDB's (items keyed by `pk`/`sk`, secondary
//! indexes, conditional writes, optimistic versions, partition queries with
//! sort-key conditions, and small all-or-nothing transactions) so that the
//! embedded backend and a DynamoDB backend are interchangeable and can be held
//! to the same [`conformance`] suite.

mod attrs;
mod combine;
pub mod conformance;
pub mod counter;
mod decoded;
#[cfg(feature = "aws")]
pub mod dynamodb;
mod embedded;
mod metered;
mod model;
pub mod optimistic;
mod read_cache;
pub mod relaxed;
mod turns;
mod watched;

pub use combine::{Abandoned, Combiner, together_or_alone};
pub use decoded::Decoded;
pub use embedded::EmbeddedStore;
pub use metered::MeteredStore;
pub use model::{Attrs, Condition, Cursor, Item, Key, Page, Query, SortKeyCondition, TableSpec, WriteOp};
pub use read_cache::ReadCache;
pub use turns::{Held, Turns};
pub use watched::{Watch, Watched};

use async_trait::async_trait;
use std::sync::{Arc, Weak};

/// The most operations one transaction may hold (DynamoDB's TransactWriteItems limit).
pub const MAX_TRANSACTION_OPS: usize = 100;

/// Why a store call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The write's condition did not hold; nothing was written.
    #[error("condition failed for {0}")]
    ConditionFailed(Key),
    /// A transaction was cancelled because operation `index` failed its condition;
    /// none of its operations were applied.
    #[error("transaction cancelled: operation {index} on {key} failed its condition")]
    TransactionCancelled { index: usize, key: Key },
    /// The request itself is malformed (e.g. an undeclared index, two operations on one item).
    #[error("invalid store request: {0}")]
    Invalid(String),
    /// The backend failed (I/O, corruption, network). Retrying may help.
    #[error("store backend failure: {0}")]
    Backend(String),
}

/// One service's table.
#[async_trait]
pub trait Table: Send + Sync {
    /// The table's name (unique per store).
    fn name(&self) -> &str;

    /// Reads one item.
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError>;

    /// Writes `item` if `condition` holds and returns it as stored, with its
    /// new version (1 for a new item, previous + 1 otherwise).
    async fn put(&self, item: Item, condition: Condition) -> Result<Item, StoreError>;

    /// Deletes an item if `condition` holds. Deleting a missing item with
    /// [`Condition::None`] succeeds.
    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError>;

    /// Reads one partition (of the table or of a declared index) in sort-key order.
    async fn query(&self, query: Query) -> Result<Page, StoreError>;

    /// Applies every operation or none of them.
    async fn transact_write(&self, ops: Vec<WriteOp>) -> Result<(), StoreError>;

    /// Deletes the items of `keys` (missing ones too) without conditions and
    /// without all-or-nothing, as DynamoDB's BatchWriteItem does at half the
    /// cost of a transaction: when it fails, some may be deleted. For
    /// clean-ups that are harmless to redo (the outbox after publishing).
    async fn delete_batch(&self, keys: Vec<Key>) -> Result<(), StoreError>;

    /// A count that grows with every commit writing this table, where this
    /// process makes every write to it and so sees each one (the embedded
    /// store: one process holds its file). Read before reading the table, it
    /// tells whether what was read may have changed since ([`ReadCache`]).
    /// `None` where other processes write the table too (DynamoDB): by default.
    fn changes(&self) -> Option<u64> {
        None
    }

    /// Whether puts into `partition` are handed on in their commit
    /// ([`Store::deliver_staged`]) instead of kept, so nothing waits there
    /// for a relay. By default, no.
    fn delivers_staged(&self, partition: &str) -> bool {
        let _ = partition;
        false
    }

    /// Writes `item` only if the stored version still equals `item.version`
    /// (optimistic locking): the read-modify-write primitive.
    async fn update(&self, item: Item) -> Result<Item, StoreError> {
        let expected = item.version;
        self.put(item, Condition::Version(expected)).await
    }
}

/// DynamoDB's rules for a transaction, enforced by every backend:
/// 1 to [`MAX_TRANSACTION_OPS`] operations, at most one per item.
pub(crate) fn validate_transaction(ops: &[WriteOp]) -> Result<(), StoreError> {
    if ops.is_empty() || ops.len() > MAX_TRANSACTION_OPS {
        return Err(StoreError::Invalid(format!(
            "a transaction holds 1 to {MAX_TRANSACTION_OPS} operations, not {}",
            ops.len()
        )));
    }
    let mut seen = std::collections::HashSet::new();
    match ops.iter().find(|op| !seen.insert(op.key())) {
        Some(op) => Err(StoreError::Invalid(format!("two operations on item {}", op.key()))),
        None => Ok(()),
    }
}

/// A set of tables: the embedded database directory, or a DynamoDB account.
#[async_trait]
pub trait Store: Send + Sync {
    /// Opens (creating if needed) the table described by `spec`.
    async fn open_table(&self, spec: &TableSpec) -> Result<Arc<dyn Table>, StoreError>;

    /// Hands what any table's writes put in `partition` (the services'
    /// outboxes) to `to` inside the commit that puts it, instead of storing
    /// it there, when the backend can write `to`'s table in the same commit.
    /// Returns whether it does; by default it does not, and what is put
    /// stays until a relay has published it. `to` is held weakly: once it
    /// is dropped, puts are stored as before.
    fn deliver_staged(&self, partition: &str, to: Weak<dyn StagedDelivery>) -> bool {
        let _ = (partition, to);
        false
    }
}

/// Where a backend that can ([`Store::deliver_staged`]) delivers staged
/// items (an outbox's events) in the commit that stages them.
pub trait StagedDelivery: Send + Sync {
    /// The table the deliveries are written to (opened on the same store).
    fn table(&self) -> &str;

    /// The writes that deliver `staged`, made part of the commit that stages it.
    fn deliver(&self, staged: &Item) -> Result<Vec<WriteOp>, StoreError>;

    /// Called once the commit holding one request's deliveries is done, with
    /// the keys they wrote.
    fn delivered(&self, written: &[Key]);
}
