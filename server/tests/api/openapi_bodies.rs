//! The OpenAPI description says what the API takes: for samples on either
//! side of each described length, pattern and range, the described schema
//! accepts exactly the requests the API does not refuse as bad input (400);
//! and its links lead to operations that exist, with their parameters.

use crate::helpers::TestApp;
use crate::openapi::{description, signed_in};
use app::account::Role;
use axum::http::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// A validator of the component schema `name`, its `$ref`s resolved in the description.
fn component(doc: &Value, name: &str) -> jsonschema::Validator {
    let schema = json!({ "$ref": format!("#/components/schemas/{name}"), "components": doc["components"] });
    jsonschema::validator_for(&schema).expect("a valid schema")
}

/// `base` with `value` at the JSON pointer `at`.
fn with(base: &Value, at: &str, value: Value) -> Value {
    let mut body = base.clone();
    *body.pointer_mut(at).unwrap_or_else(|| panic!("{at} in {base}")) = value;
    body
}

/// Each of `samples` (a value for the field at `at` of `base`) sent as
/// `method uri`: described as valid exactly when not answered 400.
async fn agree(
    app: &TestApp,
    call: (&str, &str, &str),
    schema: &jsonschema::Validator,
    base: Value,
    samples: &[(&str, Value)],
) {
    let (method, uri, cookie) = call;
    for (at, value) in samples {
        let body = with(&base, at, value.clone());
        let reply = app.call(method, uri, Some(cookie), Some(body.clone())).await;
        let answered = reply.status != StatusCode::BAD_REQUEST;
        assert_eq!(schema.is_valid(&body), answered, "{method} {uri} {body}: described vs answered ({})", reply.body);
    }
}

fn text(n: usize) -> Value {
    json!("a".repeat(n))
}

const EMAILS: [&str; 8] = [
    "ann@example.com",
    "ann@example",
    "@example.com",
    "ann@.example.com",
    "ann@example.com.",
    "ann @example.com",
    "ann",
    "a@b.c",
];

#[tokio::test]
async fn the_described_account_bodies_are_the_accepted_ones() {
    let app = crate::helpers::spawn_app().await;
    let doc = description(&app).await;
    let cookie = signed_in(&app, &[]).await;
    let profile = json!({ "name": "Ann", "email": "ann@example.com" });
    let mut samples: Vec<(&str, Value)> = EMAILS.iter().map(|e| ("/email", json!(e))).collect();
    samples.extend([("/name", text(100)), ("/name", text(101)), ("/name", json!("   ")), ("/name", json!(" Ann "))]);
    let call = ("PUT", "/api/account/me", cookie.as_str());
    agree(&app, call, &component(&doc, "ProfileInput"), profile, &samples).await;

    let register = json!({ "email": "x", "name": "Ann", "password": "long enough pw" });
    for (at, value) in
        [("/password", text(9)), ("/password", text(10)), ("/password", text(256)), ("/password", text(257))]
    {
        let body = with(&with(&register, "/email", json!(format!("{}@example.com", uuid::Uuid::new_v4()))), at, value);
        let reply = app.call("POST", "/api/account/register", None, Some(body.clone())).await;
        let described = component(&doc, "RegisterInput").is_valid(&body);
        assert_eq!(described, reply.status != StatusCode::BAD_REQUEST, "{body}: {}", reply.body);
    }
}

#[tokio::test]
async fn the_described_checkout_is_the_accepted_one() {
    let app = crate::helpers::spawn_app().await;
    let doc = description(&app).await;
    let cookie = signed_in(&app, &[]).await;
    let address =
        json!({ "name": "Ann", "line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "US" });
    let checkout = json!({ "email": "ann@example.com", "shipping_address": address });
    let mut samples: Vec<(&str, Value)> = EMAILS.iter().map(|e| ("/email", json!(e))).collect();
    samples.extend([
        ("/shipping_address/name", text(100)),
        ("/shipping_address/name", text(101)),
        ("/shipping_address/line1", json!(" ")),
        ("/shipping_address/city", text(60)),
        ("/shipping_address/city", text(61)),
        ("/shipping_address/postal_code", json!("SW1A 1AA")),
        ("/shipping_address/postal_code", json!("1234567890123")),
        ("/shipping_address/postal_code", json!("12_45")),
        ("/shipping_address/postal_code", json!("   ")),
        ("/shipping_address/country", json!("gb")),
        ("/shipping_address/country", json!("GBR")),
        ("/shipping_address/country", json!("G1")),
    ]);
    // Every sample is a new order; the cart is empty, so a valid one is refused as such (409), not as bad input.
    for (at, value) in samples {
        let uri = format!("/api/orders/{}", uuid::Uuid::new_v4());
        let call = ("PUT", uri.as_str(), cookie.as_str());
        agree(&app, call, &component(&doc, "CheckoutInput"), checkout.clone(), &[(at, value)]).await;
    }
}

#[tokio::test]
async fn the_described_staff_bodies_are_the_accepted_ones() {
    let app = crate::helpers::spawn_app().await;
    let doc = description(&app).await;
    let admin = signed_in(&app, &[Role::Admin]).await;
    let product = json!({ "name": "Tin", "description": "", "price_minor": 100, "category": "kitchen" });
    let samples = [
        ("/name", text(120)),
        ("/name", text(121)),
        ("/name", json!("\t")),
        ("/price_minor", json!(0)),
        ("/price_minor", json!(1)),
        ("/price_minor", json!(100_000_000)),
        ("/price_minor", json!(100_000_001)),
        ("/category", json!("Kitchen!")),
    ];
    let call = ("PUT", "/api/catalog/admin/products/TIN-001", admin.as_str());
    agree(&app, call, &component(&doc, "ProductInput"), product.clone(), &samples).await;
    let long = with(&product, "/description", text(2001));
    assert_eq!(app.call("PUT", call.1, Some(&admin), Some(long.clone())).await.status, StatusCode::BAD_REQUEST);
    assert!(!component(&doc, "ProductInput").is_valid(&long), "a description over 2,000 characters");

    let shipping = json!({ "lines": [], "carrier": "Post", "tracking_number": "T1", "expected_version": 1 });
    let samples = [
        ("/carrier", text(60)),
        ("/carrier", text(61)),
        ("/tracking_number", json!(" ")),
        ("/tracking_number", text(60)),
    ];
    let call = ("POST", "/api/fulfilment/shipping-orders/so-none/process", admin.as_str());
    agree(&app, call, &component(&doc, "ProcessInput"), shipping, &samples).await;
}

#[tokio::test]
async fn every_operation_has_its_own_id_and_every_link_leads_to_one() {
    let doc = description(&crate::helpers::spawn_app().await).await;
    let operations: Vec<&Value> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| ["get", "put", "post", "delete", "patch"].map(|m| &item[m]))
        .filter(|o| o.is_object())
        .collect();
    let ids: Vec<&str> = operations.iter().map(|o| o["operationId"].as_str().expect("an operationId")).collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "operation ids repeat: {ids:?}");
    // The whole store serves every operation: each declared link is there, on every success.
    let by_id = |id: &str| *operations.iter().find(|o| o["operationId"] == id).unwrap_or_else(|| panic!("{id}"));
    for (from, to, _) in server::openapi::FOLLOWS {
        let responses = by_id(from)["responses"].as_object().unwrap();
        for (status, response) in responses.iter().filter(|(status, _)| status.starts_with('2')) {
            for to in *to {
                assert_eq!(response["links"][to]["operationId"], *to, "{from} {status} links to {to}");
                for value in response["links"][to]["parameters"].as_object().unwrap().values() {
                    let pointer = value.as_str().unwrap().strip_prefix("$response.body#");
                    let body = &response["content"]["application/json"]["schema"];
                    pointer.inspect(|p| assert_eq!(described_at(&doc, body, p)["type"], "string", "{from} {p}"));
                }
            }
        }
    }
    for operation in &operations {
        for link in operation["responses"].as_object().unwrap().values().filter_map(|r| r["links"].as_object()) {
            for (name, link) in link {
                let target = operations.iter().find(|o| o["operationId"] == link["operationId"]);
                let target = target.unwrap_or_else(|| panic!("link {name} leads to no operation"));
                let path_parameters: BTreeSet<&str> = target["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|p| p["in"] == "path")
                    .filter_map(|p| p["name"].as_str())
                    .collect();
                for parameter in link["parameters"].as_object().unwrap().keys() {
                    assert!(
                        path_parameters.contains(parameter.as_str()),
                        "link {name}: {parameter} is not the target's"
                    );
                }
            }
        }
    }
}

/// The schema of what `pointer` reaches in a value described by `schema`
/// (array indexes step into `items`, names into `properties`).
fn described_at<'a>(doc: &'a Value, schema: &'a Value, pointer: &str) -> &'a Value {
    let resolve = |schema: &'a Value| match schema["$ref"].as_str() {
        Some(reference) => doc.pointer(reference.trim_start_matches('#')).expect("the reference resolves"),
        None => schema,
    };
    pointer.split('/').skip(1).fold(resolve(schema), |schema, step| match step.parse::<usize>() {
        Ok(_) => resolve(&schema["items"]),
        Err(_) => resolve(&schema["properties"][step]),
    })
}
