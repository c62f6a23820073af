//! Scenario 3's report: completed orders folded from events published on
//! the hub (the public event path), read by an administrator only.

use crate::harness::embedded;
use app::account::Role;
use serde_json::{Value, json};
use server::contracts::{OrderCancelled, OrderConfirmed, OrderLine, ShippingAddress};
use server::platform::events::Envelope;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

fn confirmed(order_id: &str, net: i64, at: OffsetDateTime) -> Envelope {
    let event = OrderConfirmed {
        order_id: order_id.into(),
        email: "a@example.com".into(),
        currency: "USD".into(),
        lines: vec![OrderLine {
            sku: "KIT-001".into(),
            name: "Mug".into(),
            quantity: 1,
            unit_price_minor: net,
            fulfilment: Default::default(),
        }],
        net_total_minor: net,
        tax_minor: 0,
        shipping_minor: 0,
        gross_total_minor: net,
        shipping_address: ShippingAddress {
            name: "A".into(),
            line1: "1 St".into(),
            line2: String::new(),
            city: "C".into(),
            postal_code: "1".into(),
            country: "US".into(),
        },
        number: String::new(),
        account_id: None,
    };
    let mut envelope = Envelope::new("orders", &event, "", None);
    envelope.timestamp = at;
    envelope
}

fn cancelled(order_id: &str, at: OffsetDateTime) -> Envelope {
    let mut envelope =
        Envelope::new("orders", &OrderCancelled { order_id: order_id.into(), reason: "refund".into() }, "", None);
    envelope.timestamp = at;
    envelope
}

fn months_ago(n: i64) -> OffsetDateTime {
    // The 15th, n calendar months back: well inside the month.
    let now = OffsetDateTime::now_utc();
    let mut t = now.replace_day(15).unwrap();
    for _ in 0..n {
        t = t.replace_day(1).unwrap() - time::Duration::days(1);
        t = t.replace_day(15).unwrap();
    }
    t
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_sees_monthly_net_totals_for_the_last_twelve_months() {
    let store = embedded(1800).await;
    let state = store.state.as_ref().unwrap();
    let now = months_ago(0);
    let events = vec![
        confirmed("r-1", 10_00, now),
        confirmed("r-2", 25_50, now),
        confirmed("r-2", 25_50, now), // the same event delivered twice
        confirmed("r-3", 40_00, months_ago(2)),
        confirmed("r-4", 7_00, months_ago(11)),
        confirmed("r-5", 99_00, months_ago(12)), // outside the window
        cancelled("r-6", months_ago(1)),         // cancelled before it was confirmed...
        confirmed("r-6", 5_00, months_ago(1)),   // ...so it never counts
        confirmed("r-7", 3_00, months_ago(2)),
        cancelled("r-7", months_ago(1)), // refunded: taken out of its month again
    ];
    state.hub.publish(&events).await.unwrap();

    let admin = format!("{}@example.com", uuid::Uuid::new_v4().simple());
    state
        .port::<std::sync::Arc<server::identity::Identity>>()
        .create_user(&admin, "Ada", "admin password", &[Role::Admin])
        .await
        .unwrap();
    let mut ada = store.shopper();
    let signed_in =
        ada.call("POST", "/api/account/sign-in", Some(json!({ "email": admin, "password": "admin password" }))).await;
    assert_eq!(signed_in.status, 200);

    let deadline = Instant::now() + Duration::from_secs(20);
    let report = loop {
        let reply = ada.call("GET", "/api/reports/completed-orders?months=12", None).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let total: i64 = reply.body["months"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["totals"][0]["order_count"].as_i64().unwrap())
            .sum();
        if total == 4 {
            break reply.body;
        }
        assert!(Instant::now() < deadline, "the view never caught up: {}", reply.body);
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let months = report["months"].as_array().unwrap();
    assert_eq!(months.len(), 12);
    let at = |i: usize| -> (&Value, &Value) {
        (&months[i]["totals"][0]["net_total_minor"], &months[i]["totals"][0]["order_count"])
    };
    assert_eq!(at(11), (&json!(35_50), &json!(2)), "this month: r-1 + r-2 once");
    assert_eq!(at(10), (&json!(0), &json!(0)), "last month: r-6 was cancelled first");
    assert_eq!(at(9), (&json!(40_00), &json!(1)), "two months ago: r-3, r-7 refunded");
    assert_eq!(at(0), (&json!(7_00), &json!(1)), "eleven months ago: r-4");
    assert_eq!(months[11]["month"], super::reports::month(now));
    assert!(report["as_of"].is_string());

    let mut shopper = store.shopper();
    let registered = shopper
        .call(
            "POST",
            "/api/account/register",
            Some(json!({ "email": "s@example.com", "name": "S", "password": "shopper password" })),
        )
        .await;
    assert_eq!(registered.status, 201);
    assert_eq!(shopper.call("GET", "/api/reports/completed-orders", None).await.status, 403);
    assert_eq!(store.shopper().call("GET", "/api/reports/completed-orders", None).await.status, 401);
    let bad = ada.call("GET", "/api/reports/completed-orders?months=0", None).await;
    assert_eq!((bad.status, bad.body["error"]["field"].as_str()), (400, Some("months")));
}

fn month(t: OffsetDateTime) -> String {
    server::reports::month_of(t)
}
