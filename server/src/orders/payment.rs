//! Paying for an order: one attempt at a time, claimed on the order before
//! the payments service is called, released again if nothing was charged.

use super::record::StockState;
use super::{Orders, OrdersError, parse_order_id};
use crate::contracts::ports::{PaymentError, PaymentMethod, PaymentRequest};
use crate::platform::store::{Condition, StoreError};
use app::orders::OrderStatus;
use time::OffsetDateTime;

impl Orders {
    /// Starts a payment attempt for the order.
    pub async fn pay(&self, id: &str, method: PaymentMethod) -> Result<(), OrdersError> {
        let id = parse_order_id(id)?;
        if let PaymentMethod::Card(card) = &method {
            let today = OffsetDateTime::now_utc();
            let problems = card.problems((today.year() as u32, u8::from(today.month()) as u32));
            if !problems.is_empty() {
                return Err(OrdersError::InvalidFields(problems));
            }
        }
        // Claim the attempt on the order first: a double-click gets "in progress", not a second charge.
        let (order, request) = loop {
            let (mut order, version) = self.load(&id).await?.ok_or_else(|| OrdersError::NotFound(id.clone()))?;
            match (order.status, order.stock) {
                (OrderStatus::Confirmed | OrderStatus::Processed, _) => {
                    return Err(OrdersError::conflict("order_paid", "This order is paid for"));
                }
                (OrderStatus::Cancelled, _) => {
                    let reason = order.cancel_reason.clone().unwrap_or_default();
                    return Err(OrdersError::conflict(
                        "order_cancelled",
                        format!("This order was cancelled: {reason}"),
                    ));
                }
                (_, StockState::Pending) => {
                    return Err(OrdersError::conflict(
                        "stock_not_reserved",
                        "We are still setting your items aside; try again in a moment",
                    ));
                }
                _ => {}
            }
            if order.payment_in_progress.is_some() {
                return Err(OrdersError::conflict(
                    "payment_in_progress",
                    "A payment for this order is being processed",
                ));
            }
            if order.paid_by.is_some() {
                return Err(OrdersError::conflict("order_paid", "This order is paid for"));
            }
            order.attempts += 1;
            let payment_id = format!("pay_{}_{}", order.id.replace('-', ""), order.attempts);
            order.payment_in_progress = Some(payment_id.clone());
            order.payment_error = None;
            let request = PaymentRequest {
                payment_id,
                order_id: order.id.clone(),
                amount_minor: order.totals.gross_minor,
                currency: order.currency.clone(),
                method: method.clone(),
            };
            match self.table.put(order.item()?, Condition::Version(version)).await {
                Ok(_) => break (order, request),
                Err(StoreError::ConditionFailed(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        };
        match self.payments.start(request.clone()).await {
            Ok(()) => {
                tracing::info!(order = %order.id, payment = %request.payment_id, "payment submitted");
                Ok(())
            }
            Err(e) => {
                // Nothing was charged: release the attempt so the shopper can try again.
                let payment_id = request.payment_id.clone();
                let message = e.to_string();
                self.change(&id, |mut o| {
                    if o.payment_in_progress.as_deref() != Some(payment_id.as_str()) {
                        return Ok(None);
                    }
                    o.payment_in_progress = None;
                    o.payment_error = Some(message.clone());
                    Ok(Some((o, Vec::new())))
                })
                .await?;
                Err(match e {
                    PaymentError::Invalid(problems) => OrdersError::InvalidFields(problems),
                    PaymentError::Unavailable => OrdersError::PaymentsUnavailable,
                })
            }
        }
    }
}
