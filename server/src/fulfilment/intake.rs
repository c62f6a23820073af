//! The fulfilment consumer: an OrderConfirmed becomes the order's shipping
//! order (once), with its digital lines processed at once; an
//! OrderAnonymised forgets the address (privacy.rs).

use super::domain::ShippingOrder;
use super::{CONSUMER, Fulfilment, LineStatus, SOURCE, item, item_processed, key, order_processed};
use crate::contracts::ShippingOrderId;
use crate::contracts::{OrderAnonymised, OrderConfirmed, ShippingOrderCreated, StockLine};
use crate::platform::consumer::{Applied, Consumer, Effects, apply_once};
use crate::platform::events::Envelope;
use crate::platform::outbox;
use crate::platform::store::{Condition, StoreError, WriteOp};
use async_trait::async_trait;
use std::sync::Arc;
use time::OffsetDateTime;

crate::consumed_events! {
    /// What fulfilment reacts to.
    pub enum Incoming { OrderConfirmed, OrderAnonymised }
}

pub struct Intake(pub Arc<Fulfilment>);

#[async_trait]
impl Consumer for Intake {
    const NAME: &'static str = CONSUMER;
    /// Shipping orders in fulfilment's table.
    const EFFECTS: Effects = Effects::InStore;
    type Event = Incoming;

    async fn on(&self, event: Incoming, envelope: &Envelope) -> anyhow::Result<()> {
        match event {
            Incoming::OrderConfirmed(order) => self.0.intake(order, envelope).await,
            Incoming::OrderAnonymised(anonymised) => self.0.forget(&anonymised.order_id).await,
        }
    }
}

impl Fulfilment {
    async fn intake(&self, order: OrderConfirmed, event: &Envelope) -> anyhow::Result<()> {
        let id = ShippingOrderId::of(&order.order_id);
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
