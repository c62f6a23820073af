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

use super::Trees;
use super::apply::{Failure, Prepared, apply};
use crate::platform::store::StoreError;
use crate::platform::store::model::Item;
use redb::Database;
use std::sync::Arc;
use std::sync::mpsc;
use std::thread;
use tokio::sync::oneshot;

/// The most requests one commit covers (bounds a transaction's size and the
/// time the first request of a batch waits for the last).
const MAX_BATCH: usize = 256;

type Answer = Result<Vec<Item>, StoreError>;

struct Request {
    /// The table written.
    trees: Arc<Trees>,
    ops: Vec<Prepared>,
    /// A transaction reports a refusal as [`StoreError::TransactionCancelled`].
    transaction: bool,
    answer: oneshot::Sender<Answer>,
}

/// The store's writer thread and its queue.
pub(super) struct Writer {
    queue: Option<mpsc::Sender<Request>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Writer {
    pub(super) fn start(db: Arc<Database>) -> Result<Self, StoreError> {
        let (queue, requests) = mpsc::channel();
        let thread = thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || run(&db, &requests))
            .map_err(|e| StoreError::Backend(format!("cannot start the store's writer: {e}")))?;
        Ok(Self { queue: Some(queue), thread: Some(thread) })
    }

    /// Applies `ops` to the table of `trees` all-or-nothing, answering once
    /// the write is durable; returns the items its puts stored, in order.
    pub(super) async fn write(&self, trees: Arc<Trees>, ops: Vec<Prepared>, transaction: bool) -> Answer {
        let stopped = || StoreError::Backend("the store's writer has stopped".into());
        let (answer, answered) = oneshot::channel();
        let queue = self.queue.as_ref().ok_or_else(stopped)?;
        queue.send(Request { trees, ops, transaction, answer }).map_err(|_| stopped())?;
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

fn run(db: &Database, requests: &mpsc::Receiver<Request>) {
    while let Ok(first) = requests.recv() {
        let mut batch = vec![first];
        batch.extend(requests.try_iter().take(MAX_BATCH - 1));
        let (size, started) = (batch.len(), std::time::Instant::now());
        commit(db, batch);
        metrics::histogram!("tbs_store_commit_seconds").record(started.elapsed());
        metrics::histogram!("tbs_store_commit_requests").record(size as f64);
    }
}

/// Applies and commits one batch, then answers every request in it. When the
/// backend fails, nothing of the batch was written and every request hears so.
fn commit(db: &Database, batch: Vec<Request>) {
    let (answer_to, work): (Vec<_>, Vec<_>) =
        batch.into_iter().map(|r| (r.answer, (r.trees, r.ops, r.transaction))).unzip();
    match apply_all(db, work) {
        Ok(answers) => {
            for (to, answer) in answer_to.into_iter().zip(answers) {
                let _ = to.send(answer);
            }
        }
        Err(e) => {
            let message = e.to_string();
            for to in answer_to {
                let _ = to.send(Err(StoreError::Backend(message.clone())));
            }
        }
    }
}

fn apply_all(db: &Database, work: Vec<(Arc<Trees>, Vec<Prepared>, bool)>) -> Result<Vec<Answer>, StoreError> {
    let txn = db.begin_write()?;
    let mut answers = Vec::with_capacity(work.len());
    for (trees, ops, transaction) in work {
        answers.push(match apply(&txn, &trees, ops) {
            Ok(stored) => Ok(stored),
            Err(Failure::Refused { index, error }) => Err(refusal(transaction, index, error)),
            Err(Failure::Broken(e)) => {
                let _ = txn.abort();
                return Err(e);
            }
        });
    }
    txn.commit()?;
    Ok(answers)
}

fn refusal(transaction: bool, index: usize, error: StoreError) -> StoreError {
    match error {
        StoreError::ConditionFailed(key) if transaction => StoreError::TransactionCancelled { index, key },
        other => other,
    }
}
