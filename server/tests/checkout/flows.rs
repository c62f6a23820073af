//! The API flows of scenario 1, each run on both backends.

use crate::harness::{Store, WEBHOOK_SECRET, intent_event, new_order_id};
use serde_json::json;

on_both_backends!(orders_placed_at_once_get_distinct_sequential_numbers, payment_timeout_secs = 1800);
on_both_backends!(
    approved_payment_stores_the_order_emails_a_receipt_and_creates_a_shipping_order,
    payment_timeout_secs = 1800
);
on_both_backends!(a_declined_card_keeps_the_order_payable_with_the_reason, payment_timeout_secs = 1800);
on_both_backends!(redelivered_webhooks_confirm_once_and_bad_signatures_are_refused, payment_timeout_secs = 1800);
on_both_backends!(an_unpaid_order_is_cancelled_at_its_deadline_and_its_stock_released, payment_timeout_secs = 2);
on_both_backends!(checkout_input_is_validated_and_the_order_put_is_idempotent, payment_timeout_secs = 1800);

/// When I submit valid card details, and payment is approved, then my order
/// details with cart details are stored in the order repository, an
/// electronic receipt is e-mailed to me, a shipping order is sent for
/// fulfilment (and I am directed to a confirmation: the browser test).
async fn approved_payment_stores_the_order_emails_a_receipt_and_creates_a_shipping_order(store: Store) {
    let mug_stock = store.stock("KIT-001").await;
    let mut ann = store.shopper();
    ann.add("KIT-001", 2).await;
    ann.add("KIT-002", 1).await;
    let id = new_order_id();
    let placed = ann.place(&id).await;
    assert_eq!(placed.status, 201, "{}", placed.body);
    let order = &placed.body;
    assert_eq!(order["status"], "pending_payment");
    let lines = order["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2, "the cart's lines are snapshotted");
    assert_eq!((lines[0]["sku"].as_str(), lines[0]["quantity"].as_u64()), (Some("KIT-001"), Some(2)));
    assert_eq!(lines[0]["unit_price_minor"], 1450);
    let net = 2 * 1450 + 4900;
    assert_eq!(order["totals"]["net_minor"], net);
    assert_eq!(order["totals"]["shipping_minor"], 0, "free shipping from 50.00");
    assert_eq!(order["totals"]["tax_minor"], (net * 8 + 50) / 100);
    assert_eq!(ann.call("GET", "/api/cart", None).await.body["item_count"], 0, "the cart became the order");

    ann.order_until(&id, "its stock reserved", |o| o["stock_reserved"] == true).await;
    assert_eq!(store.stock("KIT-001").await, mug_stock - 2);
    let paid = ann.pay(&id, "4242 4242 4242 4242").await;
    assert_eq!(paid.status, 202, "{}", paid.body);
    let done = ann
        .order_until(&id, "confirmed with receipt and shipping order", |o| {
            o["status"] == "confirmed" && o["receipt_sent"] == true && o["shipping_status"] == "pending"
        })
        .await;
    assert_eq!(done["lines"], placed.body["lines"], "the stored order keeps its cart lines");

    let mails = store.mails();
    assert_eq!(mails.len(), 1, "one receipt");
    let mail = &mails[0];
    let number = done["number"].as_str().unwrap();
    for needle in [number, "ann@example.com", "Enamel Camp Mug", "text/plain", "text/html", "1 Main Street"] {
        assert!(mail.contains(needle), "the receipt lacks {needle}:\n{mail}");
    }
    // Its links, once quoted-printable's soft line breaks and `=3D` are undone.
    let unwrapped = crate::harness::unwrapped(mail);
    for link in [format!("/orders/{id}?token="), format!("/orders/{id}/invoice?token=")] {
        assert!(unwrapped.contains(&link), "the receipt lacks a link to {link}:\n{mail}");
    }
    if let Some(state) = &store.state {
        let shipping = state
            .port::<std::sync::Arc<server::fulfilment::Fulfilment>>()
            .shipping_order(&format!("so-{id}"))
            .await
            .unwrap()
            .expect("a shipping order");
        assert_eq!(shipping.lines.len(), 2);
        assert!(shipping.lines.iter().all(|l| l.status == server::fulfilment::LineStatus::Pending));
    }
}

async fn a_declined_card_keeps_the_order_payable_with_the_reason(store: Store) {
    let mut ann = store.shopper();
    ann.add("KIT-003", 1).await;
    let id = new_order_id();
    assert_eq!(ann.place(&id).await.status, 201);
    ann.order_until(&id, "its stock reserved", |o| o["stock_reserved"] == true).await;
    assert_eq!(ann.pay(&id, "4000 0000 0000 0002").await.status, 202);
    let declined = ann
        .order_until(&id, "the decline", |o| o["payment_error"].is_string() && o["payment_in_progress"] == false)
        .await;
    assert_eq!(declined["status"], "pending_payment");
    assert_eq!(declined["payment_error"], "Your card was declined.");
    let invalid = ann.pay(&id, "4242 4242 4242 4241").await;
    assert_eq!(invalid.status, 400, "Luhn check: {}", invalid.body);
    assert_eq!(invalid.body["error"]["field"], "number");
    assert_eq!(ann.pay(&id, "4242424242424242").await.status, 202);
    ann.order_until(&id, "confirmed", |o| o["status"] == "confirmed").await;
    assert_eq!(ann.pay(&id, "4242424242424242").await.status, 409, "paid orders take no more payments");
}

async fn redelivered_webhooks_confirm_once_and_bad_signatures_are_refused(store: Store) {
    let mut ann = store.shopper();
    ann.add("KIT-004", 1).await;
    let id = new_order_id();
    let placed = ann.place(&id).await;
    let gross = placed.body["totals"]["gross_minor"].as_i64().unwrap();
    ann.order_until(&id, "its stock reserved", |o| o["stock_reserved"] == true).await;

    let success = intent_event("evt_dup_1", "payment_intent.succeeded", "pay_ext_1", &id, gross);
    let forged = store.webhook(&success, "whsec_not_the_secret").await;
    assert_eq!(forged.status, 400);
    assert_eq!(forged.body["error"]["code"], "invalid_signature");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(ann.order(&id).await["status"], "pending_payment", "a forged webhook changes nothing");

    for attempt in 0..3 {
        let answer = store.webhook(&success, WEBHOOK_SECRET).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(answer.body["duplicate"].as_bool().unwrap_or(false), attempt > 0, "{}", answer.body);
    }
    // The same outcome under a new event id, and a stale failure: neither counts again.
    let again = intent_event("evt_dup_2", "payment_intent.succeeded", "pay_ext_1", &id, gross);
    assert_eq!(store.webhook(&again, WEBHOOK_SECRET).await.status, 200);
    let late_failure = intent_event("evt_dup_3", "payment_intent.payment_failed", "pay_ext_1", &id, gross);
    assert_eq!(store.webhook(&late_failure, WEBHOOK_SECRET).await.status, 200);

    ann.order_until(&id, "confirmed with receipt", |o| o["status"] == "confirmed" && o["receipt_sent"] == true).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(ann.order(&id).await["status"], "confirmed");
    assert_eq!(store.mails().len(), 1, "one receipt however often the webhook came");
    let ignored = store
        .webhook(&json!({"id": "evt_other", "type": "customer.created", "data": {"object": {}}}), WEBHOOK_SECRET)
        .await;
    assert_eq!((ignored.status, &ignored.body["handled"]), (200, &json!(false)), "other event types are acknowledged");
}

async fn an_unpaid_order_is_cancelled_at_its_deadline_and_its_stock_released(store: Store) {
    let before = store.stock("KIT-003").await;
    let mut ann = store.shopper();
    ann.add("KIT-003", 2).await;
    let id = new_order_id();
    assert_eq!(ann.place(&id).await.status, 201);
    ann.order_until(&id, "its stock reserved", |o| o["stock_reserved"] == true || o["status"] == "cancelled").await;
    let cancelled = ann.order_until(&id, "cancelled", |o| o["status"] == "cancelled").await;
    assert_eq!(cancelled["cancel_reason"], "Payment was not received in time");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while store.stock("KIT-003").await != before {
        assert!(std::time::Instant::now() < deadline, "the reserved stock was never released");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let late = ann.pay(&id, "4242424242424242").await;
    assert_eq!(late.status, 409);
    assert_eq!(late.body["error"]["code"], "order_cancelled");
}

async fn checkout_input_is_validated_and_the_order_put_is_idempotent(store: Store) {
    let mut ann = store.shopper();
    let nothing = ann.place(&new_order_id()).await;
    assert_eq!(nothing.status, 401, "no cart, no session: nothing to place: {}", nothing.body);
    ann.add("KIT-001", 1).await;
    assert_eq!(ann.call("DELETE", "/api/cart/items/KIT-001", None).await.status, 200);
    let empty = ann.place(&new_order_id()).await;
    assert_eq!((empty.status, empty.body["error"]["code"].as_str()), (409, Some("cart_empty")));
    ann.add("KIT-001", 1).await;
    let bad_id = ann.call("PUT", "/api/orders/not-a-uuid", Some(crate::harness::checkout())).await;
    assert_eq!((bad_id.status, bad_id.body["error"]["field"].as_str()), (400, Some("id")));
    let mut bad = crate::harness::checkout();
    bad["email"] = json!("ann.example.com");
    let invalid = ann.call("PUT", &format!("/api/orders/{}", new_order_id()), Some(bad)).await;
    assert_eq!((invalid.status, invalid.body["error"]["field"].as_str()), (400, Some("email")));
    let garbage = ann.call("PUT", &format!("/api/orders/{}", new_order_id()), Some(json!({"email": 1}))).await;
    assert_eq!(garbage.status, 400, "{}", garbage.body);

    let id = new_order_id();
    let first = ann.place(&id).await;
    assert_eq!(first.status, 201);
    let retry = ann.place(&id).await;
    assert_eq!(retry.status, 200, "a retried PUT answers the stored order: {}", retry.body);
    assert_eq!(retry.body["lines"], first.body["lines"]);
    let mut other = crate::harness::checkout();
    other["email"] = json!("bob@example.com");
    let clash = ann.call("PUT", &format!("/api/orders/{id}"), Some(other)).await;
    assert_eq!((clash.status, clash.body["error"]["code"].as_str()), (409, Some("order_id_in_use")));
    let missing = ann.call("GET", &format!("/api/orders/{}", new_order_id()), None).await;
    assert_eq!(missing.status, 404);
}

/// `tbs serve --services`: the shop-facing services in one process, the
/// receipt and shipping services in another, connected only by events.
#[cfg(feature = "aws")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn services_split_across_processes_reach_each_other_by_events() {
    use crate::harness::{aws_process, aws_process_with, infra_apply};
    let prefix = format!("split-{}-", &uuid::Uuid::new_v4().simple().to_string()[..10]);
    infra_apply(&prefix);
    let front = aws_process(&prefix, 1800, Some("catalog,cart,orders,payments,identity")).await;
    let mut ann = front.shopper();
    ann.add("KIT-001", 1).await;
    let id = new_order_id();
    assert_eq!(ann.place(&id).await.status, 201);
    ann.order_until(&id, "its stock reserved", |o| o["stock_reserved"] == true).await;
    assert_eq!(ann.pay(&id, "4242424242424242").await.status, 202);
    ann.order_until(&id, "confirmed", |o| o["status"] == "confirmed").await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let waiting = ann.order(&id).await;
    assert_eq!(
        (&waiting["receipt_sent"], &waiting["shipping_status"]),
        (&json!(false), &serde_json::Value::Null),
        "nobody runs notifications or fulfilment yet: {waiting}"
    );

    let back = aws_process_with(&prefix, 1800, |cmd| {
        cmd.args(["--services", "notifications,fulfilment", "--identity-url", &front.base]);
    })
    .await;
    let done = ann
        .order_until(&id, "receipt and shipping order", |o| {
            o["receipt_sent"] == true && o["shipping_status"] == "pending"
        })
        .await;
    assert_eq!(done["status"], "confirmed");
    assert_eq!(back.mails().len(), 1, "the back process sent the receipt");
    assert!(front.mails().is_empty());
    let not_here = back.shopper().call("GET", &format!("/api/orders/{id}"), None).await;
    assert_eq!(not_here.status, 404, "the back process serves no orders API");
}

/// How often the orders table's number counter was written (its version),
/// where the store runs in this process (the embedded one).
async fn counter_writes(store: &Store) -> Option<u64> {
    let orders = store.state.as_ref()?.tables.iter().find(|t| t.name() == "orders").expect("the orders table");
    let counter = server::platform::store::Key::new("COUNTER", "ORDER_NUMBER");
    Some(orders.get(&counter).await.unwrap().map_or(0, |item| item.version))
}

async fn orders_placed_at_once_get_distinct_sequential_numbers(store: Store) {
    let writes_before = counter_writes(&store).await;
    let mut shoppers: Vec<_> = (0..12).map(|_| store.shopper()).collect();
    for shopper in &mut shoppers {
        shopper.add("KIT-001", 1).await;
    }
    let placing = shoppers.iter_mut().map(|shopper| async move {
        let placed = shopper.place(&new_order_id()).await;
        assert_eq!(placed.status, 201, "{}", placed.body);
        placed.body["number"].as_str().unwrap().to_string()
    });
    let numbers: Vec<String> = futures_util::future::join_all(placing).await;
    let parsed: std::collections::BTreeSet<u64> =
        numbers.iter().map(|n| n.parse().unwrap_or_else(|_| panic!("{n} is not a sequential number"))).collect();
    assert_eq!(parsed.len(), 12, "every order its own number: {numbers:?}");
    assert!(parsed.iter().all(|n| *n >= 1001), "{numbers:?}");
    let (low, high) = (parsed.first().unwrap(), parsed.last().unwrap());
    assert_eq!(high - low, 11, "no number skipped: {numbers:?}");
    if let (Some(after), Some(before)) = (counter_writes(&store).await, writes_before) {
        let writes = after - before;
        assert!(writes < 12, "orders placed at once share the counter's writes: {writes} for 12");
    }
}

/// A second successful payment for an order already paid (an earlier
/// attempt settling late) is not kept: the provider refunds it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_payment_for_a_paid_order_is_refunded() {
    use server::payments::PaymentStatus;
    let store = crate::harness::embedded(1800).await;
    let mut ann = store.shopper();
    ann.add("KIT-004", 1).await;
    let id = new_order_id();
    let gross = ann.place(&id).await.body["totals"]["gross_minor"].as_i64().unwrap();
    ann.order_until(&id, "its stock reserved", |o| o["stock_reserved"] == true).await;
    assert_eq!(ann.pay(&id, "4242 4242 4242 4242").await.status, 202);
    let paid = ann.order_until(&id, "confirmed", |o| o["status"] == "confirmed").await;
    let first = paid["payment_id"].as_str().unwrap().to_string();

    let late = intent_event("evt_late_2", "payment_intent.succeeded", "pay_late_2", &id, gross);
    assert_eq!(store.webhook(&late, WEBHOOK_SECRET).await.status, 200);
    let payments = store.state.as_ref().unwrap().port::<std::sync::Arc<server::payments::Payments>>();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let status = payments.payment("pay_late_2").await.unwrap().map(|(p, _)| p.status);
        if status == Some(PaymentStatus::Refunded) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the second payment was kept: {status:?}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let kept = payments.payment(&first).await.unwrap().unwrap().0.status;
    assert_eq!(kept, PaymentStatus::Succeeded, "the first payment stands");
    assert_eq!(ann.order(&id).await["payment_id"], json!(first), "the order is paid by its first payment");
}
