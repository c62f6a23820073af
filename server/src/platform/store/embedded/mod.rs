//! The embedded backend of the store port: one redb database file per table
//! under the data directory (`<data-dir>/<table>.redb`).
//!
//! redb is an ACID, crash-safe B-tree store; every write transaction commits
//! with fsync (redb's default `Durability::Immediate`), and a write is
//! acknowledged only after the commit covering it, so it survives a crash.
//! Concurrent writes to a table share one commit ([`writer`]: group commit).
//! Items live in the `items` tree keyed by
//! `(pk, sk)`; each secondary index is a tree keyed by
//! `(index pk, index sk, pk, sk)` kept in step inside the same transaction.

mod apply;
mod file;
mod query;
mod writer;

use super::model::{Condition, Item, Key, Page, Query, TableSpec, WriteOp};
use super::{Store, StoreError, Table, validate_transaction};
use async_trait::async_trait;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

pub(super) const ITEMS: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("items");

pub(super) type IndexKey<'a> = (&'a str, &'a str, &'a str, &'a str);

pub(super) fn index_table(name: &str) -> TableDefinition<'_, IndexKey<'static>, ()> {
    TableDefinition::new(name)
}

macro_rules! backend_errors {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self {
                StoreError::Backend(e.to_string())
            }
        }
    )*};
}
backend_errors!(
    redb::Error,
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

/// The embedded store: a directory of redb files, one per table.
pub struct EmbeddedStore {
    dir: PathBuf,
    /// Open tables, so a second `open_table` shares the one database handle
    /// (redb allows one handle per file per process).
    open: Mutex<HashMap<String, Arc<EmbeddedTable>>>,
}

impl EmbeddedStore {
    /// A store keeping its files under `dir` (created if missing).
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, StoreError> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)
            .map_err(|e| StoreError::Backend(format!("cannot create {}: {e}", dir.display())))?;
        Ok(Self { dir, open: Mutex::new(HashMap::new()) })
    }
}

#[async_trait]
impl Store for EmbeddedStore {
    async fn open_table(&self, spec: &TableSpec) -> Result<Arc<dyn Table>, StoreError> {
        if !valid_table_name(&spec.name) {
            return Err(StoreError::Invalid(format!("bad table name {:?}", spec.name)));
        }
        if let Some(table) = self.open.lock().expect("store lock").get(&spec.name) {
            return Ok(table.clone());
        }
        let path = self.dir.join(format!("{}.redb", spec.name));
        let spec = spec.clone();
        let table = tokio::task::spawn_blocking(move || EmbeddedTable::open(path, spec))
            .await
            .map_err(|e| StoreError::Backend(format!("open task failed: {e}")))??;
        let table = Arc::new(table);
        let mut open = self.open.lock().expect("store lock");
        Ok(open.entry(table.spec.name.clone()).or_insert(table).clone())
    }
}

fn valid_table_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 200
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// One table: a redb database file.
pub struct EmbeddedTable {
    spec: TableSpec,
    db: Arc<Database>,
    /// redb tree names of the declared indexes, by index name.
    index_trees: Arc<HashMap<String, String>>,
    writer: writer::Writer,
}

impl EmbeddedTable {
    fn open(path: PathBuf, spec: TableSpec) -> Result<Self, StoreError> {
        let index_trees: HashMap<String, String> =
            spec.indexes.iter().map(|i| (i.clone(), format!("index:{i}"))).collect();
        // Create every tree up front so read transactions can always open them
        // (again on every open: a table may have gained an index).
        let db = file::open_or_create(&path, |db| {
            let txn = db.begin_write()?;
            txn.open_table(ITEMS)?;
            for tree in index_trees.values() {
                txn.open_table(index_table(tree))?;
            }
            Ok(txn.commit()?)
        })?;
        let (db, index_trees) = (Arc::new(db), Arc::new(index_trees));
        let writer = writer::Writer::start(&spec.name, db.clone(), index_trees.clone())?;
        Ok(Self { spec, db, index_trees, writer })
    }

    async fn blocking<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Database, &HashMap<String, String>) -> Result<T, StoreError> + Send + 'static,
    {
        let db = self.db.clone();
        let trees = self.index_trees.clone();
        tokio::task::spawn_blocking(move || f(&db, &trees))
            .await
            .map_err(|e| StoreError::Backend(format!("store task failed: {e}")))?
    }
}

#[async_trait]
impl Table for EmbeddedTable {
    fn name(&self) -> &str {
        &self.spec.name
    }

    /// A point read is one walk down the B-tree, microseconds from redb's
    /// cache: done in place. Handing it to a blocking thread and back cost
    /// more than the read (two thread wake-ups, seen as scheduler time in a
    /// profile of add-to-cart). Long queries still go to one (see `query`).
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        read_item(&self.db.begin_read()?.open_table(ITEMS)?, key)
    }

    async fn put(&self, item: Item, condition: Condition) -> Result<Item, StoreError> {
        let stored = self.writer.write(vec![WriteOp::Put { item, condition }], false).await?;
        stored.into_iter().next().ok_or_else(|| StoreError::Backend("a put stored nothing".into()))
    }

    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        self.writer.write(vec![WriteOp::Delete { key: key.clone(), condition }], false).await.map(drop)
    }

    /// A short page (the outbox's, a queue's) is read in place like a get; a
    /// longer one, whose reading grows with its length, on a blocking thread.
    async fn query(&self, query: Query) -> Result<Page, StoreError> {
        if query.limit == 0 {
            return Err(StoreError::Invalid("query limit must be at least 1".into()));
        }
        if query.limit <= IN_PLACE_QUERY_LIMIT {
            return run_query(&self.db, &self.index_trees, &query);
        }
        self.blocking(move |db, trees| run_query(db, trees, &query)).await
    }

    async fn transact_write(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        validate_transaction(&ops)?;
        self.writer.write(ops, true).await.map(drop)
    }

    /// One request to the writer (so one commit), all-or-nothing here, which
    /// the port allows but does not promise.
    async fn delete_batch(&self, keys: Vec<Key>) -> Result<(), StoreError> {
        let mut keys = keys;
        keys.sort();
        keys.dedup();
        let ops = keys.into_iter().map(|key| WriteOp::Delete { key, condition: Condition::None }).collect();
        self.writer.write(ops, false).await.map(drop)
    }
}

/// The item under `key` in an items tree, of a read or a write transaction.
pub(super) fn read_item(
    items: &impl ReadableTable<(&'static str, &'static str), &'static [u8]>,
    key: &Key,
) -> Result<Option<Item>, StoreError> {
    match items.get((key.pk.as_str(), key.sk.as_str()))? {
        Some(bytes) => Ok(Some(decode(bytes.value())?)),
        None => Ok(None),
    }
}

/// Queries of at most this many items are read in place (see `query`).
const IN_PLACE_QUERY_LIMIT: usize = 25;

fn run_query(db: &Database, trees: &HashMap<String, String>, query: &Query) -> Result<Page, StoreError> {
    match &query.index {
        None => query::items(db, query),
        Some(index) => {
            let tree = trees.get(index).ok_or_else(|| StoreError::Invalid(format!("no index named {index:?}")))?;
            query::index(db, tree, query)
        }
    }
}

pub(super) fn encode(item: &Item) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(item).map_err(|e| StoreError::Invalid(format!("unencodable item: {e}")))
}

pub(super) fn decode(bytes: &[u8]) -> Result<Item, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Backend(format!("corrupt item: {e}")))
}
