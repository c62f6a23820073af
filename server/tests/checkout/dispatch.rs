//! Scenario 2's API flows, on both backends: a dispatcher processes the
//! physical lines of a pending shipping order one at a time (the order stays
//! pending, then is processed), stale and concurrent changes are refused, and
//! a digital-only order is processed on intake. The order follows by events.

use crate::harness::{DISPATCHER, Shopper, Store, new_order_id};
use serde_json::{Value, json};

on_both_backends!(a_dispatcher_processes_the_physical_lines_one_at_a_time, payment_timeout_secs = 1800);
on_both_backends!(a_digital_only_order_is_processed_on_intake, payment_timeout_secs = 1800);

/// A paid, confirmed order of `skus` (one each): the shopper and the order id.
async fn confirmed_order<'a>(store: &'a Store, skus: &[&str]) -> (Shopper<'a>, String) {
    let mut shopper = store.shopper();
    for sku in skus {
        shopper.add(sku, 1).await;
    }
    let id = new_order_id();
    let placed = shopper.place(&id).await;
    assert_eq!(placed.status, 201, "{}", placed.body);
    shopper.order_until(&id, "its stock reserved", |o| o["stock_reserved"] == true).await;
    assert_eq!(shopper.pay(&id, "4242 4242 4242 4242").await.status, 202);
    shopper.order_until(&id, "a shipping order", |o| o["shipping_status"].is_string()).await;
    (shopper, id)
}

fn process(lines: &[&str], version: &Value) -> Option<Value> {
    Some(
        json!({ "lines": lines, "carrier": "UPS", "tracking_number": "1Z999AA10123456784", "expected_version": version }),
    )
}

async fn a_dispatcher_processes_the_physical_lines_one_at_a_time(store: Store) {
    let (mut ann, id) = confirmed_order(&store, &["KIT-001", "KIT-002"]).await;
    let so = format!("/api/fulfilment/shipping-orders/so-{id}");
    assert_eq!(ann.call("GET", &so, None).await.status, 401, "a guest cannot dispatch");
    let mut dora = store.shopper();
    dora.sign_in(DISPATCHER).await;

    // The queue, filtered to this order by its number.
    let number = ann.order(&id).await["number"].as_str().unwrap().to_string();
    let queue = dora.call("GET", &format!("/api/fulfilment/shipping-orders?q={number}"), None).await;
    assert_eq!(queue.status, 200, "{}", queue.body);
    let items = queue.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", queue.body);
    assert_eq!(
        (items[0]["id"].as_str(), items[0]["status"].as_str()),
        (Some(format!("so-{id}").as_str()), Some("pending"))
    );

    let opened = dora.call("GET", &so, None).await.body;
    let version = opened["version"].clone();
    assert!(
        opened["lines"].as_array().unwrap().iter().all(|l| l["status"] == "pending" && l["fulfilment"] == "physical")
    );
    let bad = dora
        .call(
            "POST",
            &format!("{so}/process"),
            Some(json!({ "lines": ["KIT-001"], "carrier": " ", "tracking_number": "1", "expected_version": version })),
        )
        .await;
    assert_eq!((bad.status, bad.body["error"]["field"].clone()), (400, json!("carrier")));

    // One of two lines: the shipping order and the order stay pending.
    let first = dora.call("POST", &format!("{so}/process"), process(&["KIT-001"], &version)).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.body["status"], "pending");
    let line = &first.body["lines"][0];
    assert_eq!((line["status"].as_str(), line["shipment"]["carrier"].as_str()), (Some("processed"), Some("UPS")));
    let order = ann.order_until(&id, "some items sent", |o| o["shipping_status"] == "partially_processed").await;
    assert_eq!(order["status"], "confirmed", "not processed while a line is pending");

    // A dispatcher who opened it before that change is refused; so is processing a line twice.
    let stale = dora.call("POST", &format!("{so}/process"), process(&["KIT-002"], &version)).await;
    assert_eq!((stale.status, stale.body["error"]["code"].clone()), (409, json!("version_conflict")));
    let fresh = first.body["version"].clone();
    let twice = dora.call("POST", &format!("{so}/process"), process(&["KIT-001"], &fresh)).await;
    assert_eq!((twice.status, twice.body["error"]["code"].clone()), (409, json!("line_already_processed")));

    // Two dispatchers process the last line at the same moment: applied once.
    let mut eve = store.shopper();
    eve.sign_in(DISPATCHER).await;
    let path = format!("{so}/process");
    let (a, b) = tokio::join!(
        dora.call("POST", &path, process(&["KIT-002"], &fresh)),
        eve.call("POST", &path, process(&["KIT-002"], &fresh))
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{} / {}", a.body, b.body);
    let done = if a.status == 200 { a.body } else { b.body };
    assert_eq!(done["status"], "processed");

    let order = ann.order_until(&id, "processed", |o| o["status"] == "processed").await;
    assert_eq!(order["shipping_status"], "processed");
    let pending = dora.call("GET", &format!("/api/fulfilment/shipping-orders?q={number}"), None).await.body;
    assert_eq!(pending["items"].as_array().unwrap().len(), 0, "no longer in the pending queue");
    let processed =
        dora.call("GET", &format!("/api/fulfilment/shipping-orders?status=processed&q={number}"), None).await.body;
    assert_eq!(processed["items"].as_array().unwrap().len(), 1);
}

async fn a_digital_only_order_is_processed_on_intake(store: Store) {
    let (mut ann, id) = confirmed_order(&store, &["DIG-002"]).await;
    let order = ann.order_until(&id, "processed", |o| o["status"] == "processed").await;
    assert_eq!(order["shipping_status"], "processed");
    let mut dora = store.shopper();
    dora.sign_in(DISPATCHER).await;
    let so = dora.call("GET", &format!("/api/fulfilment/shipping-orders/so-{id}"), None).await.body;
    assert_eq!(so["status"], "processed");
    assert_eq!(
        (so["lines"][0]["fulfilment"].as_str(), so["lines"][0]["shipment"]["carrier"].as_str()),
        (Some("digital"), Some("Digital delivery"))
    );
}
