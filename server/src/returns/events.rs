//! The returns service's events: a return asked for, its items received.
//!
//! The rules for changing a contract are in `crate::contracts`.

use crate::contracts::domain_event;
use crate::contracts::ids::OrderId;
use app::returns::ReceivedLine;
use serde::{Deserialize, Serialize};

/// A returned line: what, how many, at what price.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnLine {
    pub sku: String,
    pub name: String,
    pub quantity: u32,
    pub unit_price_minor: i64,
}

/// A shopper asked to return sent items of an order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnRequested {
    pub return_id: String,
    pub order_id: OrderId,
    /// The order's number, as the shopper knows it.
    #[serde(default)]
    pub order_number: String,
    /// Where to tell the shopper how to send the items back.
    pub email: String,
    pub lines: Vec<ReturnLine>,
    pub reason: String,
    /// What the refund will be (minor units of `currency`): the lines'
    /// price, `tax_minor` and `shipping_minor`.
    pub refund_minor: i64,
    pub currency: String,
    /// The lines' share of the order's tax.
    #[serde(default)]
    pub tax_minor: i64,
    /// The shipping, refunded when the return completes every physical line.
    #[serde(default)]
    pub shipping_minor: i64,
}
domain_event!(ReturnRequested, order_id, one per return_id);

/// The dispatch team received a return's items, in these conditions: the
/// refund is due, and resellable items go back into stock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnReceived {
    pub return_id: String,
    pub order_id: OrderId,
    pub lines: Vec<ReceivedLine>,
    pub refund_minor: i64,
    pub currency: String,
    /// The part of the refund that is the items' price (no tax, no shipping).
    #[serde(default)]
    pub net_minor: i64,
}
domain_event!(ReturnReceived, order_id, one per return_id);
