//! PaymentIntents on a Stripe-compatible HTTP API (Stripe, or localstripe in tests).

use super::provider::{Created, Outcome, PaymentProvider, ProviderError, RefundRequest};
use crate::contracts::ports::{PaymentMethod, PaymentRequest};
use app::api::ErrorDetail;

pub struct Stripe {
    client: reqwest::Client,
    api_base: String,
    secret_key: String,
}

impl Stripe {
    pub fn new(client: reqwest::Client, api_base: &str, secret_key: String) -> Self {
        Self { client, api_base: api_base.trim_end_matches('/').to_string(), secret_key }
    }
}

#[async_trait::async_trait]
impl PaymentProvider for Stripe {
    async fn create(&self, request: &PaymentRequest) -> Result<Created, ProviderError> {
        let PaymentMethod::ProviderToken(payment_method) = &request.method else {
            let detail = ErrorDetail::new(
                "invalid_payment_method",
                "Card details go to Stripe, not to this store: send the payment_method Stripe created",
            );
            return Err(ProviderError::Invalid(vec![detail.on_field("payment_method")]));
        };
        let amount = request.amount_minor.to_string();
        let currency = request.currency.to_lowercase();
        let form = [
            ("amount", amount.as_str()),
            ("currency", currency.as_str()),
            ("payment_method", payment_method.as_str()),
            ("confirm", "true"),
            ("metadata[payment_id]", request.payment_id.as_str()),
            ("metadata[order_id]", request.order_id.as_str()),
        ];
        let response = self
            .client
            .post(format!("{}/v1/payment_intents", self.api_base))
            .bearer_auth(&self.secret_key)
            // Stripe replays the first answer for a repeated key: a retry never charges twice.
            .header("Idempotency-Key", request.payment_id.as_str())
            .form(&form)
            .send()
            .await
            .map_err(|e| ProviderError::Transient(e.to_string()))?;
        let status = response.status();
        let body: serde_json::Value = response.json().await.map_err(|e| ProviderError::Transient(e.to_string()))?;
        let message =
            || body["error"]["message"].as_str().unwrap_or("The payment provider refused the payment").to_string();
        match status.as_u16() {
            200..=299 => Ok(Created::Pending(body["id"].as_str().unwrap_or_default().to_string())),
            402 => Ok(Created::Declined(message())),
            429 | 500..=599 => Err(ProviderError::Transient(format!("{status}: {}", message()))),
            _ => Err(ProviderError::Invalid(vec![
                ErrorDetail::new("payment_refused", message()).on_field("payment_method"),
            ])),
        }
    }

    /// Reads the PaymentIntent. Without its id (the store died before noting
    /// it) the payment cannot be looked up safely, so it stays pending: a
    /// late webhook still settles it, and one for a cancelled order is
    /// marked for refund.
    async fn retrieve(&self, _payment_id: &str, intent_id: Option<&str>) -> Result<Outcome, ProviderError> {
        let Some(intent_id) = intent_id.filter(|id| !id.is_empty()) else {
            return Ok(Outcome::Pending);
        };
        let response = self
            .client
            .get(format!("{}/v1/payment_intents/{intent_id}", self.api_base))
            .bearer_auth(&self.secret_key)
            .send()
            .await
            .map_err(|e| ProviderError::Transient(e.to_string()))?;
        if !response.status().is_success() {
            return Err(ProviderError::Transient(format!("retrieving {intent_id}: {}", response.status())));
        }
        let intent: serde_json::Value = response.json().await.map_err(|e| ProviderError::Transient(e.to_string()))?;
        let intent_id = intent_id.to_string();
        Ok(match intent["status"].as_str() {
            Some("succeeded") => Outcome::Succeeded { intent_id },
            Some("requires_payment_method" | "canceled") => Outcome::Failed {
                intent_id,
                reason: intent["last_payment_error"]["message"].as_str().unwrap_or("The payment failed").into(),
            },
            _ => Outcome::Pending,
        })
    }

    /// `POST /v1/refunds` for the PaymentIntent, with an idempotency key, so
    /// a redelivered RefundDue never refunds twice.
    async fn refund(&self, refund: &RefundRequest) -> Result<(), ProviderError> {
        let Some(intent_id) = refund.intent_id.as_deref().filter(|id| !id.is_empty()) else {
            let why = format!("payment {} has no PaymentIntent to refund yet", refund.payment_id);
            return Err(ProviderError::Transient(why));
        };
        let mut form = vec![("payment_intent", intent_id.to_string())];
        form.extend(refund.amount_minor.map(|amount| ("amount", amount.to_string())));
        let response = self
            .client
            .post(format!("{}/v1/refunds", self.api_base))
            .bearer_auth(&self.secret_key)
            .header("Idempotency-Key", &refund.key)
            .form(&form)
            .send()
            .await
            .map_err(|e| ProviderError::Transient(e.to_string()))?;
        match response.status().as_u16() {
            200..=299 => Ok(()),
            // The refund cannot be made as asked (more than is left, a payment not captured): say so, do not retry.
            status @ 400..=499 if status != 429 => {
                let why = format!("refunding {intent_id}: {status} {}", response.text().await.unwrap_or_default());
                Err(ProviderError::Invalid(vec![ErrorDetail::new("refund_refused", why)]))
            }
            status => Err(ProviderError::Transient(format!("refunding {intent_id}: {status}"))),
        }
    }
}
