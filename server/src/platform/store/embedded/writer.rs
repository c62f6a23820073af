//! Group commit: the store has one writer thread. It takes every write
//! request waiting for it (up to [`MAX_BATCH`]), whatever its table, applies
//! each one on its own terms inside one redb write transaction — a request whose condition fails
//! is refused alone — and commits them all with one record in the journal
//! and one sync of it ([`batch`](super::batch)). No request is answered before
//! the sync that covers it, so an acknowledged write survives a crash; what
//! changes is that concurrent writers share the disk's flush instead of
//! queueing for one each. Between batches, and while it waits for one, the
//! writer keeps the journal up ([`upkeep`]: relaxed records synced,
//! checkpoints, the file opened again after a failure).
//!
//! Nothing waits to fill a batch: while one commit is flushing, the requests
//! that arrive meanwhile form the next batch, so a lone write commits at once.

use super::apply::Part;
use super::batch::{Answer, Request, commit, refuse};
use super::handle::Handle;
use super::journal::Journal;
use super::sweep::{self, Sweeper};
use super::upkeep::{self, SharedJournal, lock};
use crate::platform::store::StoreError;
use redb::Database;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use tokio::sync::oneshot;

/// The most requests one commit covers (bounds a transaction's size and the
/// time the first request of a batch waits for the last).
const MAX_BATCH: usize = 256;

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
        upkeep::after_commit(handle, db, journal, &sweeper, committed);
    }
    upkeep::close(handle, journal);
}

/// The database to write, opened again first if it is not open.
fn open(handle: &Handle, sweeper: &Sweeper) -> Result<Arc<Database>, StoreError> {
    if handle.get().is_err() {
        upkeep::recover(handle, sweeper);
    }
    handle.get()
}

/// The next request, sweeping expired items first when that is due; waits
/// no longer than the journal's upkeep may, and does it when no request comes.
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
        let wait = upkeep::due_in(journal).map_or(sweeper.wait(), |due| due.min(sweeper.wait()));
        match requests.recv_timeout(wait) {
            Ok(request) => return Some(request),
            Err(mpsc::RecvTimeoutError::Timeout) => upkeep::idle(handle, journal, sweeper),
            Err(mpsc::RecvTimeoutError::Disconnected) => return None,
        }
    }
}
