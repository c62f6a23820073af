//! API composition for the order page: `GET /api/orders/{id}/details`
//! asks the orders service for the order, then the payments, fulfilment,
//! tracking and invoices services, in parallel, each within a time limit. A part that
//! fails or is late (or whose service does not run in this process) is left
//! out and named in `partial`; the rest still answers.

use super::Orders;
use crate::contracts::ports::OrderPart;
use crate::platform::access::{Access, Guarded};
use crate::platform::extract::LinkToken;
use crate::platform::http::{ApiError, ServiceError};
use crate::platform::json::Json;
use app::account::SignedIn;
use app::api::ErrorBody;
use app::api::ErrorDetail;
use app::fulfilment::ShippingOrderView;
use app::invoices::Invoice;
use app::orders::{OrderDetails, OrderReader, OrderView, PaymentSummary};
use app::tracking::Timeline;
use axum::Extension;
use axum::extract::{Path, Query, State};
use std::sync::Arc;
use std::time::Duration;
use utoipa_axum::routes;

/// How long each part may take.
pub const PART_TIMEOUT: Duration = Duration::from_secs(2);

/// The order and the other services' parts of its page, each through the
/// port its owner offers (none for a service this process does not run).
#[derive(Clone)]
pub struct Composer {
    pub orders: Arc<Orders>,
    pub payment: Option<Arc<dyn OrderPart<PaymentSummary>>>,
    pub shipment: Option<Arc<dyn OrderPart<ShippingOrderView>>>,
    pub timeline: Option<Arc<dyn OrderPart<Timeline>>>,
    pub invoice: Option<Arc<dyn OrderPart<Invoice>>>,
    pub timeout: Duration,
}

/// A part's value (`Some(None)`: the service has nothing for this order),
/// or `None` (logged) when it failed, took too long or is not here.
async fn part<T>(
    name: &str,
    timeout: Duration,
    source: &Option<Arc<dyn OrderPart<T>>>,
    order: &OrderView,
) -> Option<Option<T>> {
    let why = match source {
        None => "is not in this process".to_string(),
        Some(source) => match tokio::time::timeout(timeout, source.of(order)).await {
            Ok(Ok(value)) => return Some(value),
            Ok(Err(e)) => format!("failed: {e:#}"),
            Err(_) => format!("timed out after {timeout:?}"),
        },
    };
    tracing::warn!(part = name, "order details: part {why}");
    None
}

impl Composer {
    /// The order and its parts, for whoever may see the order (`app::orders::access`).
    pub async fn details(&self, id: &str, reader: &OrderReader) -> Result<OrderDetails, ApiError> {
        let order = self.orders.read(id, reader).await.map_err(|e| e.api_error())?;
        let t = self.timeout;
        let (payment, shipment, timeline, invoice) = tokio::join!(
            part("payment", t, &self.payment, &order),
            part("shipment", t, &self.shipment, &order),
            part("tracking", t, &self.timeline, &order),
            part("invoice", t, &self.invoice, &order),
        );
        let missing = [
            ("payment", payment.is_none()),
            ("shipment", shipment.is_none()),
            ("tracking", timeline.is_none()),
            ("invoice", invoice.is_none()),
        ];
        let partial = missing.iter().filter(|(_, gone)| *gone).map(|(name, _)| name.to_string()).collect();
        let token = self.orders.link_token(&order.id);
        let (payment, shipment) = (payment.flatten(), shipment.flatten());
        let (timeline, invoice) = (timeline.flatten(), invoice.flatten());
        Ok(OrderDetails { order, payment, shipment, timeline, invoice, partial, token })
    }
}

#[async_trait::async_trait]
impl app::orders::ssr::OrderDetailsApi for Composer {
    async fn details(&self, order_id: String, reader: OrderReader) -> Result<OrderDetails, ErrorDetail> {
        Composer::details(self, &order_id, &reader).await.map_err(|e| e.detail.with_status(e.status.as_u16()))
    }
}

/// `/api/orders/{id}/details`.
pub fn router<S: Clone + Send + Sync + 'static>(composer: Composer) -> Guarded<S> {
    Guarded::new().route(Access::OrderHolder, routes!(details)).with_state(Arc::new(composer))
}

/// Order, payment, shipment, timeline and invoice composed in parallel (owner, staff or link token).
#[utoipa::path(
    get,
    path = "/{id}/details",
    tag = "orders",
    params(
        ("id" = inline(crate::orders::OrderId), Path, description = "the order id (a UUID the client chose)"),
        LinkToken,
    ),
    responses(
        (status = 200, description = "the details; parts that did not answer are listed in `partial`", body = OrderDetails),
        (status = 400, description = "not a UUID (`invalid_order_id`)", body = ErrorBody),
        (status = 401, description = "not signed in (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "not the order's holder", body = ErrorBody),
        (status = 404, description = "no such order", body = ErrorBody),
    )
)]
async fn details(
    State(composer): State<Arc<Composer>>,
    Extension(caller): Extension<SignedIn>,
    Path(id): Path<String>,
    Query(param): Query<LinkToken>,
    headers: axum::http::HeaderMap,
) -> Result<Json<OrderDetails>, ApiError> {
    Ok(Json(composer.details(&id, &crate::orders::reader(caller, &headers, param.token)).await?))
}
