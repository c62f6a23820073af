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
//! Relaxed writes ([`Table::relaxed`](crate::platform::store::Table::relaxed):
//! ones a restart does again, such as publishing an event still in its
//! outbox) are committed apart, first, without waiting for the disk
//! (redb's `Durability::None`): they are visible at once, and the next
//! durable commit makes them durable too, as redb persists commits in order.

use super::Trees;
use super::apply::{Failure, Part, apply};
use crate::platform::store::StoreError;
use crate::platform::store::model::Item;
use redb::{Database, Durability};
use std::sync::Arc;
use std::sync::mpsc;
use std::thread;
use tokio::sync::oneshot;

/// The most requests one commit covers (bounds a transaction's size and the
/// time the first request of a batch waits for the last).
const MAX_BATCH: usize = 256;

type Answer = Result<Vec<Item>, StoreError>;

struct Request {
    /// The tables written: the caller's, then any its writes deliver to.
    parts: Vec<Part>,
    /// A transaction reports a refusal as [`StoreError::TransactionCancelled`].
    transaction: bool,
    /// False for a relaxed write (see the module's notes).
    durable: bool,
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

fn run(db: &Database, requests: &mpsc::Receiver<Request>) {
    while let Ok(first) = requests.recv() {
        let mut batch = vec![first];
        batch.extend(requests.try_iter().take(MAX_BATCH - 1));
        let (durable, relaxed): (Vec<_>, Vec<_>) = batch.into_iter().partition(|r| r.durable);
        for (batch, durability) in [(relaxed, Durability::None), (durable, Durability::Immediate)] {
            if batch.is_empty() {
                continue;
            }
            let (size, started) = (batch.len(), std::time::Instant::now());
            commit(db, batch, durability);
            metrics::histogram!("tbs_store_commit_seconds").record(started.elapsed());
            metrics::histogram!("tbs_store_commit_requests").record(size as f64);
        }
    }
}

/// Applies and commits one batch, counts the commit against every table it
/// wrote ([`Table::changes`](crate::platform::store::Table::changes): before
/// any answer, so a reader told of the write sees the count moved), then
/// answers every request in it. When the
/// backend fails, nothing of the batch was written and every request hears so.
fn commit(db: &Database, batch: Vec<Request>, durability: Durability) {
    let written: Vec<Arc<Trees>> = batch.iter().flat_map(|r| r.parts.iter().map(|p| p.trees.clone())).collect();
    let (answer_to, work): (Vec<_>, Vec<_>) = batch.into_iter().map(|r| (r.answer, (r.parts, r.transaction))).unzip();
    match apply_all(db, work, durability) {
        Ok(answers) => {
            written.iter().for_each(|trees| trees.changed());
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

fn apply_all(db: &Database, work: Vec<(Vec<Part>, bool)>, durability: Durability) -> Result<Vec<Answer>, StoreError> {
    let mut txn = db.begin_write()?;
    txn.set_durability(durability).map_err(|e| StoreError::Backend(e.to_string()))?;
    let mut answers = Vec::with_capacity(work.len());
    for (parts, transaction) in work {
        answers.push(match apply(&txn, parts) {
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

#[cfg(test)]
mod tests {
    use crate::platform::store::{Condition, EmbeddedStore, Item, Key, Store, TableSpec};
    use serde_json::json;

    #[tokio::test]
    async fn a_relaxed_write_is_seen_at_once_and_kept_once_a_durable_one_follows() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = EmbeddedStore::open(dir.path()).unwrap();
            let table = store.open_table(&TableSpec::new("relaxed_test")).await.unwrap();
            let relaxed = table.clone().relaxed();
            relaxed.put(Item::new(Key::new("A", "1"), json!({ "n": 1 })), Condition::NotExists).await.unwrap();
            assert!(table.get(&Key::new("A", "1")).await.unwrap().is_some(), "seen at once");
            relaxed.delete(&Key::new("A", "1"), Condition::Exists).await.unwrap();
            relaxed.put(Item::new(Key::new("A", "2"), json!({ "n": 2 })), Condition::NotExists).await.unwrap();
            table.put(Item::new(Key::new("B", "1"), json!({})), Condition::None).await.unwrap();
        }
        let store = EmbeddedStore::open(dir.path()).unwrap();
        let table = store.open_table(&TableSpec::new("relaxed_test")).await.unwrap();
        assert!(table.get(&Key::new("A", "1")).await.unwrap().is_none(), "the relaxed delete was kept");
        assert!(table.get(&Key::new("A", "2")).await.unwrap().is_some(), "the relaxed put was kept");
        assert!(table.get(&Key::new("B", "1")).await.unwrap().is_some());
    }
}
