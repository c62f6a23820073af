//! Event throughput and latency: `cargo bench -p server --bench events`
//! (run by `cargo xtask bench`, which also starts moto for the AWS figures).
//!
//! * events/s through the hub, publish → received → acknowledged, from one
//!   publisher and from four at once, with p50/p99 latency from the moment
//!   an event is created;
//! * baseline, same run, same store: single-item conditional puts per second;
//! * what one outbox write costs in store calls, counted by a wrapper.

use async_trait::async_trait;
use server::contracts::{StockLine, StockReserved};
use server::platform::consumer::{Handler, RetryPolicy, process_batch};
use server::platform::events::Envelope;
use server::platform::hub::{EmbeddedHub, EventHub, Subscription};
use server::platform::outbox::{Relay, stage};
use server::platform::store::{
    Condition, EmbeddedStore, Item, Key, Page, Query, Store, StoreError, Table, TableSpec, WriteOp,
};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

fn event(n: usize) -> Envelope {
    let e = StockReserved {
        order_id: format!("bench-{n}").into(),
        lines: vec![StockLine { sku: "KIT-001".into(), quantity: 1 }],
    };
    Envelope::new("bench", &e, "", None)
}

fn subscriptions() -> Vec<Subscription> {
    vec![Subscription::new("bench", &["StockReserved"])]
}

/// Single-item conditional puts per second on `store`.
async fn baseline_puts(store: &dyn Store, n: usize) -> f64 {
    let table = store.open_table(&TableSpec::new("bench-baseline")).await.unwrap();
    let start = Instant::now();
    for i in 0..n {
        let item = Item::new(Key::new("P", format!("{i:08}")), serde_json::json!({ "n": i }));
        table.put(item, Condition::NotExists).await.unwrap();
    }
    n as f64 / start.elapsed().as_secs_f64()
}

/// Records each event's time from its creation to being handled.
struct Timing(Mutex<Vec<f64>>);

#[async_trait]
impl Handler for Timing {
    fn consumer(&self) -> &'static str {
        "bench"
    }

    fn subscribes_to(&self) -> Vec<&'static str> {
        vec!["StockReserved"]
    }

    async fn handle(&self, event: &Envelope) -> anyhow::Result<()> {
        let waited = OffsetDateTime::now_utc() - event.timestamp;
        self.0.lock().unwrap().push(waited.as_seconds_f64() * 1000.0);
        Ok(())
    }
}

/// Publishes `n` events in batches of 10, `publishers` at once, while one
/// consumer drains them, as the store's consumers do (`process_batch`:
/// received, handled, acknowledged). One publisher alone waits for each
/// commit before its next: its flood measures the disk's time to sync as
/// much as the hub; several publish as the store's services do.
async fn throughput(hub: Arc<dyn EventHub>, n: usize, publishers: usize) -> Flood {
    let start = Instant::now();
    let producers: Vec<_> = (0..publishers)
        .map(|p| {
            let hub = hub.clone();
            tokio::spawn(async move {
                let mine: Vec<usize> = (p..n).step_by(publishers).collect();
                for batch in mine.chunks(10) {
                    let events: Vec<Envelope> = batch.iter().map(|&i| event(i)).collect();
                    hub.publish(&events).await.unwrap();
                }
            })
        })
        .collect();
    let timing = Timing(Mutex::new(Vec::with_capacity(n)));
    let mut handled = 0;
    while handled < n {
        handled += process_batch(&*hub, &timing, RetryPolicy::default(), Duration::from_secs(1)).await.unwrap().len();
    }
    for producer in producers {
        producer.await.unwrap();
    }
    let rate = n as f64 / start.elapsed().as_secs_f64();
    let mut latencies = timing.0.into_inner().unwrap();
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
    Flood { publishers, rate, p50: at(0.5), p99: at(0.99) }
}

/// Events/s of a flood, and their latency from creation to handled (ms).
struct Flood {
    publishers: usize,
    rate: f64,
    p50: f64,
    p99: f64,
}

/// One event at a time: publish, then wait until it is received and
/// acknowledged. Latency without queueing, p50/p99 in ms.
async fn closed_loop_latency(hub: &dyn EventHub, n: usize) -> (f64, f64) {
    let mut latencies = Vec::with_capacity(n);
    for i in 0..n {
        let started = Instant::now();
        hub.publish(&[event(500_000 + i)]).await.unwrap();
        let mut got = Vec::new();
        while got.is_empty() {
            got = hub.receive("bench", 1, Duration::from_secs(1)).await.unwrap();
        }
        hub.ack(&got[0]).await.unwrap();
        latencies.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
    (at(0.5), at(0.99))
}

/// Counts calls per store operation.
struct Counting {
    inner: Arc<dyn Table>,
    calls: Mutex<BTreeMap<&'static str, usize>>,
}

impl Counting {
    fn count(&self, op: &'static str) {
        *self.calls.lock().unwrap().entry(op).or_default() += 1;
    }

    fn take(&self) -> BTreeMap<&'static str, usize> {
        std::mem::take(&mut *self.calls.lock().unwrap())
    }
}

#[async_trait]
impl Table for Counting {
    fn name(&self) -> &str {
        self.inner.name()
    }
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.count("get");
        self.inner.get(key).await
    }
    async fn put(&self, item: Item, condition: Condition) -> Result<Item, StoreError> {
        self.count("put");
        self.inner.put(item, condition).await
    }
    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        self.count("delete");
        self.inner.delete(key, condition).await
    }
    async fn query(&self, query: Query) -> Result<Page, StoreError> {
        self.count("query");
        self.inner.query(query).await
    }
    async fn transact_write(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        self.count("transact_write");
        self.inner.transact_write(ops).await
    }
    async fn delete_batch(&self, keys: Vec<Key>) -> Result<(), StoreError> {
        self.count("delete_batch");
        self.inner.delete_batch(keys).await
    }
}

/// Store calls for 10 state changes with one event each, then relaying them.
async fn outbox_cost(
    store: &dyn Store,
    hub: Arc<dyn EventHub>,
) -> (BTreeMap<&'static str, usize>, BTreeMap<&'static str, usize>) {
    let table = Arc::new(Counting {
        inner: store.open_table(&TableSpec::new("bench-outbox")).await.unwrap(),
        calls: Mutex::default(),
    });
    for n in 0..10 {
        let change = Item::new(Key::new(format!("ORDER#{n}"), "ORDER"), serde_json::json!({}));
        let ops = vec![WriteOp::Put { item: change, condition: Condition::None }, stage(&event(100_000 + n)).unwrap()];
        table.transact_write(ops).await.unwrap();
    }
    let writes = table.take();
    let relay = Relay::new(table.clone(), hub);
    while relay.relay_once().await.unwrap() > 0 {}
    (writes, table.take())
}

fn report(backend: &str, baseline: f64, floods: &[Flood], n: usize, one_at_a_time: (f64, f64)) {
    let (one_p50, one_p99) = one_at_a_time;
    println!("{backend}: {n} events, publish → consumed (received + acked)");
    println!("  baseline  single conditional put  {baseline:>9.0} /s");
    for Flood { publishers, rate, p50, p99 } in floods {
        println!(
            "  hub       flooded, {publishers} publisher(s) {rate:>9.0} /s   ({:.2}x baseline; latency then is queueing: p50 {p50:.0} ms, p99 {p99:.0} ms)",
            rate / baseline
        );
    }
    println!("  hub       one event at a time     latency p50 {one_p50:>7.2} ms   p99 {one_p99:>7.2} ms");
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(EmbeddedStore::open(dir.path()).unwrap());
    let hub: Arc<dyn EventHub> = Arc::new(EmbeddedHub::open(&*store, subscriptions()).await.unwrap());
    let n = 10_000;
    let baseline = baseline_puts(&*store, 2000).await;
    let floods = [throughput(hub.clone(), n, 1).await, throughput(hub.clone(), n, 4).await];
    report("embedded (redb)", baseline, &floods, n, closed_loop_latency(&*hub, 300).await);
    let (writes, relay) = outbox_cost(&*store, hub).await;
    println!("  outbox    10 changes with 1 event each: {writes:?}; relaying them: {relay:?} (+ hub publishes)");
    #[cfg(feature = "aws")]
    aws_reference().await;
}

#[cfg(feature = "aws")]
async fn aws_reference() {
    use server::platform::hub::FaultLog;
    use server::platform::hub::aws::{AwsHub, apply};
    use server::platform::store::dynamodb::DynamoStore;
    let Ok(endpoint) = std::env::var("TBS_TEST_AWS_ENDPOINT") else {
        println!("(no TBS_TEST_AWS_ENDPOINT: AWS reference figures skipped; `cargo xtask bench` starts moto)");
        return;
    };
    let clients = server::platform::aws::test_clients(&endpoint);
    let prefix = format!("bench-{}-", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let store: Arc<dyn Store> = Arc::new(DynamoStore::new(clients.dynamodb.clone(), prefix.clone(), true));
    apply(&clients, &prefix, &subscriptions()).await.unwrap();
    let faults = FaultLog::new(store.open_table(&server::platform::hub::table_spec()).await.unwrap());
    let hub: Arc<dyn EventHub> = Arc::new(AwsHub::new(&clients, &prefix, faults));
    let n = 300;
    let baseline = baseline_puts(&*store, n).await;
    let flooded = [throughput(hub.clone(), n, 1).await];
    let one = closed_loop_latency(&*hub, 50).await;
    report("aws on moto (DynamoDB + EventBridge + SQS), for reference only", baseline, &flooded, n, one);
    let (writes, relay) = outbox_cost(&*store, hub).await;
    println!(
        "  outbox    10 changes with 1 event each: {writes:?}; relaying them: {relay:?} (+ 1 PutEvents per 10 events)"
    );
}
