//! Reads of the embedded backend: one partition of the items tree or of an
//! index tree, in sort-key order, with sort-key conditions and paging.

use super::codec::decode;
use super::{IndexKey, IndexTree, ItemsTree};
use crate::platform::store::StoreError;
use crate::platform::store::model::{Cursor, Item, Key, Page, Query, SortKeyCondition};
use redb::{Database, ReadableDatabase};
use std::ops::Bound;

/// One candidate row of a query: its sort key in the queried tree, the item,
/// and its index key when the query is on an index.
type Row = Result<(String, Item, Option<Key>), StoreError>;

pub(super) fn items(db: &Database, tree: ItemsTree, q: &Query) -> Result<Page, StoreError> {
    let txn = db.begin_read()?;
    let items = txn.open_table(tree)?;
    let pk = q.partition.as_str();
    let next_pk = format!("{pk}\0"); // the first string after `pk`: bounds the partition
    let after = q.start_after.as_ref().map(|c| c.key.sk.as_str());
    let (lo, hi) = if q.forward {
        (after.map_or(Bound::Included((pk, "")), |s| Bound::Excluded((pk, s))), Bound::Excluded((next_pk.as_str(), "")))
    } else {
        (Bound::Included((pk, "")), after.map_or(Bound::Excluded((next_pk.as_str(), "")), |s| Bound::Excluded((pk, s))))
    };
    let range = items.range::<(&str, &str)>((lo, hi))?;
    let rows = range.map(|entry| -> Row {
        let (k, v) = entry?;
        let item = decode(v.value())?;
        Ok((k.value().1.to_string(), item, None))
    });
    if q.forward { collect_page(rows, q) } else { collect_page(rows.rev(), q) }
}

pub(super) fn index(db: &Database, tree: IndexTree, items: ItemsTree, q: &Query) -> Result<Page, StoreError> {
    let txn = db.begin_read()?;
    let index = txn.open_table(tree)?;
    let items = txn.open_table(items)?;
    let ipk = q.partition.as_str();
    let next_ipk = format!("{ipk}\0");
    let after = q.start_after.as_ref().map(|c| {
        let ik = c.index_key.as_ref().map_or(("", ""), |k| (k.pk.as_str(), k.sk.as_str()));
        (ipk, ik.1, c.key.pk.as_str(), c.key.sk.as_str())
    });
    let start = (ipk, "", "", "");
    let end = (next_ipk.as_str(), "", "", "");
    let (lo, hi) = if q.forward {
        (after.map_or(Bound::Included(start), Bound::Excluded), Bound::Excluded(end))
    } else {
        (Bound::Included(start), after.map_or(Bound::Excluded(end), Bound::Excluded))
    };
    let range = index.range::<IndexKey>((lo, hi))?;
    let rows = range.map(|entry| -> Row {
        let (k, _) = entry?;
        let (ipk, isk, pk, sk) = k.value();
        let item = match items.get((pk, sk))? {
            Some(bytes) => decode(bytes.value())?,
            None => return Err(StoreError::Backend(format!("index entry for missing item ({pk}, {sk})"))),
        };
        Ok((isk.to_string(), item, Some(Key::new(ipk, isk))))
    });
    if q.forward { collect_page(rows, q) } else { collect_page(rows.rev(), q) }
}

/// Applies the sort-key condition and the limit to rows in iteration order,
/// stopping as soon as no later row can match.
fn collect_page(rows: impl Iterator<Item = Row>, q: &Query) -> Result<Page, StoreError> {
    let mut page = Vec::new();
    let mut cursors = Vec::new();
    let mut more = false;
    for row in rows {
        let (sk, item, index_key) = row?;
        if beyond(&q.sort_key, &sk, q.forward) {
            break;
        }
        if !q.sort_key.matches(&sk) {
            continue;
        }
        if page.len() == q.limit {
            more = true;
            break;
        }
        cursors.push(Cursor { key: item.key.clone(), index_key });
        page.push(item);
    }
    let next = if more { cursors.pop() } else { None };
    Ok(Page { items: page, next })
}

/// Whether `sk` lies past every key the condition can match, in the direction of travel.
fn beyond(condition: &SortKeyCondition, sk: &str, forward: bool) -> bool {
    use SortKeyCondition::*;
    if forward {
        match condition {
            Equals(v) => sk > v.as_str(),
            BeginsWith(p) => sk > p.as_str() && !sk.starts_with(p.as_str()),
            Between(_, b) => sk > b.as_str(),
            LessThan(v) => sk >= v.as_str(),
            All | GreaterThan(_) => false,
        }
    } else {
        match condition {
            Equals(v) | BeginsWith(v) | Between(v, _) => sk < v.as_str(),
            GreaterThan(v) => sk <= v.as_str(),
            All | LessThan(_) => false,
        }
    }
}
