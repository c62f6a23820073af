//! The edge of a real `tbs serve` process, over real connections: limits
//! per client answer 429 with `Retry-After` past the configured rate, as the
//! OpenAPI description says they do.

// Shared with the crash tests, which use more of it.
#[allow(dead_code)]
#[path = "../crash/process.rs"]
mod process;

use process::Tbs;
use serde_json::json;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn a_client_past_its_rate_gets_429_with_retry_after() {
    let dir = tempfile::tempdir().unwrap();
    let mut tbs = Tbs::spawn(dir.path(), &["--rate-limit-writes", "20", "--rate-limit-sign-ins", "5"]);
    tbs.ready(Duration::from_secs(60)).await;
    let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let mut statuses = Vec::new();
    for _ in 0..40 {
        let reply = client
            .put(format!("{}/api/cart/items/KIT-001", tbs.base()))
            .json(&json!({ "quantity": 1 }))
            .send()
            .await
            .unwrap();
        statuses.push(reply.status().as_u16());
        if reply.status() == 429 {
            let wait: u64 = reply.headers()["retry-after"].to_str().unwrap().parse().unwrap();
            assert!((1..=60).contains(&wait), "Retry-After: {wait}");
            let body: serde_json::Value = reply.json().await.unwrap();
            assert_eq!(body["error"]["code"], "rate_limited");
        }
    }
    let allowed = statuses.iter().filter(|s| **s == 200).count();
    assert_eq!(allowed, 20, "20 writes a minute pass, the rest wait: {statuses:?}");
    assert!(client.get(format!("{}/api/cart", tbs.base())).send().await.unwrap().status().is_success(), "reads pass");

    let registrations = (0..8).map(|i| {
        client
            .post(format!("{}/api/account/register", tbs.base()))
            .json(&json!({ "email": format!("r{i}@example.com"), "name": "R", "password": "long enough pw" }))
            .send()
    });
    let answered: Vec<u16> =
        futures_util::future::join_all(registrations).await.into_iter().map(|r| r.unwrap().status().as_u16()).collect();
    assert_eq!(answered.iter().filter(|s| **s == 201).count(), 5, "{answered:?}");
    assert_eq!(answered.iter().filter(|s| **s == 429).count(), 3, "{answered:?}");

    let doc: serde_json::Value =
        client.get(format!("{}/api/openapi.json", tbs.base())).send().await.unwrap().json().await.unwrap();
    for (path, method) in [("/api/cart/items/{sku}", "put"), ("/api/account/register", "post")] {
        let answer = &doc["paths"][path][method]["responses"]["429"];
        assert!(answer["headers"]["Retry-After"].is_object(), "{method} {path}: 429 is not described: {answer}");
        let schema = &answer["content"]["application/json"]["schema"]["$ref"];
        assert_eq!(schema, "#/components/schemas/Error", "{method} {path}");
    }
}
