//! The payment deadline: orders not paid in time are cancelled (OrderCancelled
//! then releases their stock).

use super::record::{AWAITING_PAYMENT, BY_DEADLINE, OrderRecord, Status};
use super::{Orders, OrdersError, SOURCE};
use crate::platform::events::Envelope;
use crate::platform::store::{Query, SortKeyCondition};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

impl Orders {
    /// Cancels orders whose payment deadline passed before `now`. Returns how many.
    pub async fn expire_due(&self, now: OffsetDateTime) -> Result<usize, OrdersError> {
        let bound = format!("{:012}$", now.unix_timestamp());
        let page = self
            .table
            .query(
                Query::partition(AWAITING_PAYMENT)
                    .on_index(BY_DEADLINE)
                    .sort_key(SortKeyCondition::LessThan(bound))
                    .limit(100),
            )
            .await?;
        let mut cancelled = 0;
        for item in page.items {
            let order: OrderRecord = item.record()?;
            let changed = self
                .change(&order.id, |mut o| {
                    if !o.awaiting_payment() || o.pay_by > now {
                        return Ok(None);
                    }
                    let reason = "Payment was not received in time".to_string();
                    o.status = Status::Cancelled;
                    o.cancel_reason = Some(reason.clone());
                    o.payment_in_progress = None;
                    let event = crate::contracts::OrderCancelled { order_id: o.id.clone(), reason };
                    Ok(Some((o, vec![Envelope::new(SOURCE, &event, "", None)])))
                })
                .await?;
            if changed {
                tracing::info!(order = %order.id, "order cancelled: payment deadline passed");
                cancelled += 1;
            }
        }
        Ok(cancelled)
    }

    /// Runs [`Orders::expire_due`] and [`Orders::release_abandoned_claims`] every `every` until shutdown.
    pub async fn run_expiry(self: Arc<Self>, every: Duration, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        while !*shutdown.borrow() {
            if let Err(e) = self.expire_due(OffsetDateTime::now_utc()).await {
                tracing::warn!(error = %e, "expiring unpaid orders failed; will retry");
            }
            if let Err(e) = self.release_abandoned_claims(OffsetDateTime::now_utc()).await {
                tracing::warn!(error = %e, "releasing abandoned payment attempts failed; will retry");
            }
            tokio::select! {
                () = tokio::time::sleep(every) => {}
                _ = shutdown.changed() => {}
            }
        }
    }
}
