//! The simulated provider's webhooks, sent like Stripe's: signed, each
//! retried with backoff until acknowledged (also those a crash interrupted),
//! by a loop woken by each new payment and when the next one falls due.

use super::{Accepted, Simulated, UNDELIVERED, UNDELIVERED_INDEX};
use crate::payments::signature;
use crate::platform::store::{Condition, Query, StoreError};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

/// Deliveries sent at once by the loop.
const BATCH: usize = 32;
/// How long the loop waits after the store failed it.
const RETRY_AFTER_MS: i64 = 1_000;

/// What one round of deliveries did.
pub struct Round {
    pub sent: usize,
    /// When the first webhook not due yet falls due (unix ms); none undelivered: `None`.
    pub next_due: Option<i64>,
}

fn now_ms() -> i64 {
    (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// Sleeps for `wait`, or for ever without one.
async fn sleep_for(wait: Option<Duration>) {
    match wait {
        Some(wait) => tokio::time::sleep(wait).await,
        None => std::future::pending().await,
    }
}

impl Simulated {
    /// Delivers due webhooks until shutdown: woken by each new payment, and
    /// when the next delivery falls due (a retry, or what a crash left
    /// undelivered); with nothing undelivered it reads nothing.
    pub async fn run_deliveries(self: Arc<Self>, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        while !*shutdown.borrow() {
            let next_due = match self.deliver_due().await {
                // Look again: more may be due, and what failed is due later.
                Ok(Round { sent, .. }) if sent > 0 => continue,
                Ok(Round { next_due, .. }) => next_due,
                Err(e) => {
                    tracing::warn!(error = %e, "simulated provider: delivering webhooks failed; will retry");
                    Some(now_ms() + RETRY_AFTER_MS)
                }
            };
            let wait = next_due.map(|due| Duration::from_millis(due.saturating_sub(now_ms()).max(0) as u64));
            tokio::select! {
                () = self.wake.notified() => {}
                () = sleep_for(wait) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    /// Sends the webhooks due now (at most [`BATCH`]); how many it sent, and
    /// when the first one not due yet falls due.
    pub async fn deliver_due(&self) -> Result<Round, StoreError> {
        let now_ms = now_ms();
        let page = self.table.query(Query::partition(UNDELIVERED).on_index(UNDELIVERED_INDEX).limit(BATCH)).await?;
        let mut pending: Vec<(Accepted, u64)> =
            page.items.iter().map(|item| Ok((item.record()?, item.version))).collect::<Result<_, StoreError>>()?;
        // In due order (the index's), so what is due comes first.
        let later = pending.iter().position(|(accepted, _)| accepted.due_ms > now_ms).unwrap_or(pending.len());
        let next_due = pending.get(later).map(|(accepted, _)| accepted.due_ms);
        pending.truncate(later);
        let sent = pending.len();
        let deliveries = pending.into_iter().map(|(accepted, version)| self.deliver(accepted, version, now_ms));
        for result in futures_util::future::join_all(deliveries).await {
            result?;
        }
        Ok(Round { sent, next_due })
    }

    /// One delivery attempt, signed like Stripe's; records the outcome.
    async fn deliver(&self, mut accepted: Accepted, version: u64, now_ms: i64) -> Result<(), StoreError> {
        let payload = accepted.event.to_string();
        let t = OffsetDateTime::now_utc().unix_timestamp();
        let result = self
            .client
            .post(&self.webhook_url)
            .header("content-type", "application/json")
            .header("stripe-signature", signature::sign(&self.webhook_secret, payload.as_bytes(), t))
            .body(payload)
            .send()
            .await;
        accepted.attempts += 1;
        match result {
            Ok(response) if response.status().is_success() => accepted.delivered = true,
            Ok(response) => {
                tracing::warn!(attempts = accepted.attempts, status = %response.status(), "webhook delivery refused")
            }
            Err(e) => tracing::warn!(attempts = accepted.attempts, error = %e, "webhook delivery failed"),
        }
        // Backoff like Stripe's, capped at a minute (Stripe retries for days).
        let backoff = 200i64.saturating_mul(1 << accepted.attempts.min(9)).min(60_000);
        accepted.due_ms = now_ms + backoff;
        match self.table.put(accepted.item()?, Condition::Version(version)).await {
            Ok(_) | Err(StoreError::ConditionFailed(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contracts::ports::{PaymentMethod, PaymentRequest};
    use crate::payments::provider::PaymentProvider;
    use crate::platform::store::EmbeddedStore;

    /// A provider whose webhook endpoint refuses every connection.
    async fn unreachable(dir: &std::path::Path) -> Simulated {
        let store = EmbeddedStore::open(dir).unwrap();
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
        let url = format!("http://{closed}/webhooks/stripe");
        Simulated::open(&store, reqwest::Client::new(), url, "whsec_test".into()).await.unwrap()
    }

    #[tokio::test]
    async fn a_round_says_when_the_next_delivery_falls_due_and_nothing_when_none_is_left() {
        let dir = tempfile::tempdir().unwrap();
        let provider = unreachable(dir.path()).await;
        let idle = provider.deliver_due().await.unwrap();
        assert_eq!((idle.sent, idle.next_due), (0, None), "nothing undelivered: nothing to wake for");
        let request = PaymentRequest {
            payment_id: "pay_1".to_string().into(),
            order_id: "ord_1".to_string().into(),
            amount_minor: 1250,
            currency: "USD".into(),
            method: PaymentMethod::ProviderToken("pm_card_visa".into()),
        };
        provider.create(&request).await.unwrap();
        assert_eq!(provider.deliver_due().await.unwrap().sent, 1, "a new payment's webhook is due at once");
        let before = now_ms();
        let after_failure = provider.deliver_due().await.unwrap();
        assert_eq!(after_failure.sent, 0, "the failed delivery waits for its backoff");
        let due = after_failure.next_due.expect("the failed delivery is still undelivered");
        assert!(due > before && due <= before + 60_000, "due within the backoff cap: {due} vs {before}");
    }
}
