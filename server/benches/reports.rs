//! The completed-orders report at scale: `cargo bench -p server --bench reports`
//! (run by `cargo xtask bench`).
//!
//! * folds 1,000,000 OrderConfirmed events (spread over 12 months, one in a
//!   hundred refunded by an OrderCancelled) into the reports view through the
//!   consumer's fold, [`FOLD_BATCH`] events per transaction, and times it;
//!   the hub's own rate is what the events bench measures;
//! * then times `GET /api/reports/completed-orders?months=12` through the real
//!   route (admin caller), p50/p99 over 2,000 requests, beside `GET /health/live`
//!   on the same router as the baseline.

use app::account::{AccountView, Role, SignedIn};
use axum::body::Body;
use axum::http::Request;
use server::contracts::{OrderCancelled, OrderConfirmed, OrderLine, ShippingAddress};
use server::platform::access::Guarded;
use server::platform::events::Envelope;
use server::platform::store::EmbeddedStore;
use server::reports::{FOLD_BATCH, Reports};
use std::sync::Arc;
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use tower::ServiceExt;

const ORDERS: usize = 1_000_000;
const QUERIES: usize = 2_000;

fn confirmed(n: usize, now: OffsetDateTime) -> Envelope {
    let event = OrderConfirmed {
        order_id: format!("bench-{n}").into(),
        email: "bench@example.com".into(),
        currency: if n.is_multiple_of(10) { "EUR".into() } else { "USD".into() },
        lines: vec![OrderLine {
            sku: "KIT-001".into(),
            name: "Mug".into(),
            quantity: 1,
            unit_price_minor: 1450,
            fulfilment: Default::default(),
        }],
        net_total_minor: 1450 + (n % 100) as i64,
        tax_minor: 116,
        shipping_minor: 0,
        gross_total_minor: 1566 + (n % 100) as i64,
        shipping_address: ShippingAddress {
            name: "B".into(),
            line1: "1 St".into(),
            line2: String::new(),
            city: "C".into(),
            postal_code: "1".into(),
            country: "US".into(),
        },
        number: String::new(),
        account_id: None,
    };
    let mut envelope = Envelope::new("orders", &event, "", None);
    envelope.timestamp = now - time::Duration::days((n % 360) as i64);
    envelope
}

fn percentile(sorted: &[Duration], q: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * q) as usize].as_secs_f64() * 1000.0
}

async fn timed(router: &axum::Router, uri: &str) -> Vec<Duration> {
    let mut latencies = Vec::with_capacity(QUERIES);
    for _ in 0..QUERIES {
        let started = Instant::now();
        let response = router.clone().oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
        assert!(response.status().is_success(), "{uri}: {}", response.status());
        axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        latencies.push(started.elapsed());
    }
    latencies.sort_unstable();
    latencies
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let store = EmbeddedStore::open(dir.path()).unwrap();
        let reports = Arc::new(Reports::open(&store).await.unwrap());
        let now = OffsetDateTime::now_utc();

        let started = Instant::now();
        let mut batch = Vec::with_capacity(FOLD_BATCH);
        for n in 0..ORDERS {
            batch.push(confirmed(n, now));
            if n % 100 == 99 {
                let refund = OrderCancelled { order_id: format!("bench-{n}").into(), reason: "refund".into() };
                batch.push(Envelope::new("orders", &refund, "", None));
            }
            if batch.len() >= FOLD_BATCH - 1 {
                reports.fold(&batch).await.unwrap();
                batch.clear();
            }
        }
        reports.fold(&batch).await.unwrap();
        let fold = started.elapsed();
        let events = ORDERS + ORDERS / 100;
        println!(
            "reports bench: folded {ORDERS} confirmed orders (+{} refunds) in {:.1} s: {:.0} events/s",
            ORDERS / 100,
            fold.as_secs_f64(),
            events as f64 / fold.as_secs_f64()
        );

        let report = reports.completed_orders(12, now).await.unwrap();
        let counted: u64 = report.months.iter().flat_map(|m| &m.totals).map(|t| t.order_count).sum();
        println!("  the 12-month report counts {counted} orders (those confirmed in its window, less refunds)");

        let admin = SignedIn(Some(AccountView {
            id: "a".into(),
            email: "a@x".into(),
            name: "A".into(),
            roles: vec![Role::Admin],
        }));
        let (api, _) = Guarded::<()>::new().nest("/api/reports", server::reports::router(reports.clone())).into_parts();
        let router = api
            .route("/health/live", axum::routing::get(|| async { axum::Json(serde_json::json!({ "status": "live" })) }))
            .layer(axum::Extension(admin));
        let baseline = timed(&router, "/health/live").await;
        let report = timed(&router, "/api/reports/completed-orders?months=12").await;
        println!("{:<48} {:>9} {:>9}", "", "p50 ms", "p99 ms");
        for (name, l) in
            [("GET /health/live (baseline)", &baseline), ("GET /api/reports/completed-orders?months=12", &report)]
        {
            println!("{name:<48} {:>9.3} {:>9.3}", percentile(l, 0.5), percentile(l, 0.99));
        }
        println!("  report p50 = {:.1}x the baseline's", percentile(&report, 0.5) / percentile(&baseline, 0.5));
    });
}
