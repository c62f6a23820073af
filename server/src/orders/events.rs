//! Orders' events: an order's life from checkout to processed, and
//! what it carries (lines, address).
//!
//! The rules for changing a contract are in `crate::contracts`.

use crate::contracts::REDACTED;
use crate::contracts::domain_event;
use crate::contracts::ids::{OrderId, PaymentId};
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

impl From<app::catalog::Fulfilment> for FulfilmentKind {
    fn from(kind: app::catalog::Fulfilment) -> Self {
        match kind {
            app::catalog::Fulfilment::Physical => Self::Physical,
            app::catalog::Fulfilment::Digital => Self::Digital,
        }
    }
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

/// Checkout stored an order awaiting payment (stock not yet reserved).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderPlaced {
    pub order_id: OrderId,
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

/// An order is paid for and will be fulfilled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderConfirmed {
    pub order_id: OrderId,
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
    /// The account that placed it (absent for guests, and in older events).
    #[serde(default)]
    pub account_id: Option<String>,
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
    pub order_id: OrderId,
    pub reason: String,
}
domain_event!(OrderCancelled, order_id);

/// The orders service marked the order Processed (after its shipping order
/// was): published once the order's own record says so, so whoever reacts
/// (tracking's live timeline) reads the order as processed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderProcessed {
    pub order_id: OrderId,
}
domain_event!(OrderProcessed, order_id);

/// An order no longer names who placed it (their account was deleted):
/// every service holding personal data of the order forgets it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderAnonymised {
    pub order_id: OrderId,
}
domain_event!(OrderAnonymised, order_id);

/// A payment the order did not need (a second one, or one for a cancelled
/// order) must go back to the shopper.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundDue {
    pub order_id: OrderId,
    pub payment_id: PaymentId,
    pub reason: String,
}
domain_event!(RefundDue, order_id, one per payment_id);
