//! One write request applied inside a write transaction that other requests
//! share (see [`super::writer`]): every condition is checked before anything
//! is written, so a request whose condition fails leaves the transaction as
//! it found it and the requests beside it are unaffected.

use super::{Trees, encode, read_item};
use crate::platform::store::StoreError;
use crate::platform::store::model::{Condition, Item, Key, WriteOp};
use redb::WriteTransaction;

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

/// Applies `ops` all-or-nothing and returns the items its puts stored, in order.
pub(super) fn apply(txn: &WriteTransaction, trees: &Trees, ops: Vec<WriteOp>) -> Result<Vec<Item>, Failure> {
    let mut found = Vec::with_capacity(ops.len());
    for (index, op) in ops.iter().enumerate() {
        found.push(check(txn, trees, op).map_err(|refusal| match refusal {
            Failure::Refused { error, .. } => Failure::Refused { index, error },
            broken => broken,
        })?);
    }
    let mut stored = Vec::new();
    for (op, existing) in ops.into_iter().zip(found) {
        if let Some(item) = write(txn, trees, op, existing)? {
            stored.push(item);
        }
    }
    Ok(stored)
}

/// The item `op` touches, as stored now, if `op` may be applied to it.
fn check(txn: &WriteTransaction, trees: &Trees, op: &WriteOp) -> Result<Option<Item>, Failure> {
    let refuse = |error| Failure::Refused { index: 0, error };
    let condition = match op {
        WriteOp::Put { item, condition } => {
            for index in item.indexes.keys() {
                trees.index(index).map_err(refuse)?;
            }
            condition
        }
        WriteOp::Delete { condition, .. } | WriteOp::Check { condition, .. } => condition,
    };
    let existing = current(txn, trees, op.key())?;
    if holds(*condition, existing.as_ref()) {
        Ok(existing)
    } else {
        Err(refuse(StoreError::ConditionFailed(op.key().clone())))
    }
}

fn holds(condition: Condition, existing: Option<&Item>) -> bool {
    condition.holds(existing.map(|e| e.version))
}

/// Applies one checked operation; returns the item a put stored.
fn write(
    txn: &WriteTransaction,
    trees: &Trees,
    op: WriteOp,
    existing: Option<Item>,
) -> Result<Option<Item>, StoreError> {
    match op {
        WriteOp::Check { .. } => Ok(None),
        WriteOp::Delete { key, .. } => {
            if let Some(old) = existing {
                unindex(txn, trees, &old)?;
                txn.open_table(trees.items())?.remove((key.pk.as_str(), key.sk.as_str()))?;
            }
            Ok(None)
        }
        WriteOp::Put { mut item, .. } => {
            if let Some(old) = &existing {
                unindex(txn, trees, old)?;
            }
            item.version = existing.map_or(1, |e| e.version + 1);
            for (index, ikey) in &item.indexes {
                let mut tree = txn.open_table(trees.index(index)?)?;
                tree.insert((ikey.pk.as_str(), ikey.sk.as_str(), item.key.pk.as_str(), item.key.sk.as_str()), ())?;
            }
            let bytes = encode(&item)?;
            txn.open_table(trees.items())?.insert((item.key.pk.as_str(), item.key.sk.as_str()), bytes.as_slice())?;
            Ok(Some(item))
        }
    }
}

fn current(txn: &WriteTransaction, trees: &Trees, key: &Key) -> Result<Option<Item>, StoreError> {
    read_item(&txn.open_table(trees.items())?, key)
}

fn unindex(txn: &WriteTransaction, trees: &Trees, item: &Item) -> Result<(), StoreError> {
    for (index, ikey) in &item.indexes {
        if let Ok(tree) = trees.index(index) {
            let mut tree = txn.open_table(tree)?;
            tree.remove((ikey.pk.as_str(), ikey.sk.as_str(), item.key.pk.as_str(), item.key.sk.as_str()))?;
        }
    }
    Ok(())
}
