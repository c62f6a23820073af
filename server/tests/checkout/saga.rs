//! Stock running out between cart and checkout (embedded, with the
//! consumers paused so two orders can race for the same units).

use crate::harness::{embedded, embedded_paused, new_order_id};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stock_sold_to_someone_else_is_refused_at_checkout_with_what_is_left() {
    let store = embedded(1800).await;
    let mut ann = store.shopper();
    ann.add("KIT-005", 3).await; // the last three
    let mut bob = store.shopper();
    bob.add("KIT-005", 2).await;
    let id = new_order_id();
    assert_eq!(bob.place(&id).await.status, 201);
    bob.order_until(&id, "its stock reserved", |o| o["stock_reserved"] == true).await;

    let cart = ann.call("GET", "/api/cart", None).await.body;
    assert_eq!(cart["lines"][0]["problem"], "Only 1 left", "the cart shows what is left");
    let refused = ann.place(&new_order_id()).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert_eq!(refused.body["error"]["code"], "insufficient_stock");
    assert_eq!(refused.body["error"]["message"], "Only 1 of Pour-Over Coffee Set left");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_two_orders_race_for_the_last_units_one_is_reserved_and_the_other_cancelled() {
    let (store, paused) = embedded_paused(1800).await;
    let (mut ann, mut bob) = (store.shopper(), store.shopper());
    ann.add("KIT-005", 2).await;
    bob.add("KIT-005", 2).await;
    let (a, b) = (new_order_id(), new_order_id());
    // Both pass checkout's stock check: nothing is reserved until the consumers run.
    assert_eq!(ann.place(&a).await.status, 201);
    assert_eq!(bob.place(&b).await.status, 201);
    paused.resume();
    let first = ann.order_until(&a, "a decision", |o| o["stock_reserved"] == true || o["status"] == "cancelled").await;
    let second = bob.order_until(&b, "a decision", |o| o["stock_reserved"] == true || o["status"] == "cancelled").await;
    let (won, lost) = if first["stock_reserved"] == true { (first, second) } else { (second, first) };
    assert_eq!(won["stock_reserved"], true);
    assert_eq!(lost["status"], "cancelled");
    assert_eq!(lost["cancel_reason"], "Only 1 of Pour-Over Coffee Set left");
    assert_eq!(store.stock("KIT-005").await, 1);
}
