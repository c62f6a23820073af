//! Receives written to the store: a message an earlier run queued (it may
//! be the one that crashed that run) is claimed durably, re-keyed with its
//! receive counted in a version-checked transaction; and the redrive policy,
//! which moves a message received too often to the fault log.

use super::{EmbeddedHub, Message};
use crate::platform::hub::faults::announce;
use crate::platform::hub::{Delivery, Fault, FaultLog, HubError, MAX_RECEIVES};
use crate::platform::store::{Condition, Item, StoreError, WriteOp};

pub(super) struct Claim {
    ops: Vec<WriteOp>,
    delivery: Delivery,
}

impl EmbeddedHub {
    /// The writes that hide a message for the visibility timeout and count
    /// the receive, and the delivery they make.
    pub(super) fn claim(&self, consumer: &str, item: Item, message: Message, now: u64) -> Result<Claim, HubError> {
        let receive_count = message.receive_count + 1;
        let hidden_until = now + self.visibility_timeout.as_millis() as u64;
        let taken = self.enqueue_op(consumer, &message.envelope, receive_count, hidden_until)?;
        let receipt = taken.key().sk.clone();
        let release = WriteOp::Delete { key: item.key, condition: Condition::Version(item.version) };
        let delivery = Delivery { consumer: consumer.into(), envelope: message.envelope, receive_count, receipt };
        Ok(Claim { ops: vec![release, taken], delivery })
    }

    /// Writes durable claims: all in one transaction, or one by one when
    /// another receiver took some of them first.
    pub(super) async fn commit_claims(&self, claims: Vec<Claim>) -> Result<Vec<Delivery>, HubError> {
        if claims.is_empty() {
            return Ok(Vec::new());
        }
        let all_ops: Vec<WriteOp> = claims.iter().flat_map(|c| c.ops.clone()).collect();
        match self.table.transact_write(all_ops).await {
            Ok(()) => return Ok(claims.into_iter().map(|c| c.delivery).collect()),
            Err(StoreError::TransactionCancelled { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        let mut deliveries = Vec::new();
        for claim in claims {
            match self.table.transact_write(claim.ops).await {
                Ok(()) => deliveries.push(claim.delivery),
                Err(StoreError::TransactionCancelled { .. }) => {} // another receiver has it
                Err(e) => return Err(e.into()),
            }
        }
        Ok(deliveries)
    }

    /// Moves the message to the fault log when it has been received
    /// `received` times already, the most allowed (the redrive policy: a
    /// consumer that crashed each time); whether it did.
    pub(super) async fn redriven(
        &self,
        consumer: &str,
        item: &Item,
        message: &Message,
        received: u32,
    ) -> Result<bool, HubError> {
        if received < MAX_RECEIVES {
            return Ok(false);
        }
        let fault = Fault::exhausted(consumer, &message.envelope, received);
        match self.move_to_faults(item, &fault).await {
            Ok(()) | Err(HubError::StaleReceipt(_)) => Ok(true),
            Err(e) => Err(e),
        }
    }

    pub(super) async fn move_to_faults(&self, item: &Item, fault: &Fault) -> Result<(), HubError> {
        let ops = vec![
            WriteOp::Delete { key: item.key.clone(), condition: Condition::Version(item.version) },
            FaultLog::record_op(fault)?,
        ];
        match self.table.transact_write(ops).await {
            Ok(()) => announce(self, fault).await,
            Err(StoreError::TransactionCancelled { .. }) => Err(HubError::StaleReceipt(item.key.sk.clone())),
            Err(e) => Err(e.into()),
        }
    }
}
