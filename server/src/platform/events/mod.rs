//! Events: the envelope every domain event travels in, how its id is derived,
//! and the typed view of its payload.
//!
//! An envelope is self-describing JSON: `{ id, type, version, timestamp,
//! source, partition_key, traceparent, payload }`. Readers ignore fields they
//! do not know and consumers skip types they do not subscribe to, so
//! producers can add both without breaking anyone (forward compatibility).

mod consumed;
mod payload;
mod trace;

pub use consumed::Consumed;
pub use payload::Payload;
pub use trace::TraceParent;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// The envelope format this code writes. Readers accept any version and rely
/// on the fields they know.
pub const ENVELOPE_VERSION: u16 = 1;

/// Namespace for deterministic event ids (UUID v5).
const EVENT_ID_NAMESPACE: Uuid = Uuid::from_u128(0x6f1c_0b7e_93a4_4f55_a1d2_7b9e_2c44_e0a1);

/// A domain event payload type: its name on the wire and what it is about.
pub trait DomainEvent: Serialize + DeserializeOwned {
    /// The event's `type` (EventBridge `detail-type`), e.g. `OrderPlaced`.
    const TYPE: &'static str;

    /// The entity the event concerns; events with one key are delivered to a
    /// consumer in the order they were published where the backend allows.
    fn partition_key(&self) -> String;

    /// What tells apart two events of this type about one entity (one per
    /// shipped line, say); empty when the entity has at most one. Part of
    /// the event's id, so distinct facts never share an id.
    fn occurrence(&self) -> String {
        String::new()
    }
}

/// One event, as published, stored, queued and delivered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// Deterministic: the same fact always gets the same id, so a retried
    /// command or a republished outbox item is recognisably a duplicate.
    pub id: Uuid,
    #[serde(rename = "type")]
    pub event_type: String,
    #[serde(default = "first_version")]
    pub version: u16,
    #[serde(with = "time::serde::rfc3339")]
    pub timestamp: OffsetDateTime,
    /// The service that published it, e.g. `orders`.
    pub source: String,
    pub partition_key: String,
    /// W3C trace context of the operation that caused the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceparent: Option<String>,
    pub payload: Payload,
}

fn first_version() -> u16 {
    1
}

/// A payload that does not fit the type it claims to be.
#[derive(Debug, thiserror::Error)]
#[error("event {id} ({event_type}) does not decode: {reason}")]
pub struct DecodeError {
    pub id: Uuid,
    pub event_type: String,
    pub reason: String,
}

impl Envelope {
    /// Wraps `event`, deriving the id from source, type, partition key and
    /// `occurrence` (what distinguishes this fact from others of the same type
    /// about the same entity, e.g. a provider's event id; often empty).
    pub fn new<E: DomainEvent>(source: &str, event: &E, occurrence: &str, traceparent: Option<&TraceParent>) -> Self {
        let partition_key = event.partition_key();
        let occurrence = match (event.occurrence(), occurrence) {
            (own, "") => own,
            (own, given) if own.is_empty() => given.to_string(),
            (own, given) => format!("{own}\u{1f}{given}"),
        };
        Self {
            id: derive_id(source, E::TYPE, &partition_key, &occurrence),
            event_type: E::TYPE.to_string(),
            version: ENVELOPE_VERSION,
            timestamp: OffsetDateTime::now_utc(),
            source: source.to_string(),
            partition_key,
            traceparent: Some(traceparent.cloned().unwrap_or_else(TraceParent::new_root).to_string()),
            payload: Payload::of(event).expect("domain events serialise to JSON"),
        }
    }

    pub fn is<E: DomainEvent>(&self) -> bool {
        self.event_type == E::TYPE
    }

    /// The payload as `E`; unknown payload fields are ignored.
    pub fn decode<E: DomainEvent>(&self) -> Result<E, DecodeError> {
        let error = |reason: String| DecodeError { id: self.id, event_type: self.event_type.clone(), reason };
        if !self.is::<E>() {
            return Err(error(format!("expected type {}", E::TYPE)));
        }
        self.payload.decode().map_err(|e| error(e.to_string()))
    }

    /// The trace this event belongs to, for the consumer's work to continue it.
    pub fn trace(&self) -> Option<TraceParent> {
        self.traceparent.as_deref().and_then(|t| t.parse().ok())
    }
}

/// The id of the event `event_type` about `partition_key` from `source`.
pub fn derive_id(source: &str, event_type: &str, partition_key: &str, occurrence: &str) -> Uuid {
    let name = format!("{source}\u{1f}{event_type}\u{1f}{partition_key}\u{1f}{occurrence}");
    Uuid::new_v5(&EVENT_ID_NAMESPACE, name.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contracts::{OrderLine, OrderPlaced};
    use serde_json::json;

    fn placed() -> OrderPlaced {
        OrderPlaced {
            order_id: "ord-1".into(),
            email: "ann@example.com".into(),
            currency: "USD".into(),
            lines: vec![OrderLine {
                sku: "KIT-001".into(),
                name: "Mug".into(),
                quantity: 2,
                unit_price_minor: 1450,
                fulfilment: Default::default(),
            }],
            net_total_minor: 2900,
            account_id: None,
        }
    }

    #[test]
    fn ids_are_deterministic_per_fact() {
        let a = Envelope::new("orders", &placed(), "", None);
        let b = Envelope::new("orders", &placed(), "", None);
        assert_eq!(a.id, b.id, "same fact, same id");
        assert_ne!(a.id, Envelope::new("orders", &placed(), "retry-2", None).id);
        assert_ne!(a.id, Envelope::new("checkout", &placed(), "", None).id);
    }

    #[test]
    fn envelope_round_trips_through_json() {
        let sent = Envelope::new("orders", &placed(), "", None);
        let wire = serde_json::to_string(&sent).unwrap();
        let received: Envelope = serde_json::from_str(&wire).unwrap();
        assert_eq!(received, sent);
        assert_eq!(received.decode::<OrderPlaced>().unwrap(), placed());
        let json: serde_json::Value = serde_json::from_str(&wire).unwrap();
        assert_eq!(json["type"], "OrderPlaced");
        assert_eq!(json["partition_key"], "ord-1");
        assert!(json["timestamp"].as_str().unwrap().ends_with('Z'), "UTC");
    }

    #[test]
    fn unknown_fields_and_types_are_tolerated() {
        let wire = json!({
            "id": "7d1c2b8e-3f4a-5b6c-8d9e-0a1b2c3d4e5f",
            "type": "OrderPlaced",
            "version": 2,
            "timestamp": "2026-11-22T10:00:00Z",
            "source": "orders",
            "partition_key": "ord-1",
            "future_envelope_field": true,
            "payload": {
                "order_id": "ord-1", "email": "ann@example.com", "currency": "USD", "net_total_minor": 2900,
                "lines": [{ "sku": "KIT-001", "name": "Mug", "quantity": 2, "unit_price_minor": 1450, "gift_wrap": true }],
                "loyalty_points": 29
            }
        });
        let envelope: Envelope = serde_json::from_value(wire).unwrap();
        assert_eq!(envelope.decode::<OrderPlaced>().unwrap(), placed());
        let mut unknown = envelope.clone();
        unknown.event_type = "OrderGiftWrapped".into();
        let reparsed: Envelope = serde_json::from_str(&serde_json::to_string(&unknown).unwrap()).unwrap();
        assert_eq!(reparsed.event_type, "OrderGiftWrapped", "unknown types survive a round trip");
        assert!(reparsed.decode::<OrderPlaced>().is_err());
    }

    #[test]
    fn trace_context_is_carried() {
        let parent: TraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".parse().unwrap();
        let e = Envelope::new("orders", &placed(), "", Some(&parent));
        assert_eq!(e.trace().unwrap().trace_id(), parent.trace_id());
    }
}
