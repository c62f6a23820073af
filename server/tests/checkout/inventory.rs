//! Inventory: an administrator adjusts stock with a reason, each change in
//! the product's history, retries answered with what they did, and
//! adjustments racing with reservations never losing one or the other.

use crate::harness::{ADMIN, Shopper, Store, new_order_id};
use serde_json::{Value, json};

on_both_backends!(an_administrator_adjusts_stock_with_reasons_and_reads_its_history, payment_timeout_secs = 1800);
on_both_backends!(stock_adjustments_and_reservations_racing_lose_neither, payment_timeout_secs = 1800);

const SKU: &str = "KIT-003";

async fn adjust(ada: &mut Shopper<'_>, id: &str, body: Value) -> crate::harness::Answer {
    ada.call("PUT", &format!("/api/catalog/products/{SKU}/stock-adjustments/{id}"), Some(body)).await
}

async fn signed_in_admin(store: &Store) -> Shopper<'_> {
    let mut ada = store.shopper();
    ada.sign_in(ADMIN).await;
    ada
}

async fn an_administrator_adjusts_stock_with_reasons_and_reads_its_history(store: Store) {
    let mut ada = signed_in_admin(&store).await;
    let before = store.stock(SKU).await as i64;
    let received = json!({ "reason": "received", "change": 10, "note": "delivery 4711" });
    let first = adjust(&mut ada, "adj-1", received.clone()).await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!((first.body["change"].as_i64(), first.body["stock_after"].as_i64()), (Some(10), Some(before + 10)));
    assert_eq!(first.body["by"], ADMIN.0);
    let again = adjust(&mut ada, "adj-1", received).await;
    assert_eq!((again.status, &again.body), (200, &first.body), "a retry answers what it did");
    assert_eq!(store.stock(SKU).await as i64, before + 10, "and changes nothing");
    let reused = adjust(&mut ada, "adj-1", json!({ "reason": "received", "change": 11 })).await;
    assert_eq!((reused.status, reused.body["error"]["code"].as_str()), (409, Some("adjustment_id_in_use")));

    assert_eq!(adjust(&mut ada, "adj-2", json!({ "reason": "damaged", "change": -3 })).await.status, 201);
    let counted = adjust(&mut ada, "adj-3", json!({ "reason": "count_correction", "set": 2 })).await;
    assert_eq!(
        (counted.body["change"].as_i64(), counted.body["stock_after"].as_i64()),
        (Some(2 - (before + 7)), Some(2))
    );
    let too_many = adjust(&mut ada, "adj-4", json!({ "reason": "damaged", "change": -3 })).await;
    assert_eq!((too_many.status, too_many.body["error"]["code"].as_str()), (409, Some("stock_out_of_range")));
    let wrong_way = adjust(&mut ada, "adj-5", json!({ "reason": "received", "change": -1 })).await;
    assert_eq!(
        (wrong_way.status, wrong_way.body["error"]["field"].as_str()),
        (400, Some("change")),
        "{}",
        wrong_way.body
    );
    assert_eq!(store.stock(SKU).await, 2);

    let history = ada.call("GET", &format!("/api/catalog/products/{SKU}/stock-history"), None).await;
    assert_eq!(history.status, 200, "{}", history.body);
    let reasons: Vec<_> = history.body["adjustments"].as_array().unwrap().iter().map(|a| a["reason"].clone()).collect();
    assert_eq!(
        reasons,
        [json!("count_correction"), json!("damaged"), json!("received")],
        "newest first, refusals not kept"
    );
    assert_eq!(history.body["stock"], 2);
    let low = ada.call("GET", "/api/catalog/low-stock?below=3", None).await;
    assert!(
        low.body["products"].as_array().unwrap().iter().any(|p| p["sku"] == SKU && p["stock"] == 2),
        "{}",
        low.body
    );
    assert_eq!(ada.call("GET", "/api/catalog/low-stock?below=lots", None).await.status, 400);

    let mut shopper = store.shopper();
    shopper.register(format!("sam-{}@example.com", uuid::Uuid::new_v4().simple()), "Sam").await;
    assert_eq!(shopper.call("GET", "/api/catalog/low-stock", None).await.status, 403);
    assert_eq!(adjust(&mut shopper, "adj-6", json!({ "reason": "received", "change": 1 })).await.status, 403);
    assert_eq!(
        store.shopper().call("GET", &format!("/api/catalog/products/{SKU}/stock-history"), None).await.status,
        401
    );
}

/// Six orders reserve one each while three deliveries of one arrive: every
/// one counts, whichever wrote the product first.
async fn stock_adjustments_and_reservations_racing_lose_neither(store: Store) {
    let mut ada = signed_in_admin(&store).await;
    assert_eq!(adjust(&mut ada, "race-set", json!({ "reason": "count_correction", "set": 20 })).await.status, 201);
    let mut shoppers: Vec<_> = (0..6).map(|_| store.shopper()).collect();
    for shopper in &mut shoppers {
        shopper.add(SKU, 1).await;
    }
    let placing = shoppers.iter_mut().map(|shopper| async move {
        let id = new_order_id();
        assert_eq!(shopper.place(&id).await.status, 201);
        shopper.order_until(&id, "its stock reserved", |o| o["stock_reserved"] == true).await;
    });
    let deliveries = (0..3).map(|i| {
        let store = &store;
        async move {
            let mut ada = signed_in_admin(store).await;
            let answer = adjust(&mut ada, &format!("race-{i}"), json!({ "reason": "received", "change": 1 })).await;
            assert_eq!(answer.status, 201, "{}", answer.body);
        }
    });
    tokio::join!(futures_util::future::join_all(placing), futures_util::future::join_all(deliveries));
    assert_eq!(store.stock(SKU).await, 20 - 6 + 3, "no reservation and no delivery lost");
}
