//! Local accounts, sessions and CSRF protection through the HTTP API.

use crate::helpers::{TestApp, spawn_app, spawn_app_with};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::json;
use server::config::Settings;

async fn register(app: &TestApp, email: &str) -> String {
    let reply = app
        .call(
            "POST",
            "/api/account/register",
            None,
            Some(json!({ "email": email, "name": "Ann", "password": "long enough pw" })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.cookie().unwrap()
}

#[tokio::test]
async fn registering_signs_in_with_an_httponly_session_that_sign_out_ends() {
    let app = spawn_app().await;
    let reply = app
        .call(
            "POST",
            "/api/account/register",
            None,
            Some(json!({ "email": "Ann@Example.com", "name": "Ann", "password": "long enough pw" })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let set_cookie = reply.set_cookie.clone().unwrap();
    for attribute in ["tbs_session=", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    assert!(!reply.body.contains("password"), "no hash in the answer: {}", reply.body);
    let cookie = reply.cookie().unwrap();
    let me = app.call("GET", "/api/account/me", Some(&cookie), None).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["roles"], json!(["shopper"]));
    assert_eq!(me.json()["email"], "Ann@Example.com");

    let anonymous = app.call("GET", "/api/account/me", None, None).await;
    assert_eq!(
        (anonymous.status, anonymous.json()["error"]["code"].clone()),
        (StatusCode::UNAUTHORIZED, json!("unauthenticated"))
    );
    let forged = app.call("GET", "/api/account/me", Some("tbs_session=00ff"), None).await;
    assert_eq!(forged.status, StatusCode::UNAUTHORIZED);

    let out = app.call("POST", "/api/account/sign-out", Some(&cookie), None).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert!(out.set_cookie.unwrap().contains("Max-Age=0"));
    assert_eq!(
        app.call("GET", "/api/account/me", Some(&cookie), None).await.status,
        StatusCode::UNAUTHORIZED,
        "the session is gone"
    );

    let again = app
        .call(
            "POST",
            "/api/account/sign-in",
            None,
            Some(json!({ "email": "ann@example.com", "password": "long enough pw" })),
        )
        .await;
    assert_eq!(again.status, StatusCode::OK, "e-mail matched case-insensitively: {}", again.body);
}

#[tokio::test]
async fn bad_registrations_name_the_field_and_an_e_mail_is_taken_once() {
    let app = spawn_app().await;
    register(&app, "bob@example.com").await;
    let taken = app
        .call(
            "POST",
            "/api/account/register",
            None,
            Some(json!({ "email": "BOB@example.com", "name": "Bob", "password": "another long pw" })),
        )
        .await;
    assert_eq!((taken.status, taken.json()["error"]["code"].clone()), (StatusCode::CONFLICT, json!("email_taken")));
    for (body, field) in [
        (json!({ "email": "bob2@example.com", "name": "Bob", "password": "short" }), "password"),
        (json!({ "email": "not-an-email", "name": "Bob", "password": "long enough pw" }), "email"),
        (json!({ "email": "bob3@example.com", "name": " ", "password": "long enough pw" }), "name"),
        (json!({ "email": "bob4@example.com" }), "body"),
    ] {
        let reply = app.call("POST", "/api/account/register", None, Some(body)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{field}: {}", reply.body);
        assert_eq!(reply.json()["error"]["field"], field);
    }
}

#[tokio::test]
async fn repeated_wrong_passwords_are_throttled_and_a_changed_password_takes_over() {
    let app = spawn_app().await;
    let cookie = register(&app, "cy@example.com").await;
    let wrong = json!({ "email": "cy@example.com", "password": "not the password" });
    for _ in 0..5 {
        let reply = app.call("POST", "/api/account/sign-in", None, Some(wrong.clone())).await;
        assert_eq!(
            (reply.status, reply.json()["error"]["code"].clone()),
            (StatusCode::UNAUTHORIZED, json!("invalid_credentials"))
        );
    }
    let right = json!({ "email": "cy@example.com", "password": "long enough pw" });
    let throttled = app.call("POST", "/api/account/sign-in", None, Some(right.clone())).await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS, "{}", throttled.body);
    let wait: u64 = throttled.retry_after.as_deref().expect("429 says when to retry").parse().unwrap();
    assert!((1..=900).contains(&wait), "Retry-After: {wait}");
    let unknown = app
        .call(
            "POST",
            "/api/account/sign-in",
            None,
            Some(json!({ "email": "nobody@example.com", "password": "whatever pw 1" })),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED, "an unknown e-mail gets the same answer");

    let bad = app
        .call(
            "PUT",
            "/api/account/password",
            Some(&cookie),
            Some(json!({ "current_password": "nope nope nope", "new_password": "a brand new pw" })),
        )
        .await;
    assert_eq!(
        (bad.status, bad.json()["error"]["field"].clone()),
        (StatusCode::BAD_REQUEST, json!("current_password"))
    );
    let changed = app
        .call(
            "PUT",
            "/api/account/password",
            Some(&cookie),
            Some(json!({ "current_password": "long enough pw", "new_password": "a brand new pw" })),
        )
        .await;
    assert_eq!(changed.status, StatusCode::NO_CONTENT, "{}", changed.body);
}

fn cross_site(method: &str, uri: &str, header: (&str, &str)) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header("host", "shop.example")
        .header("content-type", "application/json")
        .header(header.0, header.1)
        .body(Body::from(json!({ "quantity": 1 }).to_string()))
        .unwrap()
}

#[tokio::test]
async fn state_changes_started_by_other_sites_are_refused() {
    let settings = Settings { public_url: Some("http://shop.example".into()), ..Settings::default() };
    let app = spawn_app_with(settings).await;
    for header in [("origin", "https://evil.example"), ("sec-fetch-site", "cross-site"), ("origin", "null")] {
        let reply = app.send(cross_site("PUT", "/api/cart/items/KIT-001", header)).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{header:?}: {}", reply.body);
        assert_eq!(reply.json()["error"]["code"], "cross_site_request");
        let sign_out = app.send(cross_site("POST", "/api/account/sign-out", header)).await;
        assert_eq!(sign_out.status, StatusCode::FORBIDDEN, "{header:?}");
    }
    // The Host header is the caller's to choose: it proves nothing.
    let mut rebound = cross_site("PUT", "/api/cart/items/KIT-001", ("origin", "http://evil.example"));
    rebound.headers_mut().insert("host", "evil.example".parse().unwrap());
    assert_eq!(app.send(rebound).await.status, StatusCode::FORBIDDEN, "Origin = Host = evil.example");
    let same = app.send(cross_site("PUT", "/api/cart/items/KIT-001", ("origin", "http://shop.example"))).await;
    assert_eq!(same.status, StatusCode::OK, "same origin: {}", same.body);
    let fetch = app.send(cross_site("PUT", "/api/cart/items/KIT-001", ("sec-fetch-site", "same-origin"))).await;
    assert_eq!(fetch.status, StatusCode::OK);
    let read =
        app.send(Request::get("/api/cart").header("sec-fetch-site", "cross-site").body(Body::empty()).unwrap()).await;
    assert_eq!(read.status, StatusCode::OK, "reading is not a state change");
}

#[tokio::test]
async fn a_guest_cart_merges_into_the_account_cart_on_sign_in_and_orders_link_to_the_account() {
    let app = spawn_app().await;
    let session = register(&app, "dee@example.com").await;
    // Signed in: the account's own cart.
    let own = app.call("PUT", "/api/cart/items/KIT-001", Some(&session), Some(json!({ "quantity": 2 }))).await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(own.set_cookie.is_none(), "an account's cart needs no cart cookie");
    let out = app.call("POST", "/api/account/sign-out", Some(&session), None).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);

    // As a guest: a cookie cart.
    let guest = app.call("PUT", "/api/cart/items/KIT-001", None, Some(json!({ "quantity": 1 }))).await;
    let guest_cookie = guest.cookie().unwrap();
    app.call("PUT", "/api/cart/items/KIT-002", Some(&guest_cookie), Some(json!({ "quantity": 1 }))).await;

    // Signing in: the first request with both cookies merges the guest cart and drops its cookie.
    let signed_in = app
        .call(
            "POST",
            "/api/account/sign-in",
            Some(&guest_cookie),
            Some(json!({ "email": "dee@example.com", "password": "long enough pw" })),
        )
        .await;
    let session = signed_in.cookie().unwrap();
    let both = format!("{guest_cookie}; {session}");
    let merged = app.call("GET", "/api/cart", Some(&both), None).await;
    assert_eq!(merged.status, StatusCode::OK);
    assert!(merged.set_cookie.as_deref().unwrap_or_default().starts_with("tbs_cart=;"), "{:?}", merged.set_cookie);
    let lines: Vec<(String, u64)> = merged.json()["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["sku"].as_str().unwrap().to_string(), l["quantity"].as_u64().unwrap()))
        .collect();
    assert_eq!(lines, [("KIT-001".to_string(), 3), ("KIT-002".to_string(), 1)], "quantities add up");
    let again = app.call("GET", "/api/cart", Some(&both), None).await.json();
    assert_eq!(again["item_count"], 4, "merged once, however often the old cookie comes back");
    assert_eq!(
        app.call("GET", "/api/cart", Some(&guest_cookie), None).await.json()["item_count"],
        0,
        "the guest cart is gone"
    );

    let id = uuid::Uuid::new_v4().to_string();
    let checkout = json!({ "email": "dee@example.com", "shipping_address": {
        "name": "Dee", "line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "US" } });
    let placed = app.call("PUT", &format!("/api/orders/{id}"), Some(&session), Some(checkout)).await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
    let me = app.call("GET", "/api/account/me", Some(&session), None).await.json();
    assert_eq!(placed.json()["account_id"], me["id"], "the order is linked to the account that placed it");
    assert_eq!(placed.json()["lines"].as_array().unwrap().len(), 2);
    assert_eq!(
        app.call("GET", "/api/cart", Some(&session), None).await.json()["item_count"],
        0,
        "the cart became the order"
    );
}

#[tokio::test]
async fn a_profile_update_keeps_addresses_unique_and_names_bad_fields() {
    let app = spawn_app().await;
    register(&app, "fay@example.com").await;
    let gil = register(&app, "gil@example.com").await;
    let update = |body| app.call("PUT", "/api/account/me", Some(&gil), Some(body));
    let taken = update(json!({ "name": "Gil", "email": "FAY@example.com" })).await;
    assert_eq!((taken.status, taken.json()["error"]["code"].clone()), (StatusCode::CONFLICT, json!("email_taken")));
    let nameless = update(json!({ "name": " ", "email": "gil@example.com" })).await;
    assert_eq!((nameless.status, nameless.json()["error"]["field"].clone()), (StatusCode::BAD_REQUEST, json!("name")));
    let moved = update(json!({ "name": "Gil G", "email": "gil.g@example.com" })).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    // The old address is free, the new one signs in.
    register(&app, "gil@example.com").await;
    let signed_in = app
        .call(
            "POST",
            "/api/account/sign-in",
            None,
            Some(json!({ "email": "gil.g@example.com", "password": "long enough pw" })),
        )
        .await;
    assert_eq!((signed_in.status, signed_in.json()["name"].clone()), (StatusCode::OK, json!("Gil G")));
    let anonymous = app.call("DELETE", "/api/account/me", None, None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_burst_of_sign_ins_gets_no_more_password_checks_than_the_limit() {
    let app = spawn_app().await;
    register(&app, "burst@example.com").await;
    let wrong = json!({ "email": "burst@example.com", "password": "not the password" });
    let tries = (0..30).map(|_| app.call("POST", "/api/account/sign-in", None, Some(wrong.clone())));
    let replies = futures_util::future::join_all(tries).await;
    let checked = replies.iter().filter(|r| r.status == StatusCode::UNAUTHORIZED).count();
    let refused: Vec<_> = replies.iter().filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS).collect();
    assert!(checked <= 5, "{checked} of 30 simultaneous attempts had their password checked");
    assert_eq!(checked + refused.len(), 30);
    assert!(refused.iter().all(|r| r.retry_after.is_some()), "every 429 says when to retry");
}

#[tokio::test]
async fn changing_the_password_ends_the_accounts_other_sessions() {
    let app = spawn_app().await;
    let here = register(&app, "two@example.com").await;
    let credentials = json!({ "email": "two@example.com", "password": "long enough pw" });
    let elsewhere = app.call("POST", "/api/account/sign-in", None, Some(credentials)).await.cookie().unwrap();
    assert_eq!(app.call("GET", "/api/account/me", Some(&elsewhere), None).await.status, StatusCode::OK);
    let change = json!({ "current_password": "long enough pw", "new_password": "a brand new pw" });
    let changed = app.call("PUT", "/api/account/password", Some(&here), Some(change)).await;
    assert_eq!(changed.status, StatusCode::NO_CONTENT, "{}", changed.body);
    assert_eq!(app.call("GET", "/api/account/me", Some(&here), None).await.status, StatusCode::OK, "this one stays");
    let other = app.call("GET", "/api/account/me", Some(&elsewhere), None).await;
    assert_eq!(other.status, StatusCode::UNAUTHORIZED, "the other session ended");
}

/// A change a device queued while one account was signed in, sent after
/// another signed in on that browser, is refused, not applied to the other's cart.
#[tokio::test]
async fn a_change_made_by_one_account_is_never_applied_for_another() {
    let app = spawn_app().await;
    let ann = register(&app, "ann.device@example.com").await;
    let ann_id = app.call("GET", "/api/account/me", Some(&ann), None).await.json()["id"].as_str().unwrap().to_string();
    let bob = register(&app, "bob.device@example.com").await;
    let made_by_ann = |cookie: &str, key: &str| {
        Request::builder()
            .method("POST")
            .uri("/api/cart/items/KIT-001")
            .header("cookie", cookie)
            .header("content-type", "application/json")
            .header("idempotency-key", key)
            .header("tbs-made-by", &ann_id)
            .body(Body::from(json!({"quantity": 1}).to_string()))
            .unwrap()
    };
    let refused = app.send(made_by_ann(&bob, "ann-1")).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert_eq!(refused.json()["error"]["code"], "account_changed");
    let bobs_cart = app.call("GET", "/api/cart", Some(&bob), None).await;
    assert_eq!(bobs_cart.json()["item_count"], 0, "nothing of Ann's reached Bob's cart");
    let signed_out = app.send(made_by_ann("tbs_cart=none", "ann-2")).await;
    assert_eq!(signed_out.status, StatusCode::CONFLICT, "Ann's change is not applied to a guest cart either");

    let applied = app.send(made_by_ann(&ann, "ann-3")).await;
    assert_eq!(applied.status, StatusCode::OK, "{}", applied.body);
    assert_eq!(applied.json()["item_count"], 1);

    // A method the path does not have is that, whoever made it.
    let mut patch = made_by_ann(&bob, "ann-4");
    *patch.method_mut() = axum::http::Method::PATCH;
    assert_eq!(app.send(patch).await.status, StatusCode::METHOD_NOT_ALLOWED);
}

/// The account page's form: its server function checks the current
/// password, keeps this session and ends the others.
#[tokio::test]
async fn the_account_page_changes_the_password_and_signs_out_everywhere_else() {
    let app = spawn_app().await;
    let cookie = register(&app, "dee@example.com").await;
    let old = json!({ "email": "dee@example.com", "password": "long enough pw" });
    let elsewhere = app.call("POST", "/api/account/sign-in", None, Some(old.clone())).await.cookie().unwrap();
    let change = |current: &str| {
        Request::post("/rpc/account/password")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", &cookie)
            .body(Body::from(format!("current_password={}&new_password=a+brand+new+pw", current.replace(' ', "+"))))
            .unwrap()
    };
    let wrong = app.send(change("nope nope nope")).await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST, "{}", wrong.body);
    assert!(wrong.body.contains("The current password is wrong"), "{}", wrong.body);
    let changed = app.send(change("long enough pw")).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);

    assert_eq!(app.call("GET", "/api/account/me", Some(&elsewhere), None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.call("GET", "/api/account/me", Some(&cookie), None).await.status, StatusCode::OK);
    let refused = app.call("POST", "/api/account/sign-in", None, Some(old)).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "the old password is gone");
    let new = json!({ "email": "dee@example.com", "password": "a brand new pw" });
    assert_eq!(app.call("POST", "/api/account/sign-in", None, Some(new)).await.status, StatusCode::OK);
}
