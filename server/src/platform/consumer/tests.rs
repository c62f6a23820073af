//! Running handlers: retries' backoff, and whose writes are relaxed.

use super::*;
use crate::contracts::OrderCancelled;
use crate::platform::events::DomainEvent;
use crate::platform::hub::EmbeddedHub;
use crate::platform::store::EmbeddedStore;
use std::sync::Mutex;

/// Notes whether its handling's writes would be relaxed.
struct Noting(&'static str, Effects, Mutex<Option<bool>>);

#[async_trait]
impl Handler for Noting {
    fn consumer(&self) -> &'static str {
        self.0
    }

    fn subscribes_to(&self) -> Vec<&'static str> {
        vec![OrderCancelled::TYPE]
    }

    async fn handle(&self, _: &Envelope) -> anyhow::Result<()> {
        *self.2.lock().unwrap() = Some(store::relaxed::here());
        Ok(())
    }

    fn effects(&self) -> Effects {
        self.1
    }
}

#[tokio::test]
async fn only_a_consumer_whose_effects_stay_in_the_store_writes_relaxed() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(dir.path()).unwrap();
    let handlers =
        [Noting("in_store", Effects::InStore, Mutex::default()), Noting("outside", Effects::Outside, Mutex::default())];
    let subscriptions = handlers.iter().map(|h| Subscription::new(h.0, &h.subscribes_to())).collect();
    let hub = EmbeddedHub::open(&store, subscriptions).await.unwrap();
    let cancelled = OrderCancelled { order_id: "o-1".into(), reason: "expired".into() };
    hub.publish(&[Envelope::new("test", &cancelled, "", None)]).await.unwrap();
    for handler in &handlers {
        let outcomes = process_batch(&hub, handler, RetryPolicy::default(), Duration::from_secs(5)).await.unwrap();
        assert_eq!(outcomes, [Outcome::Handled]);
    }
    assert_eq!(*handlers[0].2.lock().unwrap(), Some(true));
    assert_eq!(*handlers[1].2.lock().unwrap(), Some(false));
}

#[test]
fn backoff_grows_from_the_first_delay() {
    let p =
        RetryPolicy { max_attempts: 3, first_delay: Duration::from_millis(100), growth: 2, ..RetryPolicy::default() };
    assert_eq!(p.delay_after(1), Duration::from_millis(100));
    assert_eq!(p.delay_after(2), Duration::from_millis(200));
    assert_eq!(p.delay_after(3), Duration::from_millis(400));
    assert_eq!(p.rides_out(), Duration::from_millis(300));
}

#[test]
fn by_default_an_outage_of_a_minute_delays_events_without_dead_lettering_them() {
    let p = RetryPolicy::default();
    assert_eq!(
        p.max_attempts,
        crate::platform::hub::MAX_RECEIVES,
        "as many attempts as the queues' redrive policy allows"
    );
    assert!(p.delay_after(1) <= Duration::from_secs(1) && p.delay_after(2) <= Duration::from_secs(2), "soon at first");
    assert!(p.rides_out() >= Duration::from_secs(60), "gives up after {:?}", p.rides_out());
    assert!(p.rides_out() <= Duration::from_secs(300), "a poison event reaches the fault log in minutes, not hours");
}

#[test]
fn a_processed_marker_is_kept_long_enough_and_then_let_go() {
    let cancelled = OrderCancelled { order_id: "o-1".into(), reason: "expired".into() };
    let event = Envelope::new("test", &cancelled, "", None);
    let before = time::OffsetDateTime::now_utc();
    let crate::platform::store::WriteOp::Put { item, .. } = processed_marker("c", &event).unwrap() else {
        panic!("a put")
    };
    let kept = item.expires_at.expect("an expiry") - before.unix_timestamp();
    assert!((PROCESSED_KEPT.whole_seconds()..PROCESSED_KEPT.whole_seconds() + 5).contains(&kept), "{kept}");
}
