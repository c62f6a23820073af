//! What each table's calls would cost on DynamoDB, counted at the store port
//! so the embedded backend reports it too (the bench runs there):
//!
//! * `tbs_store_calls_total{table, call}`: get, put, delete, query, transact, batch;
//! * `tbs_store_write_units_total{table}`: write capacity units by DynamoDB's
//!   rules — 1 per KB (rounded up) of each item written, again for each index
//!   it is written to; twice that inside a transaction; a delete or a
//!   condition check as 1 KB (a batch delete: 1 per item);
//! * `tbs_store_read_units_total{table}`: strongly consistent read units — 1
//!   per 4 KB (rounded up) of what a get or a query returns, at least 1.
//!
//! An item's size is its JSON encoding's, near DynamoDB's (attribute names
//! plus values) without being exact.

use super::model::{Condition, Item, Key, Page, Query, TableSpec, WriteOp};
use super::{StagedDelivery, Store, StoreError, Table};
use async_trait::async_trait;
use std::sync::{Arc, Weak};

/// A store whose tables count their calls and capacity units.
pub struct MeteredStore(Arc<dyn Store>);

impl MeteredStore {
    /// Meters `store` (installing the process's metrics recorder, which the counts need).
    pub fn new(store: Arc<dyn Store>) -> Self {
        crate::platform::metrics::handle();
        Self(store)
    }
}

#[async_trait]
impl Store for MeteredStore {
    async fn open_table(&self, spec: &TableSpec) -> Result<Arc<dyn Table>, StoreError> {
        Ok(Arc::new(Metered::new(self.0.open_table(spec).await?)))
    }

    fn deliver_staged(&self, partition: &str, to: Weak<dyn StagedDelivery>) -> bool {
        self.0.deliver_staged(partition, to)
    }
}

/// The calls a table is counted by: the `call` label, in [`Call`]'s order.
const CALLS: [&str; 6] = ["get", "put", "delete", "query", "transact", "batch"];

#[derive(Clone, Copy)]
enum Call {
    Get,
    Put,
    Delete,
    Query,
    Transact,
    Batch,
}

/// A table's counters, registered once when it is opened (a store call
/// then adds to them without building labels or looking them up).
#[derive(Clone)]
struct Counters {
    calls: [metrics::Counter; CALLS.len()],
    read_units: metrics::Counter,
    write_units: metrics::Counter,
}

struct Metered {
    inner: Arc<dyn Table>,
    counters: Counters,
}

impl Metered {
    fn new(inner: Arc<dyn Table>) -> Self {
        let table = inner.name().to_string();
        let counters = Counters {
            calls: CALLS
                .map(|call| metrics::counter!("tbs_store_calls_total", "table" => table.clone(), "call" => call)),
            read_units: metrics::counter!("tbs_store_read_units_total", "table" => table.clone()),
            write_units: metrics::counter!("tbs_store_write_units_total", "table" => table),
        };
        Self { inner, counters }
    }

    fn count(&self, call: Call, read_units: u64, write_units: u64) {
        self.counters.calls[call as usize].increment(1);
        if read_units > 0 {
            self.counters.read_units.increment(read_units);
        }
        if write_units > 0 {
            self.counters.write_units.increment(write_units);
        }
    }
}

/// The length of the item's JSON as `serde_json` writes it, summed field
/// by field without writing it: the attributes' text counts as it is, and
/// encoding the item to count it cost more than the store's own write of it.
fn size(item: &Item) -> u64 {
    const AROUND: &str = r#"{"key":,"indexes":{},"version":,"attrs":}"#;
    let indexes = item.indexes.iter().map(|(name, key)| text_len(name) + 1 + key_len(key)).sum::<u64>();
    let commas = item.indexes.len().saturating_sub(1) as u64;
    let expires = item.expires_at.map_or(0, |at| r#","expires_at":"#.len() as u64 + digits(at.unsigned_abs(), at < 0));
    let attrs = item.attrs.json_len() as u64;
    AROUND.len() as u64 + key_len(&item.key) + indexes + commas + digits(item.version, false) + attrs + expires
}

/// `{"pk":…,"sk":…}`
fn key_len(key: &Key) -> u64 {
    r#"{"pk":,"sk":}"#.len() as u64 + text_len(&key.pk) + text_len(&key.sk)
}

/// A JSON string's length, quotes and escapes included (`serde_json`'s
/// escapes: `\"` and `\\`, the short ones for five control characters,
/// `\u00XX` for the others below 0x20).
fn text_len(text: &str) -> u64 {
    let escapes: u64 = text
        .bytes()
        .map(|b| match b {
            b'"' | b'\\' | 0x08 | 0x09 | 0x0a | 0x0c | 0x0d => 1,
            0x00..=0x1f => 5,
            _ => 0,
        })
        .sum();
    2 + text.len() as u64 + escapes
}

fn digits(n: u64, negative: bool) -> u64 {
    u64::from(negative) + n.checked_ilog10().map_or(1, |log| u64::from(log) + 1)
}

fn read_units(bytes: u64) -> u64 {
    bytes.div_ceil(4096).max(1)
}

/// Write units of writing `item` outside a transaction (its indexes included).
fn put_units(item: &Item) -> u64 {
    size(item).div_ceil(1024).max(1) * (1 + item.indexes.len() as u64)
}

fn write_units(op: &WriteOp) -> u64 {
    match op {
        WriteOp::Put { item, .. } => put_units(item),
        WriteOp::Delete { .. } | WriteOp::Check { .. } => 1,
    }
}

#[async_trait]
impl Table for Metered {
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
        let found = self.inner.get(key).await;
        let bytes = found.as_ref().ok().and_then(|f| f.as_ref()).map_or(0, size);
        self.count(Call::Get, read_units(bytes), 0);
        found
    }

    async fn put(&self, item: Item, condition: Condition) -> Result<Item, StoreError> {
        self.count(Call::Put, 0, put_units(&item));
        self.inner.put(item, condition).await
    }

    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        self.count(Call::Delete, 0, 1);
        self.inner.delete(key, condition).await
    }

    async fn query(&self, query: Query) -> Result<Page, StoreError> {
        let page = self.inner.query(query).await;
        let bytes = page.as_ref().map_or(0, |p| p.items.iter().map(size).sum());
        self.count(Call::Query, read_units(bytes), 0);
        page
    }

    async fn transact_write(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        self.count(Call::Transact, 0, 2 * ops.iter().map(write_units).sum::<u64>());
        self.inner.transact_write(ops).await
    }

    async fn delete_batch(&self, keys: Vec<Key>) -> Result<(), StoreError> {
        self.count(Call::Batch, 0, keys.len() as u64);
        self.inner.delete_batch(keys).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::store::EmbeddedStore;

    fn counted(metric: &str, table: &str) -> u64 {
        let rendered = crate::platform::metrics::handle().render();
        let label = format!("{metric}{{table=\"{table}\"}} ");
        rendered.lines().find_map(|l| l.strip_prefix(&label)).map_or(0, |v| v.parse().unwrap())
    }

    #[test]
    fn an_items_size_is_the_length_of_its_json() {
        let mut item = Item::new(Key::new("ORDER#\"1\"", "a\\b\n\u{1}é"), serde_json::json!({ "total": 1250 }));
        let sizes = |item: &Item| (size(item), serde_json::to_vec(item).unwrap().len() as u64);
        let (counted, encoded) = sizes(&item);
        assert_eq!(counted, encoded, "no index, no expiry, version 0");
        item = item.with_index("by_status", Key::new("STATUS#paid", "1")).with_index("by_owner", Key::new("o\t", "2"));
        (item.version, item.expires_at) = (1_234_567, Some(-86_400));
        let (counted, encoded) = sizes(&item);
        assert_eq!(counted, encoded, "two indexes, a negative expiry");
        item.attrs["total"] = serde_json::json!(999);
        item.expires_at = Some(1_800_000_000);
        let (counted, encoded) = sizes(&item);
        assert_eq!(counted, encoded, "attributes changed by name (a value, no text)");
    }

    #[tokio::test]
    async fn writes_cost_what_dynamodb_would_charge() {
        let dir = tempfile::tempdir().unwrap();
        let store = MeteredStore::new(Arc::new(EmbeddedStore::open(dir.path()).unwrap()));
        let table = store.open_table(&TableSpec::new("metered_test").with_index("by_owner")).await.unwrap();
        let big = serde_json::json!({ "text": "x".repeat(1500) });
        let indexed = Item::new(Key::new("A", "1"), big.clone()).with_index("by_owner", Key::new("o", "1"));
        table.put(indexed, Condition::None).await.unwrap();
        assert_eq!(counted("tbs_store_write_units_total", "metered_test"), 4, "2 KB, written twice (table + index)");
        let ops = vec![
            WriteOp::Put { item: Item::new(Key::new("B", "1"), big), condition: Condition::None },
            WriteOp::Check { key: Key::new("A", "1"), condition: Condition::Exists },
        ];
        table.transact_write(ops).await.unwrap();
        assert_eq!(
            counted("tbs_store_write_units_total", "metered_test"),
            4 + 2 * (2 + 1),
            "a transaction costs double"
        );
        table.get(&Key::new("A", "1")).await.unwrap();
        assert_eq!(counted("tbs_store_read_units_total", "metered_test"), 1);
    }
}
