//! How an item is kept in its tree: JSON, what a write needs of it first.
//!
//! The store has one writer thread (see [`super::writer`]), and whatever it
//! does per write bounds every write of the store. So a put's item is encoded
//! by its caller, all but the version, which only the writer knows; the
//! writer puts the version in front. And to check a condition the writer
//! reads only what it needs of the stored item, its [`Head`]: the version,
//! expiry and index keys, which come before the key and the attributes, so
//! it stops reading there. (Reading past them to the end, as a plain decode
//! does, scanned an order's kilobytes of attributes on every write to it.)

use crate::platform::store::StoreError;
use crate::platform::store::model::{Attrs, Item, Key};
use serde::Serialize;
use std::collections::BTreeMap;

/// An item's JSON without its version:
/// `{"expires_at":…,"indexes":…,"key":…,"attrs":…}` (the expiry `null`
/// when it has none: written, so a reader knows it has the whole head).
pub(super) struct Body(Vec<u8>);

/// What a write needs of a stored item.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Head {
    pub version: u64,
    pub indexes: BTreeMap<String, Key>,
    pub expires_at: Option<i64>,
}

#[derive(Serialize)]
struct Unversioned<'a> {
    expires_at: Option<i64>,
    indexes: &'a BTreeMap<String, Key>,
    key: &'a Key,
    attrs: &'a Attrs,
}

impl Body {
    pub fn of(item: &Item) -> Result<Self, StoreError> {
        let unversioned =
            Unversioned { expires_at: item.expires_at, indexes: &item.indexes, key: &item.key, attrs: &item.attrs };
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

/// The head of a stored item, read up to its last field: to the end only
/// for an item stored before the head came first (or one with no expiry
/// written, which reads as none).
pub(super) fn decode_head(bytes: &[u8]) -> Result<Head, StoreError> {
    let mut reading = HeadReader { head: Head::default(), seen: 0 };
    let mut json = serde_json::Deserializer::from_slice(bytes);
    match serde::Deserializer::deserialize_map(&mut json, &mut reading) {
        Ok(()) => json.end().map(|()| reading.head).map_err(corrupt),
        Err(_) if reading.seen == HeadReader::WHOLE => Ok(reading.head),
        Err(e) => Err(corrupt(e)),
    }
}

/// Reads a [`Head`] field by field, and stops (with an error its caller
/// recognises by `seen`) once it has all three.
struct HeadReader {
    head: Head,
    /// One bit per field read: version, indexes, expiry.
    seen: u8,
}

impl HeadReader {
    const WHOLE: u8 = 0b111;
}

/// A stored item's field, as far as its head goes.
#[derive(serde::Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum Field {
    Version,
    Indexes,
    ExpiresAt,
    #[serde(other)]
    Other,
}

impl<'de> serde::de::Visitor<'de> for &mut HeadReader {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a stored item")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(field) = map.next_key::<Field>()? {
            match field {
                Field::Version => (self.head.version, self.seen) = (map.next_value()?, self.seen | 0b001),
                Field::Indexes => (self.head.indexes, self.seen) = (map.next_value()?, self.seen | 0b010),
                Field::ExpiresAt => (self.head.expires_at, self.seen) = (map.next_value()?, self.seen | 0b100),
                Field::Other => drop(map.next_value::<serde::de::IgnoredAny>()?),
            }
            if self.seen == HeadReader::WHOLE {
                return Err(serde::de::Error::custom("the head is read"));
            }
        }
        Ok(())
    }
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
        item.expires_at = None;
        let stored = Body::of(&item).unwrap().with_version(43);
        assert_eq!(
            decode_head(&stored).unwrap(),
            Head { version: 43, indexes: item.indexes.clone(), expires_at: None }
        );
        item.version = 43;
        assert_eq!(decode(&stored).unwrap(), item);
    }

    #[test]
    fn the_head_is_read_without_the_attributes() {
        let stored = Body::of(&Item::new(Key::new("P", "S"), json!({ "n": 1 }))).unwrap().with_version(5);
        let key_at = String::from_utf8_lossy(&stored).find(r#""key""#).unwrap();
        // Cut after the key's name: what follows the head is not read.
        let cut = &stored[..key_at + 5];
        assert_eq!(decode_head(cut).unwrap(), Head { version: 5, ..Head::default() });
        assert!(decode(cut).is_err(), "a whole read sees the cut");
    }

    #[test]
    fn a_head_that_is_not_json_is_corrupt() {
        for bad in [&br#"{"version":"#[..], br#"{"version":1,"indexes":{}} trailing"#, b"[1]"] {
            assert!(matches!(decode_head(bad), Err(StoreError::Backend(m)) if m.contains("corrupt")), "{bad:?}");
        }
    }

    #[test]
    fn items_stored_before_the_version_came_first_still_read() {
        let old = br#"{"key":{"pk":"P","sk":"S"},"indexes":{},"version":7,"attrs":{"n":1}}"#;
        assert_eq!(decode(old).unwrap().version, 7);
        assert_eq!(decode_head(old).unwrap().version, 7);
        let expiring =
            br#"{"version":8,"key":{"pk":"P","sk":"S"},"indexes":{"i":{"pk":"I","sk":"S"}},"attrs":{},"expires_at":9}"#;
        let head = decode_head(expiring).unwrap();
        assert_eq!((head.version, head.indexes.len(), head.expires_at), (8, 1, Some(9)));
    }
}
