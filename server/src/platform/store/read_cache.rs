//! Answers read from a table, kept until the table changes: for a service's
//! hottest reads (the shop's product listing), where most requests ask the
//! same few questions of a table that changes far less often than it is read.
//!
//! Only where the backend counts the table's commits ([`Table::changes`]: the
//! embedded store, which one process owns); elsewhere every call loads.
//! The count is read before loading, so an answer loaded while a write
//! commits is kept under the count before that write and is not served once
//! the write is counted. At most [`ReadCache::new`]'s `capacity` answers are
//! kept, so memory stays bounded whatever keys callers send.

use super::Table;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

pub struct ReadCache<K, V> {
    table: Arc<dyn Table>,
    capacity: usize,
    /// Each answer with the table's count of changes it was loaded at.
    answers: Mutex<HashMap<K, (u64, Arc<V>)>>,
}

impl<K: Hash + Eq + Clone, V> ReadCache<K, V> {
    pub fn new(table: Arc<dyn Table>, capacity: usize) -> Self {
        Self { table, capacity: capacity.max(1), answers: Mutex::default() }
    }

    /// The answer to `key`: kept, if the table has not changed since it was
    /// loaded; otherwise loaded by `load` (and kept when it succeeds).
    pub async fn get_or_load<E, F>(&self, key: &K, load: impl FnOnce() -> F) -> Result<Arc<V>, E>
    where
        F: Future<Output = Result<V, E>>,
    {
        let Some(seen) = self.table.changes() else { return load().await.map(Arc::new) };
        if let Some((at, answer)) = self.answers().get(key)
            && *at == seen
        {
            return Ok(answer.clone());
        }
        let answer = Arc::new(load().await?);
        self.keep(key, seen, answer.clone());
        Ok(answer)
    }

    fn keep(&self, key: &K, seen: u64, answer: Arc<V>) {
        let mut answers = self.answers();
        if answers.len() >= self.capacity && !answers.contains_key(key) {
            answers.retain(|_, (at, _)| *at == seen);
            if answers.len() >= self.capacity {
                let any = answers.keys().next().cloned();
                any.map(|k| answers.remove(&k));
            }
        }
        answers.insert(key.clone(), (seen, answer));
    }

    fn answers(&self) -> std::sync::MutexGuard<'_, HashMap<K, (u64, Arc<V>)>> {
        self.answers.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::ReadCache;
    use crate::platform::store::{Condition, EmbeddedStore, Item, Key, Store, TableSpec};
    use serde_json::json;
    use std::sync::atomic::{AtomicUsize, Ordering};

    async fn table(dir: &std::path::Path) -> std::sync::Arc<dyn crate::platform::store::Table> {
        let store = EmbeddedStore::open(dir).unwrap();
        store.open_table(&TableSpec::new("cached")).await.unwrap()
    }

    #[tokio::test]
    async fn an_answer_is_kept_until_the_table_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let table = table(dir.path()).await;
        let cache = ReadCache::new(table.clone(), 8);
        let loads = AtomicUsize::new(0);
        let read = || async {
            loads.fetch_add(1, Ordering::SeqCst);
            Ok::<_, ()>(table.get(&Key::new("A", "1")).await.unwrap().is_some())
        };
        assert!(!*cache.get_or_load(&"a", read).await.unwrap());
        assert!(!*cache.get_or_load(&"a", read).await.unwrap());
        assert_eq!(loads.load(Ordering::SeqCst), 1, "the second call is answered from the cache");
        table.put(Item::new(Key::new("A", "1"), json!({})), Condition::None).await.unwrap();
        assert!(*cache.get_or_load(&"a", read).await.unwrap(), "the write is seen");
        assert_eq!(loads.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_relaxed_write_and_one_delivered_alone_invalidate_too() {
        let dir = tempfile::tempdir().unwrap();
        let table = table(dir.path()).await;
        let before = table.changes().unwrap();
        let put = table.put(Item::new(Key::new("A", "1"), json!({})), Condition::None);
        crate::platform::store::relaxed::relaxed(put).await.unwrap();
        table.delete_batch(vec![Key::new("A", "1")]).await.unwrap();
        assert_eq!(table.changes().unwrap(), before + 2);
    }

    #[tokio::test]
    async fn a_refused_load_is_not_kept_and_keys_are_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ReadCache::new(table(dir.path()).await, 2);
        assert!(cache.get_or_load(&0, || async { Err::<u32, _>("down") }).await.is_err());
        for key in 0..10 {
            cache.get_or_load(&key, || async { Ok::<_, ()>(key) }).await.unwrap();
        }
        assert_eq!(cache.answers().len(), 2);
        let again = cache.get_or_load(&9, || async { Ok::<_, ()>(99) }).await.unwrap();
        assert_eq!(*again, 9, "the latest key is still kept");
    }
}
