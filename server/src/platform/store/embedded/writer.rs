//! Group commit: the store has one writer thread. It takes every write
//! request waiting for it (up to [`MAX_BATCH`]), whatever its table, applies
//! each one on its own terms inside one redb write transaction — a request whose condition fails
//! is refused alone — and commits them all with one record in the journal
//! and one sync of it ([`batch`](super::batch)). No request is answered before
//! the sync that covers it, so an acknowledged write survives a crash; what
//! changes is that concurrent writers share the disk's flush instead of
//! queueing for one each. redb's own file is made durable by a checkpoint
//! ([`checkpoint`]) within [`CHECKPOINT_EVERY`](checkpoint::CHECKPOINT_EVERY) of the journal's first record,
//! while the writer is busy or idle, and when the store closes.
//!
//! Nothing waits to fill a batch: while one commit is flushing, the requests
//! that arrive meanwhile form the next batch, so a lone write commits at once.
//!
//! Relaxed writes ([`store::relaxed`](crate::platform::store::relaxed):
//! ones a restart does again, such as publishing an event still in its
//! outbox) are journaled without waiting for the disk: they are visible at
//! once, and the next durable commit's sync makes them durable too, as the
//! journal is one file written in order. That sync comes within
//! [`FLUSH_WITHIN`] of the first relaxed record: a quiet writer syncs the
//! journal itself then, so a crash loses at most that much work to be done again.
//!
//! A commit that fails (the disk full, say) is answered as failed and
//! followed by a checkpoint, so nothing of it is ever replayed; when that
//! fails too, the writer opens the file again if redb has given up on it
//! ([`Handle::recover`]), putting back what the journal holds.

use super::apply::Part;
use super::batch::{Answer, Request, commit, refuse};
use super::checkpoint;
use super::handle::{Handle, Recovery};
use super::journal::Journal;
use super::sweep::{self, Sweeper};
use crate::platform::store::StoreError;
use redb::Database;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// How long a relaxed commit may wait for the journal's sync.
const FLUSH_WITHIN: Duration = Duration::from_millis(100);

/// The most requests one commit covers (bounds a transaction's size and the
/// time the first request of a batch waits for the last).
const MAX_BATCH: usize = 256;

/// The journal, shared by the writer and the opening of the file (which puts
/// back what it holds: see [`checkpoint::restore_journal`]).
pub(super) type SharedJournal = Arc<Mutex<Journal>>;

pub(super) fn lock(journal: &Mutex<Journal>) -> MutexGuard<'_, Journal> {
    journal.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The store's writer thread and its queue.
pub(super) struct Writer {
    queue: Option<mpsc::Sender<Request>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Writer {
    pub(super) fn start(db: Arc<Handle>, tables: sweep::Open, journal: SharedJournal) -> Result<Self, StoreError> {
        let (queue, requests) = mpsc::channel();
        let thread = thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || run(&db, &requests, Sweeper::new(tables), &journal))
            .map_err(|e| StoreError::Backend(format!("cannot start the store's writer: {e}")))?;
        Ok(Self { queue: Some(queue), thread: Some(thread) })
    }

    /// Applies `parts` all-or-nothing, answering once the write is committed
    /// (and durable, unless it is not `durable`); returns the items the first
    /// part's puts stored, in order.
    pub(super) async fn write(&self, parts: Vec<Part>, transaction: bool, durable: bool) -> Answer {
        let stopped = || StoreError::Backend("the store's writer has stopped".into());
        let (answer, answered) = oneshot::channel();
        let queue = self.queue.as_ref().ok_or_else(stopped)?;
        queue.send(Request { parts, transaction, durable, answer }).map_err(|_| stopped())?;
        answered.await.map_err(|_| stopped())?
    }
}

impl Drop for Writer {
    /// Lets the thread finish what is queued, checkpoint and release the
    /// database file, so the same process can open it again.
    fn drop(&mut self) {
        self.queue.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn run(handle: &Handle, requests: &mpsc::Receiver<Request>, mut sweeper: Sweeper, journal: &Mutex<Journal>) {
    while let Some(first) = next(handle, requests, journal, &mut sweeper) {
        let mut batch = vec![first];
        batch.extend(requests.try_iter().take(MAX_BATCH - 1));
        let db = match open(handle, &sweeper) {
            Ok(db) => db,
            Err(e) => {
                refuse(batch, &e);
                continue;
            }
        };
        let committed = commit(&db, batch, &mut lock(journal));
        if committed {
            sync_if_due(journal);
        }
        let due = checkpoint::due_in(&lock(journal)) == Some(Duration::ZERO);
        if (!committed || due) && !checkpointed(&db, journal) {
            drop(db);
            recover(handle, &sweeper);
        }
    }
    if let Ok(db) = handle.get() {
        checkpointed(&db, journal);
    }
}

/// Checkpoints ([`checkpoint::checkpoint`]), measured; whether it did.
fn checkpointed(db: &Database, journal: &Mutex<Journal>) -> bool {
    let started = Instant::now();
    let done = checkpoint::checkpoint(db, &mut lock(journal));
    metrics::histogram!("tbs_store_checkpoint_seconds").record(started.elapsed());
    done.map_err(|e| tracing::error!(error = %e, "the store could not checkpoint its journal")).is_ok()
}

/// The database to write, opened again first if it is not open.
fn open(handle: &Handle, sweeper: &Sweeper) -> Result<Arc<Database>, StoreError> {
    if handle.get().is_err() {
        recover(handle, sweeper);
    }
    handle.get()
}

/// Opens the file again if redb has given up on it ([`Handle::recover`]),
/// putting back what the journal holds; every table counts a change then:
/// what read caches kept may have changed too.
fn recover(handle: &Handle, sweeper: &Sweeper) {
    if handle.recover() == Recovery::Reopened {
        sweeper.tables().iter().for_each(|trees| trees.changed());
    }
}

/// The next request, sweeping expired items first when that is due; while
/// the journal holds records, waits no longer than their sync or
/// checkpoint may wait, and makes them then when no request comes.
fn next(
    handle: &Handle,
    requests: &mpsc::Receiver<Request>,
    journal: &Mutex<Journal>,
    sweeper: &mut Sweeper,
) -> Option<Request> {
    loop {
        if let Ok(db) = handle.get() {
            sweeper.if_due(&db, &mut lock(journal));
        }
        let (sync_in, checkpoint_in) = {
            let journal = lock(journal);
            (
                journal.unsynced_since.map(|since| FLUSH_WITHIN.saturating_sub(since.elapsed())),
                checkpoint::due_in(&journal),
            )
        };
        let wait = [Some(sweeper.wait()), sync_in, checkpoint_in].into_iter().flatten().min().unwrap_or(sweeper.wait());
        match requests.recv_timeout(wait) {
            Ok(request) => return Some(request),
            Err(mpsc::RecvTimeoutError::Timeout) => idle(handle, journal, sweeper),
            Err(mpsc::RecvTimeoutError::Disconnected) => return None,
        }
    }
}

/// Syncs the journal's relaxed records once they have waited [`FLUSH_WITHIN`]
/// (also while relaxed commits alone keep the writer busy); a failure is
/// tried again at the next chance.
fn sync_if_due(journal: &Mutex<Journal>) {
    let mut journal = lock(journal);
    if journal.unsynced_since.is_some_and(|since| since.elapsed() >= FLUSH_WITHIN)
        && let Err(e) = journal.sync()
    {
        tracing::error!(error = %e, "the store could not sync its journal's relaxed records");
    }
}

/// With no request waiting: syncs the journal's relaxed records and
/// checkpoints when either is due (a failure is tried again at the next wait).
fn idle(handle: &Handle, journal: &Mutex<Journal>, sweeper: &Sweeper) {
    sync_if_due(journal);
    let checkpoint_due = checkpoint::due_in(&lock(journal)) == Some(Duration::ZERO);
    if checkpoint_due
        && let Ok(db) = handle.get()
        && !checkpointed(&db, journal)
    {
        drop(db);
        recover(handle, sweeper);
    }
}

#[cfg(test)]
mod tests {
    use crate::platform::store::{Condition, EmbeddedStore, Item, Key, Query, Store, Table, TableSpec, relaxed};
    use serde_json::json;
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    /// Whether `key` is in the table as a process killed now would leave the
    /// file: a copy of it, opened as a restart would.
    /// (The journal first: a checkpoint between the two copies then leaves
    /// the file with all the journal copy holds, as a crash would.)
    async fn kept_on_disk(dir: &std::path::Path, key: &Key) -> bool {
        let copy = tempfile::tempdir().unwrap();
        for file in [super::super::JOURNAL, super::super::FILE] {
            std::fs::copy(dir.join(file), copy.path().join(file)).unwrap();
        }
        let store = EmbeddedStore::open(copy.path()).unwrap();
        let table = store.open_table(&TableSpec::new("relaxed_test")).await.unwrap();
        table.get(key).await.unwrap().is_some()
    }

    /// What a process killed now would leave: copies of its files (the
    /// journal too, unless not), opened as a restart would.
    async fn left_by_a_crash(dir: &std::path::Path, journal: bool) -> (tempfile::TempDir, Arc<dyn Table>) {
        let copy = tempfile::tempdir().unwrap();
        let files: &[&str] = if journal { &[super::super::JOURNAL, super::super::FILE] } else { &[super::super::FILE] };
        for file in files {
            std::fs::copy(dir.join(file), copy.path().join(file)).unwrap();
        }
        let store = EmbeddedStore::open(copy.path()).unwrap();
        let table = store.open_table(&owned()).await.unwrap();
        (copy, table)
    }

    fn owned() -> TableSpec {
        TableSpec::new("journal_test").with_index("by_owner")
    }

    fn journal_len(dir: &std::path::Path) -> u64 {
        std::fs::metadata(dir.join(super::super::JOURNAL)).unwrap().len()
    }

    /// An acknowledged write is on disk in the journal at once, before redb's
    /// file has it (which a checkpoint brings within a second), and a restart
    /// puts it back with its index entry; so is a delete.
    #[tokio::test]
    async fn an_acknowledged_write_is_kept_by_the_journal_then_by_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = EmbeddedStore::open(dir.path()).unwrap();
        let table = store.open_table(&owned()).await.unwrap();
        let later = time::OffsetDateTime::now_utc() + time::Duration::hours(1);
        let item = |sk: &str| Item::new(Key::new("p", sk), json!({})).with_index("by_owner", Key::new("ann", sk));
        table.put(item("gone"), Condition::None).await.unwrap();
        table.put(item("kept").expiring_at(later), Condition::None).await.unwrap();
        table.delete(&Key::new("p", "gone"), Condition::Exists).await.unwrap();
        assert!(journal_len(dir.path()) > 0);

        let (_copy, restored) = left_by_a_crash(dir.path(), true).await;
        let owned_by_ann = Query::partition("ann").on_index("by_owner");
        let found = restored.query(owned_by_ann.clone()).await.unwrap().items;
        assert_eq!(found.iter().map(|i| i.key.sk.as_str()).collect::<Vec<_>>(), ["kept"]);
        assert_eq!(found[0].expires_at, Some(later.unix_timestamp()));
        let (_copy, without_journal) = left_by_a_crash(dir.path(), false).await;
        assert!(without_journal.get(&Key::new("p", "kept")).await.unwrap().is_none(), "not in the file yet");

        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let (_copy, from_the_file) = left_by_a_crash(dir.path(), false).await;
            if from_the_file.query(owned_by_ann.clone()).await.unwrap().items.len() == 1 {
                break; // a checkpoint wrote it to the file, with its index entry
            }
            assert!(Instant::now() < deadline, "no checkpoint within 10 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    #[tokio::test]
    async fn relaxed_writes_reach_the_disk_soon_though_no_durable_write_follows() {
        let dir = tempfile::tempdir().unwrap();
        let store = EmbeddedStore::open(dir.path()).unwrap();
        let table = store.open_table(&TableSpec::new("relaxed_test")).await.unwrap();
        let (a, b) = (Key::new("A", "1"), Key::new("B", "1"));
        relaxed::relaxed(table.put(Item::new(a.clone(), json!({})), Condition::None)).await.unwrap();
        relaxed::relaxed(table.put(Item::new(b.clone(), json!({})), Condition::None)).await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while !(kept_on_disk(dir.path(), &a).await && kept_on_disk(dir.path(), &b).await) {
            assert!(Instant::now() < deadline, "relaxed writes still not durable after 10 s");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    #[tokio::test]
    async fn a_relaxed_write_is_seen_at_once_and_kept_once_a_durable_one_follows() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = EmbeddedStore::open(dir.path()).unwrap();
            let table = store.open_table(&TableSpec::new("relaxed_test")).await.unwrap();
            let put = |key, n| table.put(Item::new(key, json!({ "n": n })), Condition::NotExists);
            relaxed::relaxed(put(Key::new("A", "1"), 1)).await.unwrap();
            assert!(table.get(&Key::new("A", "1")).await.unwrap().is_some(), "seen at once");
            relaxed::relaxed(table.delete(&Key::new("A", "1"), Condition::Exists)).await.unwrap();
            relaxed::relaxed(put(Key::new("A", "2"), 2)).await.unwrap();
            table.put(Item::new(Key::new("B", "1"), json!({})), Condition::None).await.unwrap();
        }
        let store = EmbeddedStore::open(dir.path()).unwrap();
        let table = store.open_table(&TableSpec::new("relaxed_test")).await.unwrap();
        assert!(table.get(&Key::new("A", "1")).await.unwrap().is_none(), "the relaxed delete was kept");
        assert!(table.get(&Key::new("A", "2")).await.unwrap().is_some(), "the relaxed put was kept");
        assert!(table.get(&Key::new("B", "1")).await.unwrap().is_some());
    }
}
