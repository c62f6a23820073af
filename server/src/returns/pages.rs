//! The returns pages' port: the shopper's return page and the dispatch
//! team's returns reach the service through it, under the same rules as
//! the returns API (the server functions have checked a dispatcher's role).

use super::{Returns, ReturnsError, requesting};
use crate::platform::access::may_read_order;
use crate::platform::http::ServiceError;
use crate::platform::signing::OrderLinks;
use app::api::ErrorDetail;
use app::orders::access::OrderReader;
use app::returns::ssr::ReturnsApi;
use app::returns::{OpenReturns, ReceiveInput, ReturnForm, ReturnInput, ReturnView};
use std::sync::Arc;

pub struct ReturnsPages {
    pub returns: Arc<Returns>,
    pub links: OrderLinks,
}

impl ReturnsPages {
    /// The order, if `reader` may act on it.
    async fn order_for(
        &self,
        order_id: &str,
        reader: &OrderReader,
    ) -> Result<super::view::ReturnableOrder, ReturnsError> {
        let (order, _) =
            self.returns.order(order_id).await?.ok_or_else(|| ReturnsError::OrderNotFound(order_id.into()))?;
        let token = reader.token.as_deref().is_some_and(|t| self.links.matches(order_id, t));
        may_read_order(order.account_id.as_deref(), &reader.caller, token).map_err(ReturnsError::Refused)?;
        Ok(order)
    }
}

#[async_trait::async_trait]
impl ReturnsApi for ReturnsPages {
    async fn form(&self, order_id: String, reader: OrderReader) -> Result<ReturnForm, ErrorDetail> {
        let order = self.order_for(&order_id, &reader).await.map_err(|e| e.detail())?;
        let mut returns = Vec::new();
        for id in &order.returns {
            if let Some(record) = self.returns.find(id).await.map_err(|e| ReturnsError::from(e).detail())? {
                returns.push(record.view());
            }
        }
        Ok(ReturnForm {
            lines: requesting::offer(&order, time::OffsetDateTime::now_utc()),
            order_id,
            order_number: order.number,
            currency: order.currency,
            returns,
            next_id: uuid::Uuid::now_v7().to_string(),
        })
    }

    async fn request(&self, id: String, input: ReturnInput, reader: OrderReader) -> Result<ReturnView, ErrorDetail> {
        self.order_for(&input.order_id, &reader).await.map_err(|e| e.detail())?;
        let (record, _) = self.returns.request(&id, &input).await.map_err(|e| e.detail())?;
        Ok(record.view())
    }

    async fn open(&self) -> Result<OpenReturns, ErrorDetail> {
        self.returns.open_returns().await.map_err(|e| e.detail())
    }

    async fn receive(&self, id: String, input: ReceiveInput) -> Result<ReturnView, ErrorDetail> {
        Ok(self.returns.receive(&id, &input).await.map_err(|e| e.detail())?.view())
    }
}
