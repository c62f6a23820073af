//! Shipping orders as the dispatch API and the dispatch micro-app see them.

use serde::{Deserialize, Serialize};

/// Where a shipping order, or one of its lines, stands.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineStatus {
    Pending,
    Processed,
}

impl LineStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Processed => "Processed",
        }
    }
}

/// How a line was sent.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = Shipment))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipmentView {
    pub carrier: String,
    pub tracking_number: String,
    /// RFC 3339, UTC.
    pub processed_at: String,
    /// Who processed it (an account id; empty for automatic digital delivery).
    pub processed_by: String,
}

#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = ShippingLine))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippingLineView {
    pub sku: String,
    pub name: String,
    pub quantity: u32,
    /// `physical` or `digital`.
    pub fulfilment: String,
    pub status: LineStatus,
    pub shipment: Option<ShipmentView>,
}

#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = ShippingAddress))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippingAddressView {
    pub name: String,
    pub line1: String,
    pub line2: String,
    pub city: String,
    pub postal_code: String,
    pub country: String,
}

#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = ShippingOrder))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippingOrderView {
    pub id: String,
    pub order_id: String,
    /// The order's short number, as on the receipt.
    pub order_number: String,
    pub status: LineStatus,
    pub lines: Vec<ShippingLineView>,
    pub address: ShippingAddressView,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// Send it back as `expected_version` when processing lines.
    pub version: u64,
}

/// `GET /api/fulfilment/shipping-orders`: oldest first.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippingOrderPage {
    pub items: Vec<ShippingOrderView>,
    pub next_cursor: Option<String>,
}

/// `POST /api/fulfilment/shipping-orders/{id}/process`: these lines are
/// packed and handed to the courier.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessInput {
    /// SKUs of the lines.
    pub lines: Vec<String>,
    #[cfg_attr(feature = "ssr", schema(max_length = 60, pattern = r"\S"))]
    pub carrier: String,
    #[cfg_attr(feature = "ssr", schema(max_length = 60, pattern = r"\S"))]
    pub tracking_number: String,
    /// The version the dispatcher saw; a stale one is refused (409).
    pub expected_version: u64,
}

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

/// The dispatch queue (dispatchers and administrators): `status` pending (default) or processed.
#[server(prefix = "/rpc", endpoint = "dispatch/queue", input = GetUrl, output = crate::json::Answer, client = crate::rpc_client::Store)]
pub async fn dispatch_queue(
    status: Option<String>,
    q: Option<String>,
    cursor: Option<String>,
) -> Result<ShippingOrderPage, ServerFnError> {
    crate::account::ssr::require(crate::account::Role::Dispatcher).await?;
    ssr::fulfilment()?.queue(status, q, cursor).await.map_err(crate::rpc::to_server_error)
}

/// One shipping order (dispatchers and administrators).
#[server(prefix = "/rpc", endpoint = "dispatch/order", input = GetUrl, output = crate::json::Answer, client = crate::rpc_client::Store)]
pub async fn dispatch_order(id: String) -> Result<ShippingOrderView, ServerFnError> {
    crate::account::ssr::require(crate::account::Role::Dispatcher).await?;
    ssr::fulfilment()?.get(id).await.map_err(crate::rpc::to_server_error)
}

/// Marks lines processed: packed and handed to `carrier` with `tracking_number`.
#[server(prefix = "/rpc", endpoint = "dispatch/process", output = crate::json::Answer, client = crate::rpc_client::Store)]
pub async fn process_lines(
    id: String,
    lines: Vec<String>,
    carrier: String,
    tracking_number: String,
    expected_version: u64,
) -> Result<ShippingOrderView, ServerFnError> {
    let dispatcher = crate::account::ssr::require(crate::account::Role::Dispatcher).await?;
    let input = ProcessInput { lines, carrier, tracking_number, expected_version };
    let order =
        ssr::fulfilment()?.process(id.clone(), input, dispatcher.id).await.map_err(crate::rpc::to_server_error)?;
    crate::rpc::posted_form_goes_on(None, &format!("/dispatch/{id}"))?;
    Ok(order)
}

#[cfg(feature = "ssr")]
pub mod ssr {
    //! The port through which server functions reach the fulfilment service.

    use super::*;
    use crate::api::ErrorDetail;
    use std::sync::Arc;

    #[async_trait::async_trait]
    pub trait FulfilmentApi: Send + Sync {
        async fn queue(
            &self,
            status: Option<String>,
            q: Option<String>,
            cursor: Option<String>,
        ) -> Result<ShippingOrderPage, ErrorDetail>;
        async fn get(&self, id: String) -> Result<ShippingOrderView, ErrorDetail>;
        async fn process(
            &self,
            id: String,
            input: ProcessInput,
            dispatcher: String,
        ) -> Result<ShippingOrderView, ErrorDetail>;
    }

    pub type SharedFulfilment = Arc<dyn FulfilmentApi>;

    pub(crate) fn fulfilment() -> Result<SharedFulfilment, ServerFnError> {
        use_context::<SharedFulfilment>().ok_or_else(|| ServerFnError::new("dispatch is not available"))
    }
}
