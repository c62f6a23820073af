//! The simulated provider: behaves like Stripe's test mode. It answers a
//! payment at once and reports the outcome later as a signed
//! `payment_intent.*` webhook to the store's own webhook endpoint.
//!
//! Like Stripe, it keeps what it accepted: every payment and its webhook are
//! written to the provider's own table before it answers, and a delivery
//! loop sends undelivered webhooks (also those a crash interrupted) with
//! backoff until one is acknowledged. So a payment accepted with 202 always
//! settles, whenever the store dies.
//!
//! | item    | pk                  | sk        | index `undelivered` (until acknowledged) |
//! |---------|---------------------|-----------|------------------------------------------|
//! | payment | `INTENT#<pay_…>`    | `INTENT`  | `UNDELIVERED` / `<due unix ms>#<pay_…>`  |
//! | refund  | `REFUND#<key>`      | `REFUND`  |                                          |

use super::provider::{Created, Outcome, PaymentProvider, ProviderError, RefundRequest};
use super::signature;
use crate::contracts::ports::{PaymentMethod, PaymentRequest};
use crate::platform::signing::hmac_sha256;
use crate::platform::store::{Condition, Item, Key, Query, Store, StoreError, Table, TableSpec};
use app::api::ErrorDetail;
use app::orders::card_digits;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

/// Test cards, as in Stripe's test mode.
pub const CARD_SUCCEEDS: &str = "4242424242424242";
pub const CARD_DECLINED: &str = "4000000000000002";
pub const CARD_INSUFFICIENT_FUNDS: &str = "4000000000009995";

const UNDELIVERED_INDEX: &str = "undelivered";
const UNDELIVERED: &str = "UNDELIVERED";
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

pub fn table_spec() -> TableSpec {
    TableSpec::new("simulated_provider").with_index(UNDELIVERED_INDEX)
}

fn key(payment_id: &str) -> Key {
    Key::new(format!("INTENT#{payment_id}"), "INTENT")
}

/// A payment the provider accepted, and its webhook.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Accepted {
    payment_id: String,
    intent_id: String,
    event: Value,
    delivered: bool,
    attempts: u32,
    /// When the next delivery is due (unix milliseconds).
    due_ms: i64,
}

impl Accepted {
    fn item(&self) -> Result<Item, StoreError> {
        let item = Item::from_record(key(&self.payment_id), self)?;
        Ok(if self.delivered {
            item
        } else {
            item.with_index(
                UNDELIVERED_INDEX,
                Key::new(UNDELIVERED, format!("{:015}#{}", self.due_ms, self.payment_id)),
            )
        })
    }

    fn outcome(&self) -> Outcome {
        let intent = &self.event["data"]["object"];
        match intent["status"].as_str() {
            Some("succeeded") => Outcome::Succeeded { intent_id: self.intent_id.clone() },
            _ => Outcome::Failed {
                intent_id: self.intent_id.clone(),
                reason: intent["last_payment_error"]["message"].as_str().unwrap_or("Your card was declined.").into(),
            },
        }
    }
}

pub struct Simulated {
    table: Arc<dyn Table>,
    client: reqwest::Client,
    webhook_url: String,
    webhook_secret: String,
    wake: tokio::sync::Notify,
}

impl Simulated {
    pub async fn open(
        store: &dyn Store,
        client: reqwest::Client,
        webhook_url: String,
        webhook_secret: String,
    ) -> Result<Self, StoreError> {
        let table = store.open_table(&table_spec()).await?;
        Ok(Self { table, client, webhook_url, webhook_secret, wake: tokio::sync::Notify::new() })
    }

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

    /// The webhook Stripe would send for this payment.
    fn event(request: &PaymentRequest, intent_id: &str, failure: Option<(&str, &str)>) -> Value {
        let event_type = if failure.is_some() { "payment_intent.payment_failed" } else { "payment_intent.succeeded" };
        json!({
            "id": format!("evt_sim_{}", &hex::encode(hmac_sha256(event_type.as_bytes(), intent_id.as_bytes()))[..24]),
            "object": "event",
            "type": event_type,
            "created": OffsetDateTime::now_utc().unix_timestamp(),
            "livemode": false,
            "data": { "object": {
                "id": intent_id,
                "object": "payment_intent",
                "amount": request.amount_minor,
                "currency": request.currency.to_lowercase(),
                "status": if failure.is_some() { "requires_payment_method" } else { "succeeded" },
                "metadata": { "payment_id": request.payment_id, "order_id": request.order_id },
                "last_payment_error": failure.map(|(code, message)| json!({ "code": code, "message": message })),
            }},
        })
    }
}

/// The card number the request pays with, as the test cards know it.
fn digits(method: &PaymentMethod) -> Result<String, ProviderError> {
    let invalid = |code: &str, message: String, field: &str| {
        ProviderError::Invalid(vec![ErrorDetail::new(code, message).on_field(field)])
    };
    match method {
        PaymentMethod::Card(card) => card_digits(&card.number)
            .ok_or_else(|| invalid("invalid_card_number", "Your card number is incorrect".into(), "number")),
        PaymentMethod::ProviderToken(token) => match token.as_str() {
            "pm_card_visa" => Ok(CARD_SUCCEEDS.to_string()),
            "pm_card_chargeDeclined" => Ok(CARD_DECLINED.to_string()),
            _ => Err(invalid("invalid_payment_method", format!("No such payment method: {token}"), "payment_method")),
        },
    }
}

#[async_trait::async_trait]
impl PaymentProvider for Simulated {
    async fn create(&self, request: &PaymentRequest) -> Result<Created, ProviderError> {
        let failure = match digits(&request.method)?.as_str() {
            CARD_DECLINED => Some(("card_declined", "Your card was declined.")),
            CARD_INSUFFICIENT_FUNDS => Some(("card_declined", "Your card has insufficient funds.")),
            _ => None,
        };
        // Idempotent like Stripe with an Idempotency-Key: the same payment id, the same intent.
        let intent_id = format!("pi_sim_{}", &hex::encode(hmac_sha256(b"intent", request.payment_id.as_bytes()))[..24]);
        let accepted = Accepted {
            payment_id: request.payment_id.to_string(),
            intent_id: intent_id.clone(),
            event: Self::event(request, &intent_id, failure),
            delivered: false,
            attempts: 0,
            due_ms: 0,
        };
        let item = accepted.item().map_err(|e| ProviderError::Transient(e.to_string()))?;
        match self.table.put(item, Condition::NotExists).await {
            Ok(_) | Err(StoreError::ConditionFailed(_)) => {}
            Err(e) => return Err(ProviderError::Transient(e.to_string())),
        }
        self.wake.notify_one();
        Ok(Created::Pending(intent_id))
    }

    async fn refund(&self, refund: &RefundRequest) -> Result<(), ProviderError> {
        let record = json!({ "payment_id": refund.payment_id, "amount_minor": refund.amount_minor });
        let item = Item::new(Key::new(format!("REFUND#{}", refund.key), "REFUND"), record);
        match self.table.put(item, Condition::NotExists).await {
            Ok(_) | Err(StoreError::ConditionFailed(_)) => Ok(()),
            Err(e) => Err(ProviderError::Transient(e.to_string())),
        }
    }

    async fn retrieve(&self, payment_id: &str, _intent_id: Option<&str>) -> Result<Outcome, ProviderError> {
        match self.table.get(&key(payment_id)).await {
            Ok(Some(item)) => {
                Ok(item.record::<Accepted>().map_err(|e| ProviderError::Transient(e.to_string()))?.outcome())
            }
            Ok(None) => Ok(Outcome::Unknown),
            Err(e) => Err(ProviderError::Transient(e.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
