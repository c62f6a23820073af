//! One batch of write requests, committed together by the store's writer
//! ([`super::writer`], which decides when): each request applied on its own
//! terms inside one write transaction, a refused one alone; what they changed
//! appended to the journal as one record ([`super::journal`]) and synced
//! there if any of them is durable; then the transaction committed (redb
//! need not wait for the disk: the journal has it) and each request answered.

use super::Trees;
use super::apply::{Failure, Opened, Part, apply};
use super::journal::{Change, Journal};
use crate::platform::store::StoreError;
use crate::platform::store::model::Item;
use redb::{Database, Durability, WriteTransaction};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::oneshot;

pub(super) type Answer = Result<Vec<Item>, StoreError>;

pub(super) struct Request {
    /// The tables written: the caller's, then any its writes deliver to.
    pub(super) parts: Vec<Part>,
    /// A transaction reports a refusal as [`StoreError::TransactionCancelled`].
    pub(super) transaction: bool,
    /// False for a relaxed write (see [`super::writer`]).
    pub(super) durable: bool,
    pub(super) answer: oneshot::Sender<Answer>,
}

/// Answers every request of `batch` with `error`: nothing of it was written.
pub(super) fn refuse(batch: Vec<Request>, error: &StoreError) {
    fail(batch.into_iter().map(|request| request.answer), error);
}

fn fail(answer_to: impl IntoIterator<Item = oneshot::Sender<Answer>>, error: &StoreError) {
    let message = error.to_string();
    for to in answer_to {
        let _ = to.send(Err(StoreError::Backend(message.clone())));
    }
}

/// Commits `batch` ([`apply_and_answer`]), measured; whether it committed.
pub(super) fn commit(db: &Database, batch: Vec<Request>, journal: &mut Journal) -> bool {
    let (size, started) = (batch.len(), Instant::now());
    let committed = apply_and_answer(db, batch, journal);
    metrics::histogram!("tbs_store_commit_seconds").record(started.elapsed());
    metrics::histogram!("tbs_store_commit_requests").record(size as f64);
    committed
}

/// Applies and commits one batch, counts the commit against every table it
/// wrote ([`Table::changes`](crate::platform::store::Table::changes): before
/// any answer, so a reader told of the write sees the count moved), then
/// answers every request in it; whether it committed. When the backend or
/// the journal fails, nothing of the batch was committed and every request
/// hears so.
fn apply_and_answer(db: &Database, batch: Vec<Request>, journal: &mut Journal) -> bool {
    let written: Vec<Arc<Trees>> = batch.iter().flat_map(|r| r.parts.iter().map(|p| p.trees.clone())).collect();
    let durable = batch.iter().any(|r| r.durable);
    let (answer_to, work): (Vec<_>, Vec<_>) = batch.into_iter().map(|r| (r.answer, (r.parts, r.transaction))).unzip();
    match apply_all(db, work, journal, durable) {
        Ok(answers) => {
            written.iter().for_each(|trees| trees.changed());
            for (to, answer) in answer_to.into_iter().zip(answers) {
                let _ = to.send(answer);
            }
            true
        }
        Err(e) => {
            fail(answer_to, &e);
            false
        }
    }
}

fn apply_all(
    db: &Database,
    work: Vec<(Vec<Part>, bool)>,
    journal: &mut Journal,
    durable: bool,
) -> Result<Vec<Answer>, StoreError> {
    let txn = begin_journaled(db)?;
    // At most one change per operation: sized once, not grown write by write.
    let operations = work.iter().flat_map(|(parts, _)| parts).map(|part| part.ops.len()).sum();
    let mut changes = Vec::with_capacity(operations);
    match apply_each(&txn, work, &mut changes) {
        Ok(answers) => {
            journal_then_commit(txn, journal, &changes, durable)?;
            Ok(answers)
        }
        Err(e) => {
            let _ = txn.abort();
            Err(e)
        }
    }
}

/// Applies each request of a batch in `txn`, its trees kept open from one
/// request to the next ([`Opened`]) and closed before the commit; an answer
/// for each, or the failure that breaks the whole batch.
fn apply_each(
    txn: &WriteTransaction,
    work: Vec<(Vec<Part>, bool)>,
    changes: &mut Vec<Change>,
) -> Result<Vec<Answer>, StoreError> {
    let mut opened = Opened::new(txn);
    let mut answers = Vec::with_capacity(work.len());
    for (parts, transaction) in work {
        answers.push(match apply(&mut opened, parts, changes) {
            Ok(stored) => Ok(stored),
            Err(Failure::Refused { index, error }) => Err(refusal(transaction, index, error)),
            Err(Failure::Broken(e)) => return Err(e),
        });
    }
    Ok(answers)
}

/// A write transaction whose commit the journal makes durable: redb's own
/// commit need not wait for the disk.
pub(super) fn begin_journaled(db: &Database) -> Result<WriteTransaction, StoreError> {
    let mut txn = db.begin_write()?;
    txn.set_durability(Durability::None).map_err(|e| StoreError::Backend(e.to_string()))?;
    Ok(txn)
}

/// Appends `changes` to the journal (synced when `durable`), then commits
/// `txn`; abandons it when the journal fails.
pub(super) fn journal_then_commit(
    txn: WriteTransaction,
    journal: &mut Journal,
    changes: &[Change],
    durable: bool,
) -> Result<(), StoreError> {
    let journaled = journal.append(changes).and_then(|()| if durable { journal.sync() } else { Ok(()) });
    if let Err(e) = journaled {
        let _ = txn.abort();
        return Err(e);
    }
    Ok(txn.commit()?)
}

fn refusal(transaction: bool, index: usize, error: StoreError) -> StoreError {
    match error {
        StoreError::ConditionFailed(key) if transaction => StoreError::TransactionCancelled { index, key },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::{Request, commit};
    use crate::platform::store::embedded::Trees;
    use crate::platform::store::embedded::apply::{Part, prepare};
    use crate::platform::store::embedded::journal::{Journal, open_file};
    use crate::platform::store::embedded::table::read_item;
    use crate::platform::store::{Condition, Item, Key, StoreError, TableSpec, WriteOp};
    use redb::backends::InMemoryBackend;
    use redb::{Database, ReadableDatabase};
    use std::sync::Arc;
    use tokio::sync::oneshot;

    fn put(table: &Arc<Trees>, sk: &str, condition: Condition) -> Part {
        let item = Item::new(Key::new("P", sk), serde_json::json!({ "sk": sk }));
        Part { trees: table.clone(), ops: prepare(vec![WriteOp::Put { item, condition }]).unwrap() }
    }

    /// One batch's requests share its tables: each sees what those before it
    /// wrote, a refused one changes nothing, and a request may write two tables.
    #[test]
    fn the_requests_of_one_batch_build_on_each_other_in_the_tables_they_share() {
        let db = Database::builder().create_with_backend(InMemoryBackend::new()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut journal = Journal::new(open_file(&dir.path().join("journal")).unwrap());
        let (t, u) = (Arc::new(Trees::of(&TableSpec::new("t"))), Arc::new(Trees::of(&TableSpec::new("u"))));
        let requests = vec![
            vec![put(&t, "a", Condition::NotExists)],
            vec![put(&t, "a", Condition::NotExists)],
            vec![put(&t, "a", Condition::Version(1))],
            vec![put(&t, "b", Condition::None), put(&u, "c", Condition::NotExists)],
        ];
        let (batch, answers): (Vec<_>, Vec<_>) = requests
            .into_iter()
            .map(|parts| {
                let (answer, answered) = oneshot::channel();
                (Request { parts, transaction: true, durable: false, answer }, answered)
            })
            .unzip();
        assert!(commit(&db, batch, &mut journal));
        let answers: Vec<_> =
            answers.into_iter().map(|mut a| a.try_recv().unwrap().map(|stored| stored.len())).collect();
        assert!(matches!(answers[..], [Ok(1), Err(StoreError::TransactionCancelled { index: 0, .. }), Ok(1), Ok(1)]));
        let read = db.begin_read().unwrap();
        let get =
            |trees: &Trees, sk: &str| read_item(&read.open_table(trees.items()).unwrap(), &Key::new("P", sk)).unwrap();
        assert_eq!(get(&t, "a").unwrap().version, 2, "the third request updated what the first wrote");
        assert!(get(&t, "b").is_some() && get(&u, "c").is_some());
    }
}
