//! Live tracking latency: `cargo bench -p server --bench tracking` (run by
//! `cargo xtask bench`). The whole store runs in this process on the
//! embedded backend with a real listener and its workers. A shipping order
//! of 100 physical lines is processed one line at a time through the
//! fulfilment service; for each, the time from ShipmentItemProcessed being
//! committed (in the fulfilment outbox) to its timeline entry arriving on an
//! open `GET /api/tracking/orders/{id}/events` stream — outbox relay → hub →
//! tracking consumer → store → wake → SSE — beside a bare axum SSE
//! endpoint fed by a broadcast channel, measured the same way in the same run.
//! Then again with 1,000 streams of other orders open (each a shopper's
//! order page), and the CPU those streams take while nothing happens.

use app::fulfilment::ProcessInput;
use axum::response::sse::{Event, Sse};
use futures_util::StreamExt;
use server::config::Settings;
use server::contracts::{FulfilmentKind, OrderConfirmed, OrderLine, OrderPlaced, ShippingAddress};
use server::fulfilment::Fulfilment;
use server::platform::events::Envelope;
use server::startup::{AppState, app, build};
use server::tracking::{Followed, Owner, Tracking, follow};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

const EVENTS: usize = 100;
/// Streams of other orders open for the second measurement.
const WATCHERS: usize = 1_000;

/// Reads server-sent events from `response` and sends the time each `timeline`/`tick` event arrived.
fn listen(mut response: reqwest::Response) -> tokio::sync::mpsc::UnboundedReceiver<(Instant, String)> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut buffer = String::new();
        while let Ok(Some(chunk)) = response.chunk().await {
            buffer.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buffer.find("\n\n") {
                let block: String = buffer.drain(..end + 2).collect();
                if let Some(data) = block.lines().find_map(|l| l.strip_prefix("data: ")) {
                    let _ = tx.send((Instant::now(), data.to_string()));
                }
            }
        }
    });
    rx
}

fn percentiles(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize].as_secs_f64() * 1000.0;
    (at(0.5), at(0.99))
}

/// A bare axum SSE endpoint that forwards a broadcast channel: the transport's own cost.
async fn bare_sse() -> (String, broadcast::Sender<String>) {
    let (tx, _) = broadcast::channel::<String>(16);
    let sender = tx.clone();
    let router = axum::Router::new().route(
        "/events",
        axum::routing::get(move || {
            let rx = tx.subscribe();
            async move {
                let stream = futures_util::stream::unfold(rx, |mut rx| async move {
                    let data = rx.recv().await.ok()?;
                    Some((Ok::<_, Infallible>(Event::default().event("tick").data(data)), rx))
                });
                Sse::new(stream)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (base, sender)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let settings = Settings {
            data_dir: dir.path().join("db"),
            public_url: Some(base.clone()),
            log_level: "warn".into(),
            ..Settings::default()
        };
        let (state, workers) = build(&settings).await.unwrap();
        let _running = workers.spawn();
        let router = app(state.clone());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        println!(
            "tracking bench: {EVENTS} ShipmentItemProcessed events to an open SSE stream, embedded backend, 1 process"
        );

        // Baseline: bare axum SSE, a broadcast send to arrival.
        let (bare, ticks) = bare_sse().await;
        let client = reqwest::Client::new();
        let mut stream = listen(client.get(format!("{bare}/events")).send().await.unwrap());
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut baseline = Vec::new();
        for i in 0..EVENTS {
            let sent = Instant::now();
            ticks.send(i.to_string()).unwrap();
            let (arrived, _) = stream.recv().await.unwrap();
            baseline.push(arrived - sent);
        }

        let alone = order_to_stream(&state, &base, &client).await;
        // Open pages of other orders: each a stream following its own order.
        let tracking = state.port::<Arc<Tracking>>();
        for i in 0..WATCHERS {
            let stream = follow(tracking.clone(), Followed::Order(format!("other-{i}")));
            tokio::spawn(stream.for_each(|_| async {}));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let (_, idle) = cpu_used(tokio::time::sleep(Duration::from_secs(2))).await;
        let crowded = order_to_stream(&state, &base, &client).await;
        let (b50, b99) = percentiles(baseline);
        println!("{:<62} {:>9} {:>9} {:>9}", "event → open SSE stream", "p50 ms", "p99 ms", "vs base");
        println!("{:<62} {b50:>9.2} {b99:>9.2} {:>8.2}x", "bare axum SSE (broadcast send → arrival)", 1.0);
        for (label, latencies) in [
            ("ShipmentItemProcessed committed → timeline entry arrives".to_string(), alone),
            (format!("the same, with {WATCHERS} other orders' streams open"), crowded),
        ] {
            let (p50, p99) = percentiles(latencies);
            println!("{label:<62} {p50:>9.2} {p99:>9.2} {:>8.1}x", p50 / b50.max(0.001));
        }
        println!(
            "CPU while {WATCHERS} streams wait and nothing is stored: {:.1} % of one core",
            idle.as_secs_f64() / 2.0 * 100.0
        );
    });
}

/// A confirmed order of [`EVENTS`] physical lines, through the hub like any
/// other, processed a line at a time with its SSE stream open: for each
/// line, the time from its processing committed to its entry arriving.
async fn order_to_stream(state: &AppState, base: &str, client: &reqwest::Client) -> Vec<Duration> {
    let order_id = uuid::Uuid::new_v4().to_string();
    // Placed first, so tracking knows the order (a guest's) and its link opens its stream.
    let (placed, confirmed) = order(&order_id);
    let events = [Envelope::new("orders", &placed, "", None), Envelope::new("orders", &confirmed, "", None)];
    state.hub.publish(&events).await.unwrap();
    let fulfilment = state.port::<Arc<Fulfilment>>();
    let so = server::contracts::ShippingOrderId::of(&order_id);
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut version = loop {
        if let Ok(view) = fulfilment.get(&so).await {
            break view.version;
        }
        assert!(Instant::now() < deadline, "no shipping order within 30 s");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let tracking = state.port::<Arc<Tracking>>();
    while tracking.owner(&order_id).await.unwrap() == Owner::Unknown {
        assert!(Instant::now() < deadline, "tracking did not learn of the order within 30 s");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let token = tracking.token(&order_id);
    let url = format!("{base}/api/tracking/orders/{order_id}/events?token={token}");
    let response = client.get(url).send().await.unwrap();
    assert_eq!(response.status(), 200, "the order's stream opens");
    let mut stream = listen(response);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut latencies = Vec::new();
    for i in 0..EVENTS {
        let input = ProcessInput {
            lines: vec![format!("BENCH-{i:03}")],
            carrier: "UPS".into(),
            tracking_number: format!("1Z{i:06}"),
            expected_version: version,
        };
        let view = fulfilment.process(&so, input, "bench", None).await.unwrap();
        let committed = Instant::now();
        version = view.version;
        loop {
            let (arrived, data) = stream.recv().await.expect("the stream stays open");
            if data.contains("\"item_processed\"") && data.contains(&format!("Bench item {i}")) {
                latencies.push(arrived - committed);
                break;
            }
        }
    }
    latencies
}

/// A guest's order of [`EVENTS`] physical lines, placed and confirmed.
fn order(order_id: &str) -> (OrderPlaced, OrderConfirmed) {
    let lines: Vec<OrderLine> = (0..EVENTS)
        .map(|i| OrderLine {
            sku: format!("BENCH-{i:03}"),
            name: format!("Bench item {i}"),
            quantity: 1,
            unit_price_minor: 100,
            fulfilment: FulfilmentKind::Physical,
        })
        .collect();
    let placed = OrderPlaced {
        order_id: order_id.to_string().into(),
        email: "bench@example.com".into(),
        currency: "USD".into(),
        lines: lines.clone(),
        net_total_minor: 100 * EVENTS as i64,
        account_id: None,
    };
    let confirmed = OrderConfirmed {
        order_id: order_id.to_string().into(),
        email: "bench@example.com".into(),
        currency: "USD".into(),
        lines,
        net_total_minor: 100 * EVENTS as i64,
        tax_minor: 0,
        shipping_minor: 0,
        gross_total_minor: 100 * EVENTS as i64,
        shipping_address: ShippingAddress {
            name: "Bench".into(),
            line1: "1 Main St".into(),
            line2: String::new(),
            city: "Springfield".into(),
            postal_code: "12345".into(),
            country: "US".into(),
        },
        number: String::new(),
        account_id: None,
    };
    (placed, confirmed)
}

/// What `work` returns, and the CPU time this process used (all its threads) while it ran
/// (Linux: /proc/self/stat, in ticks of 10 ms).
async fn cpu_used<T>(work: impl Future<Output = T>) -> (T, Duration) {
    let ticks = || {
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
        let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or_default().split_whitespace().collect();
        // utime and stime: fields 14 and 15 of the line, 12 and 13 after the name.
        let field = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
        field(11) + field(12)
    };
    let before = ticks();
    let done = work.await;
    (done, Duration::from_millis((ticks() - before) * 10))
}
