//! A shopper's profile: updated, then the account deleted — its personal
//! data goes, and AccountDeleted makes the orders service anonymise the
//! orders it placed (on both backends: the orders' `by_account` index).

use crate::harness::{DISPATCHER, Store, new_order_id};
use serde_json::json;

on_both_backends!(a_deleted_account_loses_its_personal_data_and_its_orders_are_anonymised, payment_timeout_secs = 1800);

async fn a_deleted_account_loses_its_personal_data_and_its_orders_are_anonymised(store: Store) {
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let (first, second) = (format!("dee-{tag}@example.com"), format!("dee.d-{tag}@example.com"));
    let first = first.as_str();
    let mut dee = store.shopper();
    let registered = dee.register(first.to_string(), "Dee").await;
    assert_eq!(registered.status, 201, "{}", registered.body);
    let account_id = registered.body["id"].clone();

    let bad = dee.call("PUT", "/api/account/me", Some(json!({ "name": "Dee", "email": "not an address" }))).await;
    assert_eq!((bad.status, bad.body["error"]["field"].clone()), (400, json!("email")));
    let updated = dee.call("PUT", "/api/account/me", Some(json!({ "name": "Dee Dee", "email": second }))).await;
    assert_eq!(updated.status, 200, "{}", updated.body);
    assert_eq!((updated.body["name"].clone(), updated.body["email"].clone()), (json!("Dee Dee"), json!(second)));
    let me = dee.call("GET", "/api/account/me", None).await;
    assert_eq!(me.body["email"], json!(second), "stored");

    dee.add("KIT-001", 1).await;
    let id = new_order_id();
    let placed = dee.place(&id).await;
    assert_eq!(placed.status, 201, "{}", placed.body);
    assert_eq!(placed.body["account_id"], account_id);
    dee.order_until(&id, "its stock reserved", |o| o["stock_reserved"] == true).await;
    assert_eq!(dee.pay(&id, "4242 4242 4242 4242").await.status, 202);
    let confirmed = dee.order_until(&id, "confirmed", |o| o["status"] == "confirmed").await;

    let deleted = dee.call("DELETE", "/api/account/me", None).await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    assert_eq!(dee.call("GET", "/api/account/me", None).await.status, 401, "signed out");
    let sign_in =
        dee.call("POST", "/api/account/sign-in", Some(json!({ "email": second, "password": "long enough pw" }))).await;
    assert_eq!(sign_in.status, 401, "the account is gone: {}", sign_in.body);

    // Staff still see the order (the books keep the sale); once anonymised it
    // belongs to no account.
    let mut staff = store.shopper();
    staff.sign_in(DISPATCHER).await;
    let forgotten = staff.order_until(&id, "anonymised after AccountDeleted", |o| o["email"] == "(deleted)").await;
    let text = forgotten.to_string();
    for personal in ["Dee", "ann@example.com", "1 Main Street", account_id.as_str().unwrap()] {
        assert!(!text.contains(personal), "{personal} is still in the order: {text}");
    }
    assert_eq!(forgotten["account_id"], json!(null));
    assert_eq!(
        (forgotten["totals"].clone(), forgotten["lines"].clone()),
        (confirmed["totals"].clone(), confirmed["lines"].clone())
    );
    assert_eq!(forgotten["status"], "confirmed", "the books keep the sale");

    // The services keeping copies forget too (OrderAnonymised): the shipping
    // order keeps its lines and country, the timeline names nobody.
    let so = format!("/api/fulfilment/shipping-orders/so-{id}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let shipping = loop {
        let shipping = staff.call("GET", &so, None).await.body;
        if shipping["address"]["name"] == "(deleted)" {
            break shipping;
        }
        assert!(std::time::Instant::now() < deadline, "the shipping order kept the address: {shipping}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let timeline = staff.call("GET", &format!("/api/tracking/orders/{id}"), None).await.body;
    for personal in ["Ann Shopper", "1 Main Street", "Springfield", "ann@example.com", first, &second] {
        assert!(!shipping.to_string().contains(personal), "{personal} in the shipping order: {shipping}");
        assert!(!timeline.to_string().contains(personal), "{personal} on the timeline: {timeline}");
    }
    assert_eq!(
        (shipping["address"]["country"].clone(), shipping["lines"][0]["sku"].clone()),
        (json!("US"), json!("KIT-001"))
    );

    let again = store.shopper().register(second, "New").await;
    assert_eq!(again.status, 201, "the address is free again: {}", again.body);
    assert_ne!(again.body["id"], account_id);
}
