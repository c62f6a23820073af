//! Server functions answer bad input as the REST API does: 4xx JSON naming
//! the problem, never a 500.

use crate::helpers::spawn_app;
use app::account::Role;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use server::identity::Identity;
use std::sync::Arc;

fn form(path: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(path).header("content-type", "application/x-www-form-urlencoded").body(body.into()).unwrap()
}

#[tokio::test]
async fn arguments_that_do_not_parse_are_a_400_naming_the_problem() {
    let app = spawn_app().await;
    for request in [
        form("/rpc/cart/add", "sku=CAR-001&quantity=-5"),
        form("/rpc/cart/add", "quantity=1"),
        Request::get("/rpc/catalog/product").body(Body::empty()).unwrap(),
    ] {
        let what = format!("{} {}", request.method(), request.uri());
        let reply = app.send(request).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{what}: {}", reply.body);
        let error = &reply.json()["error"];
        assert_eq!(error["code"], "invalid_arguments", "{what}");
        assert!(!error["message"].as_str().unwrap().is_empty());
    }
}

#[tokio::test]
async fn a_service_refusal_keeps_its_4xx() {
    let app = spawn_app().await;
    let reply = app.get("/rpc/catalog/products?limit=abc").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.body.contains("limit"), "{}", reply.body);
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_413_json() {
    let app = spawn_app().await;
    let huge = format!("sku=CAR-001&quantity=1&pad={}", "a".repeat(10 * 1024 * 1024));
    for path in ["/rpc/cart/add", "/api/account/sign-in"] {
        let mut request = form(path, huge.clone());
        request.headers_mut().insert("content-length", huge.len().into());
        let reply = app.send(request).await;
        assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "{path}: {}", reply.body);
        assert_eq!(reply.json()["error"]["code"], "body_too_large");
    }
}

/// A server function's own refusal is the REST API's JSON error for the same
/// refusal: its status, code, field and message.
#[tokio::test]
async fn a_server_functions_refusal_is_the_rest_apis_json_error() {
    let app = spawn_app().await;
    let sign_in = serde_json::json!({ "email": "nobody@example.com", "password": "not the password" });
    let pairs = [
        (form("/rpc/cart/add", "sku=NOPE-1&quantity=1"), ("PUT", "/api/cart/items/NOPE-1", json_quantity(1))),
        (form("/rpc/cart/add", "sku=CAR-001&quantity=0"), ("PUT", "/api/cart/items/CAR-001", json_quantity(0))),
        (
            form("/rpc/account/sign-in", "email=nobody%40example.com&password=not+the+password"),
            ("POST", "/api/account/sign-in", sign_in),
        ),
    ];
    for (rpc, (method, path, body)) in pairs {
        let what = rpc.uri().to_string();
        let (by_rpc, by_rest) = (app.send(rpc).await, app.call(method, path, None, Some(body)).await);
        assert!(by_rpc.status.is_client_error(), "{what}: {} {}", by_rpc.status, by_rpc.body);
        assert_eq!(by_rpc.status, by_rest.status, "{what}: {}", by_rpc.body);
        assert_eq!(by_rpc.content_type, "application/json", "{what}: {}", by_rpc.body);
        assert_eq!(by_rpc.json(), by_rest.json(), "{what}");
        assert!(by_rpc.headers.get(app::rpc::REFUSAL_HEADER).is_none(), "{what}: the edge's own header went out");
    }
}

fn json_quantity(quantity: u32) -> serde_json::Value {
    serde_json::json!({ "quantity": quantity })
}

/// A refusal that names no code of its own is coded by its status.
#[tokio::test]
async fn a_refusal_without_a_code_is_coded_by_its_status() {
    let app = spawn_app().await;
    let reply = app.get("/rpc/dispatch/queue").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.body);
    assert_eq!(reply.json()["error"]["code"], "unauthenticated");
    assert_eq!(reply.json()["error"]["message"], "Sign in first");
}

/// A page whose server function refused keeps the refusal's status, and
/// the header that carries its code stays inside the store.
#[tokio::test]
async fn a_page_keeps_its_status_without_the_refusals_header() {
    let app = spawn_app().await;
    let page = Request::get("/dispatch").header("accept", "text/html").body(Body::empty()).unwrap();
    let reply = app.send(page).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(reply.content_type.starts_with("text/html"), "{}", reply.content_type);
    assert!(reply.headers.get(app::rpc::REFUSAL_HEADER).is_none());
}

/// A form's refusal names the field at fault, as the page shows it by that field.
#[tokio::test]
async fn a_forms_refusal_names_its_field() {
    let app = spawn_app().await;
    let identity = app.state.port::<Arc<Identity>>();
    identity.create_user("ada@example.com", "Ada", "admin password", &[Role::Admin]).await.unwrap();
    let sign_in = serde_json::json!({ "email": "ada@example.com", "password": "admin password" });
    let session = app.call("POST", "/api/account/sign-in", None, Some(sign_in)).await.cookie().unwrap();
    let fields = "sku=KIT-001&name=Mug&description=A+mug&price=a+lot&category=kitchen&fulfilment=physical&image=";
    let mut save = form("/rpc/products/save", fields);
    save.headers_mut().insert("cookie", session.parse().unwrap());
    let reply = app.send(save).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    let error = &reply.json()["error"];
    assert_eq!((&error["code"], &error["field"]), (&"invalid_price_minor".into(), &"price_minor".into()), "{error}");
}
