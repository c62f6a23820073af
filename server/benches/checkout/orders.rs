//! The completed-orders phase of the checkout bench: orders through the
//! whole pipeline, some in flight at once, each followed by reading the
//! order until each step shows: as a client that long-polls does, naming
//! the version it has (`If-None-Match`) and asking to be answered when it
//! changes (`Prefer: wait`), so a read is answered as the step happens.

use super::cpu::Cpu;
use super::syncs::Syncs;
use super::usage::Usage;
use super::{client, figures};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const ORDERS: usize = 300;
const ORDER_CONCURRENCY: usize = 16;
/// Orders, and how many in flight, for the throughput the pipeline reaches.
const MANY_ORDERS: usize = 1024;
const MANY_AT_ONCE: usize = 128;
/// How long one read waits for the order to change (`Prefer: wait`).
const WAIT: &str = "wait=5";
/// A bench that waits for ever measures nothing: an order not through by then fails it.
const ORDER_DEADLINE: Duration = Duration::from_secs(60);

/// The bench's own reads of orders while waiting for their steps.
static READS: AtomicUsize = AtomicUsize::new(0);
/// Those of them answered 304: the order unchanged within the read's wait.
static UNCHANGED: AtomicUsize = AtomicUsize::new(0);

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
    let checkout = super::shop::checkout_details();
    let placed =
        client.put(format!("{base}/api/orders/{id}")).header("cookie", &cookie).json(&checkout).send().await.unwrap();
    assert_eq!(placed.status(), 201);
    // The first read is answered at once; each next one once the order changed.
    let order = |client: reqwest::Client, url: String, cookie: String, had: Option<(String, Value)>| async move {
        READS.fetch_add(1, Ordering::Relaxed);
        let tag = had.as_ref().map_or("", |(tag, _)| tag.as_str());
        let request = client.get(url).header("cookie", cookie).header("if-none-match", tag).header("prefer", WAIT);
        let answer = request.send().await.unwrap();
        match (answer.status().as_u16(), had) {
            (304, Some(had)) => {
                UNCHANGED.fetch_add(1, Ordering::Relaxed);
                had
            }
            (200, _) => {
                let tag = answer.headers()["etag"].to_str().unwrap().to_string();
                (tag, answer.json::<Value>().await.unwrap())
            }
            (status, _) => panic!("reading the order: {status}"),
        }
    };
    let url = format!("{base}/api/orders/{id}");
    let deadline = Instant::now() + ORDER_DEADLINE;
    let until = |done: fn(&Value) -> bool, what: &'static str| {
        let (client, url, cookie) = (client.clone(), url.clone(), cookie.clone());
        async move {
            let mut had = None;
            loop {
                let read = order(client.clone(), url.clone(), cookie.clone(), had).await;
                if done(&read.1) {
                    return;
                }
                assert!(Instant::now() < deadline, "order not {what} within {ORDER_DEADLINE:?}: {}", read.1);
                had = Some(read);
            }
        }
    };
    let placed_at = Instant::now();
    until(|o| o["stock_reserved"] == true, "reserved").await;
    let reserved_at = Instant::now();
    let card = super::shop::card();
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
    let (start, reads, unchanged) = (Instant::now(), READS.load(Ordering::Relaxed), UNCHANGED.load(Ordering::Relaxed));
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
    let read = (READS.load(Ordering::Relaxed) - reads) as f64 / total as f64;
    let unchanged = (UNCHANGED.load(Ordering::Relaxed) - unchanged) as f64 / total as f64;
    println!("  the bench read each order {read:.1} times while waiting for its steps ({unchanged:.1} answered 304)");
    elapsed
}

/// Completed orders at 16 and at 128 in flight, with their CPU and disk
/// syncs, the commits at 128, and what the orders at 16 cost per order on
/// DynamoDB.
pub(super) async fn run(base: &str) {
    let (before_orders, cpu, syncs) = (Usage::now(), Cpu::now(), Syncs::now());
    completed_orders(base, ORDERS, ORDER_CONCURRENCY).await;
    Cpu::now().print_per(&cpu, ORDERS, "completed order");
    Syncs::now().print_per(&syncs, ORDERS);
    let per_order = Usage::now().since(&before_orders);
    let (before_many, cpu, syncs) = (Usage::now(), Cpu::now(), Syncs::now());
    let took = completed_orders(base, MANY_ORDERS, MANY_AT_ONCE).await;
    Cpu::now().print_per(&cpu, MANY_ORDERS, "completed order");
    Syncs::now().print_per(&syncs, MANY_ORDERS);
    Usage::now().since(&before_many).print_commits(took);
    per_order.print_per_order(ORDERS);
}
