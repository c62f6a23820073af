//! Group commit: the store has one writer thread. It takes every write
//! request waiting for it (up to [`MAX_BATCH`]), whatever its table, applies
//! each one on its own terms inside one redb write transaction — a request whose condition fails
//! is refused alone — and commits them all with one fsync. No request is
//! answered before the commit that covers it, so an acknowledged write
//! survives a crash exactly as before; what changes is that concurrent writers
//! share the disk's flush instead of queueing for one each.
//!
//! Nothing waits to fill a batch: while one commit is flushing, the requests
//! that arrive meanwhile form the next batch, so a lone write commits at once.
//!
//! Relaxed writes ([`store::relaxed`](crate::platform::store::relaxed):
//! ones a restart does again, such as publishing an event still in its
//! outbox) are committed apart, first, without waiting for the disk
//! (redb's `Durability::None`): they are visible at once, and the next
//! durable commit makes them durable too, as redb persists commits in order.
//! That commit comes within [`FLUSH_WITHIN`] of the first relaxed one: the
//! next batch is committed durably once that is due, and a quiet writer
//! commits nothing durably, so a crash loses at most that much work to be
//! done again (and a busy one no more than the durable writes it has anyway).
//!
//! A commit that fails (the disk full, say) is answered as failed, and the
//! writer opens the file again if redb has given up on it ([`Handle::recover`]).

use super::apply::Part;
use super::batch::{Answer, Request, commit, refuse};
use super::handle::{Handle, Recovery};
use super::sweep::{self, Sweeper};
use crate::platform::store::StoreError;
use redb::{Database, Durability};
use std::sync::Arc;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// How long a relaxed commit may wait for a durable one to follow it.
const FLUSH_WITHIN: Duration = Duration::from_millis(100);

/// The most requests one commit covers (bounds a transaction's size and the
/// time the first request of a batch waits for the last).
const MAX_BATCH: usize = 256;

/// The store's writer thread and its queue.
pub(super) struct Writer {
    queue: Option<mpsc::Sender<Request>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Writer {
    pub(super) fn start(db: Arc<Handle>, tables: sweep::Open) -> Result<Self, StoreError> {
        let (queue, requests) = mpsc::channel();
        let thread = thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || run(&db, &requests, Sweeper::new(tables)))
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
    /// Lets the thread finish what is queued and release the database file,
    /// so the same process can open it again.
    fn drop(&mut self) {
        self.queue.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn run(handle: &Handle, requests: &mpsc::Receiver<Request>, mut sweeper: Sweeper) {
    // When the first relaxed commit not yet followed by a durable one was made.
    let mut unflushed: Option<Instant> = None;
    while let Some(first) = next(handle, requests, &mut unflushed, &mut sweeper) {
        let mut batch = vec![first];
        batch.extend(requests.try_iter().take(MAX_BATCH - 1));
        let db = match open(handle, &sweeper, &mut unflushed) {
            Ok(db) => db,
            Err(e) => {
                refuse(batch, &e);
                continue;
            }
        };
        let due = due(unflushed);
        let (durable, relaxed): (Vec<_>, Vec<_>) = batch.into_iter().partition(|r| r.durable || due);
        let mut failed = false;
        if !relaxed.is_empty() {
            failed |= !commit(&db, relaxed, Durability::None);
            unflushed.get_or_insert_with(Instant::now);
        }
        if !durable.is_empty() {
            match commit(&db, durable, Durability::Immediate) {
                true => unflushed = None,
                false => failed = true,
            }
        }
        drop(db);
        if failed {
            recover(handle, &sweeper, &mut unflushed);
        }
    }
    if unflushed.is_some()
        && let Ok(db) = handle.get()
    {
        flush(&db);
    }
}

/// The database to write, opened again first if it is not open.
fn open(handle: &Handle, sweeper: &Sweeper, unflushed: &mut Option<Instant>) -> Result<Arc<Database>, StoreError> {
    if handle.get().is_err() {
        recover(handle, sweeper, unflushed);
    }
    handle.get()
}

/// Opens the file again if redb has given up on it ([`Handle::recover`]).
/// What was not durable is gone then, so nothing waits to be flushed, and
/// every table counts a change: what read caches kept may be gone too.
fn recover(handle: &Handle, sweeper: &Sweeper, unflushed: &mut Option<Instant>) {
    if handle.recover() == Recovery::Reopened {
        *unflushed = None;
        sweeper.tables().iter().for_each(|trees| trees.changed());
    }
}

/// The next request, sweeping expired items first when that is due; while
/// relaxed commits wait for a durable one, waits no longer than they may,
/// and makes them durable when none comes.
fn next(
    handle: &Handle,
    requests: &mpsc::Receiver<Request>,
    unflushed: &mut Option<Instant>,
    sweeper: &mut Sweeper,
) -> Option<Request> {
    loop {
        if let Ok(db) = handle.get() {
            sweeper.if_due(&db);
        }
        let flush_in = unflushed.map(|since| FLUSH_WITHIN.saturating_sub(since.elapsed()));
        match requests.recv_timeout(flush_in.map_or(sweeper.wait(), |flush_in| flush_in.min(sweeper.wait()))) {
            Ok(request) => return Some(request),
            // A flush that fails is tried again when the next wait is over.
            Err(mpsc::RecvTimeoutError::Timeout) if due(*unflushed) => {
                let flushed = handle.get().is_ok_and(|db| flush(&db));
                *unflushed = if flushed { None } else { Some(Instant::now()) }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => return None,
        }
    }
}

/// Whether relaxed commits made since `unflushed` are due to be made durable.
fn due(unflushed: Option<Instant>) -> bool {
    unflushed.is_some_and(|since| since.elapsed() >= FLUSH_WITHIN)
}

/// Makes every relaxed commit so far durable (an empty durable commit);
/// whether it did.
fn flush(db: &Database) -> bool {
    let flush = || -> Result<(), StoreError> {
        let mut txn = db.begin_write()?;
        txn.set_durability(Durability::Immediate).map_err(|e| StoreError::Backend(e.to_string()))?;
        Ok(txn.commit()?)
    };
    flush().map_err(|e| tracing::error!(error = %e, "the store could not make its relaxed commits durable")).is_ok()
}

#[cfg(test)]
mod tests {
    use crate::platform::store::{Condition, EmbeddedStore, Item, Key, Store, TableSpec, relaxed};
    use serde_json::json;
    use std::time::{Duration, Instant};

    /// Whether `key` is in the table as a process killed now would leave the
    /// file: a copy of it, opened as a restart would.
    async fn kept_on_disk(dir: &std::path::Path, key: &Key) -> bool {
        let copy = tempfile::tempdir().unwrap();
        std::fs::copy(dir.join(super::super::FILE), copy.path().join(super::super::FILE)).unwrap();
        let store = EmbeddedStore::open(copy.path()).unwrap();
        let table = store.open_table(&TableSpec::new("relaxed_test")).await.unwrap();
        table.get(key).await.unwrap().is_some()
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
