//! Checkpoints: redb's file made durable and the journal started again
//! ([`super::journal`]), and, when the file is opened, the journal's records
//! since the last checkpoint put back first.
//!
//! A checkpoint is one durable redb commit (every commit since the last one
//! is written to the file with it, as redb persists commits in order) that
//! also records the journal's next epoch; only then does the journal start
//! again, at that epoch. A crash before the commit leaves the old epoch's
//! records to replay over the last checkpoint; one after it leaves them
//! unread (their epoch is not the file's).

use super::apply::restore;
use super::journal::Journal;
use crate::platform::store::StoreError;
use redb::{Database, Durability, ReadableTable, TableDefinition, WriteTransaction};
use std::time::Duration;

/// The journal's epoch, under [`EPOCH`].
const JOURNAL: TableDefinition<'static, &str, u64> = TableDefinition::new(":journal");
const EPOCH: &str = "epoch";

/// How long changes stay only in the journal, at most, while the store is busy.
pub(super) const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

/// How large the journal grows, at most, before a checkpoint.
pub(super) const CHECKPOINT_BYTES: u64 = 16 << 20;

/// How long until the journal's records are due a checkpoint (zero when they
/// are: old or large enough), if it holds any.
pub(super) fn due_in(journal: &Journal) -> Option<Duration> {
    let oldest = journal.oldest?;
    match journal.len() >= CHECKPOINT_BYTES {
        true => Some(Duration::ZERO),
        false => Some(CHECKPOINT_EVERY.saturating_sub(oldest.elapsed())),
    }
}

/// Makes everything committed so far durable in redb's file and starts the journal again.
pub(super) fn checkpoint(db: &Database, journal: &mut Journal) -> Result<(), StoreError> {
    let txn = db.begin_write()?;
    let next = next_epoch(&txn)?;
    commit_durably(txn)?;
    journal.restart(next);
    Ok(())
}

/// Puts back what the journal holds since the last checkpoint (what a crash,
/// or a failed write, left only there), in one durable commit that is a
/// checkpoint too; returns how many changes it put back.
pub(super) fn restore_journal(db: &Database, journal: &mut Journal) -> Result<usize, StoreError> {
    let txn = db.begin_write()?;
    let epoch = txn.open_table(JOURNAL)?.get(EPOCH)?.map_or(0, |e| e.value());
    let changes = journal.read(epoch)?;
    for change in &changes {
        restore(&txn, change)?;
    }
    let next = next_epoch(&txn)?;
    commit_durably(txn)?;
    journal.restart(next);
    if !changes.is_empty() {
        tracing::info!(changes = changes.len(), "put back the store's changes kept only in its journal");
    }
    Ok(changes.len())
}

/// Records, in `txn`, the epoch after the one stored; returns it.
fn next_epoch(txn: &WriteTransaction) -> Result<u64, StoreError> {
    let mut table = txn.open_table(JOURNAL)?;
    let next = table.get(EPOCH)?.map_or(0, |e| e.value()) + 1;
    table.insert(EPOCH, next)?;
    Ok(next)
}

fn commit_durably(mut txn: WriteTransaction) -> Result<(), StoreError> {
    txn.set_durability(Durability::Immediate).map_err(|e| StoreError::Backend(e.to_string()))?;
    Ok(txn.commit()?)
}

#[cfg(test)]
mod tests {
    use super::super::codec::encode;
    use super::super::journal::{Change, Journal, open_file};
    use super::*;
    use crate::platform::store::model::{Item, Key};
    use redb::ReadableDatabase;

    const CARTS: TableDefinition<'static, (&str, &str), &[u8]> = TableDefinition::new("carts");

    fn stored(n: u64) -> Vec<u8> {
        encode(&Item { version: n, ..Item::new(Key::new("CART#1", "META"), serde_json::json!({ "n": n })) }).unwrap()
    }

    fn read(db: &Database) -> Option<Vec<u8>> {
        let txn = db.begin_read().unwrap();
        txn.open_table(CARTS).unwrap().get(("CART#1", "META")).unwrap().map(|v| v.value().to_vec())
    }

    /// The store's file and journal in `dir`, opened as the store opens them;
    /// how many changes the opening put back.
    fn open(dir: &std::path::Path) -> (Database, Journal, usize) {
        let db = Database::create(dir.join("store.redb")).unwrap();
        let mut journal = Journal::new(open_file(&dir.join("store.journal")).unwrap());
        let put_back = restore_journal(&db, &mut journal).unwrap();
        (db, journal, put_back)
    }

    fn change(n: Option<u64>) -> Change {
        Change { table: "carts".into(), key: Key::new("CART#1", "META"), stored: n.map(stored) }
    }

    /// A crash after a checkpoint's commit, before the journal was written
    /// over: its records are older than the file's state and must not be replayed.
    #[test]
    fn what_a_checkpoint_made_durable_is_not_replayed_over_newer_changes() {
        let dir = tempfile::tempdir().unwrap();
        let (db, mut journal, _) = open(dir.path());
        journal.append(&[change(Some(1))]).unwrap();
        journal.sync().unwrap();
        // A later change, made durable by a checkpoint; the crash comes before any record follows it.
        let txn = db.begin_write().unwrap();
        txn.open_table(CARTS).unwrap().insert(("CART#1", "META"), stored(2).as_slice()).unwrap();
        next_epoch(&txn).unwrap();
        commit_durably(txn).unwrap();
        drop((db, journal));

        let (db, _, put_back) = open(dir.path());
        assert_eq!(put_back, 0, "nothing of an older epoch is put back");
        assert_eq!(read(&db), Some(stored(2)));
    }

    #[test]
    fn the_records_since_the_last_checkpoint_are_put_back_once() {
        let dir = tempfile::tempdir().unwrap();
        let (db, mut journal, _) = open(dir.path());
        journal.append(&[change(Some(1))]).unwrap();
        journal.append(&[change(None), change(Some(3))]).unwrap();
        journal.sync().unwrap();
        drop((db, journal)); // a crash: none of it reached redb's file

        let (db, mut journal, put_back) = open(dir.path());
        assert_eq!(put_back, 3);
        assert_eq!(read(&db), Some(stored(3)), "the last change wins");
        assert_eq!(restore_journal(&db, &mut journal).unwrap(), 0, "nothing is put back twice");
        journal.append(&[change(Some(4))]).unwrap();
        journal.sync().unwrap();
        drop((db, journal));
        let (db, _, put_back) = open(dir.path());
        assert_eq!(put_back, 1, "only the record written over the old ones");
        assert_eq!(read(&db), Some(stored(4)));
    }
}
