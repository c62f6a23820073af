//! The event contracts: the domain events services publish and consume.
//! Besides the platform, this is the only code services share.
//!
//! Rules for changing a contract: add fields (readers ignore what they do not
//! know; give new fields `#[serde(default)]` so old events still decode),
//! never change the meaning of a field, and introduce a new event type rather
//! than repurpose one. Money is integer minor units with an ISO 4217 code.

use crate::platform::events::DomainEvent;

/// Implements [`DomainEvent`] for an event struct: its type is the struct's
/// name, its partition key a field, and (`one per field`) what tells two
/// events of the type about one entity apart.
macro_rules! domain_event {
    ($name:ident, $key:ident) => {
        impl $crate::platform::events::DomainEvent for $name {
            const TYPE: &'static str = stringify!($name);

            fn partition_key(&self) -> String {
                self.$key.to_string()
            }
        }
    };
    ($name:ident, $key:ident, one per $occurrence:ident) => {
        impl $crate::platform::events::DomainEvent for $name {
            const TYPE: &'static str = stringify!($name);

            fn partition_key(&self) -> String {
                self.$key.to_string()
            }

            fn occurrence(&self) -> String {
                self.$occurrence.to_string()
            }
        }
    };
}
pub(crate) use domain_event;

/// What stands where personal data was, once forgotten.
pub const REDACTED: &str = "(deleted)";

// Each service owns its events; this is the catalogue of them all.
pub use crate::catalog::events::*;
pub use crate::fulfilment::events::*;
pub use crate::identity::events::*;
pub use crate::notifications::events::*;
pub use crate::orders::events::*;
pub use crate::payments::events::*;
pub use crate::returns::events::*;

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
    <PasswordResetRequested as DomainEvent>::TYPE,
    <OrderAnonymised as DomainEvent>::TYPE,
    <RefundDue as DomainEvent>::TYPE,
    <PaymentRefunded as DomainEvent>::TYPE,
    <ReturnRequested as DomainEvent>::TYPE,
    <ReturnReceived as DomainEvent>::TYPE,
    <RefundIssued as DomainEvent>::TYPE,
    <RefundFailed as DomainEvent>::TYPE,
    <ProductChanged as DomainEvent>::TYPE,
];

pub mod ids;
pub mod ports;
pub mod remote;

pub use ids::{OrderId, PaymentId, ShippingOrderId};

#[cfg(test)]
mod tests;
