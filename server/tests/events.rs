//! The event platform end to end: outbox → relay → hub → consumer → effect,
//! with duplicates, disorder, poison events and crashes. Every scenario runs
//! on the embedded backend and, with the `aws` feature, on DynamoDB +
//! EventBridge + SQS (moto, started by `cargo xtask test`).

use async_trait::async_trait;
use serde_json::json;
use server::contracts::{OrderCancelled, ShippingOrderCreated, ShippingOrderProcessed, StockLine, StockReserved};
use server::platform::consumer::{Handler, Outcome, RetryPolicy, Unavailable, apply_once, process_batch};
use server::platform::events::{DomainEvent, Envelope};
use server::platform::hub::{EmbeddedHub, EventHub, Fault, MAX_RECEIVES, Subscription};
use server::platform::outbox::{Relay, stage};
use server::platform::store::optimistic::{self, Attempt};
use server::platform::store::{Condition, EmbeddedStore, Item, Key, Store, StoreError, Table, TableSpec, WriteOp};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

#[path = "support/hooked_table.rs"]
mod hooked_table;
use hooked_table::{Call, Hooked};

/// A consumer that adds reserved quantities to per-SKU totals in its own table,
/// exactly once per event, and can be "broken" for SKU `POISON`. SKU `LEDGER`
/// also needs a system of its own, which can be down.
struct Tally {
    table: Arc<dyn Table>,
    broken: AtomicBool,
    ledger_down: AtomicBool,
}

#[async_trait]
impl Handler for Tally {
    fn consumer(&self) -> &'static str {
        "tally"
    }

    fn subscribes_to(&self) -> Vec<&'static str> {
        vec![StockReserved::TYPE]
    }

    /// Events of other partitions are handled concurrently and share the
    /// totals: a lost race reads them again, as the catalog's stock does.
    async fn handle(&self, event: &Envelope) -> anyhow::Result<()> {
        let reserved: StockReserved = event.decode()?;
        let done = optimistic::until_done(|| async {
            match apply_once(&*self.table, self.consumer(), event, self.effect(&reserved).await?).await {
                Err(StoreError::TransactionCancelled { .. }) => Ok::<_, anyhow::Error>(Attempt::Raced),
                applied => Ok(Attempt::Done(applied?)),
            }
        })
        .await?;
        done.map(drop).ok_or_else(|| anyhow::anyhow!("the totals kept changing"))
    }
}

impl Tally {
    async fn effect(&self, reserved: &StockReserved) -> anyhow::Result<Vec<WriteOp>> {
        let mut effect = Vec::new();
        for line in &reserved.lines {
            if line.sku == "POISON" && self.broken.load(Ordering::SeqCst) {
                anyhow::bail!("cannot tally SKU {}", line.sku);
            }
            if line.sku == "LEDGER" && self.ledger_down.load(Ordering::SeqCst) {
                return Err(Unavailable::new("the ledger", "connection refused").into());
            }
            let key = Key::new("TOTAL", &line.sku);
            let (total, condition) = match self.table.get(&key).await? {
                Some(item) => (item.attrs["total"].as_u64().unwrap(), Condition::Version(item.version)),
                None => (0, Condition::NotExists),
            };
            let item = Item::new(key, json!({ "total": total + u64::from(line.quantity) }));
            effect.push(WriteOp::Put { item, condition });
        }
        Ok(effect)
    }
}

impl Tally {
    async fn total(&self, sku: &str) -> u64 {
        self.table.get(&Key::new("TOTAL", sku)).await.unwrap().map_or(0, |i| i.attrs["total"].as_u64().unwrap())
    }
}

struct World {
    _keep: Option<tempfile::TempDir>,
    store: Arc<dyn Store>,
    hub: Arc<dyn EventHub>,
    tally: Arc<Tally>,
    /// Retry delays: SQS counts visibility in whole seconds, the embedded hub in milliseconds.
    policy: RetryPolicy,
    /// How long "nothing more is coming" is waited for.
    wait: Duration,
}

impl World {
    async fn new(store: Arc<dyn Store>, hub: Arc<dyn EventHub>, policy: RetryPolicy, wait: Duration) -> Self {
        let table = store.open_table(&TableSpec::new("tally")).await.unwrap();
        let tally = Arc::new(Tally { table, broken: AtomicBool::new(true), ledger_down: AtomicBool::new(false) });
        Self { _keep: None, store, hub, tally, policy, wait }
    }
}

fn subscriptions() -> Vec<Subscription> {
    vec![
        Subscription::new("tally", &[StockReserved::TYPE]),
        Subscription::new("tracking", &[ShippingOrderCreated::TYPE, ShippingOrderProcessed::TYPE]),
        Subscription::new("alerts", &[Fault::TYPE]),
    ]
}

async fn embedded_world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(EmbeddedStore::open(dir.path()).unwrap());
    let hub = Arc::new(EmbeddedHub::open(&*store, subscriptions()).await.unwrap());
    let policy = RetryPolicy {
        max_attempts: 3,
        first_delay: Duration::from_millis(20),
        growth: 2,
        wait_for_dependency: Duration::from_millis(20),
    };
    let mut world = World::new(store, hub, policy, Duration::from_millis(300)).await;
    world._keep = Some(dir);
    world
}

#[cfg(feature = "aws")]
fn moto_clients() -> server::platform::aws::Clients {
    let endpoint = std::env::var("TBS_TEST_AWS_ENDPOINT")
        .expect("TBS_TEST_AWS_ENDPOINT is not set: run these tests with `cargo xtask test`, which starts moto");
    server::platform::aws::test_clients(&endpoint)
}

#[cfg(feature = "aws")]
async fn aws_world() -> World {
    aws_world_on(moto_clients(), &format!("ev-{}-", &uuid::Uuid::new_v4().simple().to_string()[..12])).await
}

/// A world on `clients`, its resources named with `prefix`.
#[cfg(feature = "aws")]
async fn aws_world_on(clients: server::platform::aws::Clients, prefix: &str) -> World {
    use server::platform::hub::FaultLog;
    use server::platform::hub::aws::{AwsHub, apply};
    use server::platform::store::dynamodb::DynamoStore;
    let store: Arc<dyn Store> = Arc::new(DynamoStore::new(clients.dynamodb.clone(), prefix.to_string(), true));
    apply(&clients, prefix, &subscriptions()).await.unwrap();
    let faults = FaultLog::new(store.open_table(&server::platform::hub::table_spec()).await.unwrap());
    let hub = Arc::new(AwsHub::new(&clients, prefix, faults));
    let policy = RetryPolicy {
        max_attempts: 3,
        first_delay: Duration::from_secs(1),
        growth: 2,
        wait_for_dependency: Duration::from_secs(1),
    };
    World::new(store, hub, policy, Duration::from_secs(4)).await
}

fn reserved(order: &str, sku: &str, quantity: u32) -> Envelope {
    let event = StockReserved { order_id: order.into(), lines: vec![StockLine { sku: sku.into(), quantity }] };
    Envelope::new("catalog", &event, "", None)
}

/// Runs the tally consumer until its queue has nothing due for `WAIT`.
async fn drain(w: &World) -> Vec<Outcome> {
    let mut all = Vec::new();
    loop {
        let batch = process_batch(&*w.hub, &*w.tally, w.policy, w.wait).await.unwrap();
        if batch.is_empty() {
            return all;
        }
        all.extend(batch);
    }
}

async fn an_event_flows_from_the_outbox_to_the_consumers_effect(w: World) {
    let orders = w.store.open_table(&TableSpec::new("orders")).await.unwrap();
    // The state change and its events, in one transaction.
    let order = Item::new(Key::new("ORDER#o1", "ORDER"), json!({ "status": "reserved" }));
    let cancelled = Envelope::new("orders", &OrderCancelled { order_id: "o0".into(), reason: "test".into() }, "", None);
    orders
        .transact_write(vec![
            WriteOp::Put { item: order, condition: Condition::NotExists },
            stage(&reserved("o1", "KIT-001", 2)).unwrap(),
            stage(&cancelled).unwrap(),
        ])
        .await
        .unwrap();
    let relay = Relay::new(orders.clone(), w.hub.clone());
    assert_eq!(relay.pending().await.unwrap(), 2);
    assert_eq!(relay.relay_once().await.unwrap(), 2);
    assert_eq!(relay.pending().await.unwrap(), 0, "published events leave the outbox");
    // Only the subscribed type reaches the tally consumer.
    assert_eq!(drain(&w).await, [Outcome::Handled]);
    assert_eq!(w.tally.total("KIT-001").await, 2);
}

async fn a_duplicate_delivery_is_applied_once(w: World) {
    let event = reserved("o1", "KIT-002", 3);
    w.hub.publish(std::slice::from_ref(&event)).await.unwrap();
    w.hub.publish(&[event.clone(), event]).await.unwrap();
    let outcomes = drain(&w).await;
    assert_eq!(outcomes.len(), 3, "delivered three times");
    assert!(outcomes.iter().all(|o| *o == Outcome::Handled));
    assert_eq!(w.tally.total("KIT-002").await, 3, "counted once");
    // A different event for the same SKU still counts.
    w.hub.publish(&[reserved("o2", "KIT-002", 1)]).await.unwrap();
    drain(&w).await;
    assert_eq!(w.tally.total("KIT-002").await, 4);
}

/// A view that only moves forward: Created < Processed, whatever the arrival order.
struct TrackingView {
    table: Arc<dyn Table>,
}

#[async_trait]
impl Handler for TrackingView {
    fn consumer(&self) -> &'static str {
        "tracking"
    }

    fn subscribes_to(&self) -> Vec<&'static str> {
        vec![ShippingOrderCreated::TYPE, ShippingOrderProcessed::TYPE]
    }

    async fn handle(&self, event: &Envelope) -> anyhow::Result<()> {
        let (status, rank) = if event.is::<ShippingOrderProcessed>() { ("Processed", 2) } else { ("Pending", 1) };
        let key = Key::new("SHIPMENT", &event.partition_key);
        let current = self.table.get(&key).await?;
        if current.as_ref().is_some_and(|c| c.attrs["rank"].as_u64().unwrap() >= rank) {
            return Ok(()); // stale or duplicate: the view already knows better
        }
        let condition = current.map_or(Condition::NotExists, |c| Condition::Version(c.version));
        let item = Item::new(key, json!({ "status": status, "rank": rank }));
        match self.table.put(item, condition).await {
            Err(StoreError::ConditionFailed(_)) => anyhow::bail!("concurrent update; retry"),
            other => other.map(drop).map_err(Into::into),
        }
    }
}

async fn events_arriving_out_of_order_are_tolerated(w: World) {
    let view = TrackingView { table: w.store.open_table(&TableSpec::new("tracking")).await.unwrap() };
    let created = ShippingOrderCreated { shipping_order_id: "s1".into(), order_id: "o1".into(), lines: vec![] };
    let processed = ShippingOrderProcessed { shipping_order_id: "s1".into(), order_id: "o1".into() };
    // Published (and so delivered) in the wrong order.
    w.hub.publish(&[Envelope::new("fulfilment", &processed, "", None)]).await.unwrap();
    w.hub.publish(&[Envelope::new("fulfilment", &created, "", None)]).await.unwrap();
    let mut handled = 0;
    while handled < 2 {
        handled += process_batch(&*w.hub, &view, w.policy, w.wait).await.unwrap().len();
    }
    let status = view.table.get(&Key::new("SHIPMENT", "o1")).await.unwrap().unwrap();
    assert_eq!(status.attrs["status"], "Processed");
}

async fn a_poison_event_is_dead_lettered_after_three_attempts_and_resubmitted_after_the_fix(w: World) {
    let poison = reserved("o9", "POISON", 1);
    w.hub.publish(std::slice::from_ref(&poison)).await.unwrap();
    let outcomes = drain(&w).await;
    assert_eq!(outcomes.len(), 3, "one try and two retries: {outcomes:?}");
    assert_eq!(outcomes[0], Outcome::Retrying { attempt: 1 });
    assert_eq!(outcomes[1], Outcome::Retrying { attempt: 2 });
    let Outcome::DeadLettered { fault_id } = &outcomes[2] else { panic!("{outcomes:?}") };

    let faults = w.hub.faults().await.unwrap();
    assert_eq!(faults.len(), 1);
    let fault = &faults[0];
    assert_eq!((&fault.id, fault.consumer.as_str(), fault.attempts), (fault_id, "tally", 3));
    assert!(fault.error.contains("cannot tally SKU POISON"), "{}", fault.error);
    assert_eq!(fault.event, poison, "the original event is kept whole");
    assert_eq!(w.tally.total("POISON").await, 0);

    // The fault is itself an event, for whoever watches for faults.
    let alerts = w.hub.receive("alerts", 10, w.wait).await.unwrap();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].envelope.decode::<Fault>().unwrap().id, *fault_id);

    // Fix the consumer, then replay the fault.
    w.tally.broken.store(false, Ordering::SeqCst);
    let replayed = w.hub.resubmit(fault_id).await.unwrap();
    assert_eq!(replayed.event.id, poison.id);
    assert_eq!(drain(&w).await, [Outcome::Handled]);
    assert_eq!(w.tally.total("POISON").await, 1);
    assert!(w.hub.faults().await.unwrap().is_empty());
    assert!(w.hub.resubmit(fault_id).await.is_err(), "a fault is replayed once");
}

async fn an_event_whose_handler_needs_a_system_that_is_down_waits_for_it_and_never_becomes_a_fault(w: World) {
    w.tally.broken.store(false, Ordering::SeqCst);
    w.tally.ledger_down.store(true, Ordering::SeqCst);
    w.hub.publish(&[reserved("o1", "LEDGER", 2)]).await.unwrap();
    // Down for more tries than the consumer's policy and the queue's redrive policy allow.
    for round in 1..=MAX_RECEIVES.max(w.policy.max_attempts) + 1 {
        let outcomes = process_batch(&*w.hub, &*w.tally, w.policy, w.wait).await.unwrap();
        assert_eq!(outcomes, [Outcome::Deferred], "round {round}");
    }
    assert!(w.hub.faults().await.unwrap().is_empty());
    w.tally.ledger_down.store(false, Ordering::SeqCst);
    assert_eq!(drain(&w).await, [Outcome::Handled]);
    assert_eq!(w.tally.total("LEDGER").await, 2, "counted once, when the ledger was back");
    assert!(w.hub.faults().await.unwrap().is_empty());
}

async fn a_message_a_crashed_consumer_never_acknowledged_is_redelivered_then_redriven(w: World) {
    w.hub.publish(&[reserved("o1", "KIT-003", 1)]).await.unwrap();
    for attempt in 1..=MAX_RECEIVES {
        // Received, then the consumer "crashes": no ack. Making it visible at once
        // stands in for its visibility timeout running out.
        let got = w.hub.receive("tally", 10, w.wait).await.unwrap();
        assert_eq!(got.len(), 1, "attempt {attempt}");
        assert_eq!(got[0].receive_count, attempt);
        w.hub.retry_later(&got[0], Duration::ZERO).await.unwrap();
    }
    // Received too often without an ack: the redrive policy moves it to the fault log.
    assert!(w.hub.receive("tally", 10, w.wait).await.unwrap().is_empty());
    let faults = w.hub.faults().await.unwrap();
    assert_eq!(faults.len(), 1, "{faults:?}");
    assert!(faults[0].error.contains("exhausted"));
    assert_eq!(w.tally.total("KIT-003").await, 0);
}

async fn a_relay_that_dies_before_relaying_loses_no_event(w: World) {
    w.tally.broken.store(false, Ordering::SeqCst);
    let orders = w.store.open_table(&TableSpec::new("orders")).await.unwrap();
    for n in 0..25 {
        let change = Item::new(Key::new(format!("ORDER#{n}"), "ORDER"), json!({}));
        let ops = vec![
            WriteOp::Put { item: change, condition: Condition::None },
            stage(&reserved(&format!("o{n}"), &format!("RELAY-{n}"), 1)).unwrap(),
        ];
        orders.transact_write(ops).await.unwrap();
    }
    // The relay that should have published them is gone; a new one takes over.
    let relay = Relay::new(orders, w.hub.clone());
    let mut published = 0;
    loop {
        match relay.relay_once().await.unwrap() {
            0 => break,
            n => published += n,
        }
    }
    assert_eq!(published, 25);
    let handled = drain(&w).await;
    assert_eq!(handled, vec![Outcome::Handled; 25]);
    for n in 0..25 {
        assert_eq!(w.tally.total(&format!("RELAY-{n}")).await, 1, "o{n}");
    }
}

#[tokio::test]
async fn embedded_process_restart_before_relaying_loses_no_event() {
    let dir = tempfile::tempdir().unwrap();
    let spec = TableSpec::new("orders");
    {
        // A service commits changes with events, and the process dies before any is relayed.
        let store = EmbeddedStore::open(dir.path()).unwrap();
        let orders = store.open_table(&spec).await.unwrap();
        for n in 0..5 {
            orders.transact_write(vec![stage(&reserved(&format!("o{n}"), "KIT-006", 2)).unwrap()]).await.unwrap();
        }
    }
    let store: Arc<dyn Store> = Arc::new(EmbeddedStore::open(dir.path()).unwrap());
    let hub = Arc::new(EmbeddedHub::open(&*store, subscriptions()).await.unwrap());
    let relay = Relay::new(store.open_table(&spec).await.unwrap(), hub.clone());
    assert_eq!(relay.relay_once().await.unwrap(), 5, "found after the restart");
    let policy = RetryPolicy {
        max_attempts: 3,
        first_delay: Duration::from_millis(20),
        growth: 2,
        wait_for_dependency: Duration::from_millis(20),
    };
    let w = World::new(store, hub, policy, Duration::from_millis(300)).await;
    w.tally.broken.store(false, Ordering::SeqCst);
    assert_eq!(drain(&w).await.len(), 5);
    assert_eq!(w.tally.total("KIT-006").await, 10);
}

async fn a_crash_between_publish_and_cleanup_republishes_and_the_consumer_absorbs_it(w: World) {
    w.tally.broken.store(false, Ordering::SeqCst);
    let orders = w.store.open_table(&TableSpec::new("orders")).await.unwrap();
    orders.transact_write(vec![stage(&reserved("o1", "KIT-005", 2)).unwrap()]).await.unwrap();
    // Its transactions and batch deletes fail while `failing` is set: a crash
    // after the relay published but before it could delete what it published.
    let failing = Arc::new(AtomicBool::new(true));
    let crashing = Hooked::new(orders, {
        let failing = failing.clone();
        move |write| match write {
            Call::Transaction | Call::Batch if failing.load(Ordering::SeqCst) => {
                Err(StoreError::Backend("simulated crash".into()))
            }
            _ => Ok(()),
        }
    });
    let relay = Relay::new(Arc::new(crashing), w.hub.clone());
    assert!(relay.relay_once().await.is_err(), "published, then failed to clean up");
    failing.store(false, Ordering::SeqCst);
    assert_eq!(relay.relay_once().await.unwrap(), 1, "published again after the restart");
    assert_eq!(drain(&w).await.len(), 2, "the consumer saw it twice");
    assert_eq!(w.tally.total("KIT-005").await, 2, "and applied it once");
}

async fn receiving_for_an_unknown_consumer_is_an_error(w: World) {
    assert!(w.hub.receive("nobody", 1, Duration::ZERO).await.is_err());
}

/// One test per scenario for a backend.
macro_rules! scenarios {
    ($backend:ident, $world:expr) => {
        mod $backend {
            use super::*;
            scenarios!(@each $world;
                an_event_flows_from_the_outbox_to_the_consumers_effect,
                a_duplicate_delivery_is_applied_once,
                events_arriving_out_of_order_are_tolerated,
                a_poison_event_is_dead_lettered_after_three_attempts_and_resubmitted_after_the_fix,
                an_event_whose_handler_needs_a_system_that_is_down_waits_for_it_and_never_becomes_a_fault,
                a_message_a_crashed_consumer_never_acknowledged_is_redelivered_then_redriven,
                a_relay_that_dies_before_relaying_loses_no_event,
                a_crash_between_publish_and_cleanup_republishes_and_the_consumer_absorbs_it,
                receiving_for_an_unknown_consumer_is_an_error,
            );
        }
    };
    (@each $world:expr; $($scenario:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $scenario() {
                super::$scenario($world.await).await;
            }
        )*
    };
}

scenarios!(embedded, embedded_world());
#[cfg(feature = "aws")]
scenarios!(aws, aws_world());

/// Records the order it handles events in; the first event of partition `o1`
/// finishes only once partition `o2` has been handled (within 5 s, or it fails).
struct Interleaving {
    log: std::sync::Mutex<Vec<String>>,
    o2_handled: tokio::sync::Notify,
}

#[async_trait]
impl Handler for Interleaving {
    fn consumer(&self) -> &'static str {
        "tracking"
    }

    fn subscribes_to(&self) -> Vec<&'static str> {
        vec![ShippingOrderCreated::TYPE, ShippingOrderProcessed::TYPE]
    }

    async fn handle(&self, event: &Envelope) -> anyhow::Result<()> {
        let entry = format!("{} {}", event.partition_key, event.event_type);
        if entry == format!("o1 {}", ShippingOrderCreated::TYPE) {
            tokio::time::timeout(Duration::from_secs(5), self.o2_handled.notified()).await?;
        }
        self.log.lock().unwrap().push(entry);
        if event.partition_key == "o2" {
            self.o2_handled.notify_one();
        }
        Ok(())
    }
}

/// A consumer handles the partitions of a batch concurrently, and each partition's events in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_is_handled_partition_by_partition_concurrently_each_in_order() {
    let w = embedded_world().await;
    let created =
        |order: &str| ShippingOrderCreated { shipping_order_id: "s".into(), order_id: order.into(), lines: vec![] };
    let processed = ShippingOrderProcessed { shipping_order_id: "s".into(), order_id: "o1".into() };
    w.hub.publish(&[Envelope::new("fulfilment", &created("o1"), "", None)]).await.unwrap();
    w.hub.publish(&[Envelope::new("fulfilment", &processed, "", None)]).await.unwrap();
    w.hub.publish(&[Envelope::new("fulfilment", &created("o2"), "", None)]).await.unwrap();
    let view = Interleaving { log: Default::default(), o2_handled: tokio::sync::Notify::new() };
    let outcomes = process_batch(&*w.hub, &view, w.policy, w.wait).await.unwrap();
    assert_eq!(outcomes, vec![Outcome::Handled; 3], "one batch, all handled at the first attempt");
    let log = view.log.lock().unwrap().clone();
    let (created, processed) = (ShippingOrderCreated::TYPE, ShippingOrderProcessed::TYPE);
    assert_eq!(log, [format!("o2 {created}"), format!("o1 {created}"), format!("o1 {processed}")]);
}

/// A consumer that fell behind catches up in large batches on the embedded
/// hub: 40 waiting events are received, handled and acknowledged at once
/// (SQS hands out at most 10 a receive).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_that_fell_behind_takes_many_events_in_one_batch() {
    let w = embedded_world().await;
    let sku = |n: usize| format!("SKU-{n}");
    let waiting: Vec<Envelope> = (0..40).map(|n| reserved(&format!("o{n}"), &sku(n), 1)).collect();
    w.hub.publish(&waiting).await.unwrap();
    let outcomes = process_batch(&*w.hub, &*w.tally, w.policy, w.wait).await.unwrap();
    assert_eq!(outcomes, vec![Outcome::Handled; 40], "one batch");
    for n in 0..40 {
        assert_eq!(w.tally.total(&sku(n)).await, 1, "{}", sku(n));
    }
}

/// A receipt is good for one receive: once the message came back (its
/// visibility timeout ran out) and was received again, acknowledging with the
/// old receipt is refused and the message stays for its new receiver.
#[tokio::test]
async fn an_acknowledgement_with_an_outdated_receipt_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(dir.path()).unwrap();
    let hub =
        EmbeddedHub::open(&store, subscriptions()).await.unwrap().with_visibility_timeout(Duration::from_millis(50));
    hub.publish(&[reserved("o1", "KIT-001", 1)]).await.unwrap();
    let first = hub.receive("tally", 10, Duration::from_secs(5)).await.unwrap();
    let again = hub.receive("tally", 10, Duration::from_secs(5)).await.unwrap();
    assert_eq!((first.len(), again.len()), (1, 1), "received, then again once its timeout ran out");
    assert_eq!(again[0].receive_count, 2);
    let stale = hub.ack(&first[0]).await;
    assert!(matches!(stale, Err(server::platform::hub::HubError::StaleReceipt(_))), "{stale:?}");
    hub.ack(&again[0]).await.expect("the current receipt acknowledges it");
    assert!(hub.receive("tally", 10, Duration::from_millis(100)).await.unwrap().is_empty(), "gone once acknowledged");
}

/// The names of the SQS operations a client called (`X-Amz-Target`, one per attempt).
#[cfg(feature = "aws")]
#[derive(Clone, Debug, Default)]
struct SqsCalls(Arc<std::sync::Mutex<Vec<String>>>);

#[cfg(feature = "aws")]
impl SqsCalls {
    fn of(&self, operation: &str) -> usize {
        let target = format!("AmazonSQS.{operation}");
        self.0.lock().unwrap().iter().filter(|t| **t == target).count()
    }
}

#[cfg(feature = "aws")]
impl aws_sdk_sqs::config::Intercept for SqsCalls {
    fn name(&self) -> &'static str {
        "SqsCalls"
    }

    fn read_before_transmit(
        &self,
        context: &aws_sdk_sqs::config::interceptors::BeforeTransmitInterceptorContextRef<'_>,
        _: &aws_sdk_sqs::config::RuntimeComponents,
        _: &mut aws_sdk_sqs::config::ConfigBag,
    ) -> Result<(), aws_sdk_sqs::error::BoxError> {
        if let Some(target) = context.request().headers().get("x-amz-target") {
            self.0.lock().unwrap().push(target.to_string());
        }
        Ok(())
    }
}

/// On SQS a handled batch is deleted with DeleteMessageBatch (ten receipts a
/// call), not one DeleteMessage each; and nothing handled stays queued.
#[cfg(feature = "aws")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sqs_a_handled_batch_is_deleted_in_calls_of_ten() {
    let (calls, mut clients) = (SqsCalls::default(), moto_clients());
    clients.sqs = aws_sdk_sqs::Client::from_conf(clients.sqs.config().to_builder().interceptor(calls.clone()).build());
    let prefix = format!("ev-{}-", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let w = aws_world_on(clients.clone(), &prefix).await;
    w.tally.broken.store(false, Ordering::SeqCst);
    let events: Vec<Envelope> = (0..12).map(|i| reserved(&format!("o{i}"), "KIT-001", 1)).collect();
    w.hub.publish(&events).await.unwrap();
    let handled = drain(&w).await;
    assert_eq!(handled.len(), 12);
    assert_eq!(w.tally.total("KIT-001").await, 12);
    assert_eq!(calls.of("DeleteMessage"), 0, "no message deleted on its own");
    let batches = calls.of("DeleteMessageBatch");
    assert!((2..12).contains(&batches), "{batches} DeleteMessageBatch calls for 12 messages, at most 10 a receive");
    let url = clients.sqs.get_queue_url().queue_name(format!("{prefix}tally")).send().await.unwrap();
    let attributes = clients
        .sqs
        .get_queue_attributes()
        .queue_url(url.queue_url().unwrap())
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::All)
        .send()
        .await
        .unwrap();
    let left = |name| attributes.attributes().unwrap()[&name].clone();
    use aws_sdk_sqs::types::QueueAttributeName::{ApproximateNumberOfMessages, ApproximateNumberOfMessagesNotVisible};
    assert_eq!(
        (left(ApproximateNumberOfMessages), left(ApproximateNumberOfMessagesNotVisible)),
        ("0".into(), "0".into())
    );
}
