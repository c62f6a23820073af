//! The ids the events carry, each its own type so one cannot stand where
//! another belongs (a payment id where an order id is expected). On the wire
//! each is the plain string it always was (`#[serde(transparent)]`); in code
//! each reads as a `&str` (`Deref`), so keys, logs and formats take it as is.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::Deref;

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_string())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }
    };
}

id!(
    /// An order: the UUID the shopper's device chose when it placed it.
    OrderId
);
id!(
    /// One payment attempt of an order (payments makes it; the provider's
    /// intent carries it as `metadata.payment_id`).
    PaymentId
);
id!(
    /// An order's shipping order, `so-<order id>` (one per order).
    ShippingOrderId
);

impl ShippingOrderId {
    /// The shipping order of order `order`.
    pub fn of(order: &str) -> Self {
        Self(format!("so-{order}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contracts::{OrderCancelled, RefundDue};
    use serde_json::json;

    #[test]
    fn ids_are_the_plain_strings_they_were_on_the_wire() {
        let cancelled = OrderCancelled { order_id: OrderId::new("o-1"), reason: "expired".into() };
        assert_eq!(serde_json::to_value(&cancelled).unwrap(), json!({ "order_id": "o-1", "reason": "expired" }));
        let stored = json!({ "order_id": "o-1", "payment_id": "pay_o1_1", "reason": "cancelled" });
        let due: RefundDue = serde_json::from_value(stored).unwrap();
        assert_eq!((due.order_id.as_str(), due.payment_id.as_str()), ("o-1", "pay_o1_1"));
        assert_eq!(ShippingOrderId::of(&due.order_id), "so-o-1");
    }
}
