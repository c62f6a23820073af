//! The catalog's events: stock set aside for an order, refused, or returned.
//!
//! The rules for changing a contract are in `crate::contracts`.

use crate::contracts::domain_event;
use crate::contracts::ids::OrderId;
use serde::{Deserialize, Serialize};

/// A quantity of one product.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockLine {
    pub sku: String,
    pub quantity: u32,
}

/// The catalog set stock aside for an order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockReserved {
    pub order_id: OrderId,
    pub lines: Vec<StockLine>,
}
domain_event!(StockReserved, order_id);

/// The catalog could not reserve stock for an order: `available` of `sku` remain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockReservationRejected {
    pub order_id: OrderId,
    pub sku: String,
    pub requested: u32,
    pub available: u32,
}
domain_event!(StockReservationRejected, order_id);

/// The catalog returned an order's reserved stock (the order was cancelled).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockReleased {
    pub order_id: OrderId,
    pub lines: Vec<StockLine>,
}
domain_event!(StockReleased, order_id);
