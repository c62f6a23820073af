//! Returns: a shopper sends back sent physical items within 30 days; the
//! dispatch team receives them; the refund follows.

use serde::{Deserialize, Serialize};

/// How long after an item was sent it may be returned.
pub const RETURN_DAYS: i64 = 30;

/// One line of a return request: which product, how many.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnLineInput {
    pub sku: String,
    pub quantity: u32,
}

/// `PUT /api/returns/{id}`: return these lines of an order, for this reason.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnInput {
    pub order_id: String,
    pub lines: Vec<ReturnLineInput>,
    /// Why (1–500 characters).
    pub reason: String,
}

/// What becomes of returned items.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemCondition {
    /// Fit to sell again: back into stock.
    Resellable,
    /// Not fit to sell again.
    Damaged,
}

/// One line as the dispatch team received it.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceivedLine {
    pub sku: String,
    pub quantity: u32,
    pub condition: ItemCondition,
}

/// `POST /api/returns/{id}/receive`: every item of the return arrived, in
/// these conditions (a line may be split between conditions).
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiveInput {
    pub lines: Vec<ReceivedLine>,
}

/// A returned line and what it refunds (its price and its share of the tax).
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnLineView {
    pub sku: String,
    pub name: String,
    pub quantity: u32,
    pub unit_price_minor: i64,
}

/// `requested` (waiting for the items) or `received`.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnStatus {
    Requested,
    Received,
}

/// A return, as the shopper and the dispatch team see it.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnView {
    pub id: String,
    pub order_id: String,
    pub order_number: String,
    pub status: ReturnStatus,
    pub lines: Vec<ReturnLineView>,
    pub reason: String,
    /// What the refund will be: the lines' price, their share of the tax,
    /// and the shipping when this return completes every physical line.
    pub refund_minor: i64,
    pub currency: String,
    /// RFC 3339, UTC.
    pub requested_at: String,
    #[serde(default)]
    pub received: Vec<ReceivedLine>,
}

/// `GET /api/returns`: the returns waiting for their items, oldest first.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenReturns {
    pub items: Vec<ReturnView>,
}
