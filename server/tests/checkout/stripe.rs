//! The `stripe` payment provider against localstripe (PyPI), which the test
//! command starts: PaymentIntents over HTTP, its signed webhooks, declines;
//! and the circuit breaker when the provider cannot be reached.

use crate::harness::{Store, embedded_with, new_order_id};
use serde_json::json;
use server::config::PaymentProvider;
use std::time::{Duration, Instant};

fn localstripe() -> String {
    std::env::var("TBS_TEST_STRIPE_API")
        .expect("TBS_TEST_STRIPE_API is not set: run these tests with `cargo xtask test`, which starts localstripe")
}

/// A store paying through localstripe, registered there as a webhook endpoint
/// with its own signing secret (so other stores' webhooks are refused).
async fn store_on_localstripe() -> Store {
    let api = localstripe();
    let secret = format!("whsec_{}", uuid::Uuid::new_v4().simple());
    let webhook_secret = secret.clone();
    let store = embedded_with(move |s| {
        s.payment_provider = PaymentProvider::Stripe;
        s.stripe_api_base = api;
        s.stripe_secret_key = Some("sk_test_tbs".into());
        s.stripe_webhook_secret = Some(webhook_secret.into());
    })
    .await;
    let registered = reqwest::Client::new()
        .post(format!("{}/_config/webhooks/wh_{}", localstripe(), uuid::Uuid::new_v4().simple()))
        .form(&[("url", format!("{}/webhooks/stripe", store.base)), ("secret", secret)])
        .send()
        .await
        .unwrap();
    assert!(registered.status().is_success(), "{}", registered.text().await.unwrap());
    store
}

async fn pay_with<'a>(store: &'a Store, sku: &str, payment_method: &str) -> (String, crate::harness::Shopper<'a>) {
    let mut ann = store.shopper();
    ann.add(sku, 1).await;
    let id = new_order_id();
    assert_eq!(ann.place(&id).await.status, 201);
    ann.order_until(&id, "its stock reserved", |o| o["stock_reserved"] == true).await;
    let paid =
        ann.call("POST", &format!("/api/orders/{id}/payment"), Some(json!({ "payment_method": payment_method }))).await;
    assert_eq!(paid.status, 202, "{}", paid.body);
    (id, ann)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_intent_confirmed_by_localstripe_webhook_confirms_the_order() {
    let store = store_on_localstripe().await;
    let (id, mut ann) = pay_with(&store, "KIT-001", "pm_card_visa").await;
    ann.order_until(&id, "confirmed with receipt", |o| o["status"] == "confirmed" && o["receipt_sent"] == true).await;
    assert_eq!(store.mails().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_localstripe_declines_keeps_the_order_payable() {
    let store = store_on_localstripe().await;
    let (id, mut ann) = pay_with(&store, "KIT-002", "pm_card_chargeCustomerFail").await;
    let order = ann.order_until(&id, "the decline", |o| o["payment_error"].is_string()).await;
    assert_eq!(order["status"], "pending_payment");
    assert_eq!(order["payment_error"], "Your card was declined.");
    let retry =
        ann.call("POST", &format!("/api/orders/{id}/payment"), Some(json!({ "payment_method": "pm_card_visa" }))).await;
    assert_eq!(retry.status, 202);
    ann.order_until(&id, "confirmed", |o| o["status"] == "confirmed").await;
    let card = ann
        .call(
            "POST",
            &format!("/api/orders/{id}/payment"),
            Some(json!({ "card": { "number": "4242424242424242", "expiry": "12/34", "cvc": "123" } })),
        )
        .await;
    assert_eq!(card.status, 409, "a paid order takes no more payments: {}", card.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_provider_opens_the_breaker_and_the_shopper_is_told_at_once() {
    let store = embedded_with(|s| {
        s.payment_provider = PaymentProvider::Stripe;
        s.stripe_api_base = "http://127.0.0.1:9".into(); // nothing listens on the discard port
        s.stripe_secret_key = Some("sk_test_tbs".into());
    })
    .await;
    let mut ann = store.shopper();
    ann.add("KIT-001", 1).await;
    let id = new_order_id();
    assert_eq!(ann.place(&id).await.status, 201);
    ann.order_until(&id, "its stock reserved", |o| o["stock_reserved"] == true).await;
    let body = json!({ "payment_method": "pm_card_visa" });
    let mut last = None;
    for _ in 0..3 {
        let started = Instant::now();
        let answer = ann.call("POST", &format!("/api/orders/{id}/payment"), Some(body.clone())).await;
        assert_eq!(answer.status, 503, "{}", answer.body);
        assert_eq!(answer.body["error"]["message"], "payments are unavailable, try again shortly");
        last = Some(started.elapsed());
    }
    assert!(last.unwrap() < Duration::from_millis(200), "an open breaker answers at once, not after retries: {last:?}");
    let order = ann.order(&id).await;
    assert_eq!(
        (order["status"].as_str(), order["payment_in_progress"].as_bool()),
        (Some("pending_payment"), Some(false))
    );
}

/// Reconciliation asks Stripe for the PaymentIntent, and refunds (a part,
/// the same part again under its key, the rest, then one of a payment
/// Stripe does not know) go to Stripe's refunds API: all against localstripe.
#[tokio::test]
async fn the_stripe_provider_reads_a_payment_intent_back_and_refunds_it() {
    use server::contracts::ports::{PaymentMethod, PaymentRequest};
    use server::payments::provider::{Created, Outcome, PaymentProvider, ProviderError, RefundRequest};
    let stripe = server::payments::stripe::Stripe::new(reqwest::Client::new(), &localstripe(), "sk_test_tbs".into());
    let request = PaymentRequest {
        payment_id: format!("pay_{}", uuid::Uuid::new_v4().simple()).into(),
        order_id: new_order_id().into(),
        amount_minor: 1234,
        currency: "USD".into(),
        method: PaymentMethod::ProviderToken("pm_card_visa".into()),
    };
    let Created::Pending(intent) = stripe.create(&request).await.unwrap() else { panic!("declined") };
    let outcome = stripe.retrieve(&request.payment_id, Some(&intent)).await.unwrap();
    assert_eq!(outcome, Outcome::Succeeded { intent_id: intent.clone() });
    assert_eq!(
        stripe.retrieve(&request.payment_id, None).await.unwrap(),
        Outcome::Pending,
        "no id: never assumed failed"
    );
    let refund = |key: &str, amount| RefundRequest {
        key: key.into(),
        payment_id: request.payment_id.to_string(),
        intent_id: Some(intent.clone()),
        amount_minor: amount,
    };
    let part = refund(&format!("refund-return-{}", uuid::Uuid::new_v4()), Some(500));
    stripe.refund(&part).await.expect("a returned item's part refunded by Stripe");
    stripe.refund(&part).await.expect("the same refund again changes nothing");
    stripe.refund(&refund(&format!("refund-{}", request.payment_id), Some(734))).await.expect("the rest refunded");
    // localstripe refunds beyond what was paid (Stripe refuses); an unknown payment it refuses, as Stripe does.
    let unknown = RefundRequest { intent_id: Some("pi_unknown".into()), ..refund("refund-return-unknown", Some(1)) };
    let refused = stripe.refund(&unknown).await;
    assert!(
        matches!(refused, Err(ProviderError::Invalid(_))),
        "a refund Stripe refuses is refused for good: {refused:?}"
    );
}
