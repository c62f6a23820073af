//! Acknowledging a consumer's handled batch on SQS: one DeleteMessageBatch
//! call takes up to ten receipts, where DeleteMessage takes one a call (and
//! SQS bills by the call).

use super::{AwsHub, backend};
use crate::platform::hub::{Delivery, HubError};
use aws_sdk_sqs::types::DeleteMessageBatchRequestEntry;

/// Receipts per DeleteMessageBatch call (SQS's limit).
const DELETE_BATCH: usize = 10;

impl AwsHub {
    /// Deletes the deliveries' messages, ten a call per queue; the first
    /// refusal is the error once every call is made.
    pub(super) async fn delete_all(&self, deliveries: &[&Delivery]) -> Result<(), HubError> {
        let mut consumers: Vec<&str> = deliveries.iter().map(|d| d.consumer.as_str()).collect();
        consumers.sort_unstable();
        consumers.dedup();
        let mut refused = None;
        for consumer in consumers {
            let url = self.url(&self.queue_name(consumer)).await?;
            let theirs: Vec<&Delivery> = deliveries.iter().copied().filter(|d| d.consumer == consumer).collect();
            for batch in theirs.chunks(DELETE_BATCH) {
                refused = refused.or(self.delete_batch(&url, batch).await?);
            }
        }
        refused.map_or(Ok(()), Err)
    }

    /// One DeleteMessageBatch call; what it refused, if anything.
    async fn delete_batch(&self, url: &str, batch: &[&Delivery]) -> Result<Option<HubError>, HubError> {
        let entries = batch
            .iter()
            .enumerate()
            .map(|(i, d)| {
                DeleteMessageBatchRequestEntry::builder().id(i.to_string()).receipt_handle(&d.receipt).build()
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(backend)?;
        let out =
            self.sqs.delete_message_batch().queue_url(url).set_entries(Some(entries)).send().await.map_err(backend)?;
        Ok(out.failed().first().map(|f| {
            backend(format!(
                "SQS kept {} of {} messages: {} ({})",
                out.failed().len(),
                batch.len(),
                f.code(),
                f.message().unwrap_or_default()
            ))
        }))
    }
}
