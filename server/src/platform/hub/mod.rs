//! The event hub port: publish events; each subscribed consumer receives them
//! from its own durable queue, at least once.
//!
//! The semantics are SQS's, so the AWS backend (EventBridge rules feeding one
//! SQS queue per consumer) and the embedded one behave alike: a received
//! message is hidden until acknowledged, retried later, or its visibility
//! timeout passes; a message received more than [`MAX_RECEIVES`] times without
//! being acknowledged is dead-lettered (the redrive policy). Consumers turn a
//! handler error on the last attempt into a [`Fault`] themselves, keeping the
//! error; `tbs faults list|resubmit` shows and replays faults.

#[cfg(feature = "aws")]
pub mod aws;
mod embedded;
mod faults;
mod leases;

pub use embedded::{EmbeddedHub, spec as table_spec};
pub use faults::{Fault, FaultLog};

use crate::platform::events::Envelope;
use crate::platform::store::StoreError;
use async_trait::async_trait;
use std::time::Duration;

/// Receives after which an unacknowledged message is dead-lettered (1 try +
/// 6 retries). With the consumers' backoff doubling from 1 s, an event caught
/// in an outage of up to a minute (a mail server or database restarting, a
/// disk full for a moment) is delayed, not given up on, while an event that
/// overtook the one it needs is tried again within seconds.
pub const MAX_RECEIVES: u32 = 7;

/// How long a received message stays hidden from other receivers.
pub const VISIBILITY_TIMEOUT: Duration = Duration::from_secs(30);

/// Which event types a consumer's queue receives (an EventBridge rule on AWS).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    pub consumer: String,
    pub event_types: Vec<String>,
}

impl Subscription {
    pub fn new(consumer: &str, event_types: &[&str]) -> Self {
        Self { consumer: consumer.into(), event_types: event_types.iter().map(|t| t.to_string()).collect() }
    }

    pub fn wants(&self, event_type: &str) -> bool {
        self.event_types.iter().any(|t| t == event_type)
    }
}

/// One received message.
#[derive(Clone, Debug, PartialEq)]
pub struct Delivery {
    pub consumer: String,
    pub envelope: Envelope,
    /// How many times this message has been received, this time included.
    pub receive_count: u32,
    /// Backend handle for acknowledging or delaying this receipt.
    pub receipt: String,
}

#[derive(Debug, thiserror::Error)]
pub enum HubError {
    #[error("no consumer named {0:?} is subscribed")]
    UnknownConsumer(String),
    #[error("no fault with id {0:?}")]
    UnknownFault(String),
    /// The receipt is stale: the message was redelivered or already acknowledged.
    #[error("receipt {0:?} is no longer valid")]
    StaleReceipt(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("event hub backend failure: {0}")]
    Backend(String),
}

#[async_trait]
pub trait EventHub: Send + Sync {
    /// Delivers each event to every consumer subscribed to its type.
    async fn publish(&self, events: &[Envelope]) -> Result<(), HubError>;

    /// Publishes events still kept in a durable outbox (the relay's): the
    /// hub may answer before their delivery is durable, as a restart
    /// publishes them again (see [`store::relaxed`](crate::platform::store::relaxed)).
    async fn relay(&self, events: &[Envelope]) -> Result<(), HubError> {
        self.publish(events).await
    }

    /// Up to `max` due messages for `consumer`, waiting up to `wait` for one.
    async fn receive(&self, consumer: &str, max: usize, wait: Duration) -> Result<Vec<Delivery>, HubError>;

    /// The message is done with; it will not be delivered again.
    async fn ack(&self, delivery: &Delivery) -> Result<(), HubError>;
    /// The messages are done with, as [`ack`](Self::ack) says of each (a
    /// consumer's handled batch): by default one after another; a hub that
    /// can acknowledge several in one call does. A stale receipt among them
    /// is an error once the others are acknowledged.
    async fn ack_all(&self, deliveries: &[&Delivery]) -> Result<(), HubError> {
        for delivery in deliveries {
            self.ack(delivery).await?;
        }
        Ok(())
    }

    /// Deliver the message again after `delay`.
    async fn retry_later(&self, delivery: &Delivery, delay: Duration) -> Result<(), HubError>;

    /// Deliver the message again after `delay` without counting this receive
    /// towards the redrive policy: what its consumer needs is down, and the
    /// message is not at fault. It may come back as a new message (a new
    /// receipt, behind messages queued meanwhile).
    async fn defer(&self, delivery: &Delivery, delay: Duration) -> Result<(), HubError>;

    /// Moves the message out of the queue into the fault log, with the error.
    async fn dead_letter(&self, delivery: &Delivery, error: &str) -> Result<Fault, HubError>;

    /// Every recorded fault, oldest first.
    async fn faults(&self) -> Result<Vec<Fault>, HubError>;

    /// Puts a fault's event back on its consumer's queue (after a fix) and
    /// removes the fault.
    async fn resubmit(&self, fault_id: &str) -> Result<Fault, HubError>;
}
