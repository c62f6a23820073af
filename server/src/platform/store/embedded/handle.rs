//! The store's open database, which the writer opens again after a failed
//! write. Once redb's file has failed an I/O operation (the disk was full
//! for a moment, say), redb refuses every transaction after it, reads
//! included ("previous I/O error"), until the file is opened again: the
//! store would answer every request with an error until someone restarted
//! it. Instead, the writer closes the file once its readers have let go and
//! opens it again, as a restart would (redb recovers its last durable
//! commit), at once and again on each write until it succeeds; meanwhile
//! every call fails at once, naming why.

use super::StoreError;
use redb::{Database, StorageError, TransactionError};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

/// How long the writer waits for reads in flight to let go of a failed file.
const READERS_LET_GO: Duration = Duration::from_secs(5);

type Open = Box<dyn Fn() -> Result<Database, StoreError> + Send + Sync>;

/// What [`Handle::recover`] found and did.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Recovery {
    /// The file is open and redb takes transactions on it.
    Unneeded,
    /// The file was opened again: what was not durable yet is gone, as after a crash.
    Reopened,
    /// The file is not open; the next write tries again.
    Failed,
}

pub(super) struct Handle {
    open: Open,
    /// `None` while the file is being opened again, or could not be.
    current: RwLock<Option<Arc<Database>>>,
}

impl Handle {
    /// Opens the database with `open`, which also opens it again when needed.
    pub(super) fn new(
        open: impl Fn() -> Result<Database, StoreError> + Send + Sync + 'static,
    ) -> Result<Self, StoreError> {
        let db = open()?;
        Ok(Self { open: Box::new(open), current: RwLock::new(Some(Arc::new(db))) })
    }

    /// The open database.
    pub(super) fn get(&self) -> Result<Arc<Database>, StoreError> {
        let current = self.current.read().unwrap_or_else(PoisonError::into_inner);
        current
            .clone()
            .ok_or_else(|| StoreError::Backend("the store's file failed to write and is being opened again".into()))
    }

    /// After a write failed, or the file is not open: opens the file again
    /// if redb refuses it now (or it is not open). The caller must hold no
    /// [`get`](Self::get) of its own.
    pub(super) fn recover(&self) -> Recovery {
        if self.get().is_ok_and(|db| !refused(&db)) {
            return Recovery::Unneeded;
        }
        let failed = self.current.write().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(failed) = failed
            && let Err(still_held) = let_go(failed)
        {
            tracing::error!("reads of the store's failed file did not end; it stays open as it is");
            *self.current.write().unwrap_or_else(PoisonError::into_inner) = Some(still_held);
            return Recovery::Failed;
        }
        match (self.open)() {
            Ok(db) => {
                tracing::warn!("the store's file failed to write and was opened again");
                *self.current.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(db));
                Recovery::Reopened
            }
            Err(e) => {
                tracing::error!(error = %e, "the store's file could not be opened again; trying at the next write");
                Recovery::Failed
            }
        }
    }
}

/// Whether redb refuses transactions on `db` for an earlier I/O error.
fn refused(db: &Database) -> bool {
    matches!(db.begin_write(), Err(TransactionError::Storage(StorageError::PreviousIo)))
}

/// Closes `db` once no read holds it any more (within [`READERS_LET_GO`]);
/// gives it back if one still does.
fn let_go(db: Arc<Database>) -> Result<(), Arc<Database>> {
    let deadline = Instant::now() + READERS_LET_GO;
    let mut db = db;
    loop {
        match Arc::try_unwrap(db) {
            Ok(db) => {
                drop(db);
                return Ok(());
            }
            Err(held) if Instant::now() < deadline => {
                db = held;
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(held) => return Err(held),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::EmbeddedStore;
    use crate::platform::store::{Condition, Item, Key, Store, StoreError, TableSpec};
    use redb::backends::FileBackend;
    use redb::{BackendError, StorageBackend};
    use serde_json::json;
    use std::io;
    use std::ops::Bound;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// The store's file on a disk that refuses writes while `full` is set.
    #[derive(Debug)]
    struct Disk {
        file: FileBackend,
        full: Arc<AtomicBool>,
    }

    impl Disk {
        fn room(&self) -> io::Result<()> {
            match self.full.load(Ordering::SeqCst) {
                true => Err(io::Error::new(io::ErrorKind::StorageFull, "no space left on device")),
                false => Ok(()),
            }
        }
    }

    impl StorageBackend for Disk {
        fn len(&self) -> io::Result<u64> {
            self.file.len()
        }
        fn read(&self, offset: u64, out: &mut [u8]) -> io::Result<()> {
            self.file.read(offset, out)
        }
        fn set_len(&self, len: u64) -> io::Result<()> {
            self.room()?;
            self.file.set_len(len)
        }
        fn sync_data(&self) -> io::Result<()> {
            self.room()?;
            self.file.sync_data()
        }
        fn write(&self, offset: u64, data: &[u8]) -> io::Result<()> {
            self.room()?;
            self.file.write(offset, data)
        }
        fn close(&self) -> io::Result<()> {
            self.file.close()
        }
        fn try_lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<bool, BackendError> {
            self.file.try_lock_range(start, end)
        }
        fn try_lock_shared_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<bool, BackendError> {
            self.file.try_lock_shared_range(start, end)
        }
        fn lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
            self.file.lock_range(start, end)
        }
        fn lock_shared_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
            self.file.lock_shared_range(start, end)
        }
        fn unlock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
            self.file.unlock_range(start, end)
        }
        fn query_lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<bool, BackendError> {
            self.file.query_lock_range(start, end)
        }
    }

    /// The file at `path` on a [`Disk`] that is full while `full` is set.
    fn on_disk(path: &std::path::Path, full: &Arc<AtomicBool>) -> Result<Disk, StoreError> {
        let file = super::super::journal::read_write(path)?;
        Ok(Disk { file: FileBackend::new(file)?, full: full.clone() })
    }

    /// A store on a [`Disk`] in `dir` (its file and its journal), and the
    /// switch that fills the disk.
    fn store_on_a_disk(dir: &std::path::Path) -> (EmbeddedStore, Arc<AtomicBool>) {
        let full = Arc::new(AtomicBool::new(false));
        let (path, on) = (dir.join("store.redb"), full.clone());
        let open = move || Ok(redb::Builder::new().create_with_backend(on_disk(&path, &on)?)?);
        let journal = Box::new(on_disk(&dir.join("store.journal"), &full).unwrap());
        (EmbeddedStore::open_with(dir.to_path_buf(), open, journal).unwrap(), full)
    }

    #[tokio::test]
    async fn once_the_disk_has_room_again_the_store_writes_and_reads_without_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let (store, full) = store_on_a_disk(dir.path());
        let table = store.open_table(&TableSpec::new("disk_test")).await.unwrap();
        let put = |sk: &str| table.put(Item::new(Key::new("A", sk), json!({})), Condition::None);
        put("before").await.unwrap();

        full.store(true, Ordering::SeqCst);
        assert!(put("while full").await.is_err(), "a write the disk refused is not acknowledged");
        assert!(put("still full").await.is_err());

        full.store(false, Ordering::SeqCst);
        put("after").await.expect("the first write once the disk has room is made");
        let kept = async |sk: &str| table.get(&Key::new("A", sk)).await.unwrap().is_some();
        assert!(kept("before").await, "what was acknowledged before is kept");
        assert!(!kept("while full").await, "what was refused is not there");
        assert!(kept("after").await);
    }
}
