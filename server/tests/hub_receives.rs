//! How the embedded hub receives: a message this run queued is received on a
//! lease in memory (no write until it is acknowledged); one queued before the
//! run started is claimed durably, so a message that crashes the process on
//! every run is still redriven to the fault log. A consumer's handled batch
//! is acknowledged with one write.

use async_trait::async_trait;
use server::contracts::{StockLine, StockReserved};
use server::platform::consumer::{Handler, Outcome, RetryPolicy, process_batch};
use server::platform::events::Envelope;
use server::platform::hub::{EmbeddedHub, EventHub, HubError, MAX_RECEIVES, Subscription};
use server::platform::store::{EmbeddedStore, Store, StoreError, Table, TableSpec};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

#[path = "support/hooked_table.rs"]
mod hooked_table;
use hooked_table::{Call, Hooked};

fn subscriptions() -> Vec<Subscription> {
    vec![Subscription::new("tally", &["StockReserved"]), Subscription::new("alerts", &["Fault"])]
}

fn reserved(order: &str) -> Envelope {
    let event = StockReserved { order_id: order.into(), lines: vec![StockLine { sku: "KIT-001".into(), quantity: 1 }] };
    Envelope::new("catalog", &event, "", None)
}

/// The calls a [`Counting`] store's tables were made.
#[derive(Default)]
struct Counts {
    writes: AtomicUsize,
    queries: AtomicUsize,
}

impl Counts {
    fn writes(&self) -> usize {
        self.writes.load(Ordering::SeqCst)
    }
    fn queries(&self) -> usize {
        self.queries.load(Ordering::SeqCst)
    }
}

/// A store whose tables count the writes and queries made to them.
struct Counting {
    inner: EmbeddedStore,
    counts: Arc<Counts>,
}

#[async_trait]
impl Store for Counting {
    async fn open_table(&self, spec: &TableSpec) -> Result<Arc<dyn Table>, StoreError> {
        let counts = self.counts.clone();
        Ok(Arc::new(Hooked::new(self.inner.open_table(spec).await?, move |call| {
            match call {
                Call::Query => &counts.queries,
                Call::Get => return Ok(()),
                Call::Put | Call::Delete | Call::Transaction | Call::Batch => &counts.writes,
            }
            .fetch_add(1, Ordering::SeqCst);
            Ok(())
        })))
    }
}

/// A hub on a [`Counting`] store in `dir`, and the store's counts.
async fn counting_hub(dir: &std::path::Path) -> (EmbeddedHub, Arc<Counts>) {
    let counts = Arc::new(Counts::default());
    let store = Counting { inner: EmbeddedStore::open(dir).unwrap(), counts: counts.clone() };
    (EmbeddedHub::open(&store, subscriptions()).await.unwrap(), counts)
}

#[tokio::test]
async fn a_message_this_run_queued_is_received_without_a_write_and_acknowledged_with_one() {
    let dir = tempfile::tempdir().unwrap();
    let (hub, counts) = counting_hub(dir.path()).await;
    hub.publish(&[reserved("o1")]).await.unwrap();
    let published = counts.writes();
    let got = hub.receive("tally", 10, Duration::from_secs(1)).await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(counts.writes(), published, "receiving wrote nothing");
    assert!(hub.receive("tally", 10, Duration::from_millis(50)).await.unwrap().is_empty(), "hidden while leased");
    hub.ack(&got[0]).await.unwrap();
    assert_eq!(counts.writes(), published + 1, "the ack is the one write");
    assert!(hub.ack(&got[0]).await.is_err(), "a receipt acknowledges once");
}

#[tokio::test]
async fn a_receive_that_waits_looks_at_the_queue_once_before_and_once_after() {
    let dir = tempfile::tempdir().unwrap();
    let (hub, counts) = counting_hub(dir.path()).await;
    hub.publish(&[reserved("o1")]).await.unwrap();
    let got = hub.receive("tally", 10, Duration::from_secs(1)).await.unwrap();
    hub.retry_later(&got[0], Duration::from_millis(100)).await.unwrap();
    // (This receive also takes the wake-up the publish left, as no receiver was waiting then.)
    let again = hub.receive("tally", 10, Duration::from_secs(5)).await.unwrap();
    hub.retry_later(&again[0], Duration::from_millis(100)).await.unwrap();
    let before = counts.queries();
    let third = hub.receive("tally", 10, Duration::from_secs(5)).await.unwrap();
    assert_eq!(third.len(), 1, "received again once due");
    // The look that found nothing due also said when the retry would be.
    assert_eq!(counts.queries() - before, 2, "one look finding it not due yet, one once it was");
}

#[tokio::test]
async fn receivers_racing_for_one_message_get_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(dir.path()).unwrap();
    let hub = Arc::new(EmbeddedHub::open(&store, subscriptions()).await.unwrap());
    hub.publish(&[reserved("o1")]).await.unwrap();
    let receivers: Vec<_> = (0..8)
        .map(|_| {
            let hub = hub.clone();
            tokio::spawn(async move { hub.receive("tally", 10, Duration::from_millis(100)).await.unwrap().len() })
        })
        .collect();
    let mut received = 0;
    for r in receivers {
        received += r.await.unwrap();
    }
    assert_eq!(received, 1);
}

/// Each run receives the message and "crashes" (the hub is dropped without
/// an ack); the store is what the next run starts on. The first run queued it.
#[tokio::test]
async fn a_message_that_crashes_every_run_is_redriven_to_the_fault_log() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(dir.path()).unwrap();
    let mut received = 0;
    for run in 1..=MAX_RECEIVES + 2 {
        let hub = EmbeddedHub::open(&store, subscriptions()).await.unwrap();
        let hub = hub.with_visibility_timeout(Duration::from_millis(50));
        if run == 1 {
            hub.publish(&[reserved("poison")]).await.unwrap();
        }
        let got = hub.receive("tally", 10, Duration::from_millis(500)).await.unwrap();
        received += got.len();
        if got.is_empty() {
            let faults = hub.faults().await.unwrap();
            assert_eq!(faults.len(), 1, "run {run}: {faults:?}");
            assert!(faults[0].error.contains("exhausted"), "{}", faults[0].error);
            break;
        }
    }
    assert_eq!(received as u32, MAX_RECEIVES + 1, "the first run's receive is counted in memory only");
}

/// A consumer of the "tally" queue that only counts what it handles.
struct Tally(AtomicUsize);

#[async_trait]
impl Handler for Tally {
    fn consumer(&self) -> &'static str {
        "tally"
    }

    fn subscribes_to(&self) -> Vec<&'static str> {
        vec!["StockReserved"]
    }

    async fn handle(&self, _: &Envelope) -> anyhow::Result<()> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

#[tokio::test]
async fn a_consumers_handled_batch_is_acknowledged_with_one_write() {
    let dir = tempfile::tempdir().unwrap();
    let (hub, counts) = counting_hub(dir.path()).await;
    hub.publish(&[reserved("o1"), reserved("o2"), reserved("o3")]).await.unwrap();
    let published = counts.writes();
    let tally = Tally(AtomicUsize::new(0));
    let outcomes = process_batch(&hub, &tally, RetryPolicy::default(), Duration::from_secs(1)).await.unwrap();
    assert_eq!(outcomes, [Outcome::Handled, Outcome::Handled, Outcome::Handled]);
    assert_eq!(tally.0.load(Ordering::SeqCst), 3);
    assert_eq!(counts.writes(), published + 1, "one write acknowledged all three");
    assert!(hub.receive("tally", 10, Duration::from_millis(50)).await.unwrap().is_empty(), "none comes again");
}

#[tokio::test]
async fn acknowledging_together_leaves_a_receipt_another_receive_took_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(dir.path()).unwrap();
    let hub = EmbeddedHub::open(&store, subscriptions()).await.unwrap();
    let hub = hub.with_visibility_timeout(Duration::from_millis(50));
    hub.publish(&[reserved("o1"), reserved("o2")]).await.unwrap();
    let first = hub.receive("tally", 10, Duration::from_secs(1)).await.unwrap();
    assert_eq!(first.len(), 2);
    // Both leases run out; one message is received again, on a new lease.
    let again = hub.receive("tally", 1, Duration::from_secs(5)).await.unwrap();
    assert_eq!(again.len(), 1);
    let acked = hub.ack_all(&[&first[0], &first[1]]).await;
    assert!(matches!(acked, Err(HubError::StaleReceipt(_))), "{acked:?}");
    hub.ack(&again[0]).await.expect("the new lease's receipt still holds the message");
    let left = hub.receive("tally", 10, Duration::from_millis(200)).await.unwrap();
    assert!(left.is_empty(), "the other was acknowledged with the stale one: {left:?}");
}
