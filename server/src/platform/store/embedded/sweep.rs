//! Removing expired items (see [`Item::expires_at`](crate::platform::store::Item)):
//! the writer, between commits, every [`SWEEP_EVERY`], reads the store's
//! expiry tree for items past their expiry and deletes them with their index
//! entries, in one commit of its own (journaled, not synced: a sweep lost to
//! a crash is simply done again). Being the store's only
//! writer, it needs no condition: nothing can write an item between its
//! finding it expired and deleting it.

use super::apply::unindex;
use super::batch::{begin_journaled, journal_then_commit};
use super::codec::decode_head;
use super::journal::{Change, Journal};
use super::{EXPIRES, ExpiryKey, Trees};
use crate::platform::store::{Key, StoreError};
use redb::{Database, ReadableTable};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How often the store is swept.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// The first sweep, once the tables a process opens at start are open.
const FIRST_SWEEP: Duration = Duration::from_secs(1);

/// The most items one sweep deletes (the next follows soon while they fill it).
const ROUND: usize = 1024;

/// The tables the store has opened: told when a sweep removes their items
/// (see [`Trees::changed`]). Others are swept too, found by their names.
pub(super) type Open = Arc<Mutex<Vec<Arc<Trees>>>>;

/// When the writer sweeps next.
pub(super) struct Sweeper {
    tables: Open,
    due: Instant,
}

impl Sweeper {
    pub(super) fn new(tables: Open) -> Self {
        Self { tables, due: Instant::now() + FIRST_SWEEP }
    }

    /// The tables open now.
    pub(super) fn tables(&self) -> Vec<Arc<Trees>> {
        self.tables.lock().expect("open tables").clone()
    }

    /// How long until the next sweep.
    pub(super) fn wait(&self) -> Duration {
        self.due.saturating_duration_since(Instant::now())
    }

    /// Sweeps if it is time to.
    pub(super) fn if_due(&mut self, db: &Database, journal: &mut Journal) {
        if Instant::now() < self.due {
            return;
        }
        let tables = self.tables();
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let next = match sweep(db, &tables, now, journal) {
            Ok(removed) if removed >= ROUND => Duration::ZERO,
            Ok(_) => SWEEP_EVERY,
            Err(e) => {
                tracing::warn!(error = %e, "expired items not removed; tried again later");
                SWEEP_EVERY
            }
        };
        self.due = Instant::now() + next;
    }
}

/// Deletes up to [`ROUND`] items whose expiry is at or before `now`, in
/// one commit, and tells the `open` tables they wrote; how many.
pub(super) fn sweep(db: &Database, open: &[Arc<Trees>], now: i64, journal: &mut Journal) -> Result<usize, StoreError> {
    let txn = begin_journaled(db)?;
    let expired = expired(&txn, now)?;
    let mut changes = Vec::with_capacity(expired.len());
    for (at, table, key) in &expired {
        let head = {
            let mut items = txn.open_table(Trees::named(table, []).items())?;
            let removed = items.remove((key.pk.as_str(), key.sk.as_str()))?;
            removed.map(|stored| decode_head(stored.value())).transpose()?
        };
        match head {
            // Its trees, by their naming rule (the table need not be open here).
            Some(head) => {
                unindex(&txn, &Trees::named(table, head.indexes.keys()), key, &head)?;
                changes.push(Change { table: table.clone(), key: key.clone(), stored: None });
            }
            // An entry without its item: nothing to delete but the entry.
            None => drop(txn.open_table(EXPIRES)?.remove((*at, table.as_str(), key.pk.as_str(), key.sk.as_str()))?),
        }
    }
    journal_then_commit(txn, journal, &changes, false)?;
    for trees in open.iter().filter(|trees| expired.iter().any(|(_, table, _)| table == trees.name())) {
        trees.changed();
    }
    Ok(expired.len())
}

/// Up to [`ROUND`] items expired at `now`: each one's expiry, table and key.
fn expired(txn: &redb::WriteTransaction, now: i64) -> Result<Vec<(i64, String, Key)>, StoreError> {
    let expires = txn.open_table(EXPIRES)?;
    let mut found = Vec::new();
    for entry in expires.range::<ExpiryKey>(..(now.saturating_add(1), "", "", ""))?.take(ROUND) {
        let (entry, _) = entry?;
        let (at, table, pk, sk) = entry.value();
        found.push((at, table.to_string(), Key::new(pk, sk)));
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use crate::platform::store::{Condition, EmbeddedStore, Item, Key, Query, Store, Table, TableSpec};
    use redb::{ReadableDatabase, ReadableTableMetadata};
    use serde_json::json;
    use std::sync::Arc;
    use std::time::{Duration, Instant};
    use time::OffsetDateTime;

    fn spec() -> TableSpec {
        TableSpec::new("swept").with_index("by_owner")
    }

    fn at(seconds_from_now: i64) -> OffsetDateTime {
        OffsetDateTime::now_utc() + time::Duration::seconds(seconds_from_now)
    }

    fn owned(sk: &str) -> Item {
        Item::new(Key::new("p", sk), json!({})).with_index("by_owner", Key::new("ann", sk))
    }

    /// Sweeps `store` as its writer would at `now`; how many items went.
    fn sweep(store: &EmbeddedStore, now: OffsetDateTime) -> usize {
        let tables = store.tables.lock().unwrap().clone();
        let mut journal = store.journal.lock().unwrap();
        super::sweep(&store.db.get().unwrap(), &tables, now.unix_timestamp(), &mut journal).unwrap()
    }

    #[tokio::test]
    async fn expired_items_go_with_their_index_entries_and_the_rest_stay() {
        let dir = tempfile::tempdir().unwrap();
        let store = EmbeddedStore::open(dir.path()).unwrap();
        let table: Arc<dyn Table> = store.open_table(&spec()).await.unwrap();
        let put = |item: Item| table.put(item, Condition::None);
        put(owned("expired").expiring_at(at(-10))).await.unwrap();
        put(owned("later").expiring_at(at(3600))).await.unwrap();
        put(owned("lasting")).await.unwrap();
        put(owned("renewed").expiring_at(at(-10))).await.unwrap();
        put(owned("renewed").expiring_at(at(3600))).await.unwrap();
        let kept = at(3600);
        put(owned("kept").expiring_at(kept)).await.unwrap();
        put(owned("kept").expiring_at(kept)).await.unwrap(); // the same expiry: its entry stays
        let changes = table.changes();

        // (The writer may have swept already: what is left is what counts.)
        sweep(&store, OffsetDateTime::now_utc());
        let left = table.query(Query::partition("ann").on_index("by_owner")).await.unwrap().items;
        let left: Vec<&str> = left.iter().map(|i| i.key.sk.as_str()).collect();
        assert_eq!(left, ["kept", "lasting", "later", "renewed"]);
        assert!(table.get(&Key::new("p", "expired")).await.unwrap().is_none());
        assert!(table.changes() > changes, "a read cache of the table hears of the sweep");
        assert_eq!(sweep(&store, at(7200)), 3, "the rest, once their time has come");
        assert_eq!(sweep(&store, at(7200)), 0);
    }

    /// Opened again, the store sweeps what expired meanwhile, also in a
    /// table this process has not opened (its trees found by their names).
    #[tokio::test]
    async fn a_store_opened_again_sweeps_what_expired_meanwhile() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = EmbeddedStore::open(dir.path()).unwrap();
            let table = store.open_table(&spec()).await.unwrap();
            table.put(owned("expired").expiring_at(at(-1)), Condition::None).await.unwrap();
        }
        let store = EmbeddedStore::open(dir.path()).unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        let left = || store.db.get().unwrap().begin_read().unwrap().open_table(super::EXPIRES).unwrap().len().unwrap();
        while left() > 0 {
            assert!(Instant::now() < deadline, "the expired item is still there after 10 s");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let table = store.open_table(&spec()).await.unwrap();
        assert!(table.get(&Key::new("p", "expired")).await.unwrap().is_none());
        assert!(table.query(Query::partition("ann").on_index("by_owner")).await.unwrap().items.is_empty());
    }
}
