//! A dispatcher processing lines: checked against the version they saw (a
//! replay of the same change is answered as before), written with one
//! ShipmentItemProcessed per line and, once nothing is pending,
//! ShippingOrderProcessed.

use super::error::invalid;
use super::view::view;
use super::{Fulfilment, FulfilmentError, LineStatus, SOURCE, Shipment, ShippingLine, ShippingOrder, item};
use crate::contracts::{ShipmentItemProcessed, ShippingOrderProcessed};
use crate::platform::events::Envelope;
use crate::platform::outbox;
use crate::platform::store::{Condition, StoreError, WriteOp};
use app::fulfilment::{ProcessInput, ShippingOrderView};
use time::OffsetDateTime;

impl Fulfilment {
    /// Marks lines processed (packed and handed to the courier).
    pub async fn process(
        &self,
        id: &str,
        input: ProcessInput,
        dispatcher: &str,
        change_id: Option<String>,
    ) -> Result<ShippingOrderView, FulfilmentError> {
        let carrier = input.carrier.trim().to_string();
        let tracking = input.tracking_number.trim().to_string();
        if carrier.is_empty() || carrier.chars().count() > 60 {
            return Err(invalid("carrier", "Enter the carrier (up to 60 characters)"));
        }
        if tracking.is_empty() || tracking.chars().count() > 60 {
            return Err(invalid("tracking_number", "Enter the tracking number (up to 60 characters)"));
        }
        let (mut shipping, version) = self.load(id).await?;
        if version != input.expected_version {
            // The same change sent again (its answer was lost): answered as before, not refused.
            if change_id.as_deref().is_some_and(|change| shipping.already_processed(&input.lines, change)) {
                return Ok(view(&shipping, version));
            }
            return Err(FulfilmentError::Stale(version));
        }
        let shipment = Shipment {
            carrier,
            tracking_number: tracking,
            processed_at: OffsetDateTime::now_utc(),
            processed_by: dispatcher.to_string(),
            change_id,
        };
        shipping.process(&input.lines, &shipment)?;
        let mut ops = vec![WriteOp::Put { item: item(&shipping)?, condition: Condition::Version(version) }];
        for line in shipping.lines.iter().filter(|l| input.lines.contains(&l.sku)) {
            ops.push(outbox::stage(&Envelope::new(SOURCE, &item_processed(&shipping, line), "", None))?);
        }
        if shipping.status == LineStatus::Processed {
            ops.push(outbox::stage(&Envelope::new(SOURCE, &order_processed(&shipping), "", None))?);
        }
        match self.table.transact_write(ops).await {
            Ok(()) => {}
            Err(StoreError::TransactionCancelled { index: 0, .. }) => {
                let (_, now) = self.load(id).await?;
                return Err(FulfilmentError::Stale(now));
            }
            Err(e) => return Err(e.into()),
        }
        self.relay.notify();
        tracing::info!(shipping_order = %id, lines = ?input.lines, status = ?shipping.status, "lines processed");
        Ok(view(&shipping, version + 1))
    }
}

pub(super) fn item_processed(shipping: &ShippingOrder, line: &ShippingLine) -> ShipmentItemProcessed {
    let shipment = line.shipment.as_ref();
    ShipmentItemProcessed {
        shipping_order_id: shipping.id.clone(),
        order_id: shipping.order_id.clone(),
        sku: line.sku.clone(),
        name: line.name.clone(),
        quantity: line.quantity,
        carrier: shipment.map(|s| s.carrier.clone()).unwrap_or_default(),
        tracking_number: shipment.map(|s| s.tracking_number.clone()).unwrap_or_default(),
    }
}

pub(super) fn order_processed(shipping: &ShippingOrder) -> ShippingOrderProcessed {
    ShippingOrderProcessed { shipping_order_id: shipping.id.clone(), order_id: shipping.order_id.clone() }
}
