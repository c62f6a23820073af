//! Fulfilment's events: a shipping order accepted, its lines processed.
//!
//! The rules for changing a contract are in `crate::contracts`.

use crate::catalog::events::StockLine;
use crate::contracts::domain_event;
use crate::contracts::ids::{OrderId, ShippingOrderId};
use serde::{Deserialize, Serialize};

/// Fulfilment accepted a confirmed order; every line is pending.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippingOrderCreated {
    pub shipping_order_id: ShippingOrderId,
    pub order_id: OrderId,
    pub lines: Vec<StockLine>,
}
domain_event!(ShippingOrderCreated, order_id);

/// One product of a shipping order was processed: packed and handed to the
/// courier, or delivered digitally.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipmentItemProcessed {
    pub shipping_order_id: ShippingOrderId,
    pub order_id: OrderId,
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
    pub shipping_order_id: ShippingOrderId,
    pub order_id: OrderId,
}
domain_event!(ShippingOrderProcessed, order_id);
