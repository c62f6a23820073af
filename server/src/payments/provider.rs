//! The payment provider port, and the simulated provider that behaves like
//! Stripe's test mode: it answers at once and reports the outcome later as a
//! signed `payment_intent.*` webhook to the store's own webhook endpoint;
//! and the Stripe provider (PaymentIntents over HTTP) in `stripe.rs`.

use super::signature;
use crate::contracts::ports::{PaymentMethod, PaymentRequest};
use crate::platform::signing::hmac_sha256;
use app::api::ErrorDetail;
use app::orders::card_digits;
use serde_json::json;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// The request cannot succeed as it is (fields named).
    #[error("invalid payment details")]
    Invalid(Vec<ErrorDetail>),
    /// A timeout, a connection failure or a 5xx: worth retrying.
    #[error("provider unavailable: {0}")]
    Transient(String),
}

/// What the provider said when the payment was created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Created {
    /// Accepted; the outcome arrives by webhook. Carries the provider's id.
    Pending(String),
    /// Declined on the spot (a webhook may follow, which then changes nothing).
    Declined(String),
}

/// Takes payments. The outcome of a created payment arrives by webhook.
#[async_trait::async_trait]
pub trait PaymentProvider: Send + Sync {
    /// Creates (and confirms) the payment, idempotently per `request.payment_id`.
    async fn create(&self, request: &PaymentRequest) -> Result<Created, ProviderError>;
}

/// Test cards, as in Stripe's test mode.
pub const CARD_SUCCEEDS: &str = "4242424242424242";
pub const CARD_DECLINED: &str = "4000000000000002";
pub const CARD_INSUFFICIENT_FUNDS: &str = "4000000000009995";

pub struct Simulated {
    client: reqwest::Client,
    webhook_url: String,
    webhook_secret: String,
}

impl Simulated {
    pub fn new(client: reqwest::Client, webhook_url: String, webhook_secret: String) -> Self {
        Self { client, webhook_url, webhook_secret }
    }

    /// Delivers `event` like Stripe does: signed, retried with backoff until a 2xx.
    async fn deliver(client: reqwest::Client, url: String, secret: String, event: serde_json::Value) {
        let payload = event.to_string();
        let mut delay = Duration::from_millis(200);
        for attempt in 1..=8 {
            let t = time::OffsetDateTime::now_utc().unix_timestamp();
            let result = client
                .post(&url)
                .header("content-type", "application/json")
                .header("stripe-signature", signature::sign(&secret, payload.as_bytes(), t))
                .body(payload.clone())
                .send()
                .await;
            match result {
                Ok(response) if response.status().is_success() => return,
                Ok(response) => tracing::warn!(attempt, status = %response.status(), "webhook delivery refused"),
                Err(e) => tracing::warn!(attempt, error = %e, "webhook delivery failed"),
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(30));
        }
        tracing::error!(event = %event["id"], "simulated provider gave up delivering a webhook");
    }
}

#[async_trait::async_trait]
impl PaymentProvider for Simulated {
    async fn create(&self, request: &PaymentRequest) -> Result<Created, ProviderError> {
        let digits = match &request.method {
            PaymentMethod::Card(card) => card_digits(&card.number).ok_or_else(|| {
                ProviderError::Invalid(vec![
                    ErrorDetail::new("invalid_card_number", "Your card number is incorrect").on_field("number"),
                ])
            })?,
            PaymentMethod::ProviderToken(token) => match token.as_str() {
                "pm_card_visa" => CARD_SUCCEEDS.to_string(),
                "pm_card_chargeDeclined" => CARD_DECLINED.to_string(),
                _ => {
                    return Err(ProviderError::Invalid(vec![
                        ErrorDetail::new("invalid_payment_method", format!("No such payment method: {token}"))
                            .on_field("payment_method"),
                    ]));
                }
            },
        };
        let failure = match digits.as_str() {
            CARD_DECLINED => Some(("card_declined", "Your card was declined.")),
            CARD_INSUFFICIENT_FUNDS => Some(("card_declined", "Your card has insufficient funds.")),
            _ => None,
        };
        // Idempotent like Stripe with an Idempotency-Key: the same payment id, the same intent.
        let intent_id = format!("pi_sim_{}", &hex::encode(hmac_sha256(b"intent", request.payment_id.as_bytes()))[..24]);
        let event_type = if failure.is_some() { "payment_intent.payment_failed" } else { "payment_intent.succeeded" };
        let event = json!({
            "id": format!("evt_sim_{}", &hex::encode(hmac_sha256(event_type.as_bytes(), intent_id.as_bytes()))[..24]),
            "object": "event",
            "type": event_type,
            "created": time::OffsetDateTime::now_utc().unix_timestamp(),
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
        });
        tokio::spawn(Self::deliver(self.client.clone(), self.webhook_url.clone(), self.webhook_secret.clone(), event));
        Ok(Created::Pending(intent_id))
    }
}
