//! Tables written before the store kept every table in one file: each had its
//! own (`<data-dir>/<table>.redb`, trees `items` and `index:<index>`). The
//! first time such a table is opened, its trees are copied into the store's
//! file in one transaction, and only after that commit is the old file renamed
//! to `<table>.redb.migrated` (kept, not deleted, for whoever wants to check).
//!
//! A crash between the commit and the rename leaves the old file in place, so
//! the next start copies it again: the same items under the same keys, since
//! nothing writes to a table before it has been opened.

use super::{ItemKey, StoreError, Trees};
use crate::platform::files::sync_dir;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition, TableError, WriteTransaction};
use std::path::{Path, PathBuf};

/// Moves the table of `trees` from its own file under `dir`, if it has one,
/// into `db`.
pub(super) fn from_own_file(dir: &Path, db: &Database, trees: &Trees) -> Result<(), StoreError> {
    let old = dir.join(format!("{}.redb", trees.items));
    if !old.exists() {
        return Ok(());
    }
    let copied = copy(&old, db, trees)?;
    let kept = migrated_path(&old);
    std::fs::rename(&old, &kept).map_err(|e| StoreError::Backend(format!("{}: {e}", old.display())))?;
    sync_dir(dir).map_err(|e| StoreError::Backend(format!("{}: {e}", dir.display())))?;
    tracing::info!(table = %trees.items, items = copied, kept = %kept.display(), "moved a table into the store's file");
    Ok(())
}

/// The old file's items tree; each index was the tree `index:<name>`.
const OLD_ITEMS: TableDefinition<ItemKey<'static>, &[u8]> = TableDefinition::new("items");

/// Copies the old file's items and declared indexes into `db`, in one commit;
/// returns how many items it copied.
fn copy(old: &Path, db: &Database, trees: &Trees) -> Result<u64, StoreError> {
    let source = Database::open(old)?;
    let read = source.begin_read()?;
    let txn = db.begin_write()?;
    let copied = copy_tree(&read, OLD_ITEMS, &txn, trees.items())?;
    for (name, tree) in trees.all_indexes() {
        let old_tree = format!("index:{name}");
        copy_tree(&read, TableDefinition::new(old_tree.as_str()), &txn, tree)?;
    }
    txn.commit()?;
    Ok(copied)
}

/// Copies every entry of tree `from` (if the old file has it) into `to`.
fn copy_tree<K: redb::Key + 'static, V: redb::Value + 'static>(
    read: &redb::ReadTransaction,
    from: TableDefinition<K, V>,
    txn: &WriteTransaction,
    to: TableDefinition<K, V>,
) -> Result<u64, StoreError> {
    let source = match read.open_table(from) {
        Ok(source) => source,
        Err(TableError::TableDoesNotExist(_)) => return Ok(0),
        Err(e) => return Err(e.into()),
    };
    let mut target = txn.open_table(to)?;
    let mut copied = 0;
    for entry in source.iter()? {
        let (key, value) = entry?;
        target.insert(key.value(), value.value())?;
        copied += 1;
    }
    Ok(copied)
}

fn migrated_path(old: &Path) -> PathBuf {
    let mut name = old.file_name().unwrap_or_default().to_os_string();
    name.push(".migrated");
    old.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use crate::platform::store::{
        Condition, EmbeddedStore, Item, Key, Query, SortKeyCondition, Store, TableSpec, WriteOp,
    };
    use redb::{Database, TableDefinition};

    fn spec() -> TableSpec {
        TableSpec::new("carts").with_index("by_owner")
    }

    /// What the version with a file per table wrote for two items.
    fn write_own_file(dir: &std::path::Path) {
        let db = Database::create(dir.join("carts.redb")).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let mut items = txn.open_table(TableDefinition::<(&str, &str), &[u8]>::new("items")).unwrap();
            let mut index =
                txn.open_table(TableDefinition::<(&str, &str, &str, &str), ()>::new("index:by_owner")).unwrap();
            for n in ["1", "2"] {
                let item = Item::new(Key::new(format!("CART#{n}"), "META"), serde_json::json!({ "quantity": n }))
                    .with_index("by_owner", Key::new("OWNER#ann", format!("CART#{n}")));
                let item = Item { version: 3, ..item };
                items
                    .insert((item.key.pk.as_str(), "META"), super::super::codec::encode(&item).unwrap().as_slice())
                    .unwrap();
                index.insert(("OWNER#ann", format!("CART#{n}").as_str(), item.key.pk.as_str(), "META"), ()).unwrap();
            }
        }
        txn.commit().unwrap();
    }

    #[tokio::test]
    async fn a_table_in_its_own_file_moves_into_the_store_with_its_items_versions_and_index() {
        let dir = tempfile::tempdir().unwrap();
        write_own_file(dir.path());
        {
            let store = EmbeddedStore::open(dir.path()).unwrap();
            let carts = store.open_table(&spec()).await.unwrap();
            let one = carts.get(&Key::new("CART#1", "META")).await.unwrap().expect("moved");
            assert_eq!((one.version, &*one.attrs), (3, &serde_json::json!({ "quantity": "1" })));
            let owned = Query::partition("OWNER#ann").on_index("by_owner").sort_key(SortKeyCondition::All);
            assert_eq!(carts.query(owned).await.unwrap().items.len(), 2, "the index moved too");
            // A version check against the moved item still holds.
            let next = Item { version: 0, ..one };
            carts.put(next, Condition::Version(3)).await.unwrap();
        }
        assert!(!dir.path().join("carts.redb").exists());
        assert!(dir.path().join("carts.redb.migrated").exists(), "the old file is kept aside");
        // Opened again: from the store's file alone, with the write made after the move.
        let store = EmbeddedStore::open(dir.path()).unwrap();
        let carts = store.open_table(&spec()).await.unwrap();
        assert_eq!(carts.get(&Key::new("CART#1", "META")).await.unwrap().unwrap().version, 4);
        assert!(carts.get(&Key::new("CART#2", "META")).await.unwrap().is_some());
    }

    #[tokio::test]
    async fn every_table_lives_in_the_store_file_and_stays_apart() {
        let dir = tempfile::tempdir().unwrap();
        let store = EmbeddedStore::open(dir.path()).unwrap();
        let (carts, orders) = (
            store.open_table(&TableSpec::new("carts")).await.unwrap(),
            store.open_table(&TableSpec::new("orders")).await.unwrap(),
        );
        let put = |pk: &str| WriteOp::Put {
            item: Item::new(Key::new(pk, "META"), serde_json::json!({})),
            condition: Condition::NotExists,
        };
        let (a, b) =
            tokio::join!(carts.transact_write(vec![put("CART#1")]), orders.transact_write(vec![put("ORDER#1")]));
        a.unwrap();
        b.unwrap();
        assert!(carts.get(&Key::new("ORDER#1", "META")).await.unwrap().is_none(), "tables stay apart");
        let mut files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        files.sort();
        assert_eq!(files, ["store.journal", "store.redb"], "one file for every table, and its journal");
    }
}
