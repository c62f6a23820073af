//! The OpenAPI description (`GET /api/openapi.json`) is true to the code: it
//! lists exactly the registered routes, each with the access decision its
//! guard enforces and exactly the methods it answers, and real answers have
//! a documented status and the documented shape.

use crate::helpers::{Reply, TestApp, spawn_app};
use app::account::Role;
use axum::http::StatusCode;
use serde_json::{Value, json};
use server::identity::Identity;
use server::platform::access::Access;
use std::collections::BTreeSet;
use std::sync::Arc;

pub(crate) async fn description(app: &TestApp) -> Value {
    let doc = app.get_json("/api/openapi.json", StatusCode::OK).await;
    assert_eq!(doc["openapi"], "3.1.0");
    doc
}

pub(crate) async fn signed_in(app: &TestApp, roles: &[Role]) -> String {
    let email = format!("{}@example.com", uuid::Uuid::new_v4().simple());
    app.state.port::<Arc<Identity>>().create_user(&email, "Doc Reader", "persona password", roles).await.unwrap();
    let body = json!({ "email": email, "password": "persona password" });
    app.call("POST", "/api/account/sign-in", None, Some(body)).await.cookie().unwrap()
}

/// How the description's readers are told to read `x-access` (its `info`).
fn access_name(access: Access) -> String {
    match access {
        Access::Public => "public".into(),
        Access::SignedIn => "signed_in".into(),
        Access::OrderHolder => "order_holder".into(),
        Access::Role(role) => format!("role:{}", serde_json::to_value(role).unwrap().as_str().unwrap()),
    }
}

#[tokio::test]
async fn every_route_is_described_with_its_access_and_only_its_methods() {
    let app = spawn_app().await;
    let doc = description(&app).await;
    let (_, table) = server::startup::api_routes(&app.state).into_parts();
    let registered: BTreeSet<String> = table.iter().map(|r| r.path.clone()).collect();
    let described: BTreeSet<String> = doc["paths"].as_object().unwrap().keys().cloned().collect();
    assert_eq!(described, registered, "the description's paths are the router's");

    let admin = signed_in(&app, &[Role::Admin]).await;
    for route in &table {
        let path = &route.path;
        let item = &doc["paths"][&path];
        assert_eq!(item["x-access"], access_name(route.access), "{path}: x-access is the guard's decision");
        for method in ["GET", "POST", "PUT", "DELETE", "PATCH"] {
            let documented = item.get(method.to_lowercase()).is_some();
            // Signing out or deleting the account ends the session: a throw-away one.
            let ends_session = path.ends_with("sign-out") || (method == "DELETE" && path.ends_with("/me"));
            let cookie = if ends_session { signed_in(&app, &[Role::Admin]).await } else { admin.clone() };
            let uri = path.replace("{sku}", "KIT-001").replace("{id}", &uuid::Uuid::new_v4().to_string());
            let reply = app.call(method, &uri, Some(&cookie), Some(json!({}))).await;
            assert_eq!(
                reply.status != StatusCode::METHOD_NOT_ALLOWED,
                documented,
                "{method} {path}: described {documented}, answered {}",
                reply.status
            );
        }
    }
}

/// Checks `reply` against the operation `method path` of the description:
/// its status is one of the documented responses, and a JSON body is valid
/// (the `jsonschema` crate) against that response's schema, whose `$ref`s
/// resolve in the description's components.
fn conforms(doc: &Value, method: &str, path: &str, reply: &Reply) {
    let operation = &doc["paths"][path][method.to_lowercase()];
    assert!(operation.is_object(), "{method} {path} is not described");
    let response = &operation["responses"][reply.status.as_str()];
    assert!(response.is_object(), "{method} {path}: status {} is not described ({})", reply.status, reply.body);
    if let Some(schema) = response.pointer("/content/application~1json/schema") {
        let body: Value = serde_json::from_str(&reply.body).expect("a JSON body");
        let mut schema = schema.clone();
        schema["components"] = doc["components"].clone();
        let validator = jsonschema::validator_for(&schema).expect("the description's schemas are valid");
        let problems: Vec<String> =
            validator.iter_errors(&body).map(|e| format!("{}: {e}", e.instance_path())).collect();
        assert!(problems.is_empty(), "{method} {path} {}: {problems:#?}\n{body:#}", reply.status);
    }
}

#[tokio::test]
async fn real_answers_have_a_described_status_and_shape() {
    let app = spawn_app().await;
    let doc = &description(&app).await;
    let check = |method: &'static str, path: &'static str| move |reply: &Reply| conforms(doc, method, path, reply);

    check("GET", "/api/catalog/products")(&app.get("/api/catalog/products?limit=100").await);
    check("GET", "/api/catalog/products")(&app.get("/api/catalog/products?limit=0").await);
    check("GET", "/api/catalog/products/{sku}")(&app.get("/api/catalog/products/KIT-001").await);
    check("GET", "/api/catalog/products/{sku}")(&app.get("/api/catalog/products/NOPE-404").await);
    check("GET", "/api/catalog/categories")(&app.get("/api/catalog/categories").await);

    let shopper = app
        .call(
            "POST",
            "/api/account/register",
            None,
            Some(json!({ "email": "doc@example.com", "name": "Doc", "password": "long enough pw" })),
        )
        .await;
    check("POST", "/api/account/register")(&shopper);
    let cookie = shopper.cookie().unwrap();
    let again = json!({ "email": "doc@example.com", "name": "Doc", "password": "long enough pw" });
    check("POST", "/api/account/register")(&app.call("POST", "/api/account/register", None, Some(again)).await);
    let wrong = json!({ "email": "doc@example.com", "password": "not the password" });
    check("POST", "/api/account/sign-in")(&app.call("POST", "/api/account/sign-in", None, Some(wrong)).await);
    check("GET", "/api/account/me")(&app.call("GET", "/api/account/me", Some(&cookie), None).await);
    check("GET", "/api/account/me")(&app.call("GET", "/api/account/me", None, None).await);

    let put = async |sku: &str, quantity: u32| {
        app.call("PUT", &format!("/api/cart/items/{sku}"), Some(&cookie), Some(json!({ "quantity": quantity }))).await
    };
    check("PUT", "/api/cart/items/{sku}")(&put("KIT-001", 2).await);
    check("PUT", "/api/cart/items/{sku}")(&put("KIT-002", 0).await);
    check("PUT", "/api/cart/items/{sku}")(&put("NOPE-404", 1).await);
    check("PUT", "/api/cart/items/{sku}")(&put("KIT-002", 1).await);
    check("DELETE", "/api/cart/items/{sku}")(&app.call("DELETE", "/api/cart/items/KIT-002", Some(&cookie), None).await);
    check("GET", "/api/cart")(&app.call("GET", "/api/cart", Some(&cookie), None).await);

    let id = uuid::Uuid::new_v4().to_string();
    let address =
        json!({ "name": "Doc", "line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "US" });
    let order = json!({ "email": "doc@example.com", "shipping_address": address });
    let placed = app.call("PUT", &format!("/api/orders/{id}"), Some(&cookie), Some(order.clone())).await;
    check("PUT", "/api/orders/{id}")(&placed);
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
    check("PUT", "/api/orders/{id}")(&app.call("PUT", &format!("/api/orders/{id}"), Some(&cookie), Some(order)).await);
    check("DELETE", "/api/cart")(&app.call("DELETE", "/api/cart", Some(&cookie), None).await);
    check("GET", "/api/orders/{id}")(&app.call("GET", &format!("/api/orders/{id}"), Some(&cookie), None).await);
    check("GET", "/api/orders/{id}")(&app.call("GET", &format!("/api/orders/{id}"), None, None).await);
    check("GET", "/api/orders")(&app.call("GET", "/api/orders", Some(&cookie), None).await);
    check("GET", "/api/orders/{id}/details")(
        &app.call("GET", &format!("/api/orders/{id}/details"), Some(&cookie), None).await,
    );
    let bad_card = json!({ "card": { "number": "1234", "expiry": "12/34", "cvc": "123" } });
    check("POST", "/api/orders/{id}/payment")(
        &app.call("POST", &format!("/api/orders/{id}/payment"), Some(&cookie), Some(bad_card)).await,
    );

    let admin = signed_in(&app, &[Role::Admin]).await;
    let report = "/api/reports/completed-orders";
    let empty = app.call("GET", report, Some(&admin), None).await;
    assert_eq!(empty.json()["as_of"], Value::Null, "no confirmed order yet: nothing to be as of");
    check("GET", report)(&empty);
    check("GET", report)(&app.call("GET", &format!("{report}?months=99"), Some(&admin), None).await);
    check("GET", report)(&app.call("GET", report, Some(&cookie), None).await);
    let queue = "/api/fulfilment/shipping-orders";
    check("GET", queue)(&app.call("GET", queue, Some(&admin), None).await);
    check("GET", "/api/fulfilment/shipping-orders/{id}")(
        &app.call("GET", &format!("{queue}/so-none"), Some(&admin), None).await,
    );
    check("GET", "/api/tracking/orders/{id}")(
        &app.call("GET", &format!("/api/tracking/orders/{id}"), Some(&admin), None).await,
    );
    check("GET", "/api/tracking/orders/{id}/events")(
        &app.call("GET", &format!("/api/tracking/orders/{}/events", uuid::Uuid::new_v4()), Some(&admin), None).await,
    );
    check("GET", "/api/orders/{id}")(&app.call("GET", "/api/orders/not-a-uuid", Some(&cookie), None).await);
    check("PUT", "/api/cart/items/{sku}")(&put("not%20a%20sku", 1).await);
    check("GET", "/api/catalog/products/{sku}")(&app.get("/api/catalog/products/not%20a%20sku").await);
    check("DELETE", "/api/cart/items/{sku}")(
        &app.call("DELETE", "/api/cart/items/not%20a%20sku", Some(&cookie), None).await,
    );
    check("GET", "/api/orders/{id}/details")(
        &app.call("GET", "/api/orders/not-a-uuid/details", Some(&cookie), None).await,
    );
    check("GET", "/api/tracking/orders/{id}")(
        &app.call("GET", "/api/tracking/orders/not-a-uuid", Some(&admin), None).await,
    );
    let garbled = axum::http::Request::put("/api/cart/items/KIT-001")
        .header("content-type", "application/json")
        .header("cookie", &cookie)
        .body(axum::body::Body::from("{ not json"))
        .unwrap();
    check("PUT", "/api/cart/items/{sku}")(&app.send(garbled).await);
    // What the edge answers before any handler is described too.
    let sign_in = axum::http::Request::post("/api/account/sign-in")
        .header("content-type", "application/json")
        .body(axum::body::Body::from("{ not json"))
        .unwrap();
    check("POST", "/api/account/sign-in")(&app.send(sign_in).await);
    let from_elsewhere = axum::http::Request::put("/api/cart/items/KIT-001")
        .header("content-type", "application/json")
        .header("origin", "https://elsewhere.example")
        .body(axum::body::Body::from(r#"{"quantity":1}"#))
        .unwrap();
    let refused = app.send(from_elsewhere).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    check("PUT", "/api/cart/items/{sku}")(&refused);
    let huge = axum::http::Request::post("/api/account/register")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(vec![b' '; server::platform::bad_input::BODY_LIMIT + 1]))
        .unwrap();
    let too_large = app.send(huge).await;
    assert_eq!(too_large.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", too_large.body);
    check("POST", "/api/account/register")(&too_large);
    check("POST", "/api/account/sign-out")(&app.call("POST", "/api/account/sign-out", Some(&cookie), None).await);
    check("GET", "/health/live")(&app.get("/health/live").await);
}

#[tokio::test]
async fn the_described_limits_are_the_enforced_ones() {
    let doc = description(&spawn_app().await).await;
    let schemas = &doc["components"]["schemas"];
    let quantity = &schemas["QuantityBody"]["properties"]["quantity"];
    assert_eq!((&quantity["minimum"], &quantity["maximum"]), (&json!(1), &json!(app::cart::MAX_LINE_QUANTITY)));
    let parameters = doc["paths"]["/api/reports/completed-orders"]["get"]["parameters"].as_array().unwrap();
    let months = &parameters.iter().find(|p| p["name"] == "months").unwrap()["schema"];
    assert_eq!((&months["minimum"], &months["maximum"]), (&json!(1), &json!(app::reports::MAX_MONTHS)));
    for (input, field) in [("RegisterInput", "password"), ("ChangePasswordInput", "new_password")] {
        let min = &schemas[input]["properties"][field]["minLength"];
        assert_eq!(min, &json!(app::account::MIN_PASSWORD_CHARS), "{input}.{field}");
    }
}

/// The schema of the path parameter `name` of `GET path`.
fn path_parameter(doc: &Value, path: &str, name: &str) -> Value {
    let parameters = doc["paths"][path]["get"]["parameters"].as_array().expect("parameters");
    parameters.iter().find(|p| p["name"] == name).expect("the parameter")["schema"].clone()
}

#[tokio::test]
async fn the_described_ids_are_the_accepted_ones() {
    let app = spawn_app().await;
    let doc = description(&app).await;
    let cookie = signed_in(&app, &[]).await;
    let accepted =
        async |path: String| app.call("GET", &path, Some(&cookie), None).await.status != StatusCode::BAD_REQUEST;

    let sku = jsonschema::validator_for(&path_parameter(&doc, "/api/catalog/products/{sku}", "sku")).unwrap();
    let long = "K".repeat(32);
    let too_long = "K".repeat(33);
    for sample in ["KIT-001", "kit-001", "K", &long, &too_long, "KIT_001", "not a sku", "KIT.001"] {
        let answered = accepted(format!("/api/catalog/products/{}", sample.replace(' ', "%20"))).await;
        assert_eq!(sku.is_valid(&json!(sample)), answered, "SKU {sample:?}: described vs answered");
    }

    let order = jsonschema::validator_for(&path_parameter(&doc, "/api/orders/{id}", "id")).unwrap();
    let samples = [
        "3f2a6c1e-8b7d-4c2e-9a1b-5d6e7f8a9b0c",
        "01890a5d-ac96-774b-bcce-b302099a8057",
        "3F2A6C1E-8B7D-4C2E-9A1B-5D6E7F8A9B0C",
        "c232ab00-9414-11ec-b3c8-9f6bdeced846",
        "00000000-0000-0000-0000-000000000000",
        "3f2a6c1e8b7d4c2e9a1b5d6e7f8a9b0c",
        "so-3f2a6c1e",
    ];
    for sample in samples {
        let answered = accepted(format!("/api/orders/{sample}")).await;
        assert_eq!(order.is_valid(&json!(sample)), answered, "order id {sample:?}: described vs answered");
    }
}
