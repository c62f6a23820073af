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
//!
//! This file answers payments; `deliveries.rs` sends their webhooks.

mod deliveries;

pub use deliveries::Round;

use super::provider::{Created, Outcome, PaymentProvider, ProviderError, RefundRequest};
use crate::contracts::ports::{PaymentMethod, PaymentRequest};
use crate::platform::signing::hmac_sha256;
use crate::platform::store::{Condition, Item, Key, Store, StoreError, Table, TableSpec};
use app::api::ErrorDetail;
use app::orders::card_digits;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::sync::Arc;
use time::OffsetDateTime;

/// Test cards, as in Stripe's test mode.
pub const CARD_SUCCEEDS: &str = "4242424242424242";
pub const CARD_DECLINED: &str = "4000000000000002";
pub const CARD_INSUFFICIENT_FUNDS: &str = "4000000000009995";

const UNDELIVERED_INDEX: &str = "undelivered";
const UNDELIVERED: &str = "UNDELIVERED";
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
