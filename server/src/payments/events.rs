//! Payments' events: the provider's verdict on a payment, and refunds.
//!
//! The rules for changing a contract are in `crate::contracts`.

use crate::contracts::domain_event;
use crate::contracts::ids::{OrderId, PaymentId};
use serde::{Deserialize, Serialize};

/// The payments service stored a webhook from the payment provider; its
/// consumer turns it into PaymentSucceeded / PaymentFailed. Internal to payments.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentProviderEventReceived {
    /// The provider's event id (`evt_…`).
    pub provider_event_id: String,
    /// e.g. `payment_intent.succeeded`.
    pub provider_event_type: String,
    /// Our payment id (the intent's `metadata.payment_id`).
    pub payment_id: PaymentId,
    pub order_id: OrderId,
    /// The provider's id for the payment (`pi_…`).
    pub intent_id: String,
    pub amount_minor: i64,
    pub currency: String,
    /// For failures: the provider's message (e.g. "Your card was declined.").
    #[serde(default)]
    pub failure_message: Option<String>,
}
domain_event!(PaymentProviderEventReceived, order_id);

/// The payment provider took the money for an order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentSucceeded {
    pub order_id: OrderId,
    pub payment_id: PaymentId,
    pub amount_minor: i64,
    pub currency: String,
}
domain_event!(PaymentSucceeded, order_id);

/// The payment provider declined or failed a payment; the order may be retried.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentFailed {
    pub order_id: OrderId,
    pub payment_id: PaymentId,
    pub reason: String,
}
domain_event!(PaymentFailed, order_id);

/// The provider returned a payment to the shopper.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentRefunded {
    pub order_id: OrderId,
    pub payment_id: PaymentId,
    pub amount_minor: i64,
    pub currency: String,
}
domain_event!(PaymentRefunded, order_id, one per payment_id);

/// A returned order's money went back to the shopper (`ReturnReceived`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundIssued {
    pub return_id: String,
    pub order_id: OrderId,
    pub payment_id: PaymentId,
    pub amount_minor: i64,
    pub currency: String,
    /// The part of `amount_minor` that is the items' price (no tax, no shipping).
    #[serde(default)]
    pub net_minor: i64,
}
domain_event!(RefundIssued, order_id, one per return_id);

/// The provider refused a return's refund (it will not go through by
/// trying again); staff must settle it with the shopper.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundFailed {
    pub return_id: String,
    pub order_id: OrderId,
    pub reason: String,
}
domain_event!(RefundFailed, order_id, one per return_id);
