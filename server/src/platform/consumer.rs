//! Consumers: run a handler over a consumer's queue with retries, backoff and
//! dead-lettering, and the tools that make handlers idempotent. An event
//! whose handler finds a system it needs down ([`Unavailable`]) waits for
//! that system instead of spending its tries.
//!
//! Delivery is at least once, so a handler must apply each event once however
//! often it arrives: it writes its effect together with a "processed" marker
//! for the event id in one transaction ([`apply_once`]), or keeps views that
//! only move forward (inverse optimistic locking on a version).

use crate::platform::events::{Consumed, Envelope};
use crate::platform::hub::{Delivery, EventHub, HubError, Subscription};
use crate::platform::store;
use async_trait::async_trait;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

mod once;
mod retry;
#[cfg(test)]
mod tests;
mod unavailable;

pub use once::{Applied, PROCESSED_KEPT, apply_once, apply_once_all, processed_marker};
pub use retry::RetryPolicy;
pub use unavailable::Unavailable;

/// Something that reacts to events.
#[async_trait]
pub trait Handler: Send + Sync {
    /// The consumer's name: its queue and its processed markers.
    fn consumer(&self) -> &'static str;

    /// The event types it receives.
    fn subscribes_to(&self) -> Vec<&'static str>;

    /// Applies the event. An error means "try again later"; after the last
    /// attempt the event becomes a fault carrying the error's message.
    async fn handle(&self, event: &Envelope) -> anyhow::Result<()>;

    /// Where what it does lands; by default outside the store too.
    fn effects(&self) -> Effects {
        Effects::Outside
    }
}

/// Where what a consumer does lands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effects {
    /// Only in the store: its writes are relaxed ([`store::relaxed`]),
    /// answered before they are durable. A crash that loses them loses the
    /// acknowledgement after them too, so the event comes again and they
    /// are made again; whatever a durable write later builds on them makes
    /// them durable first, as commits persist in order.
    InStore,
    /// Also outside the store, where doing it again shows (a mail sent, a
    /// payment provider called, a numbered document given out): every write
    /// durable before it is answered, so what was done is on disk at once.
    Outside,
}

/// A consumer of one typed list of events (see [`crate::consumed_events!`]):
/// its subscription is the list, and it receives each event decoded, so it
/// matches on the list exhaustively. Every such consumer is a [`Handler`].
#[async_trait]
pub trait Consumer: Send + Sync {
    /// Its name: its queue and its processed markers.
    const NAME: &'static str;

    /// Where what it does lands (which decides whether its writes wait for the disk).
    const EFFECTS: Effects;

    /// The events it handles.
    type Event: Consumed;

    /// Applies `event` (decoded from `envelope`). An error means "try again later".
    async fn on(&self, event: Self::Event, envelope: &Envelope) -> anyhow::Result<()>;
}

/// The hub subscription of consumer `C`: its queue receives its list.
pub fn subscription<C: Consumer>() -> Subscription {
    Subscription::new(C::NAME, C::Event::TYPES)
}

#[async_trait]
impl<C: Consumer> Handler for C {
    fn consumer(&self) -> &'static str {
        C::NAME
    }

    fn subscribes_to(&self) -> Vec<&'static str> {
        C::Event::TYPES.to_vec()
    }

    fn effects(&self) -> Effects {
        C::EFFECTS
    }

    async fn handle(&self, envelope: &Envelope) -> anyhow::Result<()> {
        match C::Event::from_envelope(envelope)? {
            Some(event) => self.on(event, envelope).await,
            None => Ok(()),
        }
    }
}

/// What became of one delivery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Handled,
    /// Failed; will be delivered again.
    Retrying {
        attempt: u32,
    },
    /// A system the handler needs is down: delivered again later, this
    /// attempt not counted.
    Deferred,
    /// Failed for the last time; recorded as a fault.
    DeadLettered {
        fault_id: String,
    },
}

/// Messages asked for per receive: SQS gives at most 10; the embedded hub
/// claims up to 50 in one transaction (two writes each: the most one holds),
/// so a consumer that fell behind catches up in fewer, larger commits.
const RECEIVE_MAX: usize = 50;

/// Receives one batch (waiting up to `wait`) and handles it. Events of one
/// partition are handled in the order received, one after another; different
/// partitions concurrently (their handlers' writes then share commits). The
/// events handled are acknowledged together once all are (one write on the
/// embedded hub, not one each: a redelivery meanwhile is handled once all
/// the same). Returns one outcome per delivery, in the order received.
pub async fn process_batch(
    hub: &dyn EventHub,
    handler: &dyn Handler,
    policy: RetryPolicy,
    wait: Duration,
) -> Result<Vec<Outcome>, HubError> {
    let deliveries = hub.receive(handler.consumer(), RECEIVE_MAX, wait).await?;
    let (partitions, deliveries) = (by_partition(&deliveries), &deliveries);
    let handled = futures_util::future::join_all(partitions.into_iter().map(|indexes| async move {
        let mut outcomes = Vec::with_capacity(indexes.len());
        for i in indexes {
            match process(hub, handler, policy, &deliveries[i]).await {
                Ok(outcome) => outcomes.push((i, outcome)),
                Err(e) => return (outcomes, Some(e)),
            }
        }
        (outcomes, None)
    }))
    .await;
    let (mut outcomes, mut failed) = (Vec::with_capacity(deliveries.len()), None);
    for (partition, error) in handled {
        outcomes.extend(partition);
        failed = failed.or(error);
    }
    let done: Vec<&Delivery> =
        outcomes.iter().filter(|(_, o)| *o == Outcome::Handled).map(|(i, _)| &deliveries[*i]).collect();
    hub.ack_all(&done).await?;
    if let Some(e) = failed {
        return Err(e);
    }
    outcomes.sort_by_key(|(i, _)| *i);
    Ok(outcomes.into_iter().map(|(_, outcome)| outcome).collect())
}

/// The deliveries' positions grouped by partition key, each group in order.
fn by_partition(deliveries: &[Delivery]) -> Vec<Vec<usize>> {
    let mut groups: Vec<(&str, Vec<usize>)> = Vec::new();
    for (i, d) in deliveries.iter().enumerate() {
        let key = d.envelope.partition_key.as_str();
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, group)) => group.push(i),
            None => groups.push((key, vec![i])),
        }
    }
    groups.into_iter().map(|(_, group)| group).collect()
}

/// Handles one delivery: a handled one is left for [`process_batch`] to
/// acknowledge; a failed one is delivered again later, or dead-lettered.
async fn process(
    hub: &dyn EventHub,
    handler: &dyn Handler,
    policy: RetryPolicy,
    d: &Delivery,
) -> Result<Outcome, HubError> {
    let event = &d.envelope;
    let handled = match handler.effects() {
        Effects::InStore => store::relaxed::relaxed(handler.handle(event)).await,
        Effects::Outside => handler.handle(event).await,
    };
    match handled {
        Ok(()) => {
            let age = (time::OffsetDateTime::now_utc() - event.timestamp).try_into().ok();
            crate::platform::metrics::event(handler.consumer(), &event.event_type, "handled", age);
            tracing::debug!(consumer = handler.consumer(), event = %event.id, event_type = %event.event_type, "handled");
            Ok(Outcome::Handled)
        }
        Err(error) if Unavailable::caused(&error) => {
            let delay = policy.wait_for_dependency;
            tracing::warn!(consumer = handler.consumer(), event = %event.id, ?delay, error = %format!("{error:#}"), "handler's dependency is down; the event waits for it");
            hub.defer(d, delay).await?;
            crate::platform::metrics::event(handler.consumer(), &event.event_type, "deferred", None);
            Ok(Outcome::Deferred)
        }
        Err(error) if d.receive_count >= policy.max_attempts => {
            let fault = hub.dead_letter(d, &format!("{error:#}")).await?;
            crate::platform::metrics::event(handler.consumer(), &event.event_type, "dead_lettered", None);
            Ok(Outcome::DeadLettered { fault_id: fault.id })
        }
        Err(error) => {
            let delay = policy.delay_after(d.receive_count);
            tracing::warn!(consumer = handler.consumer(), event = %event.id, attempt = d.receive_count, ?delay, error = %format!("{error:#}"), "handler failed; will retry");
            hub.retry_later(d, delay).await?;
            crate::platform::metrics::event(handler.consumer(), &event.event_type, "retrying", None);
            Ok(Outcome::Retrying { attempt: d.receive_count })
        }
    }
}

/// How long one receive waits for messages: SQS's longest long poll, so an
/// idle consumer makes three calls a minute (shutdown does not wait for it).
const RECEIVE_WAIT: Duration = Duration::from_secs(20);

/// Runs `handler` until `shutdown` turns true.
pub async fn run(
    hub: Arc<dyn EventHub>,
    handler: Arc<dyn Handler>,
    policy: RetryPolicy,
    mut shutdown: watch::Receiver<bool>,
) {
    while !*shutdown.borrow() {
        tokio::select! {
            result = process_batch(&*hub, &*handler, policy, RECEIVE_WAIT) => {
                if let Err(e) = result {
                    tracing::warn!(consumer = handler.consumer(), error = %e, "consumer could not reach the hub; retrying");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
            _ = shutdown.changed() => {}
        }
    }
}

/// Handles `events` concurrently, as [`process_batch`] does the partitions
/// of a batch, and expects each to be handled (tests of concurrent handlers).
#[cfg(test)]
pub(crate) async fn handle_at_once(handler: Arc<dyn Handler>, events: Vec<Envelope>) {
    let tasks: Vec<_> = events
        .into_iter()
        .map(|event| {
            let handler = handler.clone();
            tokio::spawn(async move { handler.handle(&event).await })
        })
        .collect();
    for task in tasks {
        task.await.expect("the handler's task").expect("handled");
    }
}
