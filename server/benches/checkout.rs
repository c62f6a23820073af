//! Checkout throughput: `cargo bench -p server --bench checkout` (run by
//! `cargo xtask bench`). The whole store runs in this process on the embedded
//! backend with a real listener, its workers and the simulated provider's
//! HTTP webhooks.
//!
//! * add-to-cart (`PUT /api/cart/items/{sku}`, each connection its own cart)
//!   requests/s and p50/p99 at 64 connections, beside a bare axum JSON
//!   handler measured the same way in the same run;
//! * completed orders/s through the whole pipeline: add to cart → place →
//!   stock reserved → pay → signed webhook → confirmed → receipt e-mailed +
//!   shipping order created, with p50/p99 of that latency per order;
//! * the CPU time per request and per order, and the store's writer
//!   thread's share of it ([`cpu`]);
//! * the disk syncs per completed order: the store's journal's, and those
//!   of the receipts' files and folder ([`syncs`]);
//! * what each table's calls would cost on DynamoDB, per completed order
//!   (calls, write and read capacity units, counted at the store port), and
//!   the calls an idle store makes per second.

use cpu::Cpu;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use usage::Usage;

#[path = "checkout/cpu.rs"]
mod cpu;
#[path = "checkout/orders.rs"]
mod orders;
#[path = "checkout/shop.rs"]
mod shop;
#[path = "checkout/syncs.rs"]
mod syncs;
#[path = "checkout/usage.rs"]
mod usage;

const CONNECTIONS: usize = 64;
const LOAD_FOR: Duration = Duration::from_secs(5);

struct Figures {
    count: usize,
    per_sec: f64,
    p50_ms: f64,
    p99_ms: f64,
}

fn figures(mut latencies: Vec<Duration>, elapsed: Duration) -> Figures {
    latencies.sort_unstable();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize].as_secs_f64() * 1000.0;
    Figures {
        count: latencies.len(),
        per_sec: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50_ms: at(0.5),
        p99_ms: at(0.99),
    }
}

/// `CONNECTIONS` keep-alive clients sending `request` for `LOAD_FOR`.
async fn load(make: impl Fn(usize) -> reqwest::RequestBuilder + Send + Sync + 'static) -> Figures {
    let make = std::sync::Arc::new(make);
    let start = Instant::now();
    let tasks: Vec<_> = (0..CONNECTIONS)
        .map(|n| {
            let make = make.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                while start.elapsed() < LOAD_FOR {
                    let sent = Instant::now();
                    let response = make(n).send().await.expect("request");
                    assert!(response.status().is_success(), "{}", response.status());
                    response.bytes().await.expect("body");
                    latencies.push(sent.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    figures(all, start.elapsed())
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().pool_max_idle_per_host(CONNECTIONS).build().unwrap()
}

async fn bare_axum() -> String {
    let router = axum::Router::new().route(
        "/json",
        axum::routing::put(|axum::Json(body): axum::Json<Value>| async move { axum::Json(json!({ "echo": body })) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    base
}

/// What the store calls with no traffic, once its start has settled.
async fn idle_calls() {
    tokio::time::sleep(Duration::from_secs(5)).await;
    let idle = Usage::now();
    let idle_for = Duration::from_secs(10);
    tokio::time::sleep(idle_for).await;
    Usage::now().since(&idle).print_idle(idle_for);
}

/// A cart cookie for each connection, each naming a cart of its own.
async fn carts(base: &str) -> Vec<String> {
    let setup = client();
    let mut cookies = Vec::new();
    for _ in 0..CONNECTIONS {
        let r =
            setup.put(format!("{base}/api/cart/items/KIT-001")).json(&json!({ "quantity": 1 })).send().await.unwrap();
        cookies.push(r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string());
    }
    cookies
}

/// Add-to-cart beside the bare handler at `bare`: requests/s, latency, CPU
/// per request, and the store's commits meanwhile.
async fn add_to_cart(base: &str, bare: String) {
    let c = client();
    let before_baseline = Cpu::now();
    let baseline = load(move |_| c.put(format!("{bare}/json")).json(&json!({ "quantity": 1 }))).await;
    let baseline_cpu = Cpu::now();
    let (c, cookies, base) = (client(), carts(base).await, base.to_string());
    let (before_add, before_add_cpu) = (Usage::now(), Cpu::now());
    let add = load(move |n| {
        c.put(format!("{base}/api/cart/items/KIT-00{}", 1 + n % 4))
            .header("cookie", &cookies[n])
            .json(&json!({ "quantity": 1 + (n % 3) as u32 }))
    })
    .await;
    let add_cpu = Cpu::now();
    println!("{:<40} {:>10} {:>9} {:>9} {:>9}", "", "req/s", "p50 ms", "p99 ms", "vs base");
    for (name, f) in [("bare axum JSON handler (baseline)", &baseline), ("PUT /api/cart/items/{sku}", &add)] {
        println!(
            "{name:<40} {:>10.0} {:>9.2} {:>9.2} {:>8.2}x",
            f.per_sec,
            f.p50_ms,
            f.p99_ms,
            f.per_sec / baseline.per_sec
        );
    }
    baseline_cpu.print_per(&before_baseline, baseline.count, "bare request");
    add_cpu.print_per(&before_add_cpu, add.count, "add-to-cart");
    Usage::now().since(&before_add).print_commits(LOAD_FOR);
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let (base, _running) = shop::serve_store(dir.path()).await;
        let bare = bare_axum().await;
        idle_calls().await;
        println!("checkout bench: {CONNECTIONS} connections, {LOAD_FOR:?} each, embedded backend, 1 process");
        add_to_cart(&base, bare).await;
        orders::run(&base).await;
    });
}
