//! One write request applied inside a write transaction that other requests
//! share (see [`super::writer`]): every condition is checked before anything
//! is written, so a request whose condition fails leaves the transaction as
//! it found it and the requests beside it are unaffected.

use super::codec::{Body, Head, decode_head};
use super::{EXPIRES, ItemKey, Trees};
use crate::platform::store::StoreError;
use crate::platform::store::model::{Item, Key, WriteOp};
use redb::{ReadableTable, WriteTransaction};
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

/// Applies a request's parts (each in its own table) all-or-nothing and
/// returns the items its first part's puts stored, in order. A refusal's
/// index counts the operations of every part, in order.
pub(super) fn apply(txn: &WriteTransaction, parts: Vec<Part>) -> Result<Vec<Item>, Failure> {
    let mut trees = Vec::with_capacity(parts.len());
    for part in &parts {
        trees.push(txn.open_table(part.trees.items()).map_err(StoreError::from)?);
    }
    let mut found = Vec::with_capacity(parts.len());
    let mut offset = 0;
    for (part, items) in parts.iter().zip(&trees) {
        found.push(check_all(items, part, offset)?);
        offset += part.ops.len();
    }
    let mut stored = Vec::with_capacity(parts.len());
    for ((part, mut items), existing) in parts.into_iter().zip(trees).zip(found) {
        stored.push(write_all(txn, &mut items, part, existing)?);
    }
    Ok(stored.swap_remove(0))
}

/// Applies `part`'s checked operations; returns the items its puts stored.
fn write_all(
    txn: &WriteTransaction,
    items: &mut Items<'_>,
    part: Part,
    existing: Vec<Option<Head>>,
) -> Result<Vec<Item>, StoreError> {
    let mut stored = Vec::new();
    for (prepared, existing) in part.ops.into_iter().zip(existing) {
        stored.extend(write(txn, items, &part.trees, prepared, existing)?);
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

/// Applies one checked operation; returns the item a put stored.
fn write(
    txn: &WriteTransaction,
    items: &mut Items<'_>,
    trees: &Trees,
    prepared: Prepared,
    existing: Option<Head>,
) -> Result<Option<Item>, StoreError> {
    match (prepared.op, prepared.body) {
        (WriteOp::Put { mut item, .. }, Some(body)) => {
            if let Some(old) = &existing {
                unindex(txn, trees, &item.key, old)?;
            }
            item.version = existing.map_or(1, |e| e.version + 1);
            index(txn, trees, &item)?;
            let bytes = body.with_version(item.version);
            items.insert((item.key.pk.as_str(), item.key.sk.as_str()), bytes.as_slice())?;
            Ok(Some(item))
        }
        (WriteOp::Delete { key, .. }, _) => {
            if let Some(old) = existing {
                unindex(txn, trees, &key, &old)?;
                items.remove((key.pk.as_str(), key.sk.as_str()))?;
            }
            Ok(None)
        }
        (WriteOp::Check { .. }, _) => Ok(None),
        (WriteOp::Put { .. }, None) => Err(StoreError::Backend("a put was not prepared".into())),
    }
}

/// Enters `item` in its indexes and, if it expires, in the expiry tree.
fn index(txn: &WriteTransaction, trees: &Trees, item: &Item) -> Result<(), StoreError> {
    let (pk, sk) = (item.key.pk.as_str(), item.key.sk.as_str());
    for (index, ikey) in &item.indexes {
        txn.open_table(trees.index(index)?)?.insert((ikey.pk.as_str(), ikey.sk.as_str(), pk, sk), ())?;
    }
    if let Some(at) = item.expires_at {
        txn.open_table(EXPIRES)?.insert((at, trees.name(), pk, sk), ())?;
    }
    Ok(())
}

/// Takes the item stored under `key` (as `old` says) out of its indexes and the expiry tree.
pub(super) fn unindex(txn: &WriteTransaction, trees: &Trees, key: &Key, old: &Head) -> Result<(), StoreError> {
    let (pk, sk) = (key.pk.as_str(), key.sk.as_str());
    for (index, ikey) in &old.indexes {
        if let Ok(tree) = trees.index(index) {
            txn.open_table(tree)?.remove((ikey.pk.as_str(), ikey.sk.as_str(), pk, sk))?;
        }
    }
    if let Some(at) = old.expires_at {
        txn.open_table(EXPIRES)?.remove((at, trees.name(), pk, sk))?;
    }
    Ok(())
}
