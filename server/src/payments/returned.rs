//! Refunds of returned goods: on ReturnReceived, the return's refund goes
//! back through the provider, taken from the order's kept payment (the one
//! that succeeded and was not itself refunded), under an idempotency key made
//! from the return, so however often the event comes the provider refunds
//! once. The refund is recorded (`RETURN#<return id>` / `REFUND`) with
//! RefundIssued in one transaction, once. A refusal the provider will repeat
//! is recorded with RefundFailed, for staff; anything else is retried.

use super::provider::{ProviderError, RefundRequest};
use super::{BY_ORDER, CONSUMER, PaymentRecord, PaymentStatus, Payments, SOURCE, order_partition};
use crate::contracts::{RefundFailed, RefundIssued, ReturnReceived};
use crate::platform::consumer::{Applied, apply_once};
use crate::platform::events::Envelope;
use crate::platform::outbox;
use crate::platform::store::{Condition, Item, Key, Query, StoreError, WriteOp};

/// How many attempts of an order from before the `by_order` index are looked for.
const EARLY_ATTEMPTS: u32 = 8;

fn refund_key(return_id: &str) -> Key {
    Key::new(format!("RETURN#{return_id}"), "REFUND")
}

impl Payments {
    pub(super) async fn refund_return(&self, received: ReturnReceived, event: &Envelope) -> anyhow::Result<()> {
        if self.table.get(&refund_key(&received.return_id)).await?.is_some() || received.refund_minor <= 0 {
            return Ok(());
        }
        let payment = self.kept_payment(&received.order_id).await?;
        let refund = RefundRequest {
            key: format!("refund-return-{}", received.return_id),
            payment_id: payment.payment_id.to_string(),
            intent_id: payment.intent_id.clone(),
            amount_minor: Some(received.refund_minor),
        };
        let outcome = match self.provider.refund(&refund).await {
            Ok(()) => Ok(payment),
            Err(ProviderError::Invalid(details)) => {
                Err(details.iter().map(|d| d.message.as_str()).collect::<Vec<_>>().join("; "))
            }
            Err(down) => return Err(down.in_consumer(format!("refunding return {}", received.return_id))),
        };
        self.record_refund(&received, outcome, event).await
    }

    /// The order's payment that succeeded and was not refunded (the first, if ever two).
    async fn kept_payment(&self, order_id: &str) -> anyhow::Result<PaymentRecord> {
        let page = self.table.query(Query::partition(order_partition(order_id)).on_index(BY_ORDER).limit(100)).await?;
        let mut kept: Vec<PaymentRecord> = page
            .items
            .iter()
            .map(Item::record::<PaymentRecord>)
            .filter(|r| r.as_ref().map_or(true, |r| r.status == PaymentStatus::Succeeded))
            .collect::<Result<_, _>>()?;
        if kept.is_empty() {
            kept = self.payments_before_the_index(order_id).await?;
        }
        kept.sort_by_key(|r| r.created_at);
        kept.into_iter().next().ok_or_else(|| anyhow::anyhow!("order {order_id} has no kept payment to refund"))
    }

    /// Payments recorded before the `by_order` index existed are not in it:
    /// they are found under the ids orders gave its first attempts
    /// (`pay_<order id without dashes>_<attempt>`).
    async fn payments_before_the_index(&self, order_id: &str) -> anyhow::Result<Vec<PaymentRecord>> {
        let mut found = Vec::new();
        for attempt in 1..=EARLY_ATTEMPTS {
            let payment_id = format!("pay_{}_{attempt}", order_id.replace('-', ""));
            if let Some((record, _)) = self.payment(&payment_id).await?
                && record.status == PaymentStatus::Succeeded
            {
                found.push(record);
            }
        }
        Ok(found)
    }

    /// Records what the provider said, with RefundIssued or RefundFailed, once.
    async fn record_refund(
        &self,
        received: &ReturnReceived,
        outcome: Result<PaymentRecord, String>,
        event: &Envelope,
    ) -> anyhow::Result<()> {
        let (record, announced) = match &outcome {
            Ok(payment) => {
                let issued = RefundIssued {
                    return_id: received.return_id.clone(),
                    order_id: received.order_id.clone(),
                    payment_id: payment.payment_id.clone(),
                    amount_minor: received.refund_minor,
                    currency: received.currency.clone(),
                    net_minor: received.net_minor,
                };
                let record =
                    serde_json::json!({ "payment_id": payment.payment_id, "amount_minor": received.refund_minor });
                (record, Envelope::new(SOURCE, &issued, "", event.trace().as_ref()))
            }
            Err(reason) => {
                let failed = RefundFailed {
                    return_id: received.return_id.clone(),
                    order_id: received.order_id.clone(),
                    reason: reason.clone(),
                };
                tracing::error!(return_id = %received.return_id, %reason, "the provider refused a return's refund");
                (serde_json::json!({ "failed": reason }), Envelope::new(SOURCE, &failed, "", event.trace().as_ref()))
            }
        };
        let ops = vec![
            WriteOp::Put { item: Item::new(refund_key(&received.return_id), record), condition: Condition::NotExists },
            outbox::stage(&announced)?,
        ];
        match apply_once(&*self.table, CONSUMER, event, ops).await {
            Ok(Applied::Now) => {
                self.relay.notify();
                Ok(())
            }
            // Recorded by an earlier delivery (its marker, or its refund record).
            Ok(Applied::Before) | Err(StoreError::TransactionCancelled { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}
