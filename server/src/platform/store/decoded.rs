//! Records decoded from items, kept per key with the JSON text each was
//! decoded from: for a service that reads the same few items again and again
//! (an order is read about fifteen times on its way through the pipeline,
//! and decoding it is most of the cost of reading it).
//!
//! A kept record is given out only for the very text it was decoded from,
//! so it can never be stale: an item that changed has other text, and is
//! decoded (and kept) again. Nothing has to be told of writes, and a text
//! kept for a write that then failed is simply never read. A writer can keep
//! the record it encoded ([`Decoded::wrote`]), so the read after a write
//! decodes nothing either. Text a backend rebuilds on each read in another
//! order (DynamoDB's attribute maps) misses, and decodes as without this.
//! At most `capacity` records are kept, so memory stays bounded whatever
//! keys callers send.

use super::{Item, Key, StoreError};
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

pub struct Decoded<T> {
    capacity: usize,
    kept: Mutex<Kept<T>>,
}

/// Each key's last record, with the attributes' text it was decoded from.
type Kept<T> = HashMap<Key, (Box<str>, Arc<T>)>;

impl<T: DeserializeOwned + Clone> Decoded<T> {
    pub fn new(capacity: usize) -> Self {
        Self { capacity: capacity.max(1), kept: Mutex::default() }
    }

    /// The record `item` holds: the one kept for its key when it was decoded
    /// from the same text, else decoded now (and kept).
    pub fn record(&self, item: &Item) -> Result<T, StoreError> {
        let Some(text) = item.attrs.text() else { return item.record() };
        let kept = self.kept().get(&item.key).filter(|(was, _)| **was == *text).map(|(_, record)| record.clone());
        if let Some(record) = kept {
            return Ok(T::clone(&record));
        }
        let record: T = item.record()?;
        self.keep(&item.key, text, Arc::new(record.clone()));
        Ok(record)
    }

    /// Keeps `record` as what `item`, encoded from it to be written, holds.
    pub fn wrote(&self, item: &Item, record: T) {
        if let Some(text) = item.attrs.text() {
            self.keep(&item.key, text, Arc::new(record));
        }
    }

    fn keep(&self, key: &Key, text: &str, record: Arc<T>) {
        let mut kept = self.kept();
        if kept.len() >= self.capacity && !kept.contains_key(key) {
            let any = kept.keys().next().cloned();
            any.map(|k| kept.remove(&k));
        }
        kept.insert(key.clone(), (text.into(), record));
    }

    fn kept(&self) -> MutexGuard<'_, Kept<T>> {
        self.kept.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::Decoded;
    use crate::platform::store::{Attrs, Item, Key};
    use serde::{Deserialize, Serialize};
    use std::sync::atomic::{AtomicUsize, Ordering};

    static DECODED: AtomicUsize = AtomicUsize::new(0);

    /// A record that counts how often it is decoded.
    #[derive(Clone, Debug, PartialEq, Serialize)]
    struct Counted {
        stock: u32,
    }

    impl<'de> Deserialize<'de> for Counted {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            #[derive(Deserialize)]
            struct Plain {
                stock: u32,
            }
            DECODED.fetch_add(1, Ordering::SeqCst);
            Plain::deserialize(d).map(|p| Counted { stock: p.stock })
        }
    }

    fn stored(key: &str, text: &str) -> Item {
        Item::new(Key::new(key, "ITEM"), Attrs::stored(text))
    }

    fn decodes<T>(f: impl FnOnce() -> T) -> (T, usize) {
        let before = DECODED.load(Ordering::SeqCst);
        let out = f();
        (out, DECODED.load(Ordering::SeqCst) - before)
    }

    /// One test, as the decode count is shared.
    #[test]
    fn a_record_is_decoded_once_per_text_and_never_given_for_other_text() {
        let memo = Decoded::<Counted>::new(2);
        let (first, n) = decodes(|| memo.record(&stored("A", r#"{"stock":3}"#)).unwrap());
        assert_eq!((first.stock, n), (3, 1));
        let (again, n) = decodes(|| memo.record(&stored("A", r#"{"stock":3}"#)).unwrap());
        assert_eq!((again.stock, n), (3, 0), "the same text is not decoded again");
        let (changed, n) = decodes(|| memo.record(&stored("A", r#"{"stock":4}"#)).unwrap());
        assert_eq!((changed.stock, n), (4, 1), "changed text is decoded, never the kept record given");

        let written = Counted { stock: 9 };
        let item = Item::new(Key::new("A", "ITEM"), Attrs::of(&written).unwrap());
        memo.wrote(&item, written);
        let (read, n) = decodes(|| memo.record(&stored("A", r#"{"stock":9}"#)).unwrap());
        assert_eq!((read.stock, n), (9, 0), "what a writer kept is read without decoding");

        let (bad, n) = decodes(|| memo.record(&stored("A", r#"{"stock":"none"}"#)));
        assert!(bad.is_err() && n == 1, "text that does not decode fails as without the memo");

        for key in ["B", "C", "D"] {
            memo.record(&stored(key, r#"{"stock":1}"#)).unwrap();
        }
        assert!(memo.kept().len() <= 2, "at most capacity records are kept");
        let mut by_value = Item::new(Key::new("E", "ITEM"), Attrs::stored(r#"{"stock":1}"#));
        by_value.attrs["stock"] = serde_json::json!(5);
        let (edited, n) = decodes(|| memo.record(&by_value).unwrap());
        assert_eq!((edited.stock, n), (5, 1), "attributes changed by name are decoded from their value");
    }
}
