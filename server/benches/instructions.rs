//! The workloads whose instructions `cargo xtask bench` counts with
//! callgrind: `instructions <bare|add|order> <n>` does `n` operations one
//! after another against a store (or a bare axum handler) in this process.
//! A machine's speed can swing twofold within an hour; the instructions an
//! operation takes do not, so a change of a few percent shows in them where
//! requests per second cannot tell it from the noise. The count for one
//! operation is the difference of two runs' counts over the difference of
//! their `n`: starting the store costs the same in both.
//!
//! * `bare`: `GET /health/live` of a bare axum JSON handler (the baseline);
//! * `add`: add-to-cart, as the checkout bench sends it;
//! * `order`: an order through the whole pipeline (add, place, reserved,
//!   pay, signed webhook, confirmed, receipt and shipping order), the next
//!   one started once the last is reserved and paid for.

use serde_json::{Value, json};
use std::time::{Duration, Instant};

#[path = "checkout/shop.rs"]
mod shop;

/// How long an order waits before its state is read: long enough, under
/// callgrind, for its stock to be reserved, so each order is read the same
/// number of times (a read is an operation of its own).
const SETTLE: Duration = Duration::from_millis(600);
/// An order not through by then fails the run.
const DEADLINE: Duration = Duration::from_secs(120);

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let (Some(mode), Some(n)) = (args.first(), args.get(1).and_then(|n| n.parse::<usize>().ok())) else {
        println!("instructions: run by `cargo xtask bench` under callgrind (usage: instructions <bare|add|order> <n>)");
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let client = reqwest::Client::new();
        if mode == "bare" {
            return bare_requests(&client, &bare().await, n).await;
        }
        let (base, _running) = shop::serve_store(dir.path()).await;
        match mode.as_str() {
            "add" => add_to_cart(&client, &base, n).await,
            "order" => orders(&client, &base, n).await,
            other => panic!("no workload named {other:?}"),
        }
    });
}

/// A bare axum JSON handler on a loopback port; its base URL.
async fn bare() -> String {
    let router = axum::Router::new()
        .route("/health/live", axum::routing::get(|| async { axum::Json(json!({ "status": "ok" })) }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    base
}

async fn bare_requests(client: &reqwest::Client, base: &str, n: usize) {
    for _ in 0..n {
        let r = client.get(format!("{base}/health/live")).send().await.unwrap();
        assert!(r.status().is_success());
        r.bytes().await.unwrap();
    }
}

/// A cart cookie, from a first add-to-cart.
async fn cart(client: &reqwest::Client, base: &str) -> String {
    let added = client.put(format!("{base}/api/cart/items/KIT-004")).json(&json!({ "quantity": 1 })).send().await;
    let added = added.unwrap();
    assert!(added.status().is_success());
    added.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string()
}

async fn add_to_cart(client: &reqwest::Client, base: &str, n: usize) {
    let cookie = cart(client, base).await;
    for i in 0..n {
        let r = client
            .put(format!("{base}/api/cart/items/KIT-00{}", 1 + i % 4))
            .header("cookie", &cookie)
            .json(&json!({ "quantity": 1 + (i % 3) as u32 }))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
        r.bytes().await.unwrap();
    }
}

async fn read(client: &reqwest::Client, url: &str, cookie: &str) -> Value {
    client.get(url).header("cookie", cookie).send().await.unwrap().json().await.unwrap()
}

/// Reads the order at `url` every [`SETTLE`] until `done`.
async fn until(client: &reqwest::Client, url: &str, cookie: &str, done: fn(&Value) -> bool) {
    let deadline = Instant::now() + DEADLINE;
    loop {
        tokio::time::sleep(SETTLE).await;
        let order = read(client, url, cookie).await;
        if done(&order) {
            return;
        }
        assert!(Instant::now() < deadline, "order not through within {DEADLINE:?}: {order}");
    }
}

/// `n` orders placed and paid for one after another, then each awaited until complete.
async fn orders(client: &reqwest::Client, base: &str, n: usize) {
    let (checkout, card) = (shop::checkout_details(), shop::card());
    let mut paid = Vec::with_capacity(n);
    for _ in 0..n {
        let cookie = cart(client, base).await;
        let url = format!("{base}/api/orders/{}", uuid::Uuid::now_v7());
        let placed = client.put(&url).header("cookie", &cookie).json(&checkout).send().await.unwrap();
        assert_eq!(placed.status(), 201);
        until(client, &url, &cookie, |o| o["stock_reserved"] == true).await;
        let payment = client.post(format!("{url}/payment")).header("cookie", &cookie).json(&card).send().await;
        assert_eq!(payment.unwrap().status(), 202);
        paid.push((url, cookie));
    }
    let completed =
        |o: &Value| o["status"] == "confirmed" && o["receipt_sent"] == true && o["shipping_status"] == "pending";
    for (url, cookie) in &paid {
        until(client, url, cookie, completed).await;
    }
}
