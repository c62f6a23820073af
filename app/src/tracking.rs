//! An order's timeline as the tracking service keeps it (built only from events).

use serde::{Deserialize, Serialize};

/// One thing that happened to an order.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    /// `placed`, `payment_approved`, `payment_failed`, `confirmed`,
    /// `receipt_sent`, `item_processed`, `order_processed`, `cancelled`,
    /// `return_requested`, `return_received`, `refund_issued`, `refund_delayed`.
    pub kind: String,
    pub title: String,
    #[serde(default)]
    pub detail: String,
    /// RFC 3339, UTC.
    pub at: String,
}

/// `GET /api/tracking/orders/{id}`: oldest first.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timeline {
    pub order_id: String,
    pub entries: Vec<TimelineEntry>,
}
