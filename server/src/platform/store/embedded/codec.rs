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
use serde_json::value::RawValue;
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

/// A stored item. One stored head first (as [`Body`] writes it) is read up
/// to its key, and the rest is its attributes' text, taken as it is (see
/// [`Attrs::stored`]): a whole decode scanned that text to its end, only for
/// the record its reader decodes next to scan it again. Older layouts are
/// decoded whole.
pub(super) fn decode(bytes: &[u8]) -> Result<Item, StoreError> {
    if let Read::Stopped(reader) = read(bytes, Reader::UP_TO_ATTRS)?
        && let Some(item) = reader.with_attrs_after_key(bytes)?
    {
        return Ok(item);
    }
    serde_json::from_slice(bytes).map_err(corrupt)
}

/// The head of a stored item, read up to its last field: to the end only
/// for an item stored before the head came first (or one with no expiry
/// written, which reads as none).
pub(super) fn decode_head(bytes: &[u8]) -> Result<Head, StoreError> {
    match read(bytes, Reader::HEAD)? {
        Read::Stopped(reader) | Read::Whole(reader) => Ok(reader.head),
    }
}

/// How far [`read`] went.
enum Read<'de> {
    /// It stopped once it had every field wanted.
    Stopped(Reader<'de>),
    /// It read the whole item and had not (fields missing, or in another order).
    Whole(Reader<'de>),
}

/// Reads a stored item's fields in order until it has the `wanted` ones.
fn read(bytes: &[u8], wanted: u8) -> Result<Read<'_>, StoreError> {
    let mut reader = Reader { head: Head::default(), key: None, seen: 0, wanted, ended_on_key: false };
    let mut json = serde_json::Deserializer::from_slice(bytes);
    match serde::Deserializer::deserialize_map(&mut json, &mut reader) {
        Ok(()) => json.end().map(|()| Read::Whole(reader)).map_err(corrupt),
        Err(_) if reader.seen == wanted => Ok(Read::Stopped(reader)),
        Err(e) => Err(corrupt(e)),
    }
}

/// Reads fields one by one, and stops (with an error [`read`] recognises by
/// `seen`) once it has the `wanted` ones.
struct Reader<'de> {
    head: Head,
    /// The key's JSON, in the bytes read.
    key: Option<&'de RawValue>,
    /// One bit per field read: version, indexes, expiry, key.
    seen: u8,
    wanted: u8,
    /// Whether the key was the last field read: what follows it is then
    /// the rest of the item.
    ended_on_key: bool,
}

impl<'de> Reader<'de> {
    const HEAD: u8 = 0b0111;
    const UP_TO_ATTRS: u8 = 0b1111;

    /// The item, when the attributes follow the key, last (`,"attrs":{…}}`):
    /// the key decoded, the attributes' text taken as it is.
    fn with_attrs_after_key(self, bytes: &'de [u8]) -> Result<Option<Item>, StoreError> {
        let Some(key) = self.key.filter(|_| self.ended_on_key) else { return Ok(None) };
        let key_ends = key.get().as_ptr() as usize - bytes.as_ptr() as usize + key.get().len();
        let attrs = bytes[key_ends..].strip_prefix(br#","attrs":"#).and_then(|rest| rest.strip_suffix(b"}"));
        let Some(attrs) = attrs else { return Ok(None) };
        let attrs = std::str::from_utf8(attrs).map_err(corrupt)?;
        let Head { version, indexes, expires_at } = self.head;
        let key = serde_json::from_str(key.get()).map_err(corrupt)?;
        Ok(Some(Item { key, indexes, version, attrs: Attrs::stored(attrs), expires_at }))
    }
}

/// A stored item's field, as far as [`Reader`] goes.
#[derive(serde::Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum Field {
    Version,
    Indexes,
    ExpiresAt,
    Key,
    #[serde(other)]
    Other,
}

impl<'de> serde::de::Visitor<'de> for &mut Reader<'de> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a stored item")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(field) = map.next_key::<Field>()? {
            match field {
                Field::Version => (self.head.version, self.seen) = (map.next_value()?, self.seen | 0b0001),
                Field::Indexes => (self.head.indexes, self.seen) = (map.next_value()?, self.seen | 0b0010),
                Field::ExpiresAt => (self.head.expires_at, self.seen) = (map.next_value()?, self.seen | 0b0100),
                Field::Key if self.wanted & 0b1000 != 0 => {
                    (self.key, self.seen) = (map.next_value()?, self.seen | 0b1000)
                }
                Field::Key | Field::Other => drop(map.next_value::<serde::de::IgnoredAny>()?),
            }
            self.ended_on_key = matches!(field, Field::Key);
            if self.seen == self.wanted {
                return Err(serde::de::Error::custom("read as far as wanted"));
            }
        }
        Ok(())
    }
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
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
    fn the_attributes_after_the_key_are_taken_as_they_are_and_checked_by_their_reader() {
        let stored = br#"{"version":3,"expires_at":null,"indexes":{},"key":{"pk":"P","sk":"S"},"attrs":{"n":}}"#;
        let item = decode(stored).expect("read up to the key; the attributes not scanned");
        assert_eq!((item.version, &item.key), (3, &Key::new("P", "S")));
        assert!(item.record::<serde_json::Value>().is_err(), "the record's decode finds them broken");
    }

    #[test]
    fn attributes_after_a_key_that_came_first_are_read_whole() {
        let stored = br#"{"key":{"pk":"P","sk":"S"},"attrs":{"n":1},"version":2,"indexes":{},"expires_at":null}"#;
        let item = decode(stored).unwrap();
        assert_eq!((item.version, item.attrs.record::<serde_json::Value>().unwrap()), (2, json!({ "n": 1 })));
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
