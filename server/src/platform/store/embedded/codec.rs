//! How an item is kept in its tree: JSON, the version first.
//!
//! The store has one writer thread (see [`super::writer`]), and whatever it
//! does per write bounds every write of the store. So a put's item is encoded
//! by its caller, all but the version, which only the writer knows; the
//! writer puts the version in front. And to check a condition the writer
//! reads only what it needs of the stored item, its version and index keys,
//! not its attributes.

use crate::platform::store::StoreError;
use crate::platform::store::model::{Attrs, Item, Key};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An item's JSON without its version: `{"key":…,"indexes":…,"attrs":…}`,
/// and `"expires_at":…` when it expires.
pub(super) struct Body(Vec<u8>);

/// What a write needs of a stored item.
#[derive(Deserialize)]
pub(super) struct Head {
    #[serde(default)]
    pub version: u64,
    #[serde(default)]
    pub indexes: BTreeMap<String, Key>,
    #[serde(default)]
    pub expires_at: Option<i64>,
}

#[derive(Serialize)]
struct Unversioned<'a> {
    key: &'a Key,
    indexes: &'a BTreeMap<String, Key>,
    attrs: &'a Attrs,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<i64>,
}

impl Body {
    pub fn of(item: &Item) -> Result<Self, StoreError> {
        let unversioned =
            Unversioned { key: &item.key, indexes: &item.indexes, attrs: &item.attrs, expires_at: item.expires_at };
        let json =
            serde_json::to_vec(&unversioned).map_err(|e| StoreError::Invalid(format!("unencodable item: {e}")))?;
        Ok(Self(json))
    }

    /// The stored form: `{"version":<version>,` then the body after its `{`.
    pub fn with_version(&self, version: u64) -> Vec<u8> {
        let fields = &self.0[1..];
        let mut bytes = Vec::with_capacity(self.0.len() + 32);
        bytes.extend_from_slice(format!("{{\"version\":{version},").as_bytes());
        bytes.extend_from_slice(fields);
        bytes
    }
}

/// The stored form of `item`, at its version (as tests store items directly).
#[cfg(test)]
pub(super) fn encode(item: &Item) -> Result<Vec<u8>, StoreError> {
    Ok(Body::of(item)?.with_version(item.version))
}

pub(super) fn decode(bytes: &[u8]) -> Result<Item, StoreError> {
    serde_json::from_slice(bytes).map_err(corrupt)
}

pub(super) fn decode_head(bytes: &[u8]) -> Result<Head, StoreError> {
    serde_json::from_slice(bytes).map_err(corrupt)
}

fn corrupt(e: serde_json::Error) -> StoreError {
    StoreError::Backend(format!("corrupt item: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_item_reads_back_whole_and_its_head_alone() {
        let mut item = Item::new(Key::new("ORDER#1", "META"), json!({ "total": 1250, "note": "a \"quoted\" {brace}" }));
        item.indexes.insert("by_status".into(), Key::new("STATUS#paid", "ORDER#1"));
        item.expires_at = Some(1_800_000_000);
        let stored = Body::of(&item).unwrap().with_version(42);
        item.version = 42;
        assert_eq!(decode(&stored).unwrap(), item);
        let head = decode_head(&stored).unwrap();
        assert_eq!((head.version, head.indexes, head.expires_at), (42, item.indexes.clone(), item.expires_at));
    }

    #[test]
    fn items_stored_before_the_version_came_first_still_read() {
        let old = br#"{"key":{"pk":"P","sk":"S"},"indexes":{},"version":7,"attrs":{"n":1}}"#;
        assert_eq!(decode(old).unwrap().version, 7);
        assert_eq!(decode_head(old).unwrap().version, 7);
    }
}
