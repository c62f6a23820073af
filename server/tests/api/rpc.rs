//! Server functions answer bad input as the REST API does: 4xx JSON naming
//! the problem, never a 500.

use crate::helpers::spawn_app;
use axum::body::Body;
use axum::http::{Request, StatusCode};

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
