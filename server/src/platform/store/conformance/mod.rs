//! The backend conformance suite: what every implementation of the store port
//! must do, written once and run against each backend (the embedded one now,
//! DynamoDB later) by `server/tests/store_conformance.rs`.
//!
//! Each check takes a [`Harness`] that hands out stores over one isolated
//! storage area; opening a second store after dropping the first simulates a
//! process restart.

use super::{Condition, Item, Key, Query, Store, StoreError, Table, TableSpec, WriteOp};
use async_trait::async_trait;
use serde_json::json;
use std::sync::Arc;

mod expiry;
mod query;
mod transaction;

pub use expiry::*;
pub use query::*;
pub use transaction::*;

/// Gives the suite stores over one isolated storage area.
#[async_trait]
pub trait Harness: Send + Sync {
    /// A fresh store handle over the harness's storage. Everything a previous
    /// handle committed must be visible through it.
    async fn store(&self) -> Arc<dyn Store>;
}

/// The names of every check, for backends to generate one test each.
pub const CHECKS: &[&str] = &[
    "put_then_get_round_trips",
    "get_of_missing_item_is_none",
    "put_if_absent_rejects_existing_item",
    "update_requires_expected_version",
    "delete_honours_condition",
    "batch_delete_removes_every_key",
    "query_returns_one_partition_in_sort_order",
    "query_sort_key_conditions",
    "query_pages_cover_partition_exactly_once",
    "index_follows_item_changes",
    "transaction_is_all_or_nothing",
    "transaction_applies_puts_deletes_and_checks",
    "transaction_rejects_invalid_requests",
    "concurrent_conditional_puts_have_one_winner",
    "concurrent_versioned_transactions_have_one_winner",
    "data_persists_across_restart",
    "a_table_gains_an_index_declared_after_it_was_made",
    "an_expiry_is_kept_as_written",
];

fn spec() -> TableSpec {
    TableSpec::new("conformance").with_index("by_owner")
}

async fn table(h: &dyn Harness) -> Arc<dyn Table> {
    h.store().await.open_table(&spec()).await.expect("open table")
}

fn item(pk: &str, sk: &str, n: i64) -> Item {
    Item::new(Key::new(pk, sk), json!({ "n": n }))
}

fn sks(items: &[Item]) -> Vec<String> {
    items.iter().map(|i| i.key.sk.clone()).collect()
}

pub async fn put_then_get_round_trips(h: &dyn Harness) {
    let t = table(h).await;
    let written = item("p", "a", 1).with_index("by_owner", Key::new("alice", "2026-01-01"));
    let stored = t.put(written.clone(), Condition::None).await.unwrap();
    assert_eq!(stored.version, 1, "a new item starts at version 1");
    let read = t.get(&Key::new("p", "a")).await.unwrap().expect("item is there");
    assert_eq!(read.attrs, json!({ "n": 1 }));
    assert_eq!(read.indexes, written.indexes);
    assert_eq!(read.version, 1);
}

pub async fn get_of_missing_item_is_none(h: &dyn Harness) {
    let t = table(h).await;
    assert!(t.get(&Key::new("nobody", "nothing")).await.unwrap().is_none());
}

pub async fn put_if_absent_rejects_existing_item(h: &dyn Harness) {
    let t = table(h).await;
    t.put(item("p", "a", 1), Condition::NotExists).await.unwrap();
    let err = t.put(item("p", "a", 2), Condition::NotExists).await.unwrap_err();
    assert!(matches!(err, StoreError::ConditionFailed(ref k) if *k == Key::new("p", "a")), "{err:?}");
    let read = t.get(&Key::new("p", "a")).await.unwrap().unwrap();
    assert_eq!(read.attrs, json!({ "n": 1 }), "the failed put changed nothing");
    assert!(matches!(t.put(item("p", "b", 1), Condition::Exists).await, Err(StoreError::ConditionFailed(_))));
}

pub async fn update_requires_expected_version(h: &dyn Harness) {
    let t = table(h).await;
    let v1 = t.put(item("p", "a", 1), Condition::None).await.unwrap();
    let mut change = v1.clone();
    change.attrs = json!({ "n": 2 }).into();
    let v2 = t.update(change.clone()).await.unwrap();
    assert_eq!(v2.version, 2);
    // A writer still holding version 1 loses: its change is stale.
    change.attrs = json!({ "n": 3 }).into();
    assert!(matches!(t.update(change).await, Err(StoreError::ConditionFailed(_))));
    let read = t.get(&Key::new("p", "a")).await.unwrap().unwrap();
    assert_eq!((read.version, &*read.attrs), (2, &json!({ "n": 2 })));
    assert!(matches!(t.put(item("p", "new", 1), Condition::Version(7)).await, Err(StoreError::ConditionFailed(_))));
    assert_eq!(t.put(item("p", "new", 1), Condition::Version(0)).await.unwrap().version, 1);
}

pub async fn delete_honours_condition(h: &dyn Harness) {
    let t = table(h).await;
    t.put(item("p", "a", 1), Condition::None).await.unwrap();
    let key = Key::new("p", "a");
    assert!(matches!(t.delete(&key, Condition::Version(9)).await, Err(StoreError::ConditionFailed(_))));
    assert!(t.get(&key).await.unwrap().is_some(), "failed delete kept the item");
    t.delete(&key, Condition::Version(1)).await.unwrap();
    assert!(t.get(&key).await.unwrap().is_none());
    t.delete(&key, Condition::None).await.expect("deleting a missing item is fine");
    assert!(matches!(t.delete(&key, Condition::Exists).await, Err(StoreError::ConditionFailed(_))));
}

/// More keys than one BatchWriteItem call takes, one of them missing, one twice.
pub async fn batch_delete_removes_every_key(h: &dyn Harness) {
    let t = table(h).await;
    let mut keys = Vec::new();
    for n in 0..30 {
        let sk = format!("{n:02}");
        t.put(item("p", &sk, n).with_index("by_owner", Key::new("erin", &sk)), Condition::None).await.unwrap();
        keys.push(Key::new("p", sk));
    }
    t.put(item("q", "kept", 1), Condition::None).await.unwrap();
    keys.push(Key::new("p", "missing"));
    keys.push(Key::new("p", "00"));
    t.delete_batch(keys).await.unwrap();
    assert!(t.query(Query::partition("p")).await.unwrap().items.is_empty(), "every item deleted");
    assert!(t.query(Query::partition("erin").on_index("by_owner")).await.unwrap().items.is_empty(), "and unindexed");
    assert!(t.get(&Key::new("q", "kept")).await.unwrap().is_some(), "others untouched");
}

pub async fn data_persists_across_restart(h: &dyn Harness) {
    {
        let t = table(h).await;
        t.put(item("p", "a", 1).with_index("by_owner", Key::new("dave", "1")), Condition::None).await.unwrap();
        t.transact_write(vec![WriteOp::Put { item: item("p", "b", 2), condition: Condition::None }]).await.unwrap();
    }
    let t = table(h).await;
    assert_eq!(t.get(&Key::new("p", "a")).await.unwrap().unwrap().attrs, json!({ "n": 1 }));
    assert_eq!(sks(&t.query(Query::partition("p")).await.unwrap().items), ["a", "b"]);
    assert_eq!(sks(&t.query(Query::partition("dave").on_index("by_owner")).await.unwrap().items), ["a"]);
}

/// A release may declare a new index on a table that exists: opening it
/// again (`tbs infra apply` on AWS) adds the index, and items written from
/// then on are found through it.
pub async fn a_table_gains_an_index_declared_after_it_was_made(h: &dyn Harness) {
    let before = h.store().await.open_table(&TableSpec::new("growing")).await.expect("open table");
    before.put(item("p", "old", 1), Condition::None).await.unwrap();
    drop(before);
    let after = h.store().await.open_table(&TableSpec::new("growing").with_index("by_owner")).await.expect("reopen");
    let owned = item("p", "new", 2).with_index("by_owner", Key::new("ann", "1"));
    after.put(owned, Condition::None).await.unwrap();
    let page = after.query(Query::partition("ann").on_index("by_owner")).await.unwrap();
    assert_eq!(sks(&page.items), ["new"]);
    assert_eq!(after.get(&Key::new("p", "old")).await.unwrap().map(|i| i.attrs["n"].clone()), Some(json!(1)));
}
