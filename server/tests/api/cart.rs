//! The cart REST API: a guest cart named by a signed cookie.

use crate::helpers::spawn_app;
use axum::http::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_first_edit_creates_the_cart_and_a_signed_httponly_cookie_names_it() {
    let app = spawn_app().await;
    let empty = app.call("GET", "/api/cart", None, None).await;
    assert_eq!(empty.status, StatusCode::OK);
    assert_eq!(empty.json()["item_count"], 0);
    assert!(empty.set_cookie.is_none(), "reading creates no cart");

    let put = app.call("PUT", "/api/cart/items/KIT-001", None, Some(json!({"quantity": 2}))).await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
    let set_cookie = put.set_cookie.clone().expect("a new cart sets its cookie");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    let cookie = put.cookie().unwrap();
    let cart = app.call("GET", "/api/cart", Some(&cookie), None).await.json();
    assert_eq!(cart["item_count"], 2);
    let line = &cart["lines"][0];
    assert_eq!(line["sku"], "KIT-001");
    assert_eq!(line["quantity"], 2);
    let unit = line["unit_price"]["amount_minor"].as_i64().unwrap();
    assert_eq!(line["line_total"]["amount_minor"].as_i64().unwrap(), unit * 2);
    assert_eq!(cart["subtotal"]["amount_minor"].as_i64().unwrap(), unit * 2);
    assert!(line["available"].as_u64().unwrap() >= 2);

    let forged = cookie.replace(cookie.split('=').nth(1).unwrap().split('.').next().unwrap(), &uuid_like());
    let other = app.call("GET", "/api/cart", Some(&forged), None).await.json();
    assert_eq!(other["item_count"], 0, "a cookie with a bad signature names no cart");
}

fn uuid_like() -> String {
    "00000000-0000-4000-8000-000000000000".into()
}

#[tokio::test]
async fn put_sets_the_quantity_so_repeating_it_changes_nothing() {
    let app = spawn_app().await;
    let first = app.call("PUT", "/api/cart/items/KIT-002", None, Some(json!({"quantity": 3}))).await;
    let cookie = first.cookie().unwrap();
    for _ in 0..3 {
        let again = app.call("PUT", "/api/cart/items/kit-002", Some(&cookie), Some(json!({"quantity": 3}))).await;
        assert_eq!(again.status, StatusCode::OK);
        assert!(again.set_cookie.is_none(), "an existing cart keeps its cookie");
        assert_eq!(again.json()["item_count"], 3);
    }
    let second = app.call("PUT", "/api/cart/items/KIT-003", Some(&cookie), Some(json!({"quantity": 1}))).await;
    assert_eq!(second.json()["lines"].as_array().unwrap().len(), 2);

    let removed = app.call("DELETE", "/api/cart/items/KIT-002", Some(&cookie), None).await;
    assert_eq!(removed.status, StatusCode::OK);
    assert_eq!(removed.json()["item_count"], 1);
    let removed_again = app.call("DELETE", "/api/cart/items/KIT-002", Some(&cookie), None).await;
    assert_eq!(removed_again.json()["item_count"], 1, "deleting twice is fine");

    let cleared = app.call("DELETE", "/api/cart", Some(&cookie), None).await;
    assert_eq!(cleared.status, StatusCode::NO_CONTENT);
    assert_eq!(app.call("GET", "/api/cart", Some(&cookie), None).await.json()["item_count"], 0);
}

#[tokio::test]
async fn bad_quantities_unknown_products_and_too_much_get_clear_errors() {
    let app = spawn_app().await;
    for (body, why) in [
        (json!({"quantity": 0}), "zero"),
        (json!({"quantity": 11}), "over the limit"),
        (json!({"quantity": -1}), "negative"),
        (json!({"quantity": "two"}), "not a number"),
        (json!({"qty": 1}), "wrong field"),
    ] {
        let reply = app.call("PUT", "/api/cart/items/KIT-001", None, Some(body)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{why}: {}", reply.body);
        assert_eq!(reply.json()["error"]["field"], "quantity", "{why}");
        assert!(reply.set_cookie.is_none(), "{why}: a refused edit creates no cart");
    }
    let unknown = app.call("PUT", "/api/cart/items/NOPE-999", None, Some(json!({"quantity": 1}))).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.json()["error"]["code"], "product_not_found");

    let stock = app.get_json("/api/catalog/products/KIT-001", StatusCode::OK).await["stock"].as_u64().unwrap();
    // A cart line cannot ask for more than the catalog holds (the demo stock is below the per-line limit for some).
    let low = app.get_json("/api/catalog/products?limit=50", StatusCode::OK).await["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["stock"].as_u64().unwrap() < 10)
        .cloned()
        .expect("the demo catalog has a product with fewer than 10 in stock");
    let sku = low["sku"].as_str().unwrap();
    let too_many = low["stock"].as_u64().unwrap() + 1;
    let reply = app.call("PUT", &format!("/api/cart/items/{sku}"), None, Some(json!({"quantity": too_many}))).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert_eq!(reply.json()["error"]["code"], "insufficient_stock");
    assert!(stock > 0);
}

/// An edit with an `Idempotency-Key`, as the app's outbox sends it.
async fn keyed(
    app: &crate::helpers::TestApp,
    method: &str,
    uri: &str,
    cookie: Option<&str>,
    key: &str,
    body: Option<serde_json::Value>,
) -> crate::helpers::Reply {
    let mut request = axum::http::Request::builder().method(method).uri(uri).header("idempotency-key", key);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let body = match body {
        Some(json) => {
            request = request.header("content-type", "application/json");
            axum::body::Body::from(json.to_string())
        }
        None => axum::body::Body::empty(),
    };
    app.send(request.body(body).unwrap()).await
}

#[tokio::test]
async fn a_change_id_is_applied_at_most_once_and_a_replay_is_answered_with_the_cart() {
    let app = spawn_app().await;
    let first = keyed(&app, "POST", "/api/cart/items/KIT-001", None, "c-1", Some(json!({"quantity": 2}))).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let cookie = first.cookie().unwrap();
    // The answer was lost and the outbox sends the same change again: nothing more is added.
    for _ in 0..3 {
        let replay =
            keyed(&app, "POST", "/api/cart/items/KIT-001", Some(&cookie), "c-1", Some(json!({"quantity": 2}))).await;
        assert_eq!(replay.status, StatusCode::OK);
        assert_eq!(replay.json()["item_count"], 2, "a replayed addition is not applied twice");
    }
    // A new change id adds again; without an id every POST adds.
    let second =
        keyed(&app, "POST", "/api/cart/items/KIT-001", Some(&cookie), "c-2", Some(json!({"quantity": 1}))).await;
    assert_eq!(second.json()["item_count"], 3);
    let plain = app.call("POST", "/api/cart/items/KIT-001", Some(&cookie), Some(json!({"quantity": 1}))).await;
    assert_eq!(plain.json()["item_count"], 4);

    // In order: set 1 (c-3), remove (c-4); replaying c-3 after c-4 must not bring the line back.
    keyed(&app, "PUT", "/api/cart/items/KIT-001", Some(&cookie), "c-3", Some(json!({"quantity": 1}))).await;
    let removed = keyed(&app, "DELETE", "/api/cart/items/KIT-001", Some(&cookie), "c-4", None).await;
    assert_eq!(removed.json()["item_count"], 0);
    let late = keyed(&app, "PUT", "/api/cart/items/KIT-001", Some(&cookie), "c-3", Some(json!({"quantity": 1}))).await;
    assert_eq!(late.status, StatusCode::OK);
    assert_eq!(late.json()["item_count"], 0, "a replayed change is answered as before, not applied again");

    let bad =
        keyed(&app, "PUT", "/api/cart/items/KIT-001", Some(&cookie), "not a key!", Some(json!({"quantity": 1}))).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.json()["error"]["code"], "invalid_idempotency_key");
}

#[tokio::test]
async fn a_refused_change_is_not_remembered_so_it_can_be_retried_once_possible() {
    let app = spawn_app().await;
    let first = app.call("PUT", "/api/cart/items/KIT-002", None, Some(json!({"quantity": 1}))).await;
    let cookie = first.cookie().unwrap();
    let refused =
        keyed(&app, "PUT", "/api/cart/items/KIT-002", Some(&cookie), "r-1", Some(json!({"quantity": 99}))).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let fine = keyed(&app, "PUT", "/api/cart/items/KIT-002", Some(&cookie), "r-2", Some(json!({"quantity": 2}))).await;
    assert_eq!(fine.json()["item_count"], 2);
}
