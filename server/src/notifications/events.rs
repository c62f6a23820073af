//! Notifications' events: what was sent to whom.
//!
//! The rules for changing a contract are in `crate::contracts`.

use crate::contracts::domain_event;
use crate::contracts::ids::OrderId;
use serde::{Deserialize, Serialize};

/// The receipt for an order was e-mailed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptSent {
    pub order_id: OrderId,
    pub email: String,
    pub message_id: String,
}
domain_event!(ReceiptSent, order_id);
