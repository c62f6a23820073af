//! The dispatch team receives a return: every item it asked back arrived,
//! each resellable or damaged. The return becomes `received` with its
//! ReturnReceived (the refund is due; resellable items go back into stock)
//! in one transaction on its version, so it is received once.

use super::{ReturnRecord, Returns, ReturnsError, SOURCE};
use crate::contracts::ReturnReceived;
use crate::platform::events::Envelope;
use crate::platform::outbox;
use crate::platform::store::{Condition, StoreError, WriteOp};
use app::returns::{ReceiveInput, ReturnStatus};
use std::collections::BTreeMap;

impl Returns {
    pub(super) async fn receive(&self, id: &str, input: &ReceiveInput) -> Result<ReturnRecord, ReturnsError> {
        let item = self.table.get(&super::return_key(id)).await?.ok_or_else(|| ReturnsError::NotFound(id.into()))?;
        let mut record: ReturnRecord = item.record()?;
        if record.status == ReturnStatus::Received {
            return Err(ReturnsError::Conflict("already_received", format!("return {id} was received already")));
        }
        check(&record, input)?;
        record.status = ReturnStatus::Received;
        record.received = input.lines.clone();
        let received = ReturnReceived {
            return_id: id.into(),
            order_id: record.order_id.clone().into(),
            lines: input.lines.clone(),
            refund_minor: record.refund_minor,
            currency: record.currency.clone(),
            net_minor: record.lines.iter().map(|l| l.unit_price_minor * i64::from(l.quantity)).sum(),
        };
        let ops = vec![
            WriteOp::Put { item: record.item()?, condition: Condition::Version(item.version) },
            outbox::stage(&Envelope::new(SOURCE, &received, "", None))?,
        ];
        match self.table.transact_write(ops).await {
            Ok(()) => {
                self.relay.notify();
                Ok(record)
            }
            Err(StoreError::TransactionCancelled { .. }) => {
                Err(ReturnsError::Conflict("already_received", format!("return {id} changed meanwhile; reload it")))
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// Every item of the return is accounted for, no more.
fn check(record: &ReturnRecord, input: &ReceiveInput) -> Result<(), ReturnsError> {
    let mut arrived: BTreeMap<&str, u32> = BTreeMap::new();
    for line in &input.lines {
        *arrived.entry(line.sku.as_str()).or_default() += line.quantity;
    }
    let asked: BTreeMap<&str, u32> = record.lines.iter().map(|l| (l.sku.as_str(), l.quantity)).collect();
    if arrived != asked {
        let asked: Vec<String> = record.lines.iter().map(|l| format!("{} × {}", l.quantity, l.sku)).collect();
        let why = format!("say what became of every item of the return, no more: {}", asked.join(", "));
        return Err(ReturnsError::Invalid("lines", why));
    }
    Ok(())
}
