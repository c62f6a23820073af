//! Returns: a shopper returns a sent line of their order; what cannot go
//! back (not sent yet, digital, more than bought, someone else's) is
//! refused with the reason; the dispatch team receives the return once, the
//! resellable item goes back into stock, the payment provider refunds it,
//! the order's timeline shows it all, the shopper is e-mailed at each step,
//! the report's month drops by the refunded price, and the refund has a
//! credit note that references the order's invoice; the received return's
//! event delivered three more times changes none of it.

use crate::harness::{ADMIN, DISPATCHER, Shopper, Store, new_order_id};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

on_both_backends!(a_shopper_returns_a_sent_line_and_the_dispatch_team_receives_it, payment_timeout_secs = 1800);

fn asking(order_id: &str, sku: &str, quantity: u32) -> Value {
    json!({ "order_id": order_id, "lines": [{ "sku": sku, "quantity": quantity }], "reason": "too small" })
}

/// Asks until returns has heard the line was sent (a refused request stores nothing; 20 s at most).
async fn once_sent(ann: &mut Shopper<'_>, path: &str, body: Value) -> crate::harness::Answer {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let answer = ann.call("PUT", path, Some(body.clone())).await;
        if answer.body["error"]["code"] != "not_sent_yet" {
            return answer;
        }
        assert!(Instant::now() < deadline, "returns never heard the line was sent: {}", answer.body);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A paid order of a mug, a skillet and a gift card, by a signed-in Ann.
async fn paid_order(ann: &mut Shopper<'_>) -> String {
    ann.register(format!("ann-{}@example.com", uuid::Uuid::new_v4().simple()), "Ann").await;
    for sku in ["KIT-001", "KIT-002", "DIG-001"] {
        ann.add(sku, 1).await;
    }
    let id = new_order_id();
    assert_eq!(ann.place(&id).await.status, 201);
    ann.order_until(&id, "its stock reserved", |o| o["stock_reserved"] == true).await;
    assert_eq!(ann.pay(&id, "4242 4242 4242 4242").await.status, 202);
    ann.order_until(&id, "a shipping order", |o| o["shipping_status"].is_string()).await;
    id
}

/// The dispatcher sends the mug alone.
async fn send_the_mug(dora: &mut Shopper<'_>, order_id: &str) {
    let so = format!("/api/fulfilment/shipping-orders/so-{order_id}");
    let version = dora.call("GET", &so, None).await.body["version"].clone();
    let body = json!({ "lines": ["KIT-001"], "carrier": "UPS", "tracking_number": "1Z1", "expected_version": version });
    assert_eq!(dora.call("POST", &format!("{so}/process"), Some(body)).await.status, 200);
}

async fn a_shopper_returns_a_sent_line_and_the_dispatch_team_receives_it(store: Store) {
    let mut ann = store.shopper();
    let order_id = paid_order(&mut ann).await;
    let path = format!("/api/returns/{}", uuid::Uuid::new_v4());
    let code = |a: &crate::harness::Answer| (a.status, a.body["error"]["code"].as_str().map(String::from));
    let early = ann.call("PUT", &path, Some(asking(&order_id, "KIT-001", 1))).await;
    assert_eq!(code(&early), (409, Some("not_sent_yet".into())), "nothing sent yet: {}", early.body);

    let mut dora = store.shopper();
    dora.sign_in(DISPATCHER).await;
    send_the_mug(&mut dora, &order_id).await;
    let asked = once_sent(&mut ann, &path, asking(&order_id, "KIT-001", 1)).await;
    assert_eq!(asked.status, 201, "{}", asked.body);
    let totals = &ann.order(&order_id).await["totals"];
    let (net, tax) = (totals["net_minor"].as_i64().unwrap(), totals["tax_minor"].as_i64().unwrap());
    let share = (tax * 1450 * 2 + net) / (net * 2);
    assert_eq!(asked.body["refund_minor"], 1450 + share, "the mug and its share of the tax, no shipping");
    assert_eq!(asked.body["status"], "requested");
    let again = ann.call("PUT", &path, Some(asking(&order_id, "KIT-001", 1))).await;
    assert_eq!((again.status, &again.body), (200, &asked.body), "a retry answers the return it made");

    return_page(&store, &mut ann, &order_id, &path).await;

    let other = |sku, quantity| {
        let path = format!("/api/returns/{}", uuid::Uuid::new_v4());
        (path, asking(&order_id, sku, quantity))
    };
    for (sku, quantity, status, why) in [
        ("DIG-001", 1, 409, "not_returnable"),
        ("KIT-002", 1, 409, "not_sent_yet"),
        ("KIT-001", 1, 400, "invalid_lines"),
    ] {
        let (path, body) = other(sku, quantity);
        let refused = ann.call("PUT", &path, Some(body)).await;
        assert_eq!(code(&refused), (status, Some(why.into())), "{sku}: {}", refused.body);
    }
    let mut bob = store.shopper();
    bob.register(format!("bob-{}@example.com", uuid::Uuid::new_v4().simple()), "Bob").await;
    let (path_b, body) = other("KIT-001", 1);
    assert_eq!(bob.call("PUT", &path_b, Some(body)).await.status, 403, "not Bob's order");
    assert_eq!(bob.call("GET", &path, None).await.status, 403);

    let mugs = store.stock("KIT-001").await;
    mailed_once(&store, "Your return for order", &["1 x Enamel Camp Mug", "too small", "1 Market Street"]).await;
    received_once(&mut dora, &path).await;
    redelivered(&store, &path, &order_id, 1450 + share).await;
    assert_eq!(ann.call("GET", &path, None).await.body["status"], "received");
    back_in_stock(&store, mugs + 1).await;
    on_the_timeline(&mut ann, &order_id, 1450 + share).await;
    in_the_report(&store, net - 1450).await;
    let refund = app::money::format_money(1450 + share, "USD");
    let credit_note_pdf =
        format!("/api/invoices/{order_id}/credit-notes/{}/pdf?token=", path.trim_start_matches("/api/returns/"));
    mailed_once(&store, &format!("Your refund of {refund} for order"), &["5 to 10 working days", &credit_note_pdf])
        .await;
    credit_note(&store, &mut ann, &order_id, &path, 1450 + share).await;
    in_the_report(&store, net - 1450).await;
    let bad_id = ann.call("PUT", "/api/returns/not%20an%20id", Some(asking(&order_id, "KIT-001", 1))).await;
    assert_eq!(code(&bad_id), (400, Some("invalid_id".into())), "{}", bad_id.body);
}

/// The order's timeline shows the return asked for and received, and the refund issued once (20 s at most).
async fn on_the_timeline(ann: &mut Shopper<'_>, order_id: &str, refund: i64) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let timeline = ann.call("GET", &format!("/api/tracking/orders/{order_id}"), None).await.body;
        let kinds: Vec<&str> =
            timeline["entries"].as_array().unwrap().iter().filter_map(|e| e["kind"].as_str()).collect();
        if ["return_requested", "return_received", "refund_issued"].iter().all(|k| kinds.contains(k)) {
            let entry = |kind: &str| {
                timeline["entries"].as_array().unwrap().iter().find(|e| e["kind"] == kind).unwrap().clone()
            };
            assert_eq!(entry("return_requested")["detail"], "1 × Enamel Camp Mug");
            assert_eq!(entry("refund_issued")["detail"], app::money::format_money(refund, "USD"));
            assert_eq!(kinds.iter().filter(|k| **k == "refund_issued").count(), 1, "refunded once");
            return;
        }
        assert!(Instant::now() < deadline, "the timeline never showed the return: {timeline}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// This month's net sales in the report: the order, less the refunded mug's price (20 s at most).
async fn in_the_report(store: &Store, net: i64) {
    let mut ada = store.shopper();
    ada.sign_in(ADMIN).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let report = ada.call("GET", "/api/reports/completed-orders?months=1", None).await.body;
        let usd = &report["months"][0]["totals"][0];
        if usd["net_total_minor"] == net {
            assert_eq!(usd["order_count"], 1, "the order still counts: it was sold");
            return;
        }
        assert!(Instant::now() < deadline, "the report never took the refund out: {report}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The resellable mug goes back into stock (20 s at most).
async fn back_in_stock(store: &Store, mugs: u64) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while store.stock("KIT-001").await != mugs {
        assert!(Instant::now() < deadline, "the returned mug never went back into stock");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The dispatcher finds the return open, accounts for every item, and cannot receive it twice.
async fn received_once(dora: &mut Shopper<'_>, path: &str) {
    let id = path.trim_start_matches("/api/returns/");
    let open = dora.call("GET", "/api/returns", None).await;
    assert!(open.body["items"].as_array().unwrap().iter().any(|r| r["id"] == id), "{}", open.body);
    let wrong = json!({ "lines": [{ "sku": "KIT-001", "quantity": 2, "condition": "resellable" }] });
    assert_eq!(dora.call("POST", &format!("{path}/receive"), Some(wrong)).await.status, 400);
    let right = json!({ "lines": [{ "sku": "KIT-001", "quantity": 1, "condition": "resellable" }] });
    let received = dora.call("POST", &format!("{path}/receive"), Some(right.clone())).await;
    assert_eq!((received.status, received.body["status"].as_str()), (200, Some("received")), "{}", received.body);
    let twice = dora.call("POST", &format!("{path}/receive"), Some(right)).await;
    assert_eq!((twice.status, twice.body["error"]["code"].as_str()), (409, Some("already_received")));
    let open = dora.call("GET", "/api/returns", None).await;
    assert!(!open.body["items"].as_array().unwrap().iter().any(|r| r["id"] == id), "received: no longer open");
}

/// The e-mail whose subject starts with `subject` arrives once, saying each
/// of `needles` (20 s at most).
async fn mailed_once(store: &Store, subject: &str, needles: &[&str]) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let header = format!("Subject: {subject}");
    loop {
        let mails: Vec<String> = store.mails().into_iter().filter(|m| m.contains(&header)).collect();
        if let [mail] = &mails[..] {
            let text = crate::harness::unwrapped(mail);
            for needle in needles {
                assert!(text.contains(needle), "the mail lacks {needle:?}:\n{mail}");
            }
            return;
        }
        assert!(mails.len() < 2, "{subject:?} was mailed {} times", mails.len());
        assert!(Instant::now() < deadline, "{subject:?} was never mailed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The received return's event comes three more times (in-process stores:
/// published again beside the first delivery), as a hub may redeliver it.
async fn redelivered(store: &Store, path: &str, order_id: &str, refund_minor: i64) {
    let Some(state) = &store.state else { return };
    let received = server::contracts::ReturnReceived {
        return_id: path.trim_start_matches("/api/returns/").into(),
        order_id: order_id.into(),
        lines: vec![app::returns::ReceivedLine {
            sku: "KIT-001".into(),
            quantity: 1,
            condition: app::returns::ItemCondition::Resellable,
        }],
        refund_minor,
        currency: "USD".into(),
        net_minor: 1450,
    };
    let again = server::platform::events::Envelope::new("returns", &received, "", None);
    state.hub.publish(&[again.clone(), again.clone(), again]).await.unwrap();
}

/// The order's return page offers what is left of each line or says why
/// nothing is, and lists the return; only the order's holder opens it.
async fn return_page(store: &Store, ann: &mut Shopper<'_>, order_id: &str, path: &str) {
    let args = format!("order_id={order_id}");
    let form = ann.rpc("GET", "/rpc/returns/form", &args).await;
    assert_eq!(form.status, 200, "{}", form.body);
    let line = |sku: &str| form.body["lines"].as_array().unwrap().iter().find(|l| l["sku"] == sku).unwrap().clone();
    assert_eq!(
        (line("KIT-001")["left"].clone(), line("KIT-001")["why_not"].clone()),
        (json!(0), json!("Returned already"))
    );
    for (sku, why) in [("KIT-002", "has not been sent yet"), ("DIG-001", "delivered digitally")] {
        let offered = line(sku);
        assert_eq!(offered["left"], 0, "{offered}");
        assert!(offered["why_not"].as_str().unwrap().contains(why), "{sku}: {offered}");
    }
    assert_eq!(form.body["returns"][0]["id"], path.trim_start_matches("/api/returns/"));
    assert_eq!(store.shopper().rpc("GET", "/rpc/returns/form", &args).await.status, 401, "a guest without the link");
    let mut bob = store.shopper();
    bob.register(format!("bob-{}@example.com", uuid::Uuid::new_v4().simple()), "Bob").await;
    assert_eq!(bob.rpc("GET", "/rpc/returns/form", &args).await.status, 403, "not Bob's order");
}

/// The refund's credit note: listed on the invoice, crediting it with the
/// refund, as JSON and as a PDF the order's holder may read (20 s at most).
async fn credit_note(store: &Store, ann: &mut Shopper<'_>, order_id: &str, path: &str, refund: i64) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let invoice = loop {
        let invoice = ann.call("GET", &format!("/api/invoices/{order_id}"), None).await.body;
        if invoice["credit_notes"].as_array().is_some_and(|notes| !notes.is_empty()) {
            break invoice;
        }
        assert!(Instant::now() < deadline, "the refund was never credited: {invoice}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let return_id = path.trim_start_matches("/api/returns/");
    assert_eq!(invoice["credit_notes"][0]["return_id"], return_id);
    let note_path = format!("/api/invoices/{order_id}/credit-notes/{return_id}");
    let note = ann.call("GET", &note_path, None).await.body;
    assert_eq!((&note["credits"], &note["gross_minor"]), (&invoice["number"], &json!(refund)), "{note}");
    assert_eq!(note["number"], invoice["credit_notes"][0]["number"]);
    let mut request = reqwest::Client::new().get(format!("{}{note_path}/pdf", store.base));
    request = request.header("cookie", ann.cookie().unwrap());
    let pdf = request.send().await.unwrap().bytes().await.unwrap();
    let text = crate::invoices::pdf_text(&pdf);
    for needle in
        ["Credit note", note["number"].as_str().unwrap(), invoice["number"].as_str().unwrap(), "Enamel Camp Mug"]
    {
        assert!(text.contains(needle), "the credit note's PDF lacks {needle:?}:\n{text}");
    }
    let mut bob = store.shopper();
    bob.register(format!("bob-{}@example.com", uuid::Uuid::new_v4().simple()), "Bob").await;
    assert_eq!(bob.call("GET", &note_path, None).await.status, 403, "not Bob's credit note");
}
