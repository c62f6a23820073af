//! An item's attributes: a JSON object, kept as the JSON text it was read
//! (or encoded) as until something looks inside.
//!
//! Most reads go straight into a record ([`Item::record`](super::Item::record)),
//! and most writes come from one; building a `serde_json::Value` in between
//! was the biggest cost of reading a page of the catalog (a tree of maps and
//! strings per item, built and dropped). The text is decoded into the record
//! directly, and written out as it is; a `Value` is made only when a caller
//! looks at or changes the attributes by name, which reads and writes as
//! before (`item.attrs["stock"]`).
//!
//! Text the embedded store read is taken as it is, unchecked (see
//! [`Attrs::stored`]): checking it is a pass over all of it, as long as
//! decoding it, which is what its reader does next and which fails on text
//! that is not JSON just the same.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use serde_json::value::RawValue;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::OnceLock;

#[derive(Clone, Default)]
pub struct Attrs {
    /// The JSON text, while nothing has changed the attributes.
    text: Option<Text>,
    /// The attributes as a value: made on first look when there is text.
    value: OnceLock<Value>,
}

#[derive(Clone)]
enum Text {
    /// Checked as JSON (encoded here, or read through serde).
    Checked(Box<RawValue>),
    /// As the store read it: checked by whatever decodes it.
    Stored(Box<str>),
}

impl Text {
    fn get(&self) -> &str {
        match self {
            Text::Checked(raw) => raw.get(),
            Text::Stored(text) => text,
        }
    }
}

impl Attrs {
    /// Attributes holding `record`, encoded once as JSON text.
    pub fn of<T: Serialize + ?Sized>(record: &T) -> serde_json::Result<Self> {
        Ok(Self { text: Some(Text::Checked(serde_json::value::to_raw_value(record)?)), value: OnceLock::new() })
    }

    /// Attributes a store read as `text`, which it wrote as JSON: taken
    /// without a check, as decoding them checks them (and text that is not
    /// JSON reads as no attributes by name, with an error in the log).
    pub(crate) fn stored(text: &str) -> Self {
        Self { text: Some(Text::Stored(text.into())), value: OnceLock::new() }
    }

    /// `f` given the attributes' JSON: their text as it is when it was
    /// checked, else encoded (and checked) now.
    pub(crate) fn with_json<R>(&self, f: impl FnOnce(&RawValue) -> R) -> Result<R, super::StoreError> {
        match &self.text {
            Some(Text::Checked(json)) => Ok(f(json)),
            _ => {
                let json = serde_json::value::to_raw_value(self)
                    .map_err(|e| super::StoreError::Backend(format!("attributes that are not JSON: {e}")))?;
                Ok(f(&json))
            }
        }
    }

    /// The attributes read as a record: from the text when there is one.
    pub fn record<T: DeserializeOwned>(&self) -> serde_json::Result<T> {
        match &self.text {
            Some(text) => serde_json::from_str(text.get()),
            None => T::deserialize(self.value()),
        }
    }

    /// The attributes' JSON text, while nothing has changed them by name.
    pub(crate) fn text(&self) -> Option<&str> {
        self.text.as_ref().map(Text::get)
    }

    /// The length of the attributes' JSON: their text's when they have it
    /// (written out as it is), else counted by encoding their value.
    pub(crate) fn json_len(&self) -> usize {
        match &self.text {
            Some(text) => text.get().len(),
            None => {
                let mut count = Count(0);
                serde_json::to_writer(&mut count, self.value()).map_or(0, |()| count.0)
            }
        }
    }

    fn value(&self) -> &Value {
        self.value.get_or_init(|| match &self.text {
            Some(text) => serde_json::from_str(text.get()).unwrap_or_else(|e| {
                tracing::error!(error = %e, "stored attributes are not JSON; read as none");
                Value::Null
            }),
            None => Value::Null,
        })
    }
}

/// A writer that only counts what it is given.
struct Count(usize);

impl std::io::Write for Count {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl From<Value> for Attrs {
    fn from(value: Value) -> Self {
        Self { text: None, value: OnceLock::from(value) }
    }
}

impl Deref for Attrs {
    type Target = Value;

    fn deref(&self) -> &Value {
        self.value()
    }
}

/// A change goes to the value; the text no longer says what the attributes are.
impl DerefMut for Attrs {
    fn deref_mut(&mut self) -> &mut Value {
        self.value();
        self.text = None;
        self.value.get_mut().expect("made just above")
    }
}

impl PartialEq for Attrs {
    fn eq(&self, other: &Self) -> bool {
        self.value() == other.value()
    }
}

impl PartialEq<Value> for Attrs {
    fn eq(&self, other: &Value) -> bool {
        self.value() == other
    }
}

impl fmt::Debug for Attrs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.value(), f)
    }
}

impl Serialize for Attrs {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.text {
            Some(Text::Checked(raw)) => raw.serialize(serializer),
            // Written back as read (rare: most writes encode a record): checked now.
            Some(Text::Stored(text)) => RawValue::from_string(text.to_string())
                .map_err(|e| serde::ser::Error::custom(format!("stored attributes are not JSON: {e}")))?
                .serialize(serializer),
            None => self.value().serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Attrs {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Self { text: Some(Text::Checked(Box::<RawValue>::deserialize(deserializer)?)), value: OnceLock::new() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, PartialEq, Serialize, serde::Deserialize)]
    struct Stock {
        sku: String,
        stock: u32,
    }

    /// Text read through serde (checked) and as a store read it (unchecked) alike.
    #[test]
    fn read_text_becomes_a_record_reads_by_name_and_writes_back_as_it_was() {
        let text = r#"{"sku":"KIT-001","stock":3}"#;
        for attrs in [serde_json::from_str::<Attrs>(text).unwrap(), Attrs::stored(text)] {
            assert_eq!(attrs.record::<Stock>().unwrap(), Stock { sku: "KIT-001".into(), stock: 3 });
            assert_eq!(attrs["stock"], 3);
            assert_eq!(serde_json::to_string(&attrs).unwrap(), text);
        }
    }

    #[test]
    fn stored_text_that_is_not_json_fails_to_decode_and_to_write() {
        let attrs = Attrs::stored(r#"{"sku":"KIT-001","stock":"#);
        assert!(attrs.record::<Stock>().is_err());
        assert!(serde_json::to_string(&attrs).is_err());
        assert_eq!(attrs["stock"], Value::Null, "by name it reads as nothing");
    }

    #[test]
    fn a_change_by_name_is_what_is_written_and_read_after() {
        let mut attrs = Attrs::of(&Stock { sku: "KIT-001".into(), stock: 3 }).unwrap();
        attrs["stock"] = json!(9);
        assert_eq!(attrs.record::<Stock>().unwrap().stock, 9);
        assert_eq!(serde_json::to_value(&attrs).unwrap(), json!({ "sku": "KIT-001", "stock": 9 }));
        assert_eq!(attrs, json!({ "sku": "KIT-001", "stock": 9 }));
    }
}
