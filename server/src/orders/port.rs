//! The orders service as the UI's server functions reach it.

use super::{Orders, OrdersError};
use crate::contracts::ports::PaymentMethod;
use crate::platform::http::ServiceError;
use app::api::ErrorDetail;
use app::cart::CartOwner;
use app::orders::{CardInput, CheckoutInput, OrderReader, OrderView, PayOutcome, PlaceOrderOutcome, ssr::OrdersApi};

#[async_trait::async_trait]
impl OrdersApi for Orders {
    async fn place(
        &self,
        order_id: String,
        input: CheckoutInput,
        owner: CartOwner,
    ) -> Result<PlaceOrderOutcome, ErrorDetail> {
        match Orders::place(self, &order_id, input, owner).await {
            Ok(placed) => Ok(PlaceOrderOutcome::Placed(Box::new(placed.order))),
            Err(OrdersError::InvalidFields(problems)) => Ok(PlaceOrderOutcome::Invalid(problems)),
            Err(e) => Err(e.detail()),
        }
    }

    async fn get(&self, order_id: String, reader: OrderReader) -> Result<Option<OrderView>, ErrorDetail> {
        match Orders::read(self, &order_id, &reader).await {
            Ok(order) => Ok(Some(order)),
            Err(OrdersError::NotFound(_) | OrdersError::Invalid(_)) => Ok(None),
            Err(e) => Err(e.detail()),
        }
    }

    async fn pay(&self, order_id: String, card: CardInput, reader: OrderReader) -> Result<PayOutcome, ErrorDetail> {
        Orders::read(self, &order_id, &reader).await.map_err(|e| e.detail())?;
        match Orders::pay(self, &order_id, PaymentMethod::Card(card)).await {
            Ok(()) => Ok(PayOutcome::Submitted),
            Err(OrdersError::InvalidFields(problems)) => Ok(PayOutcome::Invalid(problems)),
            Err(e) => Err(e.detail()),
        }
    }

    async fn orders_of(&self, account_id: String) -> Result<Vec<OrderView>, ErrorDetail> {
        Orders::orders_of(self, &account_id, 50)
            .await
            .map_err(|e| crate::platform::http::ApiError::internal("orders store failed", &e).detail)
    }
}
