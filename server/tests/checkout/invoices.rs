//! Invoices: every paid order gets one, numbered per year with no gaps,
//! readable by whoever may read the order, as JSON and as a PDF; a refund
//! of a return gets a credit note that references it, once.

use crate::harness::{Shopper, Store, new_order_id};
use server::contracts::{OrderConfirmed, OrderLine, ShippingAddress};
use server::platform::events::Envelope;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

on_both_backends!(
    paid_orders_get_invoices_numbered_without_gaps_and_a_pdf_their_holder_may_read,
    payment_timeout_secs = 1800
);

const ORDERS: usize = 5;

/// Adds a mug, places, pays and waits for the confirmation; the order's id.
async fn paid_order(shopper: &mut Shopper<'_>) -> String {
    shopper.add("KIT-001", 1).await;
    let id = new_order_id();
    assert_eq!(shopper.place(&id).await.status, 201);
    shopper.order_until(&id, "its stock reserved", |o| o["stock_reserved"] == true).await;
    assert_eq!(shopper.pay(&id, "4242 4242 4242 4242").await.status, 202);
    shopper.order_until(&id, "confirmed", |o| o["status"] == "confirmed").await;
    id
}

/// The order's link token (as its page and receipt carry it).
async fn link_token(shopper: &mut Shopper<'_>, id: &str) -> String {
    let details = shopper.call("GET", &format!("/api/orders/{id}/details"), None).await;
    details.body["token"].as_str().unwrap_or_else(|| panic!("no token: {}", details.body)).to_string()
}

/// Asks for the order's invoice (with `query`) until it is issued (20 s at most).
async fn invoice(shopper: &mut Shopper<'_>, id: &str, query: &str) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let answer = shopper.call("GET", &format!("/api/invoices/{id}{query}"), None).await;
        if answer.status == 200 {
            return answer.body;
        }
        assert_eq!(answer.status, 404, "{}", answer.body);
        assert_eq!(answer.body["error"]["code"], "invoice_not_found", "{}", answer.body);
        assert!(Instant::now() < deadline, "order {id} never got its invoice");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The sequence part of `INV-<year>-<sequence>`, checking the year is this one.
fn sequence(number: &str) -> u64 {
    let year = time::OffsetDateTime::now_utc().year();
    let rest = [format!("INV-{year}-"), format!("CN-{year}-")]
        .iter()
        .find_map(|prefix| number.strip_prefix(prefix.as_str()))
        .unwrap_or_else(|| panic!("{number} is not this year's"));
    assert_eq!(rest.len(), 6, "{number}");
    rest.parse().unwrap()
}

async fn paid_orders_get_invoices_numbered_without_gaps_and_a_pdf_their_holder_may_read(store: Store) {
    let mut shoppers: Vec<_> = (0..ORDERS).map(|_| store.shopper()).collect();
    let ann_email = format!("ann-{}@example.com", uuid::Uuid::new_v4().simple());
    assert_eq!(shoppers[0].register(&ann_email, "Ann").await.status, 201);
    let ids = futures_util::future::join_all(shoppers.iter_mut().map(paid_order)).await;
    let mut numbers = BTreeSet::new();
    // Guests read theirs with the order's link token.
    for (shopper, id) in shoppers.iter_mut().zip(&ids).skip(1) {
        let token = link_token(shopper, id).await;
        numbers.insert(sequence(invoice(shopper, id, &format!("?token={token}")).await["number"].as_str().unwrap()));
    }

    // Ann signed in reads hers with her session.
    let (ann, id) = (&mut shoppers[0], &ids[0]);
    let issued = invoice(ann, id, "").await;
    numbers.insert(sequence(issued["number"].as_str().unwrap()));
    assert_eq!(numbers, (1..=ORDERS as u64).collect(), "a fresh store's invoices are 1..{ORDERS}, no gap, no twice");
    let order = ann.order(id).await;
    assert_eq!(issued["order_number"], order["number"]);
    assert_eq!(issued["seller"]["name"], "The Better Store");
    assert_eq!(issued["buyer"]["name"], "Ann Shopper");
    assert_eq!(issued["lines"][0]["description"], "Enamel Camp Mug");
    for (ours, theirs) in [("net_minor", "net_minor"), ("tax_minor", "tax_minor"), ("gross_minor", "gross_minor")] {
        assert_eq!(issued[ours], order["totals"][theirs], "{ours}");
    }
    let pdf = pdf(&store, id, ann.cookie(), None).await;
    let text = pdf_text(&pdf);
    let total = app::money::format_money(order["totals"]["gross_minor"].as_i64().unwrap(), "USD");
    let number = issued["number"].as_str().unwrap();
    for needle in [number, order["number"].as_str().unwrap(), "Enamel Camp Mug", "Ann Shopper", &total] {
        assert!(text.contains(needle), "the PDF lacks {needle:?}:\n{text}");
    }
    holders_only(&store, id, ann).await;
}

/// The PDF of order `id`'s invoice, as `cookie` (or the link `token`) downloads it.
async fn pdf(store: &Store, id: &str, cookie: Option<&str>, token: Option<&str>) -> Vec<u8> {
    let mut request = reqwest::Client::new().get(format!("{}/api/invoices/{id}/pdf", store.base));
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    if let Some(token) = token {
        request = request.query(&[("token", token)]);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let disposition = response.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(disposition.starts_with("attachment; filename=\"INV-"), "{disposition}");
    response.bytes().await.unwrap().to_vec()
}

/// What a PDF text extractor reads on the PDF's first page.
pub fn pdf_text(pdf: &[u8]) -> String {
    let document = lopdf::Document::load_mem(pdf).expect("a PDF that parses");
    document.extract_text(&[1]).expect("text on its first page")
}

/// Another shopper may not read Ann's invoice (a guest is asked to sign
/// in), nor anyone without her session, except with the order's link token.
async fn holders_only(store: &Store, id: &str, ann: &mut Shopper<'_>) {
    let mut bob = store.shopper();
    bob.add("KIT-002", 1).await; // a guest with a cart: sign in first
    assert_eq!(bob.call("GET", &format!("/api/invoices/{id}"), None).await.status, 401);
    bob.register(format!("bob-{}@example.com", uuid::Uuid::new_v4().simple()), "Bob").await;
    assert_eq!(bob.call("GET", &format!("/api/invoices/{id}"), None).await.status, 403);
    let mut nobody = store.shopper();
    assert_eq!(nobody.call("GET", &format!("/api/invoices/{id}/pdf"), None).await.status, 401);
    let token = link_token(ann, id).await;
    assert!(pdf_text(&pdf(store, id, None, Some(&token)).await).contains("Enamel Camp Mug"));
    assert_eq!(nobody.call("GET", &format!("/api/invoices/{id}?token=forged"), None).await.status, 401);
}

fn confirmed(order_id: &str) -> Envelope {
    let event = OrderConfirmed {
        order_id: order_id.into(),
        email: "zoe@example.com".into(),
        currency: "EUR".into(),
        lines: vec![OrderLine {
            sku: "KIT-002".into(),
            name: "Crème Brûlée Torch".into(),
            quantity: 2,
            unit_price_minor: 12_00,
            fulfilment: Default::default(),
        }],
        net_total_minor: 24_00,
        tax_minor: 1_92,
        shipping_minor: 4_95,
        gross_total_minor: 30_87,
        shipping_address: ShippingAddress {
            name: "Zoë Müller".into(),
            line1: "Hauptstraße 1".into(),
            line2: String::new(),
            city: "Köln".into(),
            postal_code: "50667".into(),
            country: "DE".into(),
        },
        number: "2001".into(),
        account_id: None,
    };
    Envelope::new("orders", &event, "", None)
}

/// A confirmation delivered three times at once makes one invoice and takes
/// one number: the next order's invoice has the next.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redelivered_confirmation_is_invoiced_once_and_takes_one_number() {
    let store = crate::harness::embedded(1800).await;
    let state = store.state.as_ref().unwrap();
    let invoices = state.port::<std::sync::Arc<server::invoices::Invoices>>();
    let event = confirmed("inv-redelivered");
    state.hub.publish(&[event.clone(), event.clone(), event]).await.unwrap();
    let first = issued(&invoices, "inv-redelivered").await;
    state.hub.publish(&[confirmed("inv-next")]).await.unwrap();
    let next = issued(&invoices, "inv-next").await.number;
    assert_eq!(sequence(&next), sequence(&first.number) + 1, "no number skipped: {} then {next}", first.number);
    assert_eq!(invoices.find("inv-redelivered").await.unwrap().unwrap().0, first, "issued once, never again");

    let text = pdf_text(&server::invoices::pdf::render(&first));
    for needle in ["Zoë Müller", "Hauptstraße 1", "50667 Köln", "Crème Brûlée Torch (KIT-002)", "€30.87", "Tax (8%)"]
    {
        assert!(text.contains(needle), "the PDF lacks {needle:?}:\n{text}");
    }
}

async fn issued(invoices: &server::invoices::Invoices, order_id: &str) -> app::invoices::Invoice {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some((invoice, _)) = invoices.find(order_id).await.unwrap() {
            return invoice;
        }
        assert!(Instant::now() < deadline, "{order_id} was never invoiced");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A return of one torch of order `order_id`, asked for (`ReturnRequested`)
/// and refunded (`RefundIssued`): its torch, its tax share, no shipping.
fn returned_torch(order_id: &str, return_id: &str) -> (Envelope, Envelope) {
    let requested = server::contracts::ReturnRequested {
        return_id: return_id.into(),
        order_id: order_id.into(),
        order_number: "2001".into(),
        email: "zoe@example.com".into(),
        lines: vec![server::contracts::ReturnLine {
            sku: "KIT-002".into(),
            name: "Crème Brûlée Torch".into(),
            quantity: 1,
            unit_price_minor: 12_00,
        }],
        reason: "too hot".into(),
        refund_minor: 12_96,
        currency: "EUR".into(),
        tax_minor: 96,
        shipping_minor: 0,
    };
    let refunded = server::contracts::RefundIssued {
        return_id: return_id.into(),
        order_id: order_id.into(),
        payment_id: "pay_1".into(),
        amount_minor: 12_96,
        currency: "EUR".into(),
        net_minor: 12_00,
    };
    (Envelope::new("returns", &requested, "", None), Envelope::new("payments", &refunded, "", None))
}

/// A refund delivered three times at once makes one credit note and takes
/// one number (the next return's note has the next); it references the
/// invoice, and its PDF says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redelivered_refund_is_credited_once_against_its_invoice() {
    let store = crate::harness::embedded(1800).await;
    let state = store.state.as_ref().unwrap();
    let invoices = state.port::<std::sync::Arc<server::invoices::Invoices>>();
    state.hub.publish(&[confirmed("cn-order")]).await.unwrap();
    let invoice = issued(&invoices, "cn-order").await;
    let (requested, refunded) = returned_torch("cn-order", "ret-1");
    state.hub.publish(&[requested, refunded.clone(), refunded.clone(), refunded]).await.unwrap();
    let first = credited(&invoices, "cn-order", "ret-1").await;
    let (requested, refunded) = returned_torch("cn-order", "ret-2");
    state.hub.publish(&[requested, refunded]).await.unwrap();
    let next = credited(&invoices, "cn-order", "ret-2").await;
    assert!(first.number.starts_with("CN-"), "{}", first.number);
    assert_eq!(sequence(&next.number), sequence(&first.number) + 1, "{} then {}", first.number, next.number);
    assert_eq!(first.credits.as_deref(), Some(invoice.number.as_str()));
    assert_eq!((first.net_minor, first.tax_minor, first.shipping_minor, first.gross_minor), (12_00, 96, 0, 12_96));
    let listed = invoices.find("cn-order").await.unwrap().unwrap().0.credit_notes;
    let numbers: Vec<&str> = listed.iter().map(|n| n.number.as_str()).collect();
    assert_eq!(numbers, [first.number.as_str(), next.number.as_str()], "the invoice lists its credit notes once each");

    let text = pdf_text(&server::invoices::pdf::render(&first));
    for needle in
        ["Credit note", first.number.as_str(), invoice.number.as_str(), "Crème Brûlée Torch (KIT-002)", "€12.96"]
    {
        assert!(text.contains(needle), "the credit note's PDF lacks {needle:?}:\n{text}");
    }
}

async fn credited(invoices: &server::invoices::Invoices, order_id: &str, return_id: &str) -> app::invoices::Invoice {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some((note, _)) = invoices.find_credit_note(order_id, return_id).await.unwrap() {
            return note;
        }
        assert!(Instant::now() < deadline, "return {return_id} was never credited");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
