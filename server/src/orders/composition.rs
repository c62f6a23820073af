//! API composition for the order page: `GET /api/orders/{id}/details`
//! asks the orders service for the order, then the payments, fulfilment and
//! tracking services, in parallel, each within a time limit. A part that
//! fails or is late (or whose service does not run in this process) is left
//! out and named in `partial`; the rest still answers.

use super::Orders;
use crate::fulfilment::Fulfilment;
use crate::payments::Payments;
use crate::platform::access::{Access, Guarded};
use crate::platform::http::{ApiError, ServiceError};
use crate::tracking::Tracking;
use app::account::SignedIn;
use app::api::ErrorDetail;
use app::orders::{OrderDetails, OrderReader, PaymentSummary};
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Extension, Json};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// How long each part may take.
pub const PART_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Clone)]
pub struct Composer {
    pub orders: Arc<Orders>,
    pub payments: Option<Arc<Payments>>,
    pub fulfilment: Option<Arc<Fulfilment>>,
    pub tracking: Option<Arc<Tracking>>,
    pub timeout: Duration,
}

/// A part's value, or `None` (logged) when it failed, took too long or is not here.
async fn part<T, E: std::fmt::Display>(
    name: &str,
    timeout: Duration,
    call: Option<impl Future<Output = Result<Option<T>, E>>>,
) -> Result<Option<T>, ()> {
    let Some(call) = call else { return Err(()) };
    match tokio::time::timeout(timeout, call).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => {
            tracing::warn!(part = name, error = %e, "order details: part failed");
            Err(())
        }
        Err(_) => {
            tracing::warn!(part = name, ?timeout, "order details: part timed out");
            Err(())
        }
    }
}

impl Composer {
    /// The order and its parts, for whoever may see the order (`app::orders::access`).
    pub async fn details(&self, id: &str, reader: &OrderReader) -> Result<OrderDetails, ApiError> {
        let order = self.orders.read(id, reader).await.map_err(|e| e.api_error())?;
        let t = self.timeout;
        let payment_call = match (&self.payments, &order.payment_id) {
            (Some(p), Some(pid)) => Some(async move {
                p.payment(pid).await.map(|found| {
                    found.map(|(r, _)| PaymentSummary {
                        payment_id: r.payment_id,
                        status: format!("{:?}", r.status).to_lowercase(),
                        amount_minor: r.amount_minor,
                        currency: r.currency,
                        failure: r.failure,
                    })
                })
            }),
            _ => None,
        };
        let no_payment_yet = self.payments.is_some() && order.payment_id.is_none();
        let shipment_id = crate::fulfilment::shipping_order_id(&order.id);
        let shipment_call = self.fulfilment.as_ref().map(|f| {
            let shipment_id = shipment_id.clone();
            async move {
                match f.get(&shipment_id).await {
                    Ok(view) => Ok(Some(view)),
                    Err(crate::fulfilment::FulfilmentError::NotFound(_)) => Ok(None),
                    Err(e) => Err(e),
                }
            }
        });
        let timeline_call = self.tracking.as_ref().map(|tr| {
            let id = order.id.clone();
            async move { tr.timeline(&id).await.map(Some) }
        });
        let (payment, shipment, timeline) = tokio::join!(
            part("payment", t, payment_call),
            part("shipment", t, shipment_call),
            part("tracking", t, timeline_call),
        );
        let mut partial = Vec::new();
        let payment = match payment {
            Ok(p) => p,
            Err(()) if no_payment_yet => None,
            Err(()) => {
                partial.push("payment".to_string());
                None
            }
        };
        let shipment = shipment.unwrap_or_else(|()| {
            partial.push("shipment".to_string());
            None
        });
        let timeline = timeline.unwrap_or_else(|()| {
            partial.push("tracking".to_string());
            None
        });
        let token = self.orders.link_token(&order.id);
        Ok(OrderDetails { order, payment, shipment, timeline, partial, token })
    }
}

#[async_trait::async_trait]
impl app::orders::ssr::OrderDetailsApi for Composer {
    async fn details(&self, order_id: String, reader: OrderReader) -> Result<OrderDetails, ErrorDetail> {
        Composer::details(self, &order_id, &reader).await.map_err(|e| e.detail.with_status(e.status.as_u16()))
    }
}

#[derive(serde::Deserialize)]
struct TokenParam {
    token: Option<String>,
}

/// `/api/orders/{id}/details`.
pub fn router<S: Clone + Send + Sync + 'static>(composer: Composer) -> Guarded<S> {
    Guarded::new().route("/{id}/details", Access::OrderHolder, get(details)).with_state(Arc::new(composer))
}

/// `GET /api/orders/{id}/details?token=`
async fn details(
    State(composer): State<Arc<Composer>>,
    Extension(caller): Extension<SignedIn>,
    Path(id): Path<String>,
    Query(param): Query<TokenParam>,
    headers: axum::http::HeaderMap,
) -> Result<Json<OrderDetails>, ApiError> {
    Ok(Json(composer.details(&id, &crate::orders::reader(caller, &headers, param.token)).await?))
}
