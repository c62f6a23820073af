//! An event's payload, kept as the JSON text it was written as.
//!
//! Between the service that makes an event and each consumer that decodes
//! it, the event is stored in the outbox, queued once for every consumer
//! and delivered: as a `serde_json::Value`, each of those steps parsed the
//! payload into a tree of allocations, cloned it, or wrote it out again
//! token by token. As text it is encoded once, copied as it is, and decoded
//! once, straight into the consumer's type.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::fmt;

#[derive(Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Payload(Box<RawValue>);

impl Payload {
    /// `value`'s JSON.
    pub fn of<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<Self> {
        serde_json::value::to_raw_value(value).map(Self)
    }

    /// The payload read as `T` (fields `T` does not know are ignored).
    pub fn decode<T: DeserializeOwned>(&self) -> serde_json::Result<T> {
        serde_json::from_str(self.0.get())
    }

    /// The JSON text.
    pub fn json(&self) -> &str {
        self.0.get()
    }
}

/// Equal when they hold the same JSON value, however it is spaced or its
/// fields ordered (a store may hand back an object's fields in another order).
impl PartialEq for Payload {
    fn eq(&self, other: &Self) -> bool {
        self.json() == other.json() || self.decode::<serde_json::Value>().ok() == other.decode().ok()
    }
}

impl fmt::Debug for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.json())
    }
}

#[cfg(test)]
mod tests {
    use super::Payload;
    use serde_json::json;

    #[test]
    fn a_payload_travels_as_its_text_and_decodes_once() {
        let payload = Payload::of(&json!({ "order_id": "ord-1", "lines": [{ "sku": "KIT-001" }] })).unwrap();
        assert_eq!(payload.json(), r#"{"lines":[{"sku":"KIT-001"}],"order_id":"ord-1"}"#);
        let carried: Payload = serde_json::from_str(&serde_json::to_string(&payload).unwrap()).unwrap();
        assert_eq!(carried.json(), payload.json(), "copied as it is");
        let decoded: serde_json::Value = carried.decode().unwrap();
        assert_eq!(decoded["lines"][0]["sku"], "KIT-001");
    }

    #[test]
    fn payloads_are_equal_by_value_not_by_spacing_or_field_order() {
        let a: Payload = serde_json::from_str(r#"{"a":1,"b":[2,3]}"#).unwrap();
        let b: Payload = serde_json::from_str(r#"{ "b": [2, 3], "a": 1 }"#).unwrap();
        let c: Payload = serde_json::from_str(r#"{"a":1,"b":[3,2]}"#).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn a_payload_read_from_a_value_keeps_it() {
        let payload: Payload = serde_json::from_value(json!({ "n": 1 })).unwrap();
        assert_eq!(payload.decode::<serde_json::Value>().unwrap(), json!({ "n": 1 }));
    }
}
