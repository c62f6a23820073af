//! How orders react to the other services' events: stock reserved or
//! rejected, payments succeeded or failed, receipt sent, shipping order
//! created. Each event is applied once (processed marker in the same
//! transaction as the order's new version) and in any order: an order is
//! confirmed when it is both paid and its stock reserved, whichever came last.

use super::Orders;
use super::record::{OrderRecord, ShippingStatus, Status, StockState};
use crate::contracts::{
    AccountDeleted, OrderCancelled, OrderConfirmed, OrderProcessed, PaymentFailed, PaymentSucceeded, ReceiptSent,
    RefundDue, ShipmentItemProcessed, ShippingOrderCreated, ShippingOrderProcessed, StockReservationRejected,
    StockReserved,
};
use crate::platform::consumer::{Consumer, Effects};
use crate::platform::events::{Envelope, TraceParent};
use async_trait::async_trait;
use std::sync::Arc;

pub const CONSUMER: &str = "orders";

crate::consumed_events! {
    /// What the orders service reacts to.
    pub enum Incoming {
        StockReserved,
        StockReservationRejected,
        PaymentSucceeded,
        PaymentFailed,
        ShippingOrderCreated,
        ReceiptSent,
        ShipmentItemProcessed,
        ShippingOrderProcessed,
        AccountDeleted,
    }
}

pub struct OrderEvents(pub Arc<Orders>);

/// What an event does to an order: its new state and the events that announces.
type Change = (OrderRecord, Vec<Envelope>);

#[async_trait]
impl Consumer for OrderEvents {
    const NAME: &'static str = CONSUMER;
    /// The order's record and the events it stages.
    const EFFECTS: Effects = Effects::InStore;
    type Event = Incoming;

    async fn on(&self, event: Incoming, envelope: &Envelope) -> anyhow::Result<()> {
        if let Incoming::AccountDeleted(deleted) = &event {
            let n = self.0.forget_account(&deleted.account_id).await?;
            tracing::info!(account = %deleted.account_id, orders = n, "deleted account's orders anonymised");
            return Ok(());
        }
        let order_id = envelope.partition_key.clone();
        let trace = envelope.trace();
        self.0.change_on_event(CONSUMER, envelope, &order_id, |order| Ok(apply(order, &event, trace.as_ref()))).await
    }
}

/// The order's next state given `event`; `None` when the event changes nothing.
fn apply(mut order: OrderRecord, event: &Incoming, trace: Option<&TraceParent>) -> Option<Change> {
    let mut out = match event {
        Incoming::StockReserved(_) => stock_reserved(&mut order)?,
        Incoming::StockReservationRejected(rejected) => stock_rejected(&mut order, rejected, trace)?,
        Incoming::PaymentSucceeded(paid) => match paid_twice(&order, paid) {
            Some(change) => return change,
            None => paid_for(&mut order, paid),
        },
        Incoming::PaymentFailed(failed) => payment_failed(&mut order, failed)?,
        Incoming::ShippingOrderCreated(_) => shipping_order_created(&mut order)?,
        Incoming::ShipmentItemProcessed(_) => item_processed(&mut order)?,
        Incoming::ShippingOrderProcessed(_) => shipping_order_processed(&mut order, trace)?,
        Incoming::ReceiptSent(_) => receipt_sent(&mut order)?,
        Incoming::AccountDeleted(_) => return None,
    };
    if order.status == Status::PendingPayment && order.paid_by.is_some() && order.stock == StockState::Reserved {
        order.status = Status::Confirmed;
        out.push(Envelope::new(super::SOURCE, &confirmed(&order), "", trace));
    }
    Some((order, out))
}

/// What one event does: `None` when it changes nothing, else the events it announces.
type Step = Option<Vec<Envelope>>;

fn stock_reserved(order: &mut OrderRecord) -> Step {
    if order.stock != StockState::Pending {
        return None;
    }
    order.stock = StockState::Reserved;
    Some(vec![])
}

fn stock_rejected(order: &mut OrderRecord, rejected: &StockReservationRejected, trace: Option<&TraceParent>) -> Step {
    if order.stock != StockState::Pending {
        return None;
    }
    order.stock = StockState::Rejected;
    if order.status != Status::PendingPayment {
        return Some(vec![]);
    }
    let name = order.lines.iter().find(|l| l.sku == rejected.sku).map_or(rejected.sku.clone(), |l| l.name.clone());
    let reason = match rejected.available {
        0 => format!("{name} sold out before we could set it aside"),
        n => format!("Only {n} of {name} left"),
    };
    order.status = Status::Cancelled;
    order.cancel_reason = Some(reason.clone());
    order.refund_due = order.paid_by.is_some();
    let mut out = Vec::new();
    if let Some(paid_by) = &order.paid_by {
        out.push(refund_due(order, paid_by, "We could not set the items aside"));
    }
    out.push(Envelope::new(super::SOURCE, &OrderCancelled { order_id: order.id.clone(), reason }, "", trace));
    Some(out)
}

/// A success for an order already paid: nothing when it is the same
/// payment redelivered, a refund when it is a second payment.
fn paid_twice(order: &OrderRecord, paid: &PaymentSucceeded) -> Option<Option<Change>> {
    match order.paid_by.as_deref() {
        Some(by) if paid.payment_id == by => Some(None),
        Some(_) => {
            tracing::warn!(order = %order.id, payment = %paid.payment_id, "order paid twice: refund due");
            let refund = refund_due(order, &paid.payment_id, "The order was already paid for");
            Some(Some((order.clone(), vec![refund])))
        }
        None => None,
    }
}

fn paid_for(order: &mut OrderRecord, paid: &PaymentSucceeded) -> Vec<Envelope> {
    order.paid_by = Some(paid.payment_id.clone());
    order.payment_error = None;
    if order.payment_in_progress.as_deref() == Some(&paid.payment_id) {
        order.payment_in_progress = None;
    }
    if order.status != Status::Cancelled {
        return vec![];
    }
    order.refund_due = true;
    tracing::warn!(order = %order.id, payment = %paid.payment_id, "payment arrived for a cancelled order: refund due");
    vec![refund_due(order, &paid.payment_id, "The order was cancelled before the payment arrived")]
}

fn payment_failed(order: &mut OrderRecord, failed: &PaymentFailed) -> Step {
    if order.paid_by.is_some() || order.payment_in_progress.as_deref() != Some(&failed.payment_id) {
        return None; // a stale failure of an earlier attempt
    }
    order.payment_in_progress = None;
    order.payment_error = Some(failed.reason.clone());
    Some(vec![])
}

fn shipping_order_created(order: &mut OrderRecord) -> Step {
    if order.shipping_status.is_some() {
        return None;
    }
    order.shipping_status = Some(ShippingStatus::Pending);
    Some(vec![])
}

/// Some items are on their way; never back from processed.
fn item_processed(order: &mut OrderRecord) -> Step {
    if order.shipping_status == Some(ShippingStatus::Processed) {
        return None;
    }
    order.shipping_status = Some(ShippingStatus::PartiallyProcessed);
    Some(vec![])
}

fn shipping_order_processed(order: &mut OrderRecord, trace: Option<&TraceParent>) -> Step {
    if order.status == Status::Processed {
        return None;
    }
    order.shipping_status = Some(ShippingStatus::Processed);
    if order.status != Status::Confirmed {
        return Some(vec![]);
    }
    order.status = Status::Processed;
    let processed = OrderProcessed { order_id: order.id.clone() };
    Some(vec![Envelope::new(super::SOURCE, &processed, "", trace)])
}

fn receipt_sent(order: &mut OrderRecord) -> Step {
    if order.receipt_sent {
        return None;
    }
    order.receipt_sent = true;
    Some(vec![])
}

/// RefundDue for a payment the order does not need.
fn refund_due(order: &OrderRecord, payment_id: &str, reason: &str) -> Envelope {
    let due = RefundDue { order_id: order.id.clone(), payment_id: payment_id.into(), reason: reason.into() };
    Envelope::new(super::SOURCE, &due, "", None)
}

pub fn confirmed(order: &OrderRecord) -> OrderConfirmed {
    OrderConfirmed {
        order_id: order.id.clone(),
        email: order.email.clone(),
        currency: order.currency.clone(),
        lines: order.lines.clone(),
        net_total_minor: order.totals.net_minor,
        tax_minor: order.totals.tax_minor,
        shipping_minor: order.totals.shipping_minor,
        gross_total_minor: order.totals.gross_minor,
        shipping_address: order.shipping_address.clone(),
        number: order.number(),
        account_id: order.account_id.clone(),
    }
}
