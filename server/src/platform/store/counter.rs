//! A counter item handing out consecutive numbers (order numbers, invoice
//! numbers): read the next free number, and a write that takes `count` of
//! them on the version read, to go in the transaction that uses them. Two
//! writers racing for the same numbers cannot both commit; the loser reads
//! again. The item holds `{ "next": n }`.

use super::{Condition, Item, Key, StoreError, Table, WriteOp};

/// The first of the next `count` free numbers under `key` (`first` when the
/// counter is new), and the write that takes them.
pub async fn take(table: &dyn Table, key: Key, first: u64, count: u64) -> Result<(u64, WriteOp), StoreError> {
    let current = table.get(&key).await?;
    let (next, condition) = match &current {
        Some(item) => (item.attrs["next"].as_u64().unwrap_or(first), Condition::Version(item.version)),
        None => (first, Condition::NotExists),
    };
    let item = Item::new(key, serde_json::json!({ "next": next + count }));
    Ok((next, WriteOp::Put { item, condition }))
}
