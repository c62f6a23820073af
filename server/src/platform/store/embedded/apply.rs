//! One write request applied inside a write transaction that other requests
//! share (see [`super::writer`]): every condition is checked before anything
//! is written, so a request whose condition fails leaves the transaction as
//! it found it and the requests beside it are unaffected.

use super::codec::{Body, Head, decode_head};
use super::journal::Change;
use super::{EXPIRES, ItemKey, Trees};
use crate::platform::store::StoreError;
use crate::platform::store::model::{Item, Key, WriteOp};
use redb::{ReadableTable, WriteTransaction};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A table's items tree, open in the shared write transaction.
type Items<'txn> = redb::Table<'txn, ItemKey<'static>, &'static [u8]>;

/// Why a request was not applied.
pub(super) enum Failure {
    /// Operation `index` was refused (its condition, or a malformed request);
    /// nothing of the request was written.
    Refused { index: usize, error: StoreError },
    /// The backend failed part-way; the shared transaction must be abandoned.
    Broken(StoreError),
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure::Broken(e)
    }
}

/// A write made ready by its caller, off the writer thread: a put's item
/// is already encoded (see [`codec`]).
pub(super) struct Prepared {
    op: WriteOp,
    body: Option<Body>,
}

/// Encodes the items `ops` put.
pub(super) fn prepare(ops: Vec<WriteOp>) -> Result<Vec<Prepared>, StoreError> {
    ops.into_iter()
        .map(|op| {
            let body = match &op {
                WriteOp::Put { item, .. } => Some(Body::of(item)?),
                _ => None,
            };
            Ok(Prepared { op, body })
        })
        .collect()
}

/// One table's share of a write request: the caller's own operations, or
/// what they deliver to another table in the same commit (see [`super::staged`]).
pub(super) struct Part {
    pub(super) trees: Arc<Trees>,
    pub(super) ops: Vec<Prepared>,
}

/// The items trees a batch's requests have opened, kept open until its
/// commit. Opening a table in redb, and closing it (which writes its root
/// back), cost more than a small write: a batch of twenty writes to a few
/// tables paid both twenty times.
pub(super) struct Opened<'txn> {
    txn: &'txn WriteTransaction,
    trees: Vec<(Arc<Trees>, Items<'txn>)>,
}

impl<'txn> Opened<'txn> {
    pub(super) fn new(txn: &'txn WriteTransaction) -> Self {
        Self { txn, trees: Vec::new() }
    }

    /// The items tree of `trees`, taken out while a request uses it.
    fn take(&mut self, trees: &Arc<Trees>) -> Result<Items<'txn>, StoreError> {
        match self.trees.iter().position(|(open, _)| Arc::ptr_eq(open, trees)) {
            Some(at) => Ok(self.trees.swap_remove(at).1),
            None => Ok(self.txn.open_table(trees.items())?),
        }
    }

    fn put_back(&mut self, trees: Arc<Trees>, items: Items<'txn>) {
        self.trees.push((trees, items));
    }
}

/// Applies a request's parts (each in its own table) all-or-nothing and
/// returns the items its first part's puts stored, in order, adding what it
/// changed to `changes` (for the journal). A refusal's index counts the
/// operations of every part, in order.
pub(super) fn apply(
    opened: &mut Opened<'_>,
    parts: Vec<Part>,
    changes: &mut Vec<Change>,
) -> Result<Vec<Item>, Failure> {
    let tables: Vec<Arc<Trees>> = parts.iter().map(|part| part.trees.clone()).collect();
    let mut trees = Vec::with_capacity(tables.len());
    for table in &tables {
        // A table that will not open breaks the whole batch: what was taken need not go back.
        trees.push(opened.take(table).map_err(Failure::Broken)?);
    }
    let applied = apply_in(opened.txn, &mut trees, parts, changes);
    tables.into_iter().zip(trees).for_each(|(table, items)| opened.put_back(table, items));
    applied
}

/// [`apply`] with each part's items tree open in `trees`.
fn apply_in(
    txn: &WriteTransaction,
    trees: &mut [Items<'_>],
    parts: Vec<Part>,
    changes: &mut Vec<Change>,
) -> Result<Vec<Item>, Failure> {
    let mut found = Vec::with_capacity(parts.len());
    let mut offset = 0;
    for (part, items) in parts.iter().zip(trees.iter()) {
        found.push(check_all(items, part, offset)?);
        offset += part.ops.len();
    }
    let mut stored = Vec::with_capacity(parts.len());
    for ((part, items), existing) in parts.into_iter().zip(trees.iter_mut()).zip(found) {
        stored.push(write_all(txn, items, part, existing, changes)?);
    }
    Ok(stored.swap_remove(0))
}

/// Applies `part`'s checked operations; returns the items its puts stored.
fn write_all(
    txn: &WriteTransaction,
    items: &mut Items<'_>,
    part: Part,
    existing: Vec<Option<Head>>,
    changes: &mut Vec<Change>,
) -> Result<Vec<Item>, StoreError> {
    let mut stored = Vec::with_capacity(part.ops.len());
    for (prepared, existing) in part.ops.into_iter().zip(existing) {
        let (item, change) = write(txn, items, &part.trees, prepared, existing)?;
        stored.extend(item);
        changes.extend(change);
    }
    Ok(stored)
}

/// What each operation of `part` needs of the item it touches, if all may be applied.
fn check_all(items: &Items<'_>, part: &Part, offset: usize) -> Result<Vec<Option<Head>>, Failure> {
    let refused_at = |index: usize| {
        move |refusal| match refusal {
            Failure::Refused { error, .. } => Failure::Refused { index: offset + index, error },
            broken => broken,
        }
    };
    part.ops.iter().enumerate().map(|(index, prepared)| check(items, &prepared.op).map_err(refused_at(index))).collect()
}

/// What `op` needs of the item it touches, as stored now, if `op` may be applied to it.
fn check(items: &Items<'_>, op: &WriteOp) -> Result<Option<Head>, Failure> {
    let refuse = |error| Failure::Refused { index: 0, error };
    let condition = match op {
        WriteOp::Put { condition, .. } | WriteOp::Delete { condition, .. } | WriteOp::Check { condition, .. } => {
            condition
        }
    };
    let key = op.key();
    let existing = match items.get((key.pk.as_str(), key.sk.as_str())).map_err(StoreError::from)? {
        Some(bytes) => Some(decode_head(bytes.value())?),
        None => None,
    };
    if condition.holds(existing.as_ref().map(|e| e.version)) {
        Ok(existing)
    } else {
        Err(refuse(StoreError::ConditionFailed(key.clone())))
    }
}

/// Applies one checked operation; returns the item a put stored, and the change made.
fn write(
    txn: &WriteTransaction,
    items: &mut Items<'_>,
    trees: &Trees,
    prepared: Prepared,
    existing: Option<Head>,
) -> Result<(Option<Item>, Option<Change>), StoreError> {
    let change = |key: &Key, stored| Some(Change { table: trees.name().to_string(), key: key.clone(), stored });
    match (prepared.op, prepared.body) {
        (WriteOp::Put { mut item, .. }, Some(body)) => {
            let new = Entries { indexes: Some(&item.indexes), expires_at: item.expires_at };
            move_entries(txn, trees, &item.key, Entries::of(existing.as_ref()), new)?;
            item.version = existing.map_or(1, |e| e.version + 1);
            let bytes = body.with_version(item.version);
            items.insert((item.key.pk.as_str(), item.key.sk.as_str()), bytes.as_slice())?;
            let change = change(&item.key, Some(bytes));
            Ok((Some(item), change))
        }
        (WriteOp::Delete { key, .. }, _) => match existing {
            Some(old) => {
                unindex(txn, trees, &key, &old)?;
                items.remove((key.pk.as_str(), key.sk.as_str()))?;
                Ok((None, change(&key, None)))
            }
            None => Ok((None, None)),
        },
        (WriteOp::Check { .. }, _) => Ok((None, None)),
        (WriteOp::Put { .. }, None) => Err(StoreError::Backend("a put was not prepared".into())),
    }
}

/// An item's entries outside its items tree: its index keys and its expiry.
#[derive(Clone, Copy)]
struct Entries<'a> {
    indexes: Option<&'a BTreeMap<String, Key>>,
    expires_at: Option<i64>,
}

impl<'a> Entries<'a> {
    const NONE: Entries<'static> = Entries { indexes: None, expires_at: None };

    fn of(head: Option<&'a Head>) -> Self {
        head.map_or(Entries::NONE, |head| Entries { indexes: Some(&head.indexes), expires_at: head.expires_at })
    }

    fn index(&self, name: &str) -> Option<&'a Key> {
        self.indexes.and_then(|indexes| indexes.get(name))
    }

    fn each_index(&self) -> impl Iterator<Item = (&'a String, &'a Key)> {
        self.indexes.into_iter().flatten()
    }
}

/// Moves the item under `key` from its entries `from` to `to`: only the
/// entries that differ are written (an update that keeps its index keys
/// and expiry, as most do, touches no tree but its items').
fn move_entries(
    txn: &WriteTransaction,
    trees: &Trees,
    key: &Key,
    from: Entries,
    to: Entries,
) -> Result<(), StoreError> {
    let (pk, sk) = (key.pk.as_str(), key.sk.as_str());
    for (index, ikey) in from.each_index().filter(|(index, ikey)| to.index(index) != Some(ikey)) {
        if let Ok(tree) = trees.index(index) {
            txn.open_table(tree)?.remove((ikey.pk.as_str(), ikey.sk.as_str(), pk, sk))?;
        }
    }
    for (index, ikey) in to.each_index().filter(|(index, ikey)| from.index(index) != Some(ikey)) {
        txn.open_table(trees.index(index)?)?.insert((ikey.pk.as_str(), ikey.sk.as_str(), pk, sk), ())?;
    }
    if from.expires_at != to.expires_at {
        let mut expires = txn.open_table(EXPIRES)?;
        if let Some(at) = from.expires_at {
            expires.remove((at, trees.name(), pk, sk))?;
        }
        if let Some(at) = to.expires_at {
            expires.insert((at, trees.name(), pk, sk), ())?;
        }
    }
    Ok(())
}

/// Takes the item stored under `key` (as `old` says) out of its indexes and the expiry tree.
pub(super) fn unindex(txn: &WriteTransaction, trees: &Trees, key: &Key, old: &Head) -> Result<(), StoreError> {
    move_entries(txn, trees, key, Entries::of(Some(old)), Entries::NONE)
}

/// Puts back a change the journal kept: the item its table stores now, with
/// its index and expiry entries, or its deletion. Idempotent: a change
/// already made changes nothing.
pub(super) fn restore(txn: &WriteTransaction, change: &Change) -> Result<(), StoreError> {
    let (pk, sk) = (change.key.pk.as_str(), change.key.sk.as_str());
    let mut items = txn.open_table(Trees::named(&change.table, []).items())?;
    let old = items.get((pk, sk))?.map(|stored| decode_head(stored.value())).transpose()?;
    let new = change.stored.as_deref().map(decode_head).transpose()?;
    // Its trees, by their naming rule, for the indexes either version has.
    let indexes = [&old, &new].into_iter().flatten().flat_map(|head| head.indexes.keys());
    let trees = Trees::named(&change.table, indexes);
    move_entries(txn, &trees, &change.key, Entries::of(old.as_ref()), Entries::of(new.as_ref()))?;
    match &change.stored {
        Some(stored) => drop(items.insert((pk, sk), stored.as_slice())?),
        None => drop(items.remove((pk, sk))?),
    }
    Ok(())
}
