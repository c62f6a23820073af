//! PaymentIntents on a Stripe-compatible HTTP API (Stripe, or localstripe in tests).

use super::provider::{Created, PaymentProvider, ProviderError};
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
            .header("Idempotency-Key", &request.payment_id)
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
}
