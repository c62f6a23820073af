//! The journal's upkeep, which the store's writer ([`super::writer`]) does
//! between batches and while it waits for one.
//!
//! Relaxed writes ([`store::relaxed`](crate::platform::store::relaxed):
//! ones a restart does again, such as publishing an event still in its
//! outbox) are journaled without waiting for the disk: they are visible at
//! once, and the next durable commit's sync makes them durable too, as the
//! journal is one file written in order. That sync comes within
//! [`FLUSH_WITHIN`] of the first relaxed record: the writer syncs the journal
//! itself then, busy or quiet, so a crash loses at most that much work to be
//! done again. redb's own file is made durable by a checkpoint
//! ([`checkpoint`]) within [`CHECKPOINT_EVERY`](checkpoint::CHECKPOINT_EVERY)
//! of the journal's first record, and when the writer stops.
//!
//! A commit that fails (the disk full, say) is answered as failed and
//! followed by a checkpoint, so nothing of it is ever replayed; when that
//! fails too, the writer opens the file again if redb has given up on it
//! ([`Handle::recover`]), putting back what the journal holds.

use super::checkpoint;
use super::handle::{Handle, Recovery};
use super::journal::Journal;
use super::sweep::Sweeper;
use redb::Database;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// How long a relaxed commit may wait for the journal's sync.
const FLUSH_WITHIN: Duration = Duration::from_millis(100);

/// The journal, shared by the writer and the opening of the file (which puts
/// back what it holds: see [`checkpoint::restore_journal`]).
pub(super) type SharedJournal = Arc<Mutex<Journal>>;

pub(super) fn lock(journal: &Mutex<Journal>) -> MutexGuard<'_, Journal> {
    journal.lock().unwrap_or_else(PoisonError::into_inner)
}

/// How long until the journal's relaxed records are due a sync or its
/// records a checkpoint, if it holds any.
pub(super) fn due_in(journal: &Mutex<Journal>) -> Option<Duration> {
    let journal = lock(journal);
    let sync_in = journal.unsynced_since.map(|since| FLUSH_WITHIN.saturating_sub(since.elapsed()));
    [sync_in, checkpoint::due_in(&journal)].into_iter().flatten().min()
}

/// After a batch: syncs the relaxed records once due; checkpoints once due,
/// or at once when the batch's commit failed.
pub(super) fn after_commit(
    handle: &Handle,
    db: Arc<Database>,
    journal: &Mutex<Journal>,
    sweeper: &Sweeper,
    committed: bool,
) {
    if committed {
        sync_if_due(journal);
    }
    if !committed || checkpoint_due(journal) {
        checkpoint_or_recover(handle, db, journal, sweeper);
    }
}

/// With no request waiting: syncs the relaxed records and checkpoints when
/// either is due (a failure is tried again at the next wait).
pub(super) fn idle(handle: &Handle, journal: &Mutex<Journal>, sweeper: &Sweeper) {
    sync_if_due(journal);
    if checkpoint_due(journal)
        && let Ok(db) = handle.get()
    {
        checkpoint_or_recover(handle, db, journal, sweeper);
    }
}

/// When the writer stops: a last checkpoint, so the file needs no journal.
pub(super) fn close(handle: &Handle, journal: &Mutex<Journal>) {
    if let Ok(db) = handle.get() {
        checkpointed(&db, journal);
    }
}

/// Opens the file again if redb has given up on it ([`Handle::recover`]),
/// putting back what the journal holds; every table counts a change then:
/// what read caches kept may have changed too.
pub(super) fn recover(handle: &Handle, sweeper: &Sweeper) {
    if handle.recover() == Recovery::Reopened {
        sweeper.tables().iter().for_each(|trees| trees.changed());
    }
}

fn checkpoint_due(journal: &Mutex<Journal>) -> bool {
    checkpoint::due_in(&lock(journal)) == Some(Duration::ZERO)
}

/// Checkpoints; when that fails, lets go of `db` and opens the file again.
fn checkpoint_or_recover(handle: &Handle, db: Arc<Database>, journal: &Mutex<Journal>, sweeper: &Sweeper) {
    if !checkpointed(&db, journal) {
        drop(db);
        recover(handle, sweeper);
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

/// Checkpoints ([`checkpoint::checkpoint`]), measured; whether it did.
fn checkpointed(db: &Database, journal: &Mutex<Journal>) -> bool {
    let started = Instant::now();
    let done = checkpoint::checkpoint(db, &mut lock(journal));
    metrics::histogram!("tbs_store_checkpoint_seconds").record(started.elapsed());
    done.map_err(|e| tracing::error!(error = %e, "the store could not checkpoint its journal")).is_ok()
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
