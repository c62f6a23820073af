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
    let change = Some("dora-change-1");
    let first = dora.call_keyed("POST", &format!("{so}/process"), process(&["KIT-001"], &version), change).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.body["status"], "pending");
    let line = &first.body["lines"][0];
    assert_eq!((line["status"].as_str(), line["shipment"]["carrier"].as_str()), (Some("processed"), Some("UPS")));
    let order = ann.order_until(&id, "some items sent", |o| o["shipping_status"] == "partially_processed").await;
    assert_eq!(order["status"], "confirmed", "not processed while a line is pending");

    // The same change sent again (a queued change whose answer was lost) is answered as before.
    let replay = dora.call_keyed("POST", &format!("{so}/process"), process(&["KIT-001"], &version), change).await;
    assert_eq!(replay.status, 200, "{}", replay.body);
    assert_eq!(replay.body["version"], first.body["version"], "nothing applied twice");
    // The same lines sent by another request (another tab, another dispatcher) are not a replay.
    let other = dora.call_keyed("POST", &format!("{so}/process"), process(&["KIT-001"], &version), Some("other")).await;
    assert_eq!((other.status, other.body["error"]["code"].clone()), (409, json!("version_conflict")));

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
    // The consumers' work shows on /metrics (counted once acknowledged, just after it takes effect).
    let handled = |metrics: &serde_json::Value, consumer: &str, event: &str| {
        let (consumer, event) = (format!(r#"consumer="{consumer}""#), format!(r#"event_type="{event}""#));
        metrics.as_str().unwrap().lines().any(|l| {
            l.starts_with("tbs_events_total{") && l.contains(&consumer) && l.contains(&event) && l.contains("handled")
        })
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let metrics = dora.call("GET", "/metrics", None).await.body;
        if handled(&metrics, "orders", "ShippingOrderProcessed") && handled(&metrics, "tracking", "OrderProcessed") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{metrics}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // Each line, shipped apart, is its own event: every consumer applied both.
    let details = format!("/api/orders/{id}/details");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let timeline = loop {
        let entries = dora.call("GET", &details, None).await.body["timeline"]["entries"].clone();
        let kinds: Vec<&str> = entries.as_array().into_iter().flatten().filter_map(|e| e["kind"].as_str()).collect();
        if kinds.contains(&"order_processed") {
            break entries;
        }
        assert!(std::time::Instant::now() < deadline, "no 'Order processed' on the timeline: {entries}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let sent: Vec<&str> = timeline
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "item_processed")
        .map(|e| e["detail"].as_str().unwrap())
        .collect();
    assert_eq!(sent.len(), 2, "one 'Item sent' per line: {timeline}");
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

on_both_backends!(order_details_compose_the_services_for_the_owner_staff_and_the_link, payment_timeout_secs = 1800);

/// `GET /api/orders/{id}/details`: order, payment, shipment and timeline in one answer.
async fn order_details_compose_the_services_for_the_owner_staff_and_the_link(store: Store) {
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let mut owner = store.shopper();
    let email = format!("own-{tag}@example.com");
    let registered = owner.register(email, "Own").await;
    assert_eq!(registered.status, 201);
    let (_, id) = confirmed_order_as(&store, &mut owner, &["KIT-001"]).await;
    let details = format!("/api/orders/{id}/details");
    let mine = loop {
        let d = owner.call("GET", &details, None).await;
        assert_eq!(d.status, 200, "{}", d.body);
        let kinds: Vec<String> = d.body["timeline"]["entries"]
            .as_array()
            .map(|e| e.iter().map(|x| x["kind"].as_str().unwrap().to_string()).collect())
            .unwrap_or_default();
        if kinds.contains(&"receipt_sent".to_string()) && d.body["shipment"].is_object() {
            break d.body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(mine["partial"], json!([]));
    assert_eq!(mine["order"]["id"], json!(id));
    assert_eq!(
        (mine["payment"]["status"].as_str(), mine["payment"]["amount_minor"].clone()),
        (Some("succeeded"), mine["order"]["totals"]["gross_minor"].clone())
    );
    assert_eq!(mine["shipment"]["status"], "pending");
    let kinds: Vec<&str> =
        mine["timeline"]["entries"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    for kind in ["placed", "payment_approved", "confirmed", "receipt_sent"] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    assert_eq!(kinds[0], "placed", "oldest first");

    let anonymous = store.shopper().call("GET", &details, None).await;
    assert_eq!(anonymous.status, 401);
    let mut other = store.shopper();
    other.register(format!("oth-{tag}@example.com"), "Oth").await;
    assert_eq!(other.call("GET", &details, None).await.status, 403, "not their order");
    let token = mine["token"].as_str().unwrap();
    let by_link = store.shopper().call("GET", &format!("{details}?token={token}"), None).await;
    assert_eq!(by_link.status, 200, "the receipt's link works without signing in");
    let other_first = if token.starts_with('0') { '1' } else { '0' };
    let forged = store.shopper().call("GET", &format!("{details}?token={other_first}{}", &token[1..]), None).await;
    assert_eq!(forged.status, 401, "a wrong token is no token");
    let mut dora = store.shopper();
    dora.sign_in(DISPATCHER).await;
    assert_eq!(dora.call("GET", &details, None).await.status, 200, "staff");
    let listed = owner.call("GET", "/api/orders", None).await;
    assert_eq!(listed.body.as_array().map(|l| l.iter().any(|o| o["id"] == json!(id))), Some(true), "My orders");
}

/// A paid, confirmed order placed by `shopper` (signed in or not).
async fn confirmed_order_as(store: &Store, shopper: &mut Shopper<'_>, skus: &[&str]) -> (u16, String) {
    let _ = store;
    for sku in skus {
        shopper.add(sku, 1).await;
    }
    let id = new_order_id();
    let placed = shopper.place(&id).await;
    assert_eq!(placed.status, 201, "{}", placed.body);
    shopper.order_until(&id, "its stock reserved", |o| o["stock_reserved"] == true).await;
    assert_eq!(shopper.pay(&id, "4242 4242 4242 4242").await.status, 202);
    shopper.order_until(&id, "a shipping order", |o| o["shipping_status"].is_string()).await;
    (placed.status, id)
}

/// Without the tracking and fulfilment services in this process, the details
/// still answer, with the missing parts named.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_details_answer_without_the_services_that_are_not_here_marked_partial() {
    use server::config::Service;
    let store = crate::harness::embedded_with(|s| {
        s.services =
            Some(Service::ALL.into_iter().filter(|s| !matches!(s, Service::Tracking | Service::Fulfilment)).collect());
    })
    .await;
    let mut owner = store.shopper();
    owner.register("part@example.com", "Part").await;
    let id = new_order_id();
    owner.add("KIT-001", 1).await;
    assert_eq!(owner.place(&id).await.status, 201);
    let d = owner.call("GET", &format!("/api/orders/{id}/details"), None).await;
    assert_eq!(d.status, 200, "{}", d.body);
    assert_eq!(d.body["partial"], json!(["shipment", "tracking"]));
    assert_eq!(d.body["order"]["id"], json!(id));
    assert_eq!(d.body["payment"], json!(null), "no payment yet is not a missing part");
}

on_both_backends!(a_shoppers_stream_carries_their_orders_updates_live, payment_timeout_secs = 1800);

/// `GET /api/tracking/stream`: the signed-in shopper's timeline entries as
/// server-sent events, as they happen; another shopper's stream stays quiet
/// and cannot open the order's own stream.
async fn a_shoppers_stream_carries_their_orders_updates_live(store: Store) {
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let mut owner = store.shopper();
    owner.register(format!("sse-{tag}@example.com"), "Sse").await;
    let (_, id) = confirmed_order_as(&store, &mut owner, &["KIT-001"]).await;
    let mut other = store.shopper();
    other.register(format!("sse2-{tag}@example.com"), "Two").await;
    let client = reqwest::Client::new();
    let open = |path: String, cookie: String| {
        let request = client.get(format!("{}{path}", store.base)).header("cookie", cookie);
        async move { request.send().await.unwrap() }
    };
    let refused = open(format!("/api/tracking/orders/{id}/events"), other.cookie().unwrap().to_string()).await;
    assert_eq!(refused.status(), 403);
    let mut mine = open("/api/tracking/stream".into(), owner.cookie().unwrap().to_string()).await;
    assert_eq!(mine.headers()["content-type"], "text/event-stream");
    let mut theirs = open("/api/tracking/stream".into(), other.cookie().unwrap().to_string()).await;

    let mut dora = store.shopper();
    dora.sign_in(DISPATCHER).await;
    let so = format!("/api/fulfilment/shipping-orders/so-{id}");
    let version = dora.call("GET", &so, None).await.body["version"].clone();
    assert_eq!(dora.call("POST", &format!("{so}/process"), process(&["KIT-001"], &version)).await.status, 200);

    let deadline = std::time::Duration::from_secs(10);
    let mut seen = String::new();
    let got = tokio::time::timeout(deadline, async {
        while let Some(chunk) = mine.chunk().await.unwrap() {
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if seen.contains("order_processed") {
                return;
            }
        }
    })
    .await;
    assert!(got.is_ok(), "the owner's stream got the updates: {seen}");
    // A page refetching on that entry reads the order as processed.
    assert_eq!(owner.order(&id).await["status"], "processed", "when the timeline says so, the order does");
    assert!(seen.contains("event: timeline") && seen.contains(&id) && seen.contains("item_processed"), "{seen}");
    let quiet = tokio::time::timeout(std::time::Duration::from_millis(500), theirs.chunk()).await;
    assert!(
        quiet.is_err() || quiet.unwrap().unwrap().is_none_or(|c| !String::from_utf8_lossy(&c).contains(&id)),
        "another shopper hears nothing of it"
    );
}

/// A client polling an order names the version it has (`If-None-Match`)
/// and is told 304, with no body, until the order changes; then it is sent
/// the order with its new tag. The tag opens nothing to someone who may
/// not read the order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unchanged_order_is_not_sent_again_to_a_client_that_has_it() {
    let store = crate::harness::embedded(1800).await;
    let mut owner = store.shopper();
    let id = reserved_order(&mut owner).await;
    let path = format!("/api/orders/{id}");
    let (status, tag) = owner.get_unless(&path, "W/\"0\"").await;
    assert_eq!(status, 200, "a version the order never had");
    assert!(tag.starts_with("W/\"") && tag != "W/\"0\"", "the answer names its version: {tag}");
    assert_eq!(owner.get_unless(&path, &tag).await, (304, tag.clone()), "unchanged since");
    assert_eq!(store.shopper().get_unless(&path, &tag).await.0, 401, "the tag is no proof of anything");

    assert_eq!(owner.pay(&id, "4242424242424242").await.status, 202);
    owner.order_until(&id, "confirmed", |o| o["status"] == "confirmed").await;
    let (status, paid) = owner.get_unless(&path, &tag).await;
    assert_eq!(status, 200, "changed since: sent again");
    assert_ne!(paid, tag, "with its new version");
}

/// A guest's order, placed and its stock reserved (so it changes next when paid for).
async fn reserved_order(owner: &mut Shopper<'_>) -> String {
    owner.add("KIT-001", 1).await;
    let id = new_order_id();
    assert_eq!(owner.place(&id).await.status, 201);
    owner.order_until(&id, "reserved", |o| o["stock_reserved"] == true).await;
    id
}

/// A client that asks to wait (`Prefer: wait`) is answered as soon as the
/// order changes, and 304 when the wait is over without a change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_read_is_answered_when_the_order_changes() {
    let store = crate::harness::embedded(1800).await;
    let mut owner = store.shopper();
    let id = reserved_order(&mut owner).await;
    let path = format!("/api/orders/{id}");
    let (_, tag) = owner.get_unless(&path, "").await;
    assert_eq!(owner.get_unless_within(&path, &tag, 1).await, (304, tag.clone()), "no change within the wait");

    let cookie = owner.cookie().unwrap().to_string();
    let (url, waited_on) = (format!("{}{path}", store.base), tag.clone());
    let waiting = tokio::spawn(async move {
        let request = reqwest::Client::new().get(url);
        let request = request.header("cookie", cookie).header("if-none-match", waited_on).header("prefer", "wait=30");
        let answer = request.send().await.unwrap();
        (answer.status().as_u16(), answer.headers()["etag"].to_str().unwrap().to_string())
    });
    // Paying changes the order (its attempt is claimed) while the read waits:
    // woken, it answers long before its 30 s are over.
    assert_eq!(owner.pay(&id, "4242424242424242").await.status, 202);
    let answered = tokio::time::timeout(std::time::Duration::from_secs(20), waiting).await;
    let (status, changed) = answered.expect("the waiting read is answered when the order changes").unwrap();
    assert_eq!(status, 200, "answered with the changed order");
    assert_ne!(changed, tag);
}

/// Who may read an order through the plain order API: its account, staff,
/// the receipt link's holder, and the guest browser that placed it; never
/// someone who only knows (or guesses, or replays) its id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_is_read_only_by_its_holder_never_by_its_id_alone() {
    let store = crate::harness::embedded(1800).await;
    let mut owner = store.shopper();
    owner.register("hid@example.com", "Hid").await;
    owner.add("KIT-001", 1).await;
    let id = new_order_id();
    assert_eq!(owner.place(&id).await.status, 201);
    assert_eq!(owner.call("GET", &format!("/api/orders/{id}"), None).await.status, 200);
    assert_eq!(store.shopper().call("GET", &format!("/api/orders/{id}"), None).await.status, 401);
    let mut other = store.shopper();
    other.register("oth2@example.com", "Oth").await;
    assert_eq!(other.call("GET", &format!("/api/orders/{id}"), None).await.status, 403);

    let mut guest = store.shopper();
    guest.add("KIT-001", 1).await;
    let guest_order = new_order_id();
    assert_eq!(guest.place(&guest_order).await.status, 201);
    let path = format!("/api/orders/{guest_order}");
    assert_eq!(guest.call("GET", &path, None).await.status, 200, "the browser that placed it");
    let stranger = store.shopper().call("GET", &path, None).await;
    assert_eq!(stranger.status, 401, "the id alone opens nothing: {}", stranger.body);
    let mut another_guest = store.shopper();
    another_guest.add("KIT-002", 1).await;
    assert_eq!(another_guest.call("GET", &path, None).await.status, 401, "another guest's browser");
    let replay = another_guest.place(&guest_order).await;
    assert_eq!(replay.status, 409, "the same details from another browser: {}", replay.body);
    assert!(!replay.body.to_string().contains("ann@example.com"), "reveals nothing: {}", replay.body);
    assert_eq!(guest.place(&guest_order).await.status, 200, "the placing browser's own retry");
    let token = guest.call("GET", &format!("{path}/details"), None).await.body["token"].as_str().unwrap().to_string();
    assert_eq!(store.shopper().call("GET", &format!("{path}?token={token}"), None).await.status, 200, "the link");
    let paid = store
        .shopper()
        .call("POST", &format!("{path}/payment"), Some(serde_json::json!({ "payment_method": "pm_card_visa" })))
        .await;
    assert_eq!(paid.status, 401, "nor may a stranger pay (and learn of) it");

    for guessable in [
        "00000000-0000-0000-0000-000000000001".to_string(),
        uuid::Uuid::new_v4().to_string().to_uppercase(),
        uuid::Uuid::new_v4().simple().to_string(),
        uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, b"x").to_string(),
    ] {
        let refused = guest.call("PUT", &format!("/api/orders/{guessable}"), Some(crate::harness::checkout())).await;
        assert_eq!(refused.status, 400, "{guessable}: {}", refused.body);
        assert_eq!(refused.body["error"]["code"], "invalid_order_id");
    }
}

/// A shopper's open live stream ends when its session is signed out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shoppers_stream_ends_when_its_session_is_signed_out() {
    let store = crate::harness::embedded(1800).await;
    let mut shopper = store.shopper();
    shopper.register("gone@example.com", "Gone").await;
    let cookie = shopper.cookie().unwrap().to_string();
    let request = reqwest::Client::new().get(format!("{}/api/tracking/stream", store.base)).header("cookie", &cookie);
    let mut stream = request.send().await.unwrap();
    assert_eq!(stream.status(), 200);
    assert_eq!(shopper.call("POST", "/api/account/sign-out", None).await.status, 204);
    let ended = tokio::time::timeout(std::time::Duration::from_secs(20), async {
        while stream.chunk().await.unwrap().is_some() {}
    })
    .await;
    assert!(ended.is_ok(), "the stream stayed open after its session was signed out");
}

/// With two processes consuming tracking events (each entry stored by
/// whichever consumed its event), a stream open on one process still gets
/// every entry of the shopper's order.
#[cfg(feature = "aws")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_on_one_process_gets_the_entries_another_process_stored() {
    let (front, back) = crate::harness::aws_pair(1800).await;
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let mut owner = front.shopper();
    owner.register(format!("two-{tag}@example.com"), "Two").await;
    let request = reqwest::Client::new().get(format!("{}/api/tracking/stream", front.base));
    let mut stream = request.header("cookie", owner.cookie().unwrap()).send().await.unwrap();
    assert_eq!(stream.status(), 200);
    let (_, id) = confirmed_order_as(&front, &mut owner, &["KIT-001"]).await;
    let mut dora = back.shopper();
    dora.sign_in(DISPATCHER).await;
    let so = format!("/api/fulfilment/shipping-orders/so-{id}");
    let version = dora.call("GET", &so, None).await.body["version"].clone();
    assert_eq!(dora.call("POST", &format!("{so}/process"), process(&["KIT-001"], &version)).await.status, 200);

    let mut seen = String::new();
    let kinds =
        ["\"placed\"", "payment_approved", "\"confirmed\"", "receipt_sent", "item_processed", "order_processed"];
    let all = tokio::time::timeout(std::time::Duration::from_secs(60), async {
        while let Some(chunk) = stream.chunk().await.unwrap() {
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if kinds.iter().all(|k| seen.contains(k)) {
                return;
            }
        }
    })
    .await;
    let missing: Vec<_> = kinds.iter().filter(|k| !seen.contains(*k)).collect();
    assert!(all.is_ok(), "the stream on the front process missed {missing:?}: {seen}");
}
