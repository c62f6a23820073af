//! A table whose writes can be waited for, key by key: a request that
//! long-polls an item ([`Watched::watch`]) sleeps until a write through this
//! table touches it, instead of a client asking again and again.
//!
//! Only writes made through this process's handle are seen; a write by
//! another process (several processes sharing DynamoDB) is not, and a
//! waiter then sleeps its whole wait and reads again, as a poll would.
//! A key is registered only while someone waits on it, so the registry is
//! as big as the number of waiting requests.

use super::model::{Condition, Item, Key, Page, Query, WriteOp};
use super::{StoreError, Table};
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::watch;

pub struct Watched {
    inner: Arc<dyn Table>,
    waiting: Arc<Waiting>,
}

/// Each waited-for key's count of writes, for its waiters to see move.
#[derive(Default)]
struct Waiting(Mutex<HashMap<Key, watch::Sender<u64>>>);

impl Waiting {
    fn keys(&self) -> MutexGuard<'_, HashMap<Key, watch::Sender<u64>>> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn written<'a>(&self, keys: impl IntoIterator<Item = &'a Key>) {
        let waiting = self.keys();
        if waiting.is_empty() {
            return;
        }
        for key in keys {
            if let Some(count) = waiting.get(key) {
                count.send_modify(|n| *n += 1);
            }
        }
    }
}

/// One waiter's watch on a key: writes from its making on are seen.
pub struct Watch {
    key: Key,
    seen: watch::Receiver<u64>,
    waiting: Arc<Waiting>,
}

impl Watch {
    /// Whether the key was written since the watch was made, waiting up to `within` for it.
    pub async fn written_within(&mut self, within: Duration) -> bool {
        matches!(tokio::time::timeout(within, self.seen.changed()).await, Ok(Ok(())))
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let mut waiting = self.waiting.keys();
        // This watch's receiver is still alive here: the last one leaving counts one.
        if waiting.get(&self.key).is_some_and(|count| count.receiver_count() <= 1) {
            waiting.remove(&self.key);
        }
    }
}

impl Watched {
    pub fn new(inner: Arc<dyn Table>) -> Self {
        Self { inner, waiting: Arc::default() }
    }

    /// A watch on `key`: made before reading it, so no write after the read is missed.
    pub fn watch(&self, key: &Key) -> Watch {
        let seen = self.waiting.keys().entry(key.clone()).or_insert_with(|| watch::Sender::new(0)).subscribe();
        Watch { key: key.clone(), seen, waiting: self.waiting.clone() }
    }

    fn after<'a, T>(
        &self,
        result: Result<T, StoreError>,
        keys: impl IntoIterator<Item = &'a Key>,
    ) -> Result<T, StoreError> {
        if result.is_ok() {
            self.waiting.written(keys);
        }
        result
    }
}

#[async_trait]
impl Table for Watched {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn delivers_staged(&self, partition: &str) -> bool {
        self.inner.delivers_staged(partition)
    }

    fn changes(&self) -> Option<u64> {
        self.inner.changes()
    }

    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.inner.get(key).await
    }

    async fn put(&self, item: Item, condition: Condition) -> Result<Item, StoreError> {
        let key = item.key.clone();
        let put = self.inner.put(item, condition).await;
        self.after(put, [&key])
    }

    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        let deleted = self.inner.delete(key, condition).await;
        self.after(deleted, [key])
    }

    async fn query(&self, query: Query) -> Result<Page, StoreError> {
        self.inner.query(query).await
    }

    async fn transact_write(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        let keys: Vec<Key> = ops.iter().map(|op| op.key().clone()).collect();
        let written = self.inner.transact_write(ops).await;
        self.after(written, &keys)
    }

    async fn delete_batch(&self, keys: Vec<Key>) -> Result<(), StoreError> {
        let deleted = self.inner.delete_batch(keys.clone()).await;
        self.after(deleted, &keys)
    }
}

#[cfg(test)]
mod tests {
    use super::Watched;
    use crate::platform::store::{Condition, EmbeddedStore, Item, Key, Store, Table, TableSpec, WriteOp};
    use serde_json::json;
    use std::time::Duration;

    const LONG: Duration = Duration::from_secs(10);
    const SHORT: Duration = Duration::from_millis(50);

    #[tokio::test]
    async fn a_watch_sees_writes_to_its_key_only_and_is_dropped_with_its_last_waiter() {
        let dir = tempfile::tempdir().unwrap();
        let store = EmbeddedStore::open(dir.path()).unwrap();
        let table = Watched::new(store.open_table(&TableSpec::new("watched")).await.unwrap());
        let (mine, other) = (Key::new("ORDER#1", "ORDER"), Key::new("ORDER#2", "ORDER"));
        let mut watch = table.watch(&mine);
        table.put(Item::new(other.clone(), json!({})), Condition::None).await.unwrap();
        assert!(!watch.written_within(SHORT).await, "another key's write is not this key's");
        let refused = table.put(Item::new(mine.clone(), json!({})), Condition::Version(7)).await;
        assert!(refused.is_err() && !watch.written_within(SHORT).await, "a refused write wrote nothing");

        let waiter = tokio::spawn(async move { watch.written_within(LONG).await });
        let op = WriteOp::Put { item: Item::new(mine.clone(), json!({ "n": 1 })), condition: Condition::None };
        table.transact_write(vec![op]).await.unwrap();
        assert!(waiter.await.unwrap(), "a transaction's write wakes the waiter");
        assert!(table.waiting.keys().is_empty(), "nobody waits: nothing is registered");

        let mut first = table.watch(&mine);
        table.delete(&mine, Condition::None).await.unwrap();
        let second = table.watch(&mine);
        assert!(first.written_within(SHORT).await, "written after the watch was made");
        drop(first);
        assert_eq!(table.waiting.keys().len(), 1, "kept while one still waits");
        drop(second);
        assert!(table.waiting.keys().is_empty());
    }
}
