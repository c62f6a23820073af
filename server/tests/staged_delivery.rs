//! On the embedded backend an event staged in a service's outbox is queued
//! for its consumers in the commit that stages it: delivered exactly when
//! the change it announces is committed (never when that change is
//! refused), durable with it, and with nothing left for the relay.

use server::config::Settings;
use server::contracts::{StockLine, StockReserved};
use server::platform::events::Envelope;
use server::platform::hub::{EmbeddedHub, EventHub, Subscription};
use server::platform::outbox::{self, Relay};
use server::platform::store::{
    Condition, EmbeddedStore, Item, Key, StagedDelivery, Store, StoreError, TableSpec, WriteOp,
};
use std::sync::{Arc, Weak};
use std::time::Duration;

fn subscriptions() -> Vec<Subscription> {
    vec![Subscription::new("tally", &["StockReserved"]), Subscription::new("alerts", &["Fault"])]
}

fn reserved(order: &str) -> Envelope {
    let event = StockReserved { order_id: order.into(), lines: vec![StockLine { sku: "KIT-001".into(), quantity: 1 }] };
    Envelope::new("catalog", &event, "", None)
}

/// A service's change and the event announcing it, in one transaction.
fn change_and_event(order: &str, condition: Condition) -> Vec<WriteOp> {
    let change = Item::new(Key::new("ORDER", order), serde_json::json!({ "reserved": true }));
    vec![WriteOp::Put { item: change, condition }, outbox::stage(&reserved(order)).unwrap()]
}

/// The embedded store and hub as `tbs` opens them.
async fn open(dir: &std::path::Path) -> (Arc<dyn Store>, Arc<dyn EventHub>) {
    let settings = Settings { data_dir: dir.to_path_buf(), ..Settings::default() };
    let store = server::startup::open_store(&settings).await.unwrap();
    let hub = server::startup::open_hub(&settings, &*store, subscriptions()).await.unwrap();
    (store, hub)
}

#[tokio::test]
async fn a_staged_event_is_queued_in_the_staging_commit_and_the_outbox_stays_empty() {
    let dir = tempfile::tempdir().unwrap();
    let (store, hub) = open(dir.path()).await;
    let table = store.open_table(&TableSpec::new("catalog_test")).await.unwrap();
    let relay = Relay::new(table.clone(), hub.clone());
    // A receiver already waiting is woken by the commit (it would otherwise
    // sleep until its 30 s wait ends).
    let waiting = {
        let hub = hub.clone();
        tokio::spawn(async move { hub.receive("tally", 10, Duration::from_secs(30)).await.unwrap() })
    };
    table.transact_write(change_and_event("o1", Condition::NotExists)).await.unwrap();
    let got = tokio::time::timeout(Duration::from_secs(10), waiting).await.expect("woken by the commit").unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].envelope.id, reserved("o1").id);
    assert_eq!(relay.pending().await.unwrap(), 0, "nothing is left in the outbox");
    assert!(table.delivers_staged(outbox::OUTBOX), "so the relay is not woken for it");
    assert_eq!(relay.relay_once().await.unwrap(), 0, "nor for the relay to publish");
    assert!(table.get(&Key::new("ORDER", "o1")).await.unwrap().is_some(), "the change is stored");
}

#[tokio::test]
async fn a_refused_change_delivers_nothing_and_its_refusal_names_the_callers_operation() {
    let dir = tempfile::tempdir().unwrap();
    let (store, hub) = open(dir.path()).await;
    let table = store.open_table(&TableSpec::new("catalog_test")).await.unwrap();
    let refused = table.transact_write(change_and_event("o2", Condition::Version(7))).await.unwrap_err();
    assert!(matches!(refused, StoreError::TransactionCancelled { index: 0, .. }), "{refused:?}");
    let WriteOp::Put { item: staged, .. } = outbox::stage(&reserved("o3")).unwrap() else { unreachable!() };
    let clash = vec![
        WriteOp::Put { item: Item::new(Key::new("ORDER", "o3"), serde_json::json!({})), condition: Condition::None },
        WriteOp::Put { item: staged, condition: Condition::Exists },
    ];
    let refused = table.transact_write(clash).await.unwrap_err();
    assert!(matches!(refused, StoreError::TransactionCancelled { index: 1, .. }), "the staged put's own condition");
    assert!(hub.receive("tally", 10, Duration::from_millis(100)).await.unwrap().is_empty(), "nothing delivered");
    assert!(table.get(&Key::new("ORDER", "o3")).await.unwrap().is_none(), "all or nothing");
}

#[tokio::test]
async fn a_delivered_event_is_durable_with_the_change_it_announces() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (store, _hub) = open(dir.path()).await;
        let table = store.open_table(&TableSpec::new("catalog_test")).await.unwrap();
        table.transact_write(change_and_event("o4", Condition::NotExists)).await.unwrap();
    }
    let (_store, hub) = open(dir.path()).await;
    let got = hub.receive("tally", 10, Duration::from_secs(5)).await.unwrap();
    assert_eq!(got.len(), 1, "queued before the restart, received after it");
    assert_eq!(got[0].envelope.id, reserved("o4").id);
}

#[tokio::test]
async fn without_a_hub_to_deliver_to_the_outbox_keeps_the_event_for_the_relay() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(dir.path()).unwrap();
    let hub = Arc::new(EmbeddedHub::open(&store, subscriptions()).await.unwrap());
    let to: Weak<dyn StagedDelivery> = Arc::downgrade(&hub) as _;
    assert!(store.deliver_staged(outbox::OUTBOX, to), "the embedded store delivers in the commit");
    let table = store.open_table(&TableSpec::new("catalog_test")).await.unwrap();
    assert!(table.delivers_staged(outbox::OUTBOX));
    drop(hub);
    assert!(!table.delivers_staged(outbox::OUTBOX), "a relay must publish again");
    table.transact_write(change_and_event("o5", Condition::NotExists)).await.unwrap();
    let relay_hub: Arc<dyn EventHub> = Arc::new(EmbeddedHub::open(&store, subscriptions()).await.unwrap());
    let relay = Relay::new(table, relay_hub);
    assert_eq!(relay.pending().await.unwrap(), 1, "stored in the outbox, as before");
}
