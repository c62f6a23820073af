//! The catalog's events: stock set aside for an order, refused, or returned,
//! and a product as an administrator last saved it.
//!
//! The rules for changing a contract are in `crate::contracts`.

use crate::contracts::FulfilmentKind;
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

/// An administrator created or changed a product: all of it as saved, so a
/// reader can keep its own copy (name, price for new carts, whether it is
/// still sold). `version` rises by one with each save; a reader keeps the
/// highest it has seen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductChanged {
    pub sku: String,
    pub name: String,
    pub description: String,
    pub category: String,
    pub price_minor: i64,
    pub currency: String,
    pub fulfilment: FulfilmentKind,
    pub image: String,
    /// No longer sold.
    pub archived: bool,
    pub version: u64,
}
domain_event!(ProductChanged, sku, one per version);
