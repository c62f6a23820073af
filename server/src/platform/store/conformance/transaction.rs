//! Transactions: all or nothing, every kind of write, invalid requests
//! refused, and one winner among concurrent conditional writers.

use super::{Harness, item, sks, table};
use crate::platform::store::{Condition, Key, Query, StoreError, WriteOp};
use serde_json::json;

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
    assert_eq!((stored.version, &*stored.attrs), (2, &json!({ "n": winners[0] })));
    let outbox = t.query(Query::partition("race-outbox")).await.unwrap().items;
    assert_eq!(sks(&outbox), [winners[0].to_string()], "only the winner's outbox entry");
}
