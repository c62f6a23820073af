//! The `payments` consumer: a stored provider webhook becomes PaymentSucceeded
//! or PaymentFailed. A payment only moves forward (a success is final), so
//! redelivered or out-of-order webhooks never settle a payment twice.

use super::{PaymentRecord, PaymentStatus, Payments};
use crate::contracts::{PaymentFailed, PaymentProviderEventReceived, PaymentSucceeded, RefundDue, ReturnReceived};
use crate::platform::consumer::{Applied, Consumer, Effects, apply_once};
use crate::platform::events::Envelope;
use crate::platform::outbox;
use crate::platform::store::optimistic::{self, Attempt};
use crate::platform::store::{Condition, StoreError, WriteOp};
use async_trait::async_trait;
use std::sync::Arc;

pub const CONSUMER: &str = "payments";

crate::consumed_events! {
    /// What payments react to: the provider's webhooks (stored by the
    /// webhook route), payments the orders service does not need, and
    /// returns whose money goes back.
    pub enum Incoming { PaymentProviderEventReceived, RefundDue, ReturnReceived }
}

pub struct PaymentEvents(pub Arc<Payments>);

#[async_trait]
impl Consumer for PaymentEvents {
    const NAME: &'static str = CONSUMER;
    /// Refunds at the payment provider.
    const EFFECTS: Effects = Effects::Outside;
    type Event = Incoming;

    async fn on(&self, event: Incoming, envelope: &Envelope) -> anyhow::Result<()> {
        match event {
            Incoming::RefundDue(due) => self.0.refund(due, envelope).await,
            Incoming::ReturnReceived(received) => self.0.refund_return(received, envelope).await,
            Incoming::PaymentProviderEventReceived(received) => self.webhook(received, envelope).await,
        }
    }
}

impl PaymentEvents {
    /// Settles the payment as the provider's webhook says.
    async fn webhook(&self, received: PaymentProviderEventReceived, event: &Envelope) -> anyhow::Result<()> {
        let succeeded = match received.provider_event_type.as_str() {
            "payment_intent.succeeded" => true,
            "payment_intent.payment_failed" => false,
            _ => return Ok(()),
        };
        let done = optimistic::until_done(|| self.settle(event, &received, succeeded)).await?;
        done.ok_or_else(|| anyhow::anyhow!("payment {} kept changing; will retry", received.payment_id))
    }

    /// One attempt at moving the payment forward as the webhook says, with its event, once.
    async fn settle(
        &self,
        event: &Envelope,
        received: &PaymentProviderEventReceived,
        succeeded: bool,
    ) -> anyhow::Result<Attempt<()>> {
        let (mut record, version) = match self.0.payment(&received.payment_id).await? {
            Some(found) => found,
            // Unknown to us (e.g. our record was lost): settle it from the webhook itself.
            None => (
                PaymentRecord {
                    payment_id: received.payment_id.clone(),
                    order_id: received.order_id.clone(),
                    amount_minor: received.amount_minor,
                    currency: received.currency.clone(),
                    status: PaymentStatus::Processing,
                    intent_id: None,
                    failure: None,
                    created_at: None,
                },
                0,
            ),
        };
        match (record.status, succeeded) {
            (PaymentStatus::Succeeded | PaymentStatus::Refunded, _) | (PaymentStatus::Failed, false) => {
                return Ok(Attempt::Done(()));
            }
            _ => {}
        }
        record.status = if succeeded { PaymentStatus::Succeeded } else { PaymentStatus::Failed };
        record.intent_id = Some(received.intent_id.clone());
        let outgoing = if succeeded {
            let e = PaymentSucceeded {
                order_id: record.order_id.clone(),
                payment_id: record.payment_id.clone(),
                amount_minor: received.amount_minor,
                currency: received.currency.clone(),
            };
            Envelope::new(super::SOURCE, &e, &record.payment_id, event.trace().as_ref())
        } else {
            let reason = received.failure_message.clone().unwrap_or_else(|| "Your card was declined.".into());
            record.failure = Some(reason.clone());
            let e = PaymentFailed { order_id: record.order_id.clone(), payment_id: record.payment_id.clone(), reason };
            Envelope::new(super::SOURCE, &e, &record.payment_id, event.trace().as_ref())
        };
        let ops = vec![
            WriteOp::Put { item: record.item()?, condition: Condition::Version(version) },
            outbox::stage(&outgoing)?,
        ];
        match apply_once(&*self.0.table, CONSUMER, event, ops).await {
            Ok(Applied::Now) => {
                self.0.relay.notify();
                tracing::info!(payment = %record.payment_id, order = %record.order_id, status = ?record.status, "payment settled");
                Ok(Attempt::Done(()))
            }
            Ok(Applied::Before) => Ok(Attempt::Done(())),
            Err(StoreError::TransactionCancelled { .. }) => Ok(Attempt::Raced),
            Err(e) => Err(e.into()),
        }
    }
}
