//! The backend conformance suite: what every implementation of the store port
//! must do, written once and run against each backend (the embedded one now,
//! DynamoDB later) by `server/tests/store_conformance.rs`.
//!
//! Each check takes a [`Harness`] that hands out stores over one isolated
//! storage area; opening a second store after dropping the first simulates a
//! process restart.

use super::{Condition, Item, Key, Query, SortKeyCondition, Store, StoreError, Table, TableSpec, WriteOp};
use async_trait::async_trait;
use serde_json::json;
use std::sync::Arc;

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
    change.attrs = json!({ "n": 2 });
    let v2 = t.update(change.clone()).await.unwrap();
    assert_eq!(v2.version, 2);
    // A writer still holding version 1 loses: its change is stale.
    change.attrs = json!({ "n": 3 });
    assert!(matches!(t.update(change).await, Err(StoreError::ConditionFailed(_))));
    let read = t.get(&Key::new("p", "a")).await.unwrap().unwrap();
    assert_eq!((read.version, read.attrs), (2, json!({ "n": 2 })));
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

pub async fn query_returns_one_partition_in_sort_order(h: &dyn Harness) {
    let t = table(h).await;
    for sk in ["c", "a", "b"] {
        t.put(item("p", sk, 0), Condition::None).await.unwrap();
    }
    // Neighbouring partitions whose names share a prefix must not leak in.
    t.put(item("p2", "a", 0), Condition::None).await.unwrap();
    t.put(item("o", "z", 0), Condition::None).await.unwrap();
    let page = t.query(Query::partition("p")).await.unwrap();
    assert_eq!(sks(&page.items), ["a", "b", "c"]);
    assert!(page.next.is_none());
    let page = t.query(Query::partition("p").reverse()).await.unwrap();
    assert_eq!(sks(&page.items), ["c", "b", "a"]);
    assert!(t.query(Query::partition("q")).await.unwrap().items.is_empty());
}

pub async fn query_sort_key_conditions(h: &dyn Harness) {
    let t = table(h).await;
    for sk in ["ORDER#1", "ORDER#2", "ORDER#3", "OUTBOX#1", "PROFILE"] {
        t.put(item("p", sk, 0), Condition::None).await.unwrap();
    }
    let t = &*t;
    let q = |c| async move { sks(&t_query(t, c).await) };
    assert_eq!(q(SortKeyCondition::BeginsWith("ORDER#".into())).await, ["ORDER#1", "ORDER#2", "ORDER#3"]);
    assert_eq!(
        q(SortKeyCondition::Between("ORDER#2".into(), "OUTBOX#1".into())).await,
        ["ORDER#2", "ORDER#3", "OUTBOX#1"]
    );
    assert_eq!(q(SortKeyCondition::Equals("PROFILE".into())).await, ["PROFILE"]);
    assert_eq!(q(SortKeyCondition::GreaterThan("ORDER#3".into())).await, ["OUTBOX#1", "PROFILE"]);
    assert_eq!(q(SortKeyCondition::LessThan("ORDER#2".into())).await, ["ORDER#1"]);
    let reversed = t.query(Query::partition("p").sort_key(SortKeyCondition::BeginsWith("ORDER#".into())).reverse());
    assert_eq!(sks(&reversed.await.unwrap().items), ["ORDER#3", "ORDER#2", "ORDER#1"]);
}

async fn t_query(t: &dyn Table, c: SortKeyCondition) -> Vec<Item> {
    t.query(Query::partition("p").sort_key(c)).await.unwrap().items
}

pub async fn query_pages_cover_partition_exactly_once(h: &dyn Harness) {
    let t = table(h).await;
    let expected: Vec<String> = (0..23).map(|i| format!("item#{i:03}")).collect();
    for sk in &expected {
        t.put(item("p", sk, 0), Condition::None).await.unwrap();
    }
    for forward in [true, false] {
        let mut seen = Vec::new();
        let mut cursor = None;
        let mut pages = 0;
        loop {
            let mut q = Query::partition("p").limit(5).start_after(cursor);
            q.forward = forward;
            let page = t.query(q).await.unwrap();
            assert!(page.items.len() <= 5);
            seen.extend(sks(&page.items));
            pages += 1;
            assert!(pages < 20, "paging does not terminate");
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        let mut want = expected.clone();
        if !forward {
            want.reverse();
        }
        assert_eq!(seen, want, "forward={forward}");
    }
}

pub async fn index_follows_item_changes(h: &dyn Harness) {
    let t = table(h).await;
    let owned = |sk: &str, owner: &str, at: &str| item("orders", sk, 0).with_index("by_owner", Key::new(owner, at));
    t.put(owned("o1", "alice", "2026-03"), Condition::None).await.unwrap();
    t.put(owned("o2", "alice", "2026-01"), Condition::None).await.unwrap();
    t.put(owned("o3", "bob", "2026-02"), Condition::None).await.unwrap();
    t.put(item("orders", "o4", 0), Condition::None).await.unwrap(); // in no index
    let by_owner = |owner: &str| Query::partition(owner).on_index("by_owner");
    let page = t.query(by_owner("alice")).await.unwrap();
    assert_eq!(sks(&page.items), ["o2", "o1"], "index order is the index sort key");
    // Moving o1 to bob moves its index entry; deleting o2 removes it.
    t.put(owned("o1", "bob", "2026-04"), Condition::None).await.unwrap();
    t.delete(&Key::new("orders", "o2"), Condition::None).await.unwrap();
    assert!(t.query(by_owner("alice")).await.unwrap().items.is_empty());
    let bob = t.query(by_owner("bob").sort_key(SortKeyCondition::BeginsWith("2026-0".into()))).await.unwrap();
    assert_eq!(sks(&bob.items), ["o3", "o1"]);
    // Paging through an index.
    let first = t.query(by_owner("bob").limit(1)).await.unwrap();
    assert_eq!(sks(&first.items), ["o3"]);
    let second = t.query(by_owner("bob").limit(1).start_after(first.next)).await.unwrap();
    assert_eq!(sks(&second.items), ["o1"]);
    let undeclared = t.query(Query::partition("x").on_index("nope")).await;
    assert!(matches!(undeclared, Err(StoreError::Invalid(_))));
}

pub async fn transaction_is_all_or_nothing(h: &dyn Harness) {
    let t = table(h).await;
    t.put(item("p", "taken", 1), Condition::None).await.unwrap();
    let err = t
        .transact_write(vec![
            WriteOp::Put { item: item("p", "new", 1), condition: Condition::NotExists },
            WriteOp::Delete { key: Key::new("p", "taken"), condition: Condition::None },
            WriteOp::Put { item: item("p", "taken", 2), condition: Condition::NotExists },
        ])
        .await
        .unwrap_err();
    // Two ops on one item are invalid; use distinct items for the cancellation case.
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    let err = t
        .transact_write(vec![
            WriteOp::Put { item: item("p", "new", 1), condition: Condition::NotExists },
            WriteOp::Put { item: item("outbox", "e1", 1), condition: Condition::NotExists },
            WriteOp::Check { key: Key::new("p", "taken"), condition: Condition::Version(5) },
        ])
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::TransactionCancelled { index: 2, ref key } if *key == Key::new("p", "taken")),
        "{err:?}"
    );
    assert!(t.get(&Key::new("p", "new")).await.unwrap().is_none(), "nothing applied");
    assert!(t.get(&Key::new("outbox", "e1")).await.unwrap().is_none(), "nothing applied");
}

pub async fn transaction_applies_puts_deletes_and_checks(h: &dyn Harness) {
    let t = table(h).await;
    t.put(item("p", "old", 1), Condition::None).await.unwrap();
    t.put(item("p", "guard", 1), Condition::None).await.unwrap();
    t.transact_write(vec![
        WriteOp::Put {
            item: item("p", "new", 1).with_index("by_owner", Key::new("carol", "1")),
            condition: Condition::NotExists,
        },
        WriteOp::Put { item: item("outbox", "e1", 1), condition: Condition::NotExists },
        WriteOp::Delete { key: Key::new("p", "old"), condition: Condition::Version(1) },
        WriteOp::Check { key: Key::new("p", "guard"), condition: Condition::Version(1) },
    ])
    .await
    .unwrap();
    assert!(t.get(&Key::new("p", "new")).await.unwrap().is_some());
    assert!(t.get(&Key::new("outbox", "e1")).await.unwrap().is_some());
    assert!(t.get(&Key::new("p", "old")).await.unwrap().is_none());
    assert_eq!(t.get(&Key::new("p", "guard")).await.unwrap().unwrap().version, 1, "a check writes nothing");
    let carol = t.query(Query::partition("carol").on_index("by_owner")).await.unwrap();
    assert_eq!(sks(&carol.items), ["new"]);
}

pub async fn transaction_rejects_invalid_requests(h: &dyn Harness) {
    let t = table(h).await;
    assert!(matches!(t.transact_write(vec![]).await, Err(StoreError::Invalid(_))));
    let too_many =
        (0..101).map(|i| WriteOp::Put { item: item("p", &format!("{i}"), 0), condition: Condition::None }).collect();
    assert!(matches!(t.transact_write(too_many).await, Err(StoreError::Invalid(_))));
    let hundred =
        (0..100).map(|i| WriteOp::Put { item: item("p", &format!("{i:03}"), 0), condition: Condition::None }).collect();
    t.transact_write(hundred).await.expect("100 operations are allowed");
    assert_eq!(t.query(Query::partition("p").limit(1000)).await.unwrap().items.len(), 100);
}

pub async fn concurrent_conditional_puts_have_one_winner(h: &dyn Harness) {
    let t = table(h).await;
    let attempts = (0..8).map(|n| {
        let t = t.clone();
        tokio::spawn(async move { t.put(item("race", "prize", n), Condition::NotExists).await })
    });
    let mut winners = 0;
    for attempt in attempts {
        match attempt.await.unwrap() {
            Ok(_) => winners += 1,
            Err(StoreError::ConditionFailed(_)) => {}
            Err(other) => panic!("unexpected error {other:?}"),
        }
    }
    assert_eq!(winners, 1);
}

/// Two dispatchers saving the same version of a record (each with its outbox
/// entry): one transaction wins whole, every other is cancelled whole.
pub async fn concurrent_versioned_transactions_have_one_winner(h: &dyn Harness) {
    let t = table(h).await;
    t.put(item("race", "record", 0), Condition::NotExists).await.unwrap();
    let attempts = (1..=8).map(|n| {
        let t = t.clone();
        tokio::spawn(async move {
            let ops = vec![
                WriteOp::Put { item: item("race", "record", n), condition: Condition::Version(1) },
                WriteOp::Put { item: item("race-outbox", &n.to_string(), n), condition: Condition::NotExists },
            ];
            (n, t.transact_write(ops).await)
        })
    });
    let mut winners = Vec::new();
    for attempt in attempts {
        match attempt.await.unwrap() {
            (n, Ok(())) => winners.push(n),
            (_, Err(StoreError::TransactionCancelled { index: 0, .. })) => {}
            (_, Err(other)) => panic!("unexpected error {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "winners: {winners:?}");
    let stored = t.get(&Key::new("race", "record")).await.unwrap().unwrap();
    assert_eq!((stored.version, stored.attrs), (2, json!({ "n": winners[0] })));
    let outbox = t.query(Query::partition("race-outbox")).await.unwrap().items;
    assert_eq!(sks(&outbox), [winners[0].to_string()], "only the winner's outbox entry");
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
