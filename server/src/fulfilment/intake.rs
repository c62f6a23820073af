//! The fulfilment consumer: an OrderConfirmed becomes the order's shipping
//! order (once), with its digital lines processed at once; an
//! OrderAnonymised forgets the address (privacy.rs).

use super::domain::ShippingOrder;
use super::{CONSUMER, Fulfilment, LineStatus, SOURCE, item, item_processed, key, order_processed, shipping_order_id};
use crate::contracts::{OrderAnonymised, OrderConfirmed, ShippingOrderCreated, StockLine};
use crate::platform::consumer::{Applied, Handler, apply_once};
use crate::platform::events::{DomainEvent, Envelope};
use crate::platform::outbox;
use crate::platform::store::{Condition, StoreError, WriteOp};
use async_trait::async_trait;
use std::sync::Arc;
use time::OffsetDateTime;

pub fn subscribes_to() -> Vec<&'static str> {
    vec![OrderConfirmed::TYPE, OrderAnonymised::TYPE]
}

pub struct Intake(pub Arc<Fulfilment>);

#[async_trait]
impl Handler for Intake {
    fn consumer(&self) -> &'static str {
        CONSUMER
    }

    fn subscribes_to(&self) -> Vec<&'static str> {
        subscribes_to()
    }

    async fn handle(&self, event: &Envelope) -> anyhow::Result<()> {
        if event.is::<OrderConfirmed>() {
            self.0.intake(event).await
        } else if event.is::<OrderAnonymised>() {
            self.0.forget(event).await
        } else {
            Ok(())
        }
    }
}

impl Fulfilment {
    async fn intake(&self, event: &Envelope) -> anyhow::Result<()> {
        let order: OrderConfirmed = event.decode()?;
        let id = shipping_order_id(&order.order_id);
        if self.table.get(&key(&id)).await?.is_some() {
            return Ok(());
        }
        let mut shipping = ShippingOrder::intake(&order, OffsetDateTime::now_utc());
        if self.forgotten(&order.order_id).await? {
            shipping.address = shipping.address.redacted();
        }
        let created = ShippingOrderCreated {
            shipping_order_id: id.clone(),
            order_id: order.order_id.clone(),
            lines: order.lines.iter().map(|l| StockLine { sku: l.sku.clone(), quantity: l.quantity }).collect(),
        };
        let trace = event.trace();
        let mut ops = vec![
            WriteOp::Put { item: item(&shipping)?, condition: Condition::NotExists },
            outbox::stage(&Envelope::new(SOURCE, &created, "", trace.as_ref()))?,
        ];
        for line in shipping.processed_lines() {
            ops.push(outbox::stage(&Envelope::new(SOURCE, &item_processed(&shipping, line), "", trace.as_ref()))?);
        }
        if shipping.status == LineStatus::Processed {
            ops.push(outbox::stage(&Envelope::new(SOURCE, &order_processed(&shipping), "", trace.as_ref()))?);
        }
        match apply_once(&*self.table, CONSUMER, event, ops).await {
            Ok(Applied::Now) => {
                self.relay.notify();
                tracing::info!(order = %order.order_id, shipping_order = %id, "shipping order created");
                Ok(())
            }
            Ok(Applied::Before) | Err(StoreError::TransactionCancelled { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}
