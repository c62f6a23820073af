//! The event contracts: the domain events services publish and consume.
//! Besides the platform, this is the only code services share.
//!
//! Rules for changing a contract: add fields (readers ignore what they do not
//! know; give new fields `#[serde(default)]` so old events still decode),
//! never change the meaning of a field, and introduce a new event type rather
//! than repurpose one. Money is integer minor units with an ISO 4217 code.

use crate::platform::events::DomainEvent;
use serde::{Deserialize, Serialize};

/// One line of an order, priced when the order was placed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    pub sku: String,
    pub name: String,
    pub quantity: u32,
    pub unit_price_minor: i64,
    /// How the line reaches the shopper (absent in older events: physical).
    #[serde(default)]
    pub fulfilment: FulfilmentKind,
}

/// Physical lines are packed and sent by courier; digital ones are delivered at once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FulfilmentKind {
    #[default]
    Physical,
    Digital,
}

/// A quantity of one product.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockLine {
    pub sku: String,
    pub quantity: u32,
}

/// Where a shipping order goes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippingAddress {
    pub name: String,
    pub line1: String,
    #[serde(default)]
    pub line2: String,
    pub city: String,
    pub postal_code: String,
    pub country: String,
}

/// What a shopper reads when a payment attempt never reached the provider
/// (a crash cut it off): nothing was charged.
pub const PAYMENT_NOT_TAKEN: &str = "The payment did not go through and nothing was charged; please try again";

/// What stands where personal data was, once forgotten.
pub const REDACTED: &str = "(deleted)";

impl ShippingAddress {
    /// The address without the person: only the country stays (for the books).
    pub fn redacted(&self) -> Self {
        Self {
            name: REDACTED.into(),
            line1: REDACTED.into(),
            line2: String::new(),
            city: REDACTED.into(),
            postal_code: REDACTED.into(),
            country: self.country.clone(),
        }
    }
}

macro_rules! domain_event {
    ($name:ident, $key:ident) => {
        impl DomainEvent for $name {
            const TYPE: &'static str = stringify!($name);

            fn partition_key(&self) -> String {
                self.$key.clone()
            }
        }
    };
    ($name:ident, $key:ident, one per $occurrence:ident) => {
        impl DomainEvent for $name {
            const TYPE: &'static str = stringify!($name);

            fn partition_key(&self) -> String {
                self.$key.clone()
            }

            fn occurrence(&self) -> String {
                self.$occurrence.clone()
            }
        }
    };
}

/// Checkout stored an order awaiting payment (stock not yet reserved).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderPlaced {
    pub order_id: String,
    pub email: String,
    pub currency: String,
    pub lines: Vec<OrderLine>,
    /// Lines after discounts, excluding tax and shipping.
    pub net_total_minor: i64,
    /// The account that placed it (absent for guests, and in older events).
    #[serde(default)]
    pub account_id: Option<String>,
}
domain_event!(OrderPlaced, order_id);

/// The catalog set stock aside for an order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockReserved {
    pub order_id: String,
    pub lines: Vec<StockLine>,
}
domain_event!(StockReserved, order_id);

/// The catalog could not reserve stock for an order: `available` of `sku` remain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockReservationRejected {
    pub order_id: String,
    pub sku: String,
    pub requested: u32,
    pub available: u32,
}
domain_event!(StockReservationRejected, order_id);

/// The catalog returned an order's reserved stock (the order was cancelled).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockReleased {
    pub order_id: String,
    pub lines: Vec<StockLine>,
}
domain_event!(StockReleased, order_id);

/// The payment provider took the money for an order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentSucceeded {
    pub order_id: String,
    pub payment_id: String,
    pub amount_minor: i64,
    pub currency: String,
}
domain_event!(PaymentSucceeded, order_id);

/// The payment provider declined or failed a payment; the order may be retried.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentFailed {
    pub order_id: String,
    pub payment_id: String,
    pub reason: String,
}
domain_event!(PaymentFailed, order_id);

/// An order is paid for and will be fulfilled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderConfirmed {
    pub order_id: String,
    pub email: String,
    pub currency: String,
    pub lines: Vec<OrderLine>,
    pub net_total_minor: i64,
    pub tax_minor: i64,
    pub shipping_minor: i64,
    pub gross_total_minor: i64,
    pub shipping_address: ShippingAddress,
    /// The order's number as shoppers and staff see it (empty in events
    /// from before order numbers: see [`OrderConfirmed::number`]).
    #[serde(default)]
    pub number: String,
}
domain_event!(OrderConfirmed, order_id);

impl OrderConfirmed {
    /// The order's number, or for an order from before numbering its id's
    /// first 8 digits (what was shown then).
    pub fn number(&self) -> String {
        order_number(&self.number, &self.order_id)
    }
}

/// How an order's number reads: `number`, or when there is none (orders
/// from before numbering) the order id's first 8 digits.
pub fn order_number(number: &str, order_id: &str) -> String {
    if number.is_empty() { order_id.split('-').next().unwrap_or(order_id).to_uppercase() } else { number.to_string() }
}

/// An order will not be fulfilled (payment expired or failed for good).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderCancelled {
    pub order_id: String,
    pub reason: String,
}
domain_event!(OrderCancelled, order_id);

/// Fulfilment accepted a confirmed order; every line is pending.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippingOrderCreated {
    pub shipping_order_id: String,
    pub order_id: String,
    pub lines: Vec<StockLine>,
}
domain_event!(ShippingOrderCreated, order_id);

/// One product of a shipping order was processed: packed and handed to the
/// courier, or delivered digitally.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipmentItemProcessed {
    pub shipping_order_id: String,
    pub order_id: String,
    pub sku: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub quantity: u32,
    #[serde(default)]
    pub carrier: String,
    #[serde(default)]
    pub tracking_number: String,
}
domain_event!(ShipmentItemProcessed, order_id, one per sku);

/// Every product of a shipping order is processed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippingOrderProcessed {
    pub shipping_order_id: String,
    pub order_id: String,
}
domain_event!(ShippingOrderProcessed, order_id);

/// The orders service marked the order Processed (after its shipping order
/// was): published once the order's own record says so, so whoever reacts
/// (tracking's live timeline) reads the order as processed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderProcessed {
    pub order_id: String,
}
domain_event!(OrderProcessed, order_id);

/// The receipt for an order was e-mailed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptSent {
    pub order_id: String,
    pub email: String,
    pub message_id: String,
}
domain_event!(ReceiptSent, order_id);

/// The payments service stored a webhook from the payment provider; its
/// consumer turns it into PaymentSucceeded / PaymentFailed. Internal to payments.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentProviderEventReceived {
    /// The provider's event id (`evt_…`).
    pub provider_event_id: String,
    /// e.g. `payment_intent.succeeded`.
    pub provider_event_type: String,
    /// Our payment id (the intent's `metadata.payment_id`).
    pub payment_id: String,
    pub order_id: String,
    /// The provider's id for the payment (`pi_…`).
    pub intent_id: String,
    pub amount_minor: i64,
    pub currency: String,
    /// For failures: the provider's message (e.g. "Your card was declined.").
    #[serde(default)]
    pub failure_message: Option<String>,
}
domain_event!(PaymentProviderEventReceived, order_id);

/// A shopper deleted their account: services holding personal data about it
/// remove or anonymise that data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountDeleted {
    pub account_id: String,
}
domain_event!(AccountDeleted, account_id);

/// An order no longer names who placed it (their account was deleted):
/// every service holding personal data of the order forgets it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderAnonymised {
    pub order_id: String,
}
domain_event!(OrderAnonymised, order_id);

/// A payment the order did not need (a second one, or one for a cancelled
/// order) must go back to the shopper.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundDue {
    pub order_id: String,
    pub payment_id: String,
    pub reason: String,
}
domain_event!(RefundDue, order_id, one per payment_id);

/// The provider returned a payment to the shopper.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentRefunded {
    pub order_id: String,
    pub payment_id: String,
    pub amount_minor: i64,
    pub currency: String,
}
domain_event!(PaymentRefunded, order_id, one per payment_id);

/// Every event type the store publishes, for infrastructure (rules, docs).
pub const ALL_EVENT_TYPES: &[&str] = &[
    <OrderPlaced as DomainEvent>::TYPE,
    <StockReserved as DomainEvent>::TYPE,
    <StockReservationRejected as DomainEvent>::TYPE,
    <StockReleased as DomainEvent>::TYPE,
    <PaymentSucceeded as DomainEvent>::TYPE,
    <PaymentFailed as DomainEvent>::TYPE,
    <OrderConfirmed as DomainEvent>::TYPE,
    <OrderCancelled as DomainEvent>::TYPE,
    <ShippingOrderCreated as DomainEvent>::TYPE,
    <ShipmentItemProcessed as DomainEvent>::TYPE,
    <ShippingOrderProcessed as DomainEvent>::TYPE,
    <OrderProcessed as DomainEvent>::TYPE,
    <ReceiptSent as DomainEvent>::TYPE,
    <PaymentProviderEventReceived as DomainEvent>::TYPE,
    <AccountDeleted as DomainEvent>::TYPE,
    <OrderAnonymised as DomainEvent>::TYPE,
    <RefundDue as DomainEvent>::TYPE,
    <PaymentRefunded as DomainEvent>::TYPE,
];

pub mod ports;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::events::Envelope;

    #[test]
    fn type_names_are_the_struct_names_and_unique() {
        assert_eq!(OrderConfirmed::TYPE, "OrderConfirmed");
        let unique: std::collections::HashSet<_> = ALL_EVENT_TYPES.iter().collect();
        assert_eq!(unique.len(), ALL_EVENT_TYPES.len());
    }

    #[test]
    fn every_contract_round_trips_in_an_envelope() {
        let address = ShippingAddress {
            name: "Ann".into(),
            line1: "1 High St".into(),
            line2: String::new(),
            city: "Bath".into(),
            postal_code: "BA1 1AA".into(),
            country: "GB".into(),
        };
        let line = OrderLine {
            sku: "KIT-001".into(),
            name: "Mug".into(),
            quantity: 1,
            unit_price_minor: 1450,
            fulfilment: FulfilmentKind::Digital,
        };
        let stock = vec![StockLine { sku: "KIT-001".into(), quantity: 1 }];
        fn check<E: DomainEvent + PartialEq + std::fmt::Debug>(event: E) {
            let envelope = Envelope::new("test", &event, "", None);
            let wire = serde_json::to_string(&envelope).unwrap();
            let back: Envelope = serde_json::from_str(&wire).unwrap();
            assert_eq!(back.decode::<E>().unwrap(), event, "{}", E::TYPE);
            assert_eq!(back.partition_key, "o1");
        }
        check(OrderPlaced {
            order_id: "o1".into(),
            email: "a@b.c".into(),
            currency: "USD".into(),
            lines: vec![line.clone()],
            net_total_minor: 1450,
            account_id: Some("a1".into()),
        });
        check(StockReserved { order_id: "o1".into(), lines: stock.clone() });
        check(StockReservationRejected { order_id: "o1".into(), sku: "KIT-001".into(), requested: 5, available: 3 });
        check(StockReleased { order_id: "o1".into(), lines: stock.clone() });
        check(PaymentSucceeded {
            order_id: "o1".into(),
            payment_id: "pi_1".into(),
            amount_minor: 1,
            currency: "USD".into(),
        });
        check(PaymentFailed { order_id: "o1".into(), payment_id: "pi_1".into(), reason: "card_declined".into() });
        check(OrderConfirmed {
            order_id: "o1".into(),
            email: "a@b.c".into(),
            currency: "USD".into(),
            lines: vec![line],
            net_total_minor: 1450,
            tax_minor: 0,
            shipping_minor: 500,
            gross_total_minor: 1950,
            shipping_address: address,
            number: "1001".into(),
        });
        check(OrderCancelled { order_id: "o1".into(), reason: "payment expired".into() });
        check(ShippingOrderCreated { shipping_order_id: "s1".into(), order_id: "o1".into(), lines: stock });
        check(ShipmentItemProcessed {
            shipping_order_id: "s1".into(),
            order_id: "o1".into(),
            sku: "KIT-001".into(),
            name: "Mug".into(),
            quantity: 2,
            carrier: "UPS".into(),
            tracking_number: "1Z".into(),
        });
        check(ShippingOrderProcessed { shipping_order_id: "s1".into(), order_id: "o1".into() });
        check(OrderProcessed { order_id: "o1".into() });
        check(ReceiptSent { order_id: "o1".into(), email: "a@b.c".into(), message_id: "m1".into() });
        check(AccountDeleted { account_id: "o1".into() });
        check(OrderAnonymised { order_id: "o1".into() });
        check(RefundDue { order_id: "o1".into(), payment_id: "p2".into(), reason: "paid twice".into() });
        check(PaymentRefunded {
            order_id: "o1".into(),
            payment_id: "p2".into(),
            amount_minor: 1,
            currency: "USD".into(),
        });
    }

    #[test]
    fn each_line_of_an_order_shipped_apart_is_its_own_event() {
        let item = |sku: &str| ShipmentItemProcessed {
            shipping_order_id: "s1".into(),
            order_id: "o1".into(),
            sku: sku.into(),
            name: "Mug".into(),
            quantity: 1,
            carrier: "UPS".into(),
            tracking_number: "1Z".into(),
        };
        let first = Envelope::new("fulfilment", &item("KIT-001"), "", None);
        let second = Envelope::new("fulfilment", &item("KIT-002"), "", None);
        assert_ne!(first.id, second.id, "two lines, two facts");
        assert_eq!(first.id, Envelope::new("fulfilment", &item("KIT-001"), "", None).id, "still deterministic");
    }
}
