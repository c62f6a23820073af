//! Reconciliation: a payment whose webhook is overdue (the store or the
//! provider died at the wrong moment, or a webhook was lost) is looked up
//! with the provider and settled through the same idempotent path as a
//! webhook. A payment the provider never accepted failed: nothing was
//! charged, so the order is free to be paid again.

use super::provider::Outcome;
use super::simulated::Simulated;
use super::{OPEN, OPEN_INDEX, PaymentRecord, PaymentStatus, Payments};
use crate::contracts::PaymentProviderEventReceived;
use crate::platform::store::{Query, SortKeyCondition, StoreError};
use crate::workers::Job;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

/// How often open payments are checked for being overdue (one query of a
/// sparse index: nearly free when nothing is open).
const RECONCILE_EVERY: Duration = Duration::from_secs(10);

/// A payment still `Created` this long after it was recorded is no longer
/// being sent (the provider call, with its retries, takes half a minute at
/// most): whoever sent it died, and the provider knows the outcome.
pub const UNSENT_AFTER: Duration = Duration::from_secs(35);
/// A payment the provider accepted whose webhook has not come this long after.
pub const WEBHOOK_OVERDUE: Duration = Duration::from_secs(120);

use crate::contracts::ports::PAYMENT_NOT_TAKEN as NOT_TAKEN;

impl Payments {
    /// Settles the open payments, as of `now`, that are overdue
    /// ([`UNSENT_AFTER`], [`WEBHOOK_OVERDUE`]) and that the provider has
    /// decided. Returns how many were settled.
    pub async fn reconcile_overdue(&self, now: OffsetDateTime) -> Result<usize, StoreError> {
        let before = (now - UNSENT_AFTER).unix_timestamp();
        let page = self
            .table
            .query(
                Query::partition(OPEN)
                    .on_index(OPEN_INDEX)
                    .sort_key(SortKeyCondition::LessThan(format!("{before:012}$")))
                    .limit(100),
            )
            .await?;
        let mut settled = 0;
        for item in page.items {
            let record: PaymentRecord = item.record()?;
            let created = record.created_at.unwrap_or(OffsetDateTime::UNIX_EPOCH);
            if record.status == PaymentStatus::Processing && now - created < WEBHOOK_OVERDUE {
                continue;
            }
            let outcome = match self.provider.retrieve(&record.payment_id, record.intent_id.as_deref()).await {
                Ok(outcome) => outcome,
                Err(e) => {
                    tracing::warn!(payment = %record.payment_id, error = %e, "reconciliation: provider not answering");
                    continue;
                }
            };
            let Some(received) = settlement(&record, outcome) else { continue };
            tracing::warn!(payment = %record.payment_id, outcome = %received.provider_event_type, "payment settled by reconciliation");
            self.settle(&received).await?;
            settled += 1;
        }
        Ok(settled)
    }

    /// The service's background work: reconciling overdue payments, and the
    /// simulated provider's webhook deliveries when it is the provider.
    pub fn jobs(self: &Arc<Self>, simulated: Option<Arc<Simulated>>) -> Vec<Job> {
        let reconciling = self.clone();
        let mut jobs: Vec<Job> =
            vec![Box::new(move |shutdown| Box::pin(reconciling.run_reconciliation(RECONCILE_EVERY, shutdown)))];
        if let Some(simulated) = simulated {
            jobs.push(Box::new(move |shutdown| Box::pin(simulated.run_deliveries(shutdown))));
        }
        jobs
    }

    /// Runs [`Payments::reconcile_overdue`] every `every` until shutdown.
    pub async fn run_reconciliation(
        self: Arc<Self>,
        every: Duration,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
    ) {
        while !*shutdown.borrow() {
            if let Err(e) = self.reconcile_overdue(OffsetDateTime::now_utc()).await {
                tracing::warn!(error = %e, "reconciling payments failed; will retry");
            }
            tokio::select! {
                () = tokio::time::sleep(every) => {}
                _ = shutdown.changed() => {}
            }
        }
    }
}

/// The provider event a reconciled outcome stands for (none while pending).
fn settlement(record: &PaymentRecord, outcome: Outcome) -> Option<PaymentProviderEventReceived> {
    let (event_type, intent_id, failure) = match outcome {
        Outcome::Pending => return None,
        Outcome::Succeeded { intent_id } => ("payment_intent.succeeded", intent_id, None),
        Outcome::Failed { intent_id, reason } => ("payment_intent.payment_failed", intent_id, Some(reason)),
        Outcome::Unknown => ("payment_intent.payment_failed", String::new(), Some(NOT_TAKEN.to_string())),
    };
    Some(PaymentProviderEventReceived {
        provider_event_id: format!("reconciled-{}", record.payment_id),
        provider_event_type: event_type.into(),
        payment_id: record.payment_id.clone(),
        order_id: record.order_id.clone(),
        intent_id,
        amount_minor: record.amount_minor,
        currency: record.currency.clone(),
        failure_message: failure,
    })
}
