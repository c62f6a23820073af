//! Items that expire: the expiry is kept as written, through puts and
//! transactions, and cleared by a put without one.

use super::{Condition, Harness, Key, Query, TableSpec, WriteOp, item};

pub async fn an_expiry_is_kept_as_written(h: &dyn Harness) {
    let t = h.store().await.open_table(&TableSpec::new("expiring")).await.expect("open table");
    let at = time::OffsetDateTime::from_unix_timestamp(1_900_000_000).unwrap();
    t.put(item("p", "a", 1).expiring_at(at), Condition::None).await.unwrap();
    let write = WriteOp::Put { item: item("p", "b", 2).expiring_at(at), condition: Condition::NotExists };
    t.transact_write(vec![write]).await.unwrap();
    let read = async |sk: &str| t.get(&Key::new("p", sk)).await.unwrap().unwrap().expires_at;
    assert_eq!((read("a").await, read("b").await), (Some(1_900_000_000), Some(1_900_000_000)));
    let page = t.query(Query::partition("p")).await.unwrap();
    assert!(page.items.iter().all(|i| i.expires_at == Some(1_900_000_000)), "a query reads the expiry too");
    t.put(item("p", "a", 3), Condition::None).await.unwrap();
    assert_eq!(read("a").await, None, "a put without an expiry clears it");
}
