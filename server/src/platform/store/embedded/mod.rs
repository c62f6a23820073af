//! The embedded backend of the store port: every table of a store in one
//! redb database file under the data directory (`<data-dir>/store.redb`).
//!
//! redb is an ACID, crash-safe B-tree store. A commit's changes are first
//! appended to the store's journal (`<data-dir>/store.journal`) and synced
//! there, then committed to redb without waiting for the disk; a write is
//! acknowledged only after that sync, so it survives a crash: opening the
//! file puts back what the journal holds ([`journal`], [`checkpoint`]).
//! The exception is asked for by name: writes made inside
//! [`relaxed`](super::relaxed) (what a restart does again) are journaled
//! without waiting for the disk, and become durable with the next sync.
//! Concurrent writes share one commit ([`writer`]: group commit), whichever
//! tables they touch: one journal means one sync for all of them, where a file
//! per table made the disk flush each file on its own. A table is still its
//! own trees, reached only through its [`Table`]: its items keyed by
//! `(pk, sk)`, and each secondary index a tree keyed by
//! `(index pk, index sk, pk, sk)` kept in step inside the same transaction,
//! as is the store's tree of when items expire, which the writer reads to
//! remove them ([`sweep`]).
//! Tables written by earlier versions, one file each, move in when first
//! opened ([`migrate`]). After a write the disk refused, the writer opens the
//! file again, as a restart would ([`handle`]).

mod apply;
mod batch;
mod checkpoint;
mod codec;
mod file;
mod handle;
mod journal;
mod migrate;
mod query;
mod staged;
mod sweep;
mod table;
mod upkeep;
mod writer;

use super::model::TableSpec;
use super::{StagedDelivery, Store, StoreError, Table};
use async_trait::async_trait;
use handle::Handle;
use redb::{Database, TableDefinition};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use table::EmbeddedTable;

/// The file holding every table, in the data directory.
const FILE: &str = "store.redb";

/// The journal beside it ([`journal`]).
const JOURNAL: &str = "store.journal";

pub(super) type ItemKey<'a> = (&'a str, &'a str);
pub(super) type IndexKey<'a> = (&'a str, &'a str, &'a str, &'a str);
pub(super) type ItemsTree<'a> = TableDefinition<'a, ItemKey<'static>, &'static [u8]>;
pub(super) type IndexTree<'a> = TableDefinition<'a, IndexKey<'static>, ()>;
/// When an item expires: `(expires_at, table, pk, sk)`.
pub(super) type ExpiryKey<'a> = (i64, &'a str, &'a str, &'a str);

/// When items expire, every table's in one tree (a table name has no `:`):
/// most expire a fixed time after they are written, so a commit's entries
/// land side by side, where a tree per table would copy a page for each.
pub(super) const EXPIRES: TableDefinition<'static, ExpiryKey<'static>, ()> = TableDefinition::new(":expires");

/// A table's trees in the store's file: its items under the table's name, and
/// each declared index under `<table>:index:<index>` (a table name has no `:`).
pub(super) struct Trees {
    items: String,
    indexes: HashMap<String, String>,
    /// Commits that wrote these trees so far in this process (see [`Table::changes`]).
    changes: AtomicU64,
}

impl Trees {
    fn of(spec: &TableSpec) -> Self {
        let indexes = spec.indexes.iter().map(|i| (i.clone(), format!("{}:index:{i}", spec.name))).collect();
        Self { items: spec.name.clone(), indexes, changes: AtomicU64::new(0) }
    }

    /// Table `table`'s trees by their naming rule, for the `indexes` its
    /// items name (the table need not be open).
    fn named<'a>(table: &str, indexes: impl IntoIterator<Item = &'a String>) -> Self {
        Self::of(&indexes.into_iter().fold(TableSpec::new(table), |spec, index| spec.with_index(index)))
    }

    /// Counts a commit that wrote these trees; called once it is visible to readers.
    pub(super) fn changed(&self) {
        self.changes.fetch_add(1, Ordering::Release);
    }

    pub(super) fn changes(&self) -> u64 {
        self.changes.load(Ordering::Acquire)
    }

    pub(super) fn items(&self) -> ItemsTree<'_> {
        TableDefinition::new(&self.items)
    }

    /// The tree of the declared index `name`.
    pub(super) fn index(&self, name: &str) -> Result<IndexTree<'_>, StoreError> {
        let tree = self.indexes.get(name).ok_or_else(|| StoreError::Invalid(format!("no index named {name:?}")))?;
        Ok(TableDefinition::new(tree))
    }

    /// The table's name.
    pub(super) fn name(&self) -> &str {
        &self.items
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
        txn.open_table(EXPIRES)?;
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
    db: Arc<Handle>,
    writer: Arc<writer::Writer>,
    /// The open tables' trees, which the writer sweeps for expired items.
    tables: sweep::Open,
    #[cfg_attr(not(test), allow(dead_code))]
    journal: upkeep::SharedJournal,
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
        let path = dir.join(FILE);
        let journal = journal::open_file(&dir.join(JOURNAL))?;
        Self::open_with(dir, move || file::open_or_create(&path), journal)
    }

    /// A store keeping its tables in the database `open` opens (again when
    /// the file must be reopened: see [`handle`]), with its journal in
    /// `journal`; `dir` holds older tables' files. Each opening puts back
    /// what the journal holds first.
    fn open_with(
        dir: PathBuf,
        open: impl Fn() -> Result<Database, StoreError> + Send + Sync + 'static,
        journal: Box<dyn redb::StorageBackend>,
    ) -> Result<Self, StoreError> {
        let journal: upkeep::SharedJournal = Arc::new(Mutex::new(journal::Journal::new(journal)));
        let restoring = journal.clone();
        let db = Arc::new(Handle::new(move || {
            let db = open()?;
            checkpoint::restore_journal(&db, &mut upkeep::lock(&restoring))?;
            Ok(db)
        })?);
        let tables = sweep::Open::default();
        let writer = Arc::new(writer::Writer::start(db.clone(), tables.clone(), journal.clone())?);
        let (open, opening) = (Mutex::new(HashMap::new()), tokio::sync::Mutex::new(()));
        Ok(Self { dir, db, writer, tables, journal, route: Arc::default(), open, opening })
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
            let db = db.get()?;
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
        });
        self.open.lock().expect("store lock").insert(spec.name.clone(), table.clone());
        self.tables.lock().expect("store lock").push(table.trees.clone());
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
