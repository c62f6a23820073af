//! Receiving: what is due in a consumer's queue, taken on a lease (queued
//! by this run) or claimed durably (queued before it), and how long until
//! the next message is due.

use super::{EmbeddedHub, Message, now_ms, queue};
use crate::platform::hub::leases;
use crate::platform::hub::{Delivery, HubError};
use crate::platform::store::{Item, Query, SortKeyCondition};
use std::time::Duration;

impl EmbeddedHub {
    /// Takes the due messages of `consumer` once, without waiting: this
    /// run's on a lease, earlier runs' claimed durably (all in one
    /// transaction, or one by one when another receiver took some first).
    pub(super) async fn take_due(&self, consumer: &str, max: usize) -> Result<Vec<Delivery>, HubError> {
        let now = now_ms();
        // Every key whose visibility time is <= now sorts below "<now>$" ('#' < '$').
        let due = Query::partition(queue(consumer)).sort_key(SortKeyCondition::LessThan(format!("{now:013}$")));
        let page = self.table.query(due.limit(max + self.leases.held(&queue(consumer)))).await?;
        let (mut deliveries, mut claims) = (Vec::new(), Vec::new());
        for item in page.items {
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
                continue; // another receiver holds it
            };
            if self.redriven(consumer, &item, &message, receive_count - 1).await? {
                self.leases.end(&item.key, receive_count);
                continue;
            }
            let receipt = leases::receipt(&item.key, receive_count);
            deliveries.push(Delivery { consumer: consumer.into(), envelope: message.envelope, receive_count, receipt });
        }
        deliveries.extend(self.commit_claims(claims).await?);
        Ok(deliveries)
    }

    /// How long until the earliest message of `consumer`'s queue is due;
    /// `None` when the queue is empty. A leased message is due when its lease
    /// lapses.
    pub(super) async fn next_due_in(&self, consumer: &str) -> Result<Option<Duration>, HubError> {
        let held = self.leases.held(&queue(consumer));
        let first = self.table.query(Query::partition(queue(consumer)).limit(held + 1)).await?;
        let due_at = |item: &Item| match self.leases.get(&item.key) {
            Some(lease) => lease.until_ms,
            None => item.key.sk.get(..13).and_then(|ms| ms.parse::<u64>().ok()).unwrap_or(0),
        };
        let now = now_ms();
        Ok(first.items.iter().map(due_at).min().map(|at| Duration::from_millis(at.saturating_sub(now))))
    }
}
