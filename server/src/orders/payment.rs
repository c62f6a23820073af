//! Paying for an order: one attempt at a time, claimed on the order before
//! the payments service is called, released again if nothing was charged.
//! A claim whose payment never reached the payments service (the process
//! died in between) is abandoned once [`CLAIM_LEASE`] has passed, so a
//! retried payment after a crash goes through.

use super::record::{BY_CLAIM, CLAIMED, OrderRecord, Status, StockState};
use super::{Orders, OrdersError, parse_order_id};
use crate::contracts::PaymentId;
use crate::contracts::ports::{PaymentError, PaymentMethod, PaymentRequest};
use crate::platform::store::Condition;
use crate::platform::store::optimistic;
use crate::platform::store::{Query, SortKeyCondition};
use std::time::Duration;
use time::OffsetDateTime;

/// How long a claimed attempt may take to be recorded by the payments
/// service (its first step, milliseconds after the claim) before a claim
/// with no payment behind it counts as abandoned.
pub const CLAIM_LEASE: Duration = Duration::from_secs(5);
/// A claim with no payment recorded behind it this long is released by the
/// background job even if the shopper never retries (see [`Orders::release_abandoned_claims`]).
pub const ABANDONED_AFTER: Duration = Duration::from_secs(30);

impl Orders {
    /// Claims the next payment attempt on the order (bounded optimistic rounds).
    async fn claim(&self, id: &str, method: &PaymentMethod) -> Result<(OrderRecord, PaymentRequest), OrdersError> {
        let claimed = optimistic::until_done(|| async {
            let (mut order, version) = self.load(id).await?.ok_or_else(|| OrdersError::NotFound(id.to_string()))?;
            payable(&order)?;
            if let Some(payment_id) = &order.payment_in_progress {
                if !self.claim_abandoned(&order, payment_id).await? {
                    return Err(OrdersError::conflict(
                        "payment_in_progress",
                        "A payment for this order is being processed",
                    ));
                }
                tracing::warn!(order = %order.id, payment = %payment_id, "taking over an attempt that never reached payments");
            }
            if order.paid_by.is_some() {
                return Err(OrdersError::conflict("order_paid", "This order is paid for"));
            }
            order.attempts += 1;
            let payment_id = PaymentId::new(format!("pay_{}_{}", order.id.replace('-', ""), order.attempts));
            order.payment_in_progress = Some(payment_id.clone());
            order.payment_claimed_at = Some(OffsetDateTime::now_utc());
            order.payment_error = None;
            let request = PaymentRequest {
                payment_id,
                order_id: order.id.clone(),
                amount_minor: order.totals.gross_minor,
                currency: order.currency.clone(),
                method: method.clone(),
            };
            let written = optimistic::written(self.table.put(order.item()?, Condition::Version(version)).await)?;
            Ok(written.map(|_| (order, request)))
        })
        .await?;
        claimed.ok_or_else(|| OrdersError::conflict("order_busy", "This order is changing; try again in a moment"))
    }

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
        let (order, request) = self.claim(&id, &method).await?;
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

    /// Whether the attempt `payment_id` claimed on `order` is abandoned: the
    /// lease has passed and the payments service never recorded it.
    async fn claim_abandoned(&self, order: &OrderRecord, payment_id: &str) -> Result<bool, OrdersError> {
        let claimed_at = order.payment_claimed_at.unwrap_or(order.placed_at);
        if OffsetDateTime::now_utc() - claimed_at < CLAIM_LEASE {
            return Ok(false);
        }
        self.payments.knows(payment_id).await.map(|known| !known).map_err(|_| OrdersError::PaymentsUnavailable)
    }

    /// Releases claimed attempts that never reached the payments service
    /// (the process died between the claim and the payment's record) and
    /// are older than [`ABANDONED_AFTER`], so the order is payable again.
    pub async fn release_abandoned_claims(&self, now: OffsetDateTime) -> Result<usize, OrdersError> {
        let before = (now - ABANDONED_AFTER).unix_timestamp();
        let query = Query::partition(CLAIMED)
            .on_index(BY_CLAIM)
            .sort_key(SortKeyCondition::LessThan(format!("{before:012}$")))
            .limit(100);
        let mut released = 0;
        for item in self.table.query(query).await?.items {
            let order: OrderRecord = item.record()?;
            let Some(payment_id) = order.payment_in_progress.clone() else { continue };
            if self.payments.knows(&payment_id).await.map_err(|_| OrdersError::PaymentsUnavailable)? {
                continue; // recorded: payments settles it (webhook or reconciliation)
            }
            let changed = self
                .change(&order.id, |mut o| {
                    if o.payment_in_progress.as_deref() != Some(payment_id.as_str()) {
                        return Ok(None);
                    }
                    o.payment_in_progress = None;
                    o.payment_error = Some(crate::contracts::ports::PAYMENT_NOT_TAKEN.into());
                    Ok(Some((o, Vec::new())))
                })
                .await?;
            if changed {
                tracing::warn!(order = %order.id, payment = %payment_id, "released a payment attempt that never reached payments");
                released += 1;
            }
        }
        Ok(released)
    }
}

/// Whether the order can be paid now: not confirmed, not cancelled, its stock set aside.
fn payable(order: &OrderRecord) -> Result<(), OrdersError> {
    match (order.status, order.stock) {
        (Status::Confirmed | Status::Processed, _) => {
            Err(OrdersError::conflict("order_paid", "This order is paid for"))
        }
        (Status::Cancelled, _) => {
            let reason = order.cancel_reason.clone().unwrap_or_default();
            Err(OrdersError::conflict("order_cancelled", format!("This order was cancelled: {reason}")))
        }
        (_, StockState::Pending) => Err(OrdersError::conflict(
            "stock_not_reserved",
            "We are still setting your items aside; try again in a moment",
        )),
        _ => Ok(()),
    }
}
