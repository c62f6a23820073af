//! Refunds: a payment the order did not need (RefundDue from the orders
//! service: paid twice, or paid after the order was cancelled) goes back
//! through the provider, with an idempotency key per payment, and the
//! payment becomes `refunded` with PaymentRefunded in one transaction. A
//! provider that is down is waited for; one that keeps refusing leaves the
//! event as a fault for staff (`tbs faults list`), never silently dropped.

use super::provider::RefundRequest;
use super::{CONSUMER, PaymentStatus, Payments, SOURCE};
use crate::contracts::{PaymentRefunded, RefundDue};
use crate::platform::consumer::{Applied, apply_once};
use crate::platform::events::Envelope;
use crate::platform::outbox;
use crate::platform::store::{Condition, StoreError, WriteOp};

impl Payments {
    pub(super) async fn refund(&self, due: RefundDue, event: &Envelope) -> anyhow::Result<()> {
        let Some((mut record, version)) = self.payment(&due.payment_id).await? else {
            anyhow::bail!("refund due for payment {} that payments has no record of", due.payment_id);
        };
        if record.status == PaymentStatus::Refunded {
            return Ok(());
        }
        let whole = RefundRequest {
            // The key this refund always had: a refund asked for before this
            // request type existed is the same refund.
            key: format!("refund-{}", record.payment_id),
            payment_id: record.payment_id.to_string(),
            intent_id: record.intent_id.clone(),
            amount_minor: None,
        };
        self.provider.refund(&whole).await.map_err(|e| e.in_consumer(format!("refunding {}", record.payment_id)))?;
        record.status = PaymentStatus::Refunded;
        let refunded = PaymentRefunded {
            order_id: record.order_id.clone(),
            payment_id: record.payment_id.clone(),
            amount_minor: record.amount_minor,
            currency: record.currency.clone(),
        };
        let ops = vec![
            WriteOp::Put { item: record.item()?, condition: Condition::Version(version) },
            outbox::stage(&Envelope::new(SOURCE, &refunded, "", event.trace().as_ref()))?,
        ];
        match apply_once(&*self.table, CONSUMER, event, ops).await {
            Ok(Applied::Now) => {
                self.relay.notify();
                tracing::warn!(payment = %record.payment_id, order = %record.order_id, reason = %due.reason, "payment refunded");
                Ok(())
            }
            Ok(Applied::Before) => Ok(()),
            // Changed meanwhile: the retry finds it (the provider call is idempotent).
            Err(StoreError::TransactionCancelled { .. }) => {
                anyhow::bail!("payment {} changed; will retry", due.payment_id)
            }
            Err(e) => Err(e.into()),
        }
    }
}
