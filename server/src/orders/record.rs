//! The order as stored in the `orders` table (the order repository).
//!
//! | item  | pk             | sk      | index `by_deadline` (only while awaiting payment) | index `by_account` (orders of an account) |
//! |-------|----------------|---------|---------------------------------------------------|--------------------------------------------|
//! | order | `ORDER#<uuid>` | `ORDER` | `AWAITING_PAYMENT` / `<pay_by unix>#<uuid>`       | `ACCOUNT#<id>` / `<placed_at unix>#<uuid>` |

use crate::contracts::{OrderId, OrderLine, PaymentId, ShippingAddress};
use crate::platform::store::{Item, Key, StoreError, TableSpec};
use app::orders::{AddressInput, OrderLineView, OrderStatus, OrderView};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub const BY_DEADLINE: &str = "by_deadline";
pub const AWAITING_PAYMENT: &str = "AWAITING_PAYMENT";
pub const BY_ACCOUNT: &str = "by_account";
/// Orders with a payment attempt claimed, by when (`CLAIMED` / `<claimed unix>#<uuid>`).
pub const BY_CLAIM: &str = "by_claim";
pub const CLAIMED: &str = "CLAIMED";

pub fn spec() -> TableSpec {
    TableSpec::new("orders").with_index(BY_DEADLINE).with_index(BY_ACCOUNT).with_index(BY_CLAIM)
}

/// The `by_account` partition of an account's orders.
pub fn account_partition(account_id: &str) -> String {
    format!("ACCOUNT#{account_id}")
}

pub fn key(order_id: &str) -> Key {
    Key::new(format!("ORDER#{order_id}"), "ORDER")
}

/// Where an order stands, as stored (people see it as [`OrderStatus`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Stored; waiting for stock to be reserved and the payment to arrive.
    PendingPayment,
    /// Paid; will be fulfilled.
    Confirmed,
    /// Will not be fulfilled (no stock, or not paid in time).
    Cancelled,
    /// Every item is sent (or delivered digitally).
    Processed,
}

impl From<Status> for OrderStatus {
    fn from(status: Status) -> Self {
        match status {
            Status::PendingPayment => Self::PendingPayment,
            Status::Confirmed => Self::Confirmed,
            Status::Cancelled => Self::Cancelled,
            Status::Processed => Self::Processed,
        }
    }
}

/// The order's money as stored, in minor units: the lines (`net`), then
/// shipping and tax, making `gross`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub net_minor: i64,
    pub shipping_minor: i64,
    pub tax_minor: i64,
    pub gross_minor: i64,
}

impl From<app::orders::Totals> for Totals {
    fn from(t: app::orders::Totals) -> Self {
        Self {
            net_minor: t.net_minor,
            shipping_minor: t.shipping_minor,
            tax_minor: t.tax_minor,
            gross_minor: t.gross_minor,
        }
    }
}

impl From<Totals> for app::orders::Totals {
    fn from(t: Totals) -> Self {
        Self {
            net_minor: t.net_minor,
            shipping_minor: t.shipping_minor,
            tax_minor: t.tax_minor,
            gross_minor: t.gross_minor,
        }
    }
}

impl From<AddressInput> for ShippingAddress {
    fn from(a: AddressInput) -> Self {
        Self {
            name: a.name,
            line1: a.line1,
            line2: a.line2,
            city: a.city,
            postal_code: a.postal_code,
            country: a.country,
        }
    }
}

impl From<ShippingAddress> for AddressInput {
    fn from(a: ShippingAddress) -> Self {
        Self {
            name: a.name,
            line1: a.line1,
            line2: a.line2,
            city: a.city,
            postal_code: a.postal_code,
            country: a.country,
        }
    }
}

/// How far the order's shipping order has got, as fulfilment's events told
/// (stored, and shown to people, as `pending`, `partially_processed`, `processed`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShippingStatus {
    Pending,
    PartiallyProcessed,
    Processed,
}

impl ShippingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::PartiallyProcessed => "partially_processed",
            Self::Processed => "processed",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StockState {
    Pending,
    Reserved,
    Rejected,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OrderRecord {
    pub id: OrderId,
    pub email: String,
    pub shipping_address: ShippingAddress,
    pub currency: String,
    pub lines: Vec<OrderLine>,
    pub totals: Totals,
    pub status: Status,
    pub stock: StockState,
    /// Payment attempts so far (the next payment id derives from it).
    pub attempts: u32,
    pub payment_in_progress: Option<PaymentId>,
    /// When the attempt in progress was claimed (absent in older records).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub payment_claimed_at: Option<OffsetDateTime>,
    pub payment_error: Option<String>,
    /// The payment that paid for the order.
    pub paid_by: Option<PaymentId>,
    pub cancel_reason: Option<String>,
    /// Paid after it was cancelled: the money must go back.
    #[serde(default)]
    pub refund_due: bool,
    pub receipt_sent: bool,
    pub shipping_status: Option<ShippingStatus>,
    #[serde(with = "time::serde::rfc3339")]
    pub placed_at: OffsetDateTime,
    /// The account that placed it (None: a guest).
    #[serde(default)]
    pub account_id: Option<String>,
    /// The guest cart that placed it (a guest's browser), so that browser,
    /// and no other, may see it without the receipt's link.
    #[serde(default)]
    pub placed_by_cart: Option<String>,
    /// Its sequential number (`numbering`); 0 for orders from before numbering.
    #[serde(default)]
    pub number: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub pay_by: OffsetDateTime,
    /// What was asked for (email + address), to tell a retried PUT from a different one.
    pub request: String,
}

impl OrderRecord {
    /// The item, indexed for the payment deadline while the order awaits payment.
    pub fn item(&self) -> Result<Item, StoreError> {
        let mut item = Item::from_record(key(&self.id), self)?;
        if let Some(account) = &self.account_id {
            let sort = format!("{:012}#{}", self.placed_at.unix_timestamp(), self.id);
            item = item.with_index(BY_ACCOUNT, Key::new(account_partition(account), sort));
        }
        if self.payment_in_progress.is_some() {
            let claimed = self.payment_claimed_at.unwrap_or(self.placed_at).unix_timestamp();
            item = item.with_index(BY_CLAIM, Key::new(CLAIMED, format!("{claimed:012}#{}", self.id)));
        }
        Ok(if self.awaiting_payment() {
            item.with_index(
                BY_DEADLINE,
                Key::new(AWAITING_PAYMENT, format!("{:012}#{}", self.pay_by.unix_timestamp(), self.id)),
            )
        } else {
            item
        })
    }

    pub fn awaiting_payment(&self) -> bool {
        self.status == Status::PendingPayment && self.paid_by.is_none()
    }

    pub fn number(&self) -> String {
        super::numbering::display(self.number, &self.id)
    }

    pub fn view(&self) -> OrderView {
        let ts = |t: OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
        OrderView {
            id: self.id.to_string(),
            number: self.number(),
            status: self.status.into(),
            email: self.email.clone(),
            shipping_address: self.shipping_address.clone().into(),
            currency: self.currency.clone(),
            lines: self
                .lines
                .iter()
                .map(|l| OrderLineView {
                    sku: l.sku.clone(),
                    name: l.name.clone(),
                    quantity: l.quantity,
                    unit_price_minor: l.unit_price_minor,
                    line_total_minor: l.unit_price_minor * i64::from(l.quantity),
                })
                .collect(),
            totals: self.totals.into(),
            stock_reserved: self.stock == StockState::Reserved,
            payment_in_progress: self.payment_in_progress.is_some(),
            payment_error: self.payment_error.clone(),
            cancel_reason: self.cancel_reason.clone(),
            receipt_sent: self.receipt_sent,
            shipping_status: self.shipping_status.map(|s| s.as_str().to_string()),
            placed_at: ts(self.placed_at),
            account_id: self.account_id.clone(),
            pay_by: ts(self.pay_by),
            payment_id: self.paid_by.as_ref().or(self.payment_in_progress.as_ref()).map(PaymentId::to_string),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The states are stored as the strings orders always stored (and the API shows).
    #[test]
    fn states_keep_their_stored_names() {
        for (status, stored) in [
            (ShippingStatus::Pending, "pending"),
            (ShippingStatus::PartiallyProcessed, "partially_processed"),
            (ShippingStatus::Processed, "processed"),
        ] {
            assert_eq!(serde_json::to_value(status).unwrap(), stored);
            assert_eq!(status.as_str(), stored);
        }
        assert_eq!(serde_json::to_value(Status::PendingPayment).unwrap(), "pending_payment");
        let shown: OrderStatus = serde_json::from_value(serde_json::to_value(Status::Confirmed).unwrap()).unwrap();
        assert_eq!(shown, OrderStatus::from(Status::Confirmed));
    }
}
