//! Queries: one partition in sort order, sort-key conditions, paging, and
//! an index following its items.

use super::{Harness, item, sks, table};
use crate::platform::store::{Condition, Item, Key, Query, SortKeyCondition, StoreError, Table};

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
    // An update that keeps its index key keeps its entry.
    t.put(item("orders", "o3", 7).with_index("by_owner", Key::new("bob", "2026-02")), Condition::None).await.unwrap();
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
