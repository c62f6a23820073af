//! How orders react to the other services' events: stock reserved or
//! rejected, payments succeeded or failed, receipt sent, shipping order
//! created. Each event is applied once (processed marker in the same
//! transaction as the order's new version) and in any order: an order is
//! confirmed when it is both paid and its stock reserved, whichever came last.

use super::Orders;
use super::record::{OrderRecord, StockState};
use crate::contracts::{
    AccountDeleted, OrderCancelled, OrderConfirmed, OrderProcessed, PaymentFailed, PaymentSucceeded, ReceiptSent,
    RefundDue, ShipmentItemProcessed, ShippingOrderCreated, ShippingOrderProcessed, StockReservationRejected,
    StockReserved,
};
use crate::platform::consumer::Handler;
use crate::platform::events::{DomainEvent, Envelope};
use app::orders::OrderStatus;
use async_trait::async_trait;
use std::sync::Arc;

pub const CONSUMER: &str = "orders";

pub fn subscribes_to() -> Vec<&'static str> {
    vec![
        StockReserved::TYPE,
        StockReservationRejected::TYPE,
        PaymentSucceeded::TYPE,
        PaymentFailed::TYPE,
        ShippingOrderCreated::TYPE,
        ReceiptSent::TYPE,
        ShipmentItemProcessed::TYPE,
        ShippingOrderProcessed::TYPE,
        AccountDeleted::TYPE,
    ]
}

pub struct OrderEvents(pub Arc<Orders>);

/// What an event does to an order: its new state and the events that announces.
type Change = (OrderRecord, Vec<Envelope>);

#[async_trait]
impl Handler for OrderEvents {
    fn consumer(&self) -> &'static str {
        CONSUMER
    }

    fn subscribes_to(&self) -> Vec<&'static str> {
        subscribes_to()
    }

    async fn handle(&self, event: &Envelope) -> anyhow::Result<()> {
        if event.is::<AccountDeleted>() {
            let deleted: AccountDeleted = event.decode()?;
            let n = self.0.forget_account(&deleted.account_id).await?;
            tracing::info!(account = %deleted.account_id, orders = n, "deleted account's orders anonymised");
            return Ok(());
        }
        let order_id = event.partition_key.clone();
        self.0.change_on_event(CONSUMER, event, &order_id, |order| apply(order, event)).await
    }
}

/// The order's next state given `event`; `None` when the event changes nothing.
fn apply(mut order: OrderRecord, event: &Envelope) -> anyhow::Result<Option<Change>> {
    let mut out = Vec::new();
    let trace = event.trace();
    if event.is::<StockReserved>() {
        if order.stock != StockState::Pending {
            return Ok(None);
        }
        order.stock = StockState::Reserved;
    } else if event.is::<StockReservationRejected>() {
        let rejected: StockReservationRejected = event.decode()?;
        if order.stock != StockState::Pending {
            return Ok(None);
        }
        order.stock = StockState::Rejected;
        if order.status == OrderStatus::PendingPayment {
            let name =
                order.lines.iter().find(|l| l.sku == rejected.sku).map_or(rejected.sku.clone(), |l| l.name.clone());
            let reason = match rejected.available {
                0 => format!("{name} sold out before we could set it aside"),
                n => format!("Only {n} of {name} left"),
            };
            order.status = OrderStatus::Cancelled;
            order.cancel_reason = Some(reason.clone());
            order.refund_due = order.paid_by.is_some();
            if let Some(paid_by) = &order.paid_by {
                out.push(refund_due(&order, paid_by, "We could not set the items aside"));
            }
            out.push(Envelope::new(
                super::SOURCE,
                &OrderCancelled { order_id: order.id.clone(), reason },
                "",
                trace.as_ref(),
            ));
        }
    } else if event.is::<PaymentSucceeded>() {
        let paid: PaymentSucceeded = event.decode()?;
        match order.paid_by.as_deref() {
            Some(by) if by == paid.payment_id => return Ok(None), // a redelivered success changes nothing
            Some(_) => {
                // Paid twice (an earlier attempt settled late): the second goes back.
                tracing::warn!(order = %order.id, payment = %paid.payment_id, "order paid twice: refund due");
                let refund = refund_due(&order, &paid.payment_id, "The order was already paid for");
                return Ok(Some((order, vec![refund])));
            }
            None => {}
        }
        order.paid_by = Some(paid.payment_id.clone());
        order.payment_error = None;
        if order.payment_in_progress.as_deref() == Some(&paid.payment_id) {
            order.payment_in_progress = None;
        }
        if order.status == OrderStatus::Cancelled {
            order.refund_due = true;
            tracing::warn!(order = %order.id, payment = %paid.payment_id, "payment arrived for a cancelled order: refund due");
            out.push(refund_due(&order, &paid.payment_id, "The order was cancelled before the payment arrived"));
        }
    } else if event.is::<PaymentFailed>() {
        let failed: PaymentFailed = event.decode()?;
        if order.paid_by.is_some() || order.payment_in_progress.as_deref() != Some(&failed.payment_id) {
            return Ok(None); // a stale failure of an earlier attempt
        }
        order.payment_in_progress = None;
        order.payment_error = Some(failed.reason);
    } else if event.is::<ShippingOrderCreated>() {
        if order.shipping_status.is_some() {
            return Ok(None);
        }
        order.shipping_status.get_or_insert_with(|| "pending".into());
    } else if event.is::<ShipmentItemProcessed>() {
        // Some items are on their way; never back from processed.
        if order.shipping_status.as_deref() == Some("processed") {
            return Ok(None);
        }
        order.shipping_status = Some("partially_processed".into());
    } else if event.is::<ShippingOrderProcessed>() {
        if order.status == OrderStatus::Processed {
            return Ok(None);
        }
        order.shipping_status = Some("processed".into());
        if order.status == OrderStatus::Confirmed {
            order.status = OrderStatus::Processed;
            let processed = OrderProcessed { order_id: order.id.clone() };
            out.push(Envelope::new(super::SOURCE, &processed, "", trace.as_ref()));
        }
    } else if event.is::<ReceiptSent>() {
        if order.receipt_sent {
            return Ok(None);
        }
        order.receipt_sent = true;
    } else {
        return Ok(None);
    }
    if order.status == OrderStatus::PendingPayment && order.paid_by.is_some() && order.stock == StockState::Reserved {
        order.status = OrderStatus::Confirmed;
        out.push(Envelope::new(super::SOURCE, &confirmed(&order), "", trace.as_ref()));
    }
    Ok(Some((order, out)))
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
        shipping_address: order.contract_address(),
        number: order.number(),
    }
}
