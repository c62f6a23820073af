//! The AWS event hub (`aws` feature): EventBridge carries events, one SQS
//! queue per consumer receives them, and a DLQ behind each queue catches
//! messages received too often (the redrive policy, set up by [`apply`]).
//!
//! Resource names: bus `<prefix>events`; per consumer a rule and a queue
//! `<prefix><consumer>` and a queue `<prefix><consumer>-dlq`. Faults are kept
//! in the store (table `hub`), like the embedded hub's.

mod acks;
mod infra;

pub use infra::apply;

use super::faults::announce;
use super::{Delivery, EventHub, Fault, FaultLog, HubError, MAX_RECEIVES};
use crate::platform::events::Envelope;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use aws_sdk_sqs::types::MessageSystemAttributeName;
use serde_json::json;
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::RwLock;

/// Entries per PutEvents call (EventBridge's limit).
const PUT_EVENTS_BATCH: usize = 10;
/// Times failed PutEvents entries are re-sent before publishing fails.
const PUT_EVENTS_RETRIES: u32 = 5;
/// The longest delay SQS gives a message it is sent (15 minutes).
const MAX_SEND_DELAY_SECONDS: f64 = 900.0;

pub(super) fn backend(e: impl std::fmt::Display) -> HubError {
    HubError::Backend(e.to_string())
}

pub struct AwsHub {
    eventbridge: aws_sdk_eventbridge::Client,
    sqs: aws_sdk_sqs::Client,
    prefix: String,
    faults: FaultLog,
    /// Queue URLs by queue name, looked up once.
    urls: RwLock<HashMap<String, String>>,
}

impl AwsHub {
    pub fn new(clients: &crate::platform::aws::Clients, prefix: &str, faults: FaultLog) -> Self {
        Self {
            eventbridge: clients.eventbridge.clone(),
            sqs: clients.sqs.clone(),
            prefix: prefix.into(),
            faults,
            urls: RwLock::new(HashMap::new()),
        }
    }

    fn bus(&self) -> String {
        format!("{}events", self.prefix)
    }

    fn queue_name(&self, consumer: &str) -> String {
        format!("{}{consumer}", self.prefix)
    }

    async fn url(&self, queue: &str) -> Result<String, HubError> {
        if let Some(url) = self.urls.read().await.get(queue) {
            return Ok(url.clone());
        }
        let out = self.sqs.get_queue_url().queue_name(queue).send().await.map_err(|e| {
            backend(format!(
                "queue {queue} not found (run `tbs infra apply`): {}",
                aws_sdk_sqs::error::DisplayErrorContext(e)
            ))
        })?;
        let url = out.queue_url().ok_or_else(|| backend("no queue url"))?.to_string();
        self.urls.write().await.insert(queue.into(), url.clone());
        Ok(url)
    }

    /// Sends `envelope` straight to the consumer's queue, received after `delay` (SQS allows 15 minutes at most).
    async fn send_direct(&self, consumer: &str, envelope: &Envelope, delay: Duration) -> Result<(), HubError> {
        // The shape EventBridge delivers, so receivers read one format.
        let body = json!({ "detail-type": envelope.event_type, "source": envelope.source, "detail": envelope });
        let url = self.url(&self.queue_name(consumer)).await?;
        let seconds = delay.as_secs_f64().ceil().min(MAX_SEND_DELAY_SECONDS) as i32;
        let send = self.sqs.send_message().queue_url(url).message_body(body.to_string()).delay_seconds(seconds);
        send.send().await.map_err(backend)?;
        Ok(())
    }

    /// Moves messages SQS redrove to a consumer's DLQ into the fault log.
    async fn collect_dead_letters(&self, consumer: &str) -> Result<(), HubError> {
        let url = self.url(&format!("{}-dlq", self.queue_name(consumer))).await?;
        loop {
            let out =
                self.sqs.receive_message().queue_url(&url).max_number_of_messages(10).send().await.map_err(backend)?;
            let messages = out.messages();
            if messages.is_empty() {
                return Ok(());
            }
            for m in messages {
                let envelope = parse_body(m.body().unwrap_or_default())?;
                let fault = Fault::exhausted(consumer, &envelope, MAX_RECEIVES);
                self.faults.record(&fault).await?;
                announce(self, &fault).await?;
                self.sqs
                    .delete_message()
                    .queue_url(&url)
                    .receipt_handle(m.receipt_handle().unwrap_or_default())
                    .send()
                    .await
                    .map_err(backend)?;
            }
        }
    }

    /// Consumers known from the queues that exist under the prefix.
    async fn consumers(&self) -> Result<Vec<String>, HubError> {
        let out = self.sqs.list_queues().queue_name_prefix(&self.prefix).send().await.map_err(backend)?;
        Ok(out
            .queue_urls()
            .iter()
            .filter_map(|u| u.rsplit('/').next())
            .filter_map(|name| name.strip_prefix(&self.prefix))
            .filter(|name| !name.ends_with("-dlq"))
            .map(str::to_string)
            .collect())
    }
}

fn parse_body(body: &str) -> Result<Envelope, HubError> {
    let value: serde_json::Value =
        serde_json::from_str(body).map_err(|e| backend(format!("message is not JSON: {e}")))?;
    serde_json::from_value(value["detail"].clone())
        .map_err(|e| backend(format!("message holds no event envelope: {e}")))
}

#[async_trait::async_trait]
impl EventHub for AwsHub {
    async fn publish(&self, events: &[Envelope]) -> Result<(), HubError> {
        for batch in events.chunks(PUT_EVENTS_BATCH) {
            let mut pending: Vec<PutEventsRequestEntry> = batch
                .iter()
                .map(|e| {
                    PutEventsRequestEntry::builder()
                        .event_bus_name(self.bus())
                        .source(format!("tbs.{}", e.source))
                        .detail_type(&e.event_type)
                        .detail(serde_json::to_string(e).expect("envelopes serialise"))
                        .build()
                })
                .collect();
            for attempt in 0..=PUT_EVENTS_RETRIES {
                let out =
                    self.eventbridge.put_events().set_entries(Some(pending.clone())).send().await.map_err(backend)?;
                if out.failed_entry_count() == 0 {
                    break;
                }
                // Re-send exactly the entries the response marks failed (same position, with an error code).
                pending = pending
                    .into_iter()
                    .zip(out.entries())
                    .filter(|(_, r)| r.error_code().is_some())
                    .map(|(e, _)| e)
                    .collect();
                if attempt == PUT_EVENTS_RETRIES {
                    return Err(backend(format!(
                        "EventBridge refused {} events after {PUT_EVENTS_RETRIES} retries",
                        pending.len()
                    )));
                }
                tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
            }
        }
        Ok(())
    }

    async fn receive(&self, consumer: &str, max: usize, wait: Duration) -> Result<Vec<Delivery>, HubError> {
        let url = self.url(&self.queue_name(consumer)).await?;
        let out = self
            .sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(max.clamp(1, 10) as i32)
            .wait_time_seconds(wait.as_secs().min(20) as i32)
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .send()
            .await
            .map_err(backend)?;
        let mut deliveries = Vec::new();
        for m in out.messages() {
            let receive_count = m
                .attributes()
                .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
                .and_then(|c| c.parse().ok())
                .unwrap_or(1);
            deliveries.push(Delivery {
                consumer: consumer.into(),
                envelope: parse_body(m.body().unwrap_or_default())?,
                receive_count,
                receipt: m.receipt_handle().unwrap_or_default().to_string(),
            });
        }
        Ok(deliveries)
    }

    async fn ack(&self, d: &Delivery) -> Result<(), HubError> {
        let url = self.url(&self.queue_name(&d.consumer)).await?;
        self.sqs.delete_message().queue_url(url).receipt_handle(&d.receipt).send().await.map_err(backend)?;
        Ok(())
    }

    /// Ten receipts a call (see [`acks`]).
    async fn ack_all(&self, deliveries: &[&Delivery]) -> Result<(), HubError> {
        self.delete_all(deliveries).await
    }

    async fn retry_later(&self, d: &Delivery, delay: Duration) -> Result<(), HubError> {
        let url = self.url(&self.queue_name(&d.consumer)).await?;
        let seconds = delay.as_secs_f64().ceil() as i32;
        self.sqs
            .change_message_visibility()
            .queue_url(url)
            .receipt_handle(&d.receipt)
            .visibility_timeout(seconds)
            .send()
            .await
            .map_err(backend)?;
        Ok(())
    }

    /// SQS counts every receive of a message: the event goes back as a new
    /// message (sent first, so a failure in between delivers it twice, never
    /// not at all), and the received one is deleted.
    async fn defer(&self, d: &Delivery, delay: Duration) -> Result<(), HubError> {
        self.send_direct(&d.consumer, &d.envelope, delay).await?;
        self.ack(d).await
    }

    async fn dead_letter(&self, d: &Delivery, error: &str) -> Result<Fault, HubError> {
        let fault = Fault::new(&d.consumer, &d.envelope, error, d.receive_count);
        // Recorded first: if the delete fails, redelivery records the same fault again.
        self.faults.record(&fault).await?;
        self.ack(d).await?;
        announce(self, &fault).await?;
        Ok(fault)
    }

    async fn faults(&self) -> Result<Vec<Fault>, HubError> {
        for consumer in self.consumers().await? {
            self.collect_dead_letters(&consumer).await?;
        }
        Ok(self.faults.list().await?)
    }

    async fn resubmit(&self, fault_id: &str) -> Result<Fault, HubError> {
        let fault = self.faults.get(fault_id).await?.ok_or_else(|| HubError::UnknownFault(fault_id.into()))?;
        self.send_direct(&fault.consumer, &fault.event, Duration::ZERO).await?;
        self.faults.remove(&fault.id).await?;
        Ok(fault)
    }
}
