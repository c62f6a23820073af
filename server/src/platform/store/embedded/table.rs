//! One table of the embedded store: its reads, done in place or on a
//! blocking thread, and its writes, handed to the store's writer with what
//! their staged items deliver (see [`super::staged`]).

use super::codec::decode;
use super::handle::Handle;
use super::{ItemKey, Trees, apply, query, staged, writer};
use crate::platform::store::model::{Condition, Item, Key, Page, Query, TableSpec, WriteOp};
use crate::platform::store::{StoreError, Table, validate_transaction};
use async_trait::async_trait;
use redb::{Database, ReadableDatabase, ReadableTable};
use std::sync::{Arc, OnceLock};

/// One table: its trees in the store's file.
pub struct EmbeddedTable {
    pub(super) spec: TableSpec,
    pub(super) db: Arc<Handle>,
    pub(super) trees: Arc<Trees>,
    pub(super) writer: Arc<writer::Writer>,
    pub(super) route: Arc<OnceLock<staged::Route>>,
}

impl EmbeddedTable {
    async fn blocking<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Database, &Trees) -> Result<T, StoreError> + Send + 'static,
    {
        let db = self.db.clone();
        let trees = self.trees.clone();
        tokio::task::spawn_blocking(move || f(&*db.get()?, &trees))
            .await
            .map_err(|e| StoreError::Backend(format!("store task failed: {e}")))?
    }

    /// Writes `ops` in one commit, with what their staged items deliver.
    async fn write(&self, mut ops: Vec<WriteOp>, transaction: bool) -> Result<Vec<Item>, StoreError> {
        for op in &ops {
            if let WriteOp::Put { item, .. } = op {
                self.spec.check(item)?;
            }
        }
        let delivery = match self.route.get() {
            Some(route) => route.take(&self.trees, &mut ops)?,
            None => None,
        };
        let own = apply::Part { trees: self.trees.clone(), ops: apply::prepare(ops)? };
        let (parts, routed) = match delivery {
            Some((part, routed)) => (vec![own, part], Some(routed)),
            None => (vec![own], None),
        };
        // Inside `store::relaxed`: committed without waiting for the disk (see `writer`).
        let durable = !crate::platform::store::relaxed::here();
        let stored = self.writer.write(parts, transaction, durable).await?;
        if let Some(routed) = routed {
            routed.done();
        }
        Ok(stored)
    }
}

#[async_trait]
impl Table for EmbeddedTable {
    fn name(&self) -> &str {
        &self.spec.name
    }

    /// This process is the only one with the file open, so it sees every commit.
    fn changes(&self) -> Option<u64> {
        Some(self.trees.changes())
    }

    fn delivers_staged(&self, partition: &str) -> bool {
        self.route.get().is_some_and(|route| route.routes(partition, &self.trees))
    }

    /// A point read is one walk down the B-tree, microseconds from redb's
    /// cache: done in place. Handing it to a blocking thread and back cost
    /// more than the read (two thread wake-ups, seen as scheduler time in a
    /// profile of add-to-cart). Long queries still go to one (see `query`).
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        read_item(&self.db.get()?.begin_read()?.open_table(self.trees.items())?, key)
    }

    async fn put(&self, item: Item, condition: Condition) -> Result<Item, StoreError> {
        let stored = self.write(vec![WriteOp::Put { item, condition }], false).await?;
        stored.into_iter().next().ok_or_else(|| StoreError::Backend("a put stored nothing".into()))
    }

    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        self.write(vec![WriteOp::Delete { key: key.clone(), condition }], false).await.map(drop)
    }

    /// A short page (the outbox's, a queue's) is read in place like a get; a
    /// longer one, whose reading grows with its length, on a blocking thread.
    async fn query(&self, query: Query) -> Result<Page, StoreError> {
        if query.limit == 0 {
            return Err(StoreError::Invalid("query limit must be at least 1".into()));
        }
        if query.limit <= IN_PLACE_QUERY_LIMIT {
            return run_query(&*self.db.get()?, &self.trees, &query);
        }
        self.blocking(move |db, trees| run_query(db, trees, &query)).await
    }

    async fn transact_write(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        validate_transaction(&ops)?;
        self.write(ops, true).await.map(drop)
    }

    /// One request to the writer (so one commit), all-or-nothing here, which
    /// the port allows but does not promise.
    async fn delete_batch(&self, keys: Vec<Key>) -> Result<(), StoreError> {
        let mut keys = keys;
        keys.sort();
        keys.dedup();
        let ops = keys.into_iter().map(|key| WriteOp::Delete { key, condition: Condition::None }).collect();
        self.write(ops, false).await.map(drop)
    }
}

/// The item under `key` in an items tree, of a read or a write transaction.
pub(super) fn read_item(
    items: &impl ReadableTable<ItemKey<'static>, &'static [u8]>,
    key: &Key,
) -> Result<Option<Item>, StoreError> {
    match items.get((key.pk.as_str(), key.sk.as_str()))? {
        Some(bytes) => Ok(Some(decode(bytes.value())?)),
        None => Ok(None),
    }
}

/// Queries of at most this many items are read in place (see `query`).
const IN_PLACE_QUERY_LIMIT: usize = 25;

fn run_query(db: &Database, trees: &Trees, query: &Query) -> Result<Page, StoreError> {
    match &query.index {
        None => query::items(db, trees.items(), query),
        Some(index) => query::index(db, trees.index(index)?, trees.items(), query),
    }
}
