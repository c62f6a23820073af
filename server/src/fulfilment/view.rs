//! A shipping order as dispatchers see it, and the dispatch pages' port.

use super::{Fulfilment, QueueQuery, ShippingOrder};
use crate::platform::http::ServiceError;
use app::api::ErrorDetail;
use app::fulfilment::{
    ProcessInput, ShipmentView, ShippingAddressView, ShippingLineView, ShippingOrderPage, ShippingOrderView,
};
use async_trait::async_trait;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub(super) fn view(s: &ShippingOrder, version: u64) -> ShippingOrderView {
    let ts = |t: OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
    let a = &s.address;
    ShippingOrderView {
        id: s.id.to_string(),
        order_id: s.order_id.to_string(),
        order_number: s.order_number(),
        status: s.status,
        lines: s
            .lines
            .iter()
            .map(|l| ShippingLineView {
                sku: l.sku.clone(),
                name: l.name.clone(),
                quantity: l.quantity,
                fulfilment: match l.fulfilment {
                    crate::contracts::FulfilmentKind::Physical => "physical".into(),
                    crate::contracts::FulfilmentKind::Digital => "digital".into(),
                },
                status: l.status,
                shipment: l.shipment.as_ref().map(|sh| ShipmentView {
                    carrier: sh.carrier.clone(),
                    tracking_number: sh.tracking_number.clone(),
                    processed_at: ts(sh.processed_at),
                    processed_by: sh.processed_by.clone(),
                }),
            })
            .collect(),
        address: ShippingAddressView {
            name: a.name.clone(),
            line1: a.line1.clone(),
            line2: a.line2.clone(),
            city: a.city.clone(),
            postal_code: a.postal_code.clone(),
            country: a.country.clone(),
        },
        created_at: ts(s.created_at),
        version,
    }
}

#[async_trait]
impl app::fulfilment::ssr::FulfilmentApi for Fulfilment {
    async fn queue(
        &self,
        status: Option<String>,
        q: Option<String>,
        cursor: Option<String>,
    ) -> Result<ShippingOrderPage, ErrorDetail> {
        Fulfilment::queue(self, QueueQuery { status, q, cursor, limit: None }).await.map_err(|e| e.detail())
    }

    async fn get(&self, id: String) -> Result<ShippingOrderView, ErrorDetail> {
        Fulfilment::get(self, &id).await.map_err(|e| e.detail())
    }

    async fn process(
        &self,
        id: String,
        input: ProcessInput,
        dispatcher: String,
    ) -> Result<ShippingOrderView, ErrorDetail> {
        Fulfilment::process(self, &id, input, &dispatcher, None).await.map_err(|e| e.detail())
    }
}
