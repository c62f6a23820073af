//! The edge of a real `tbs serve` process, over real connections: limits
//! per client answer 429 with `Retry-After` past the configured rate, as the
//! OpenAPI description says they do, and past the connections a client may
//! hold open; a browser asking for a page gets such a refusal as a page.

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

    // The sign-in form posted by a browser without JavaScript, past the limit:
    // a page saying so, with a way back, not the JSON an API client gets.
    let page = client
        .post(format!("{}/rpc/account/sign-in", tbs.base()))
        .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .header("referer", format!("{}/account/sign-in", tbs.base()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("email=r0%40example.com&password=not+the+password")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 429);
    assert!(page.headers()["retry-after"].to_str().unwrap().parse::<u64>().is_ok());
    assert_eq!(page.headers()["cache-control"], "no-store");
    assert_eq!(page.headers()["x-content-type-options"], "nosniff", "a refusal carries the security headers");
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let text = page.text().await.unwrap();
    assert!(text.contains("<h1>Too many tries</h1>") && text.contains("Too many requests; try again in"), "{text}");
    assert!(text.contains("href=\"/account/sign-in\""), "{text}");
    let too_large = client
        .get(format!("{}/api/cart", tbs.base()))
        .header("accept", "text/html")
        .body(vec![b'x'; 300 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(too_large.status(), 413);
    assert_eq!(too_large.headers()["connection"], "close", "the unread body ends the connection: not to be reused");
    let text = too_large.text().await.unwrap();
    assert!(text.contains("<h1>Too much to send</h1>") && text.contains("larger than 256 KiB"), "{text}");

    let doc: serde_json::Value =
        client.get(format!("{}/api/openapi.json", tbs.base())).send().await.unwrap().json().await.unwrap();
    for (path, method) in [("/api/cart/items/{sku}", "put"), ("/api/account/register", "post")] {
        let answer = &doc["paths"][path][method]["responses"]["429"];
        assert!(answer["headers"]["Retry-After"].is_object(), "{method} {path}: 429 is not described: {answer}");
        let schema = &answer["content"]["application/json"]["schema"]["$ref"];
        assert_eq!(schema, "#/components/schemas/Error", "{method} {path}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_holding_its_share_of_live_streams_gets_429_for_one_more() {
    let dir = tempfile::tempdir().unwrap();
    let mut tbs = Tbs::spawn(dir.path(), &["--max-connections-per-client", "3"]);
    tbs.ready(Duration::from_secs(60)).await;
    // A new connection for every request, as many clients would open.
    let client = reqwest::Client::builder().cookie_store(true).pool_max_idle_per_host(0).build().unwrap();
    let account = json!({ "email": "streams@example.com", "name": "S", "password": "long enough pw" });
    let registered = client.post(format!("{}/api/account/register", tbs.base())).json(&account).send().await.unwrap();
    assert_eq!(registered.status(), 201);
    let stream = || client.get(format!("{}/api/tracking/stream", tbs.base())).send();
    let mut streams = Vec::new();
    for _ in 0..3 {
        let open = stream().await.unwrap();
        assert_eq!(open.status(), 200);
        streams.push(open);
    }
    let refused = stream().await.unwrap();
    assert_eq!(refused.status(), 429);
    assert_eq!(refused.headers()["retry-after"], "1");
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_connections");

    streams.pop();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let answer = client.get(format!("{}/health/live", tbs.base())).send().await.unwrap();
        if answer.status() == 200 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "a closed stream did not free its place: {}", answer.status());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
