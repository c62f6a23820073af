//! The events one consumer handles, as one typed list: its hub subscription
//! and its dispatch (an exhaustive `match`) come from the same enum, so a
//! consumer can neither subscribe to an event it ignores nor handle one it
//! never receives.

use super::{DecodeError, Envelope};

/// An enum of the event types a consumer handles, made by [`consumed_events!`](crate::consumed_events).
pub trait Consumed: Sized + Send {
    /// Its event types: the consumer's subscription.
    const TYPES: &'static [&'static str];

    /// The envelope's event when it is one of [`Self::TYPES`], `None` for any other type.
    fn from_envelope(envelope: &Envelope) -> Result<Option<Self>, DecodeError>;
}

/// Declares the events a consumer handles: `consumed_events! { pub enum
/// Incoming { OrderPlaced, OrderCancelled } }` makes an enum with one
/// variant per event struct (named as the struct) and its [`Consumed`] impl.
#[macro_export]
macro_rules! consumed_events {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($event:ident),+ $(,)? }) => {
        $(#[$meta])*
        // One lives per delivery, moved once into its handler: no need to box the big ones.
        #[allow(clippy::large_enum_variant)]
        #[derive(Clone, Debug, PartialEq)]
        $vis enum $name {
            $($event($event)),+
        }

        impl $crate::platform::events::Consumed for $name {
            const TYPES: &'static [&'static str] =
                &[$(<$event as $crate::platform::events::DomainEvent>::TYPE),+];

            fn from_envelope(
                envelope: &$crate::platform::events::Envelope,
            ) -> Result<Option<Self>, $crate::platform::events::DecodeError> {
                $(
                    if envelope.is::<$event>() {
                        return envelope.decode::<$event>().map(|event| Some(Self::$event(event)));
                    }
                )+
                Ok(None)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::Consumed;
    use crate::contracts::{OrderCancelled, OrderPlaced, OrderProcessed};
    use crate::platform::events::{DomainEvent, Envelope};

    crate::consumed_events! {
        enum Incoming { OrderCancelled, OrderProcessed }
    }

    #[test]
    fn the_list_is_the_subscription_and_the_dispatch() {
        assert_eq!(Incoming::TYPES, [OrderCancelled::TYPE, OrderProcessed::TYPE]);
        let cancelled = OrderCancelled { order_id: "o1".into(), reason: "expired".into() };
        let envelope = Envelope::new("orders", &cancelled, "", None);
        assert_eq!(Incoming::from_envelope(&envelope).unwrap(), Some(Incoming::OrderCancelled(cancelled)));
        let placed = OrderPlaced {
            order_id: "o1".into(),
            email: "a@b.c".into(),
            currency: "USD".into(),
            lines: vec![],
            net_total_minor: 0,
            account_id: None,
        };
        let other = Envelope::new("orders", &placed, "", None);
        assert_eq!(Incoming::from_envelope(&other).unwrap(), None, "not in the list: skipped");
    }

    #[test]
    fn a_payload_that_does_not_fit_its_type_is_an_error() {
        let mut envelope = Envelope::new("orders", &OrderProcessed { order_id: "o1".into() }, "", None);
        envelope.payload = crate::platform::events::Payload::of(&serde_json::json!({ "order": 1 })).unwrap();
        assert!(Incoming::from_envelope(&envelope).is_err());
    }
}
