//! `POST /webhooks/stripe`: the provider's webhooks, verified and stored
//! durably before the 200; everything else happens in the consumer.

use super::{Payments, signature};
use crate::contracts::PaymentProviderEventReceived;
use crate::platform::access::{Access, Guarded};
use crate::platform::consumer::PROCESSED_KEPT;
use crate::platform::events::Envelope;
use crate::platform::http::ApiError;
use crate::platform::json::Json;
use crate::platform::outbox;
use crate::platform::store::{Condition, Item, Key, StoreError, WriteOp};
use app::api::ErrorBody;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;
use utoipa_axum::routes;

/// Public: the provider calls it; the signature is the authentication.
pub fn router<S: Clone + Send + Sync + 'static>(payments: Arc<Payments>) -> Guarded<S> {
    Guarded::new().route(Access::Public, routes!(receive)).with_state(payments)
}

#[derive(Deserialize)]
struct Event {
    id: String,
    #[serde(rename = "type")]
    event_type: String,
    data: EventData,
}

#[derive(Deserialize)]
struct EventData {
    object: Value,
}

const HANDLED: &[&str] = &["payment_intent.succeeded", "payment_intent.payment_failed"];

/// The payment provider's webhooks, `Stripe-Signature` verified (5-minute tolerance).
#[utoipa::path(
    post,
    path = "/stripe",
    operation_id = "receive_webhook",
    tag = "payments",
    params((
        "Stripe-Signature" = String, Header,
        description = "the provider's signature of the body, `t=<unix time>,v1=<HMAC-SHA256, hex>`"
    )),
    request_body(content = Object, description = "a Stripe event, exactly as signed"),
    responses(
        (status = 200, description = "accepted (stored durably before answering)"),
        (status = 400, description = "a bad signature or payload", body = ErrorBody),
    )
)]
async fn receive(
    State(payments): State<Arc<Payments>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let header = headers.get("stripe-signature").and_then(|v| v.to_str().ok());
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    signature::verify(&payments.webhook_secret, header, &body, now).map_err(|e| {
        tracing::warn!(error = %e, "webhook refused");
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_signature", format!("Webhook refused: {e}"))
    })?;
    let event: Event = serde_json::from_slice(&body)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_event", format!("Not a Stripe event: {e}")))?;
    if !HANDLED.contains(&event.event_type.as_str()) {
        return Ok(Json(json!({ "received": true, "handled": false })));
    }
    let intent = &event.data.object;
    let text = |v: &Value| v.as_str().map(str::to_string);
    let (Some(payment_id), Some(order_id)) =
        (text(&intent["metadata"]["payment_id"]), text(&intent["metadata"]["order_id"]))
    else {
        // Not one of ours (e.g. made in the provider's dashboard): acknowledge and ignore.
        tracing::warn!(event = %event.id, "webhook for a payment without our metadata ignored");
        return Ok(Json(json!({ "received": true, "handled": false })));
    };
    let received = PaymentProviderEventReceived {
        provider_event_id: event.id.clone(),
        provider_event_type: event.event_type.clone(),
        payment_id: payment_id.into(),
        order_id: order_id.into(),
        intent_id: text(&intent["id"]).unwrap_or_default(),
        amount_minor: intent["amount"].as_i64().unwrap_or_default(),
        currency: text(&intent["currency"]).unwrap_or_default().to_uppercase(),
        failure_message: text(&intent["last_payment_error"]["message"]),
    };
    let ops = vec![
        received_once(&event, time::OffsetDateTime::now_utc()),
        outbox::stage(&Envelope::new(super::SOURCE, &received, &event.id, None))
            .map_err(|e| ApiError::internal("webhook could not be staged", &e))?,
    ];
    match payments.table.transact_write(ops).await {
        Ok(()) => {
            payments.relay.notify();
            Ok(Json(json!({ "received": true, "handled": true })))
        }
        Err(StoreError::TransactionCancelled { index: 0, .. }) => {
            Ok(Json(json!({ "received": true, "handled": true, "duplicate": true })))
        }
        Err(e) => Err(ApiError::internal("webhook could not be stored", &e)),
    }
}

/// The record that `event` was received, written only if it is new: a
/// redelivery finds it, and is a duplicate, for as long as a provider
/// retries (then the store removes it).
fn received_once(event: &Event, now: time::OffsetDateTime) -> WriteOp {
    let stored = json!({ "type": event.event_type, "received_at": now.unix_timestamp() });
    let item = Item::new(Key::new(format!("WEBHOOK#{}", event.id), "WEBHOOK"), stored);
    WriteOp::Put { item: item.expiring_at(now + PROCESSED_KEPT), condition: Condition::NotExists }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_received_event_is_kept_while_a_provider_may_send_it_again() {
        let event = Event { id: "evt_1".into(), event_type: HANDLED[0].into(), data: EventData { object: json!({}) } };
        let now = time::OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let WriteOp::Put { item, condition } = received_once(&event, now) else { panic!("a put") };
        assert_eq!(condition, Condition::NotExists);
        assert_eq!(item.expires_at, Some(1_800_000_000 + PROCESSED_KEPT.whole_seconds()));
        assert!(PROCESSED_KEPT >= time::Duration::days(3), "a provider retries a webhook for 3 days");
    }
}
