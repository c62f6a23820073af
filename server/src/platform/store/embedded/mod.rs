//! The embedded backend of the store port: every table of a store in one
//! redb database file under the data directory (`<data-dir>/store.redb`).
//!
//! redb is an ACID, crash-safe B-tree store; every write transaction commits
//! with fsync (redb's default `Durability::Immediate`), and a write is
//! acknowledged only after the commit covering it, so it survives a crash.
//! The exception is asked for by name: a [`Table::relaxed`] handle's writes
//! (what a restart does again) commit without waiting for the disk, and
//! become durable with the next commit that does.
//! Concurrent writes share one commit ([`writer`]: group commit), whichever
//! tables they touch: one file means one fsync for all of them, where a file
//! per table made the disk flush each file on its own. A table is still its
//! own trees, reached only through its [`Table`]: its items keyed by
//! `(pk, sk)`, and each secondary index a tree keyed by
//! `(index pk, index sk, pk, sk)` kept in step inside the same transaction.
//! Tables written by earlier versions, one file each, move in when first
//! opened ([`migrate`]).

mod apply;
mod codec;
mod file;
mod migrate;
mod query;
mod staged;
mod writer;

use super::model::{Condition, Item, Key, Page, Query, TableSpec, WriteOp};
use super::{StagedDelivery, Store, StoreError, Table, validate_transaction};
use async_trait::async_trait;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock, Weak};

/// The file holding every table, in the data directory.
const FILE: &str = "store.redb";

pub(super) type ItemKey<'a> = (&'a str, &'a str);
pub(super) type IndexKey<'a> = (&'a str, &'a str, &'a str, &'a str);
pub(super) type ItemsTree<'a> = TableDefinition<'a, ItemKey<'static>, &'static [u8]>;
pub(super) type IndexTree<'a> = TableDefinition<'a, IndexKey<'static>, ()>;

/// A table's trees in the store's file: its items under the table's name, and
/// each declared index under `<table>:index:<index>` (a table name has no `:`).
pub(super) struct Trees {
    items: String,
    indexes: HashMap<String, String>,
}

impl Trees {
    fn of(spec: &TableSpec) -> Self {
        let indexes = spec.indexes.iter().map(|i| (i.clone(), format!("{}:index:{i}", spec.name))).collect();
        Self { items: spec.name.clone(), indexes }
    }

    pub(super) fn items(&self) -> ItemsTree<'_> {
        TableDefinition::new(&self.items)
    }

    /// The tree of the declared index `name`.
    pub(super) fn index(&self, name: &str) -> Result<IndexTree<'_>, StoreError> {
        let tree = self.indexes.get(name).ok_or_else(|| StoreError::Invalid(format!("no index named {name:?}")))?;
        Ok(TableDefinition::new(tree))
    }

    fn all_indexes(&self) -> impl Iterator<Item = (&str, IndexTree<'_>)> {
        self.indexes.iter().map(|(name, tree)| (name.as_str(), TableDefinition::new(tree.as_str())))
    }

    /// Creates every tree, so read transactions can always open them (again on
    /// every open: a table may have gained an index).
    fn create(&self, db: &Database) -> Result<(), StoreError> {
        let txn = db.begin_write()?;
        txn.open_table(self.items())?;
        for (_, tree) in self.all_indexes() {
            txn.open_table(tree)?;
        }
        Ok(txn.commit()?)
    }
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

/// The embedded store: one redb file and the writer that commits to it.
pub struct EmbeddedStore {
    dir: PathBuf,
    db: Arc<Database>,
    writer: Arc<writer::Writer>,
    /// Where staged items go, once set (shared with every table).
    route: Arc<OnceLock<staged::Route>>,
    /// Open tables, so a second `open_table` shares the first one's handle.
    open: Mutex<HashMap<String, Arc<EmbeddedTable>>>,
    /// Held while a table is set up, so two callers never move one table's
    /// old file at once.
    opening: tokio::sync::Mutex<()>,
}

impl EmbeddedStore {
    /// A store keeping its file under `dir` (created if missing).
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, StoreError> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)
            .map_err(|e| StoreError::Backend(format!("cannot create {}: {e}", dir.display())))?;
        let db = Arc::new(file::open_or_create(&dir.join(FILE))?);
        let writer = Arc::new(writer::Writer::start(db.clone())?);
        let (open, opening) = (Mutex::new(HashMap::new()), tokio::sync::Mutex::new(()));
        Ok(Self { dir, db, writer, route: Arc::default(), open, opening })
    }
}

#[async_trait]
impl Store for EmbeddedStore {
    async fn open_table(&self, spec: &TableSpec) -> Result<Arc<dyn Table>, StoreError> {
        if !valid_table_name(&spec.name) {
            return Err(StoreError::Invalid(format!("bad table name {:?}", spec.name)));
        }
        let opened = || self.open.lock().expect("store lock").get(&spec.name).cloned();
        if let Some(table) = opened() {
            return Ok(table);
        }
        let _opening = self.opening.lock().await;
        if let Some(table) = opened() {
            return Ok(table);
        }
        let trees = Arc::new(Trees::of(spec));
        let (dir, db, setup) = (self.dir.clone(), self.db.clone(), trees.clone());
        tokio::task::spawn_blocking(move || {
            migrate::from_own_file(&dir, &db, &setup)?;
            setup.create(&db)
        })
        .await
        .map_err(|e| StoreError::Backend(format!("open task failed: {e}")))??;
        let table = Arc::new(EmbeddedTable {
            spec: spec.clone(),
            db: self.db.clone(),
            trees,
            writer: self.writer.clone(),
            route: self.route.clone(),
            durable: true,
        });
        self.open.lock().expect("store lock").insert(spec.name.clone(), table.clone());
        Ok(table)
    }

    /// Every table shares the file, so the deliveries join the staging
    /// write's transaction (see [`staged`]); `to`'s table must be open.
    fn deliver_staged(&self, partition: &str, to: Weak<dyn StagedDelivery>) -> bool {
        let Some(receiver) = to.upgrade() else { return false };
        let Some(table) = self.open.lock().expect("store lock").get(receiver.table()).cloned() else { return false };
        let route = staged::Route { partition: partition.to_string(), trees: table.trees.clone(), to };
        self.route.set(route).is_ok()
    }
}

fn valid_table_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 200
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// One table: its trees in the store's file.
pub struct EmbeddedTable {
    spec: TableSpec,
    db: Arc<Database>,
    trees: Arc<Trees>,
    writer: Arc<writer::Writer>,
    route: Arc<OnceLock<staged::Route>>,
    /// False for the [`Table::relaxed`] handle: its writes are committed
    /// without waiting for the disk (see [`writer`]).
    durable: bool,
}

impl EmbeddedTable {
    async fn blocking<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Database, &Trees) -> Result<T, StoreError> + Send + 'static,
    {
        let db = self.db.clone();
        let trees = self.trees.clone();
        tokio::task::spawn_blocking(move || f(&db, &trees))
            .await
            .map_err(|e| StoreError::Backend(format!("store task failed: {e}")))?
    }

    /// Writes `ops` in one commit, with what their staged items deliver.
    async fn write(&self, mut ops: Vec<WriteOp>, transaction: bool) -> Result<Vec<Item>, StoreError> {
        let delivery = match self.route.get() {
            Some(route) => route.take(&self.trees, &mut ops)?,
            None => None,
        };
        let own = apply::Part { trees: self.trees.clone(), ops: apply::prepare(ops)? };
        let (parts, routed) = match delivery {
            Some((part, routed)) => (vec![own, part], Some(routed)),
            None => (vec![own], None),
        };
        let stored = self.writer.write(parts, transaction, self.durable).await?;
        if let Some(routed) = routed {
            routed.done();
        }
        Ok(stored)
    }
}

#[async_trait]
impl Table for EmbeddedTable {
    fn relaxed(self: Arc<Self>) -> Arc<dyn Table> {
        Arc::new(EmbeddedTable {
            spec: self.spec.clone(),
            db: self.db.clone(),
            trees: self.trees.clone(),
            writer: self.writer.clone(),
            route: self.route.clone(),
            durable: false,
        })
    }

    fn name(&self) -> &str {
        &self.spec.name
    }

    fn delivers_staged(&self, partition: &str) -> bool {
        self.route.get().is_some_and(|route| route.routes(partition, &self.trees))
    }

    /// A point read is one walk down the B-tree, microseconds from redb's
    /// cache: done in place. Handing it to a blocking thread and back cost
    /// more than the read (two thread wake-ups, seen as scheduler time in a
    /// profile of add-to-cart). Long queries still go to one (see `query`).
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        read_item(&self.db.begin_read()?.open_table(self.trees.items())?, key)
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
            return run_query(&self.db, &self.trees, &query);
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

use codec::decode;
