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
//! * what each table's calls would cost on DynamoDB, per completed order
//!   (calls, write and read capacity units, counted at the store port), and
//!   the calls an idle store makes per second.

use cpu::Cpu;
use serde_json::{Value, json};
use server::catalog::Catalog;
use server::config::Settings;
use server::platform::store::{Condition, EmbeddedStore, Key, Store};
use server::startup::{app, build};
use std::time::{Duration, Instant};
use usage::Usage;

#[path = "checkout/cpu.rs"]
mod cpu;
#[path = "checkout/usage.rs"]
mod usage;

const CONNECTIONS: usize = 64;
const LOAD_FOR: Duration = Duration::from_secs(5);
const ORDERS: usize = 300;
const ORDER_CONCURRENCY: usize = 16;
/// Orders, and how many in flight, for the throughput the pipeline reaches.
const MANY_ORDERS: usize = 1024;
const MANY_AT_ONCE: usize = 128;
/// How often an order's state is read while waiting for a step: from 2 ms, doubling to 20 ms.
const POLL_FIRST: Duration = Duration::from_millis(2);
const POLL_MOST: Duration = Duration::from_millis(20);
/// A bench that waits for ever measures nothing: an order not through by then fails it.
const ORDER_DEADLINE: Duration = Duration::from_secs(60);

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

/// Seeds the demo catalog with enough stock for every order of the run.
async fn seed(dir: &std::path::Path) {
    let store = EmbeddedStore::open(dir).unwrap();
    let catalog = Catalog::open(&store).await.unwrap();
    catalog.seed_demo().await.unwrap();
    let table = store.open_table(&server::catalog::table_spec()).await.unwrap();
    let mut item = table.get(&Key::new("PRODUCT", "KIT-004")).await.unwrap().unwrap();
    item.attrs["stock"] = json!(1_000_000);
    let version = item.version;
    table.put(item, Condition::Version(version)).await.unwrap();
}

/// The steps of an order whose times are reported: added and placed, stock
/// reserved, payment accepted, confirmed with receipt and shipping order.
const STEPS: [&str; 4] = ["placed", "reserved", "payment accepted", "completed"];

/// One order through the pipeline; the time each of its [`STEPS`] took.
async fn order_once(base: &str, client: &reqwest::Client) -> [Duration; 4] {
    let started = Instant::now();
    let added =
        client.put(format!("{base}/api/cart/items/KIT-004")).json(&json!({ "quantity": 1 })).send().await.unwrap();
    let cookie = added.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let id = uuid::Uuid::now_v7().to_string();
    let checkout = json!({ "email": "bench@example.com", "shipping_address": {
        "name": "Bench", "line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "US" } });
    let placed =
        client.put(format!("{base}/api/orders/{id}")).header("cookie", &cookie).json(&checkout).send().await.unwrap();
    assert_eq!(placed.status(), 201);
    let order = |client: reqwest::Client, url: String, cookie: String| async move {
        client.get(url).header("cookie", cookie).send().await.unwrap().json::<Value>().await.unwrap()
    };
    let url = format!("{base}/api/orders/{id}");
    let deadline = Instant::now() + ORDER_DEADLINE;
    let until = |done: fn(&Value) -> bool, what: &'static str| {
        let (client, url, cookie) = (client.clone(), url.clone(), cookie.clone());
        async move {
            // Looks again soon, then less often: at 128 orders in flight a
            // fixed 5 ms would be 25,000 reads a second of the bench's own.
            let mut pause = POLL_FIRST;
            loop {
                let o = order(client.clone(), url.clone(), cookie.clone()).await;
                if done(&o) {
                    return;
                }
                assert!(Instant::now() < deadline, "order not {what} within {ORDER_DEADLINE:?}: {o}");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(POLL_MOST);
            }
        }
    };
    let placed_at = Instant::now();
    until(|o| o["stock_reserved"] == true, "reserved").await;
    let reserved_at = Instant::now();
    let card = json!({ "card": { "number": "4242424242424242", "expiry": "12/34", "cvc": "123" } });
    let paid = client.post(format!("{url}/payment")).header("cookie", &cookie).json(&card).send().await.unwrap();
    assert_eq!(paid.status(), 202);
    let accepted_at = Instant::now();
    let completed =
        |o: &Value| o["status"] == "confirmed" && o["receipt_sent"] == true && o["shipping_status"] == "pending";
    until(completed, "confirmed, receipted and sent to fulfilment").await;
    [placed_at - started, reserved_at - placed_at, accepted_at - reserved_at, accepted_at.elapsed()]
}

/// `total` orders through the whole pipeline, `concurrency` of them in flight at any time.
async fn completed_orders(base: &str, total: usize, concurrency: usize) -> Duration {
    let start = Instant::now();
    let client = client();
    let workers: Vec<_> = (0..concurrency)
        .map(|w| {
            let (base, client) = (base.to_string(), client.clone());
            let mine = total / concurrency + usize::from(w < total % concurrency);
            tokio::spawn(async move {
                let mut steps = Vec::with_capacity(mine);
                for _ in 0..mine {
                    steps.push(order_once(&base, &client).await);
                }
                steps
            })
        })
        .collect();
    let mut steps: Vec<[Duration; 4]> = Vec::with_capacity(total);
    for w in workers {
        steps.extend(w.await.unwrap());
    }
    let elapsed = start.elapsed();
    let f = figures(steps.iter().map(|s| s.iter().sum()).collect(), elapsed);
    println!(
        "completed orders (place → reserved → paid by webhook → confirmed → receipt + shipping order): \
         {total} orders, {concurrency} at a time: {:.1} orders/s, p50 {:.0} ms, p99 {:.0} ms",
        f.per_sec, f.p50_ms, f.p99_ms
    );
    let by_step: Vec<String> = STEPS
        .iter()
        .enumerate()
        .map(|(i, name)| format!("{name} {:.0} ms", figures(steps.iter().map(|s| s[i]).collect(), elapsed).p50_ms))
        .collect();
    println!("  p50 of each step: {}", by_step.join(", "));
    elapsed
}

/// The store on a fresh embedded data directory in `dir`, serving on a
/// loopback port; its base URL, and its workers (running while kept).
async fn serve_store(dir: &std::path::Path) -> (String, server::workers::Running) {
    let data_dir = dir.join("db");
    seed(&data_dir).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let settings =
        Settings { data_dir, public_url: Some(base.clone()), log_level: "warn".into(), ..Settings::default() };
    let (state, workers) = build(&settings).await.unwrap();
    let running = workers.spawn();
    tokio::spawn(async move { axum::serve(listener, app(state)).await.unwrap() });
    (base, running)
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

/// Completed orders at 16 and at 128 in flight, with their CPU, the commits
/// at 128, and what the orders at 16 cost per order on DynamoDB.
async fn orders(base: &str) {
    let (before_orders, cpu) = (Usage::now(), Cpu::now());
    completed_orders(base, ORDERS, ORDER_CONCURRENCY).await;
    Cpu::now().print_per(&cpu, ORDERS, "completed order");
    let per_order = Usage::now().since(&before_orders);
    let (before_many, cpu) = (Usage::now(), Cpu::now());
    let took = completed_orders(base, MANY_ORDERS, MANY_AT_ONCE).await;
    Cpu::now().print_per(&cpu, MANY_ORDERS, "completed order");
    Usage::now().since(&before_many).print_commits(took);
    per_order.print_per_order(ORDERS);
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let (base, _running) = serve_store(dir.path()).await;
        let bare = bare_axum().await;
        idle_calls().await;
        println!("checkout bench: {CONNECTIONS} connections, {LOAD_FOR:?} each, embedded backend, 1 process");
        add_to_cart(&base, bare).await;
        orders(&base).await;
    });
}
