//! Receiving: what is due in a consumer's queue, taken on a lease (queued
//! by this run) or claimed durably (queued before it), and, from the same
//! look, how long until the next message is due.

use super::{EmbeddedHub, Message, now_ms, queue};
use crate::platform::hub::leases;
use crate::platform::hub::{Delivery, HubError};
use crate::platform::store::{Item, Query};
use std::time::Duration;

/// What one look at a consumer's queue found.
pub(super) struct Taken {
    /// The due messages, now received.
    pub deliveries: Vec<Delivery>,
    /// How long until the earliest message left is due (a leased one when
    /// its lease lapses); `None` when none is left.
    pub next_due_in: Option<Duration>,
}

impl EmbeddedHub {
    /// Takes the due messages of `consumer` once, without waiting: this
    /// run's on a lease, earlier runs' claimed durably (all in one
    /// transaction, or one by one when another receiver took some first).
    /// One query: the queue from its head, the leased messages, up to `max`
    /// due ones and the first not due yet, whose time says how long to wait.
    pub(super) async fn take_due(&self, consumer: &str, max: usize) -> Result<Taken, HubError> {
        let now = now_ms();
        // Every key whose visibility time is <= now sorts below "<now>$" ('#' < '$').
        let due_below = format!("{now:013}$");
        let held = self.leases.held(&queue(consumer));
        let page = self.table.query(Query::partition(queue(consumer)).limit(max + held + 1)).await?;
        let (mut deliveries, mut claims, mut next_due) = (Vec::new(), Vec::new(), None::<u64>);
        let mut sooner = |at: u64| next_due = Some(next_due.map_or(at, |next| next.min(at)));
        for item in page.items {
            if item.key.sk.as_str() >= due_below.as_str() {
                sooner(visible_at(&item));
                break; // the rest are later still
            }
            if deliveries.len() + claims.len() == max {
                break;
            }
            let message: Message = item.record()?;
            if !self.queued_by_this_run(&item.key) {
                if !self.redriven(consumer, &item, &message, message.receive_count).await? {
                    claims.push(self.claim(consumer, item, message, now)?);
                }
                continue;
            }
            let until = now + self.visibility_timeout.as_millis() as u64;
            let Some(receive_count) = self.leases.take(&item.key, message.receive_count, now, until) else {
                // Another receiver holds it: due again when its lease lapses.
                sooner(self.leases.get(&item.key).map_or(now, |lease| lease.until_ms));
                continue;
            };
            if self.redriven(consumer, &item, &message, receive_count - 1).await? {
                self.leases.end(&item.key, receive_count);
                continue;
            }
            let receipt = leases::receipt(&item.key, receive_count);
            deliveries.push(Delivery { consumer: consumer.into(), envelope: message.envelope, receive_count, receipt });
        }
        let claimed = claims.len();
        let committed = self.commit_claims(claims).await?;
        if committed.len() < claimed {
            next_due = Some(now); // another receiver took some meanwhile: look again
        }
        deliveries.extend(committed);
        Ok(Taken { deliveries, next_due_in: next_due.map(|at| Duration::from_millis(at.saturating_sub(now))) })
    }
}

/// When a stored message becomes visible: the time its key starts with.
fn visible_at(item: &Item) -> u64 {
    item.key.sk.get(..13).and_then(|ms| ms.parse::<u64>().ok()).unwrap_or(0)
}
