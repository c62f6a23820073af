//! Orders as the UI and the JSON API see them: the order view, its status
//! and details, who may see it, and the server functions the checkout,
//! payment, confirmation and order pages use. The checkout's rules (totals,
//! form and card validation) are in [`checkout`].

use crate::api::ErrorDetail;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

pub mod access;
mod checkout;
pub use access::OrderReader;
pub use checkout::*;

/// One order line, priced when the order was placed.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = OrderLine))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLineView {
    pub sku: String,
    pub name: String,
    pub quantity: u32,
    pub unit_price_minor: i64,
    pub line_total_minor: i64,
}

/// Where an order stands.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Stored; waiting for stock to be reserved and the payment to arrive.
    PendingPayment,
    /// Paid; will be fulfilled.
    Confirmed,
    /// Will not be fulfilled (no stock, or not paid in time).
    Cancelled,
    /// Every item is sent (or delivered digitally).
    Processed,
}

impl OrderStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::PendingPayment => "Processing payment",
            Self::Confirmed => "Confirmed",
            Self::Cancelled => "Cancelled",
            Self::Processed => "Processed",
        }
    }
}

/// An order as its shopper sees it.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = Order))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderView {
    pub id: String,
    /// Short, human-friendly order number (for e-mails and phone calls).
    pub number: String,
    pub status: OrderStatus,
    pub email: String,
    pub shipping_address: AddressInput,
    pub currency: String,
    pub lines: Vec<OrderLineView>,
    pub totals: Totals,
    /// Whether the catalog has set the stock aside.
    pub stock_reserved: bool,
    /// Whether a payment attempt is under way (submitted, result not yet known).
    pub payment_in_progress: bool,
    /// Why the last payment attempt failed; the shopper may try again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_error: Option<String>,
    /// Why the order was cancelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_reason: Option<String>,
    pub receipt_sent: bool,
    /// The shipping order's state once fulfilment has it (e.g. `pending`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_status: Option<String>,
    /// RFC 3339, UTC.
    pub placed_at: String,
    /// The account that placed it; absent for a guest's order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// Unpaid orders are cancelled at this time (RFC 3339, UTC).
    pub pay_by: String,
    /// The payment that paid for it, or the attempt under way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_id: Option<String>,
}

/// A payment as the order page shows it (from the payments service).
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = Payment))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentSummary {
    pub payment_id: String,
    /// `created`, `processing`, `succeeded` or `failed`.
    pub status: String,
    pub amount_minor: i64,
    pub currency: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
}

/// `GET /api/orders/{id}/details`: the order with its payment, shipment and
/// timeline, composed from the services' APIs in parallel. A part that did
/// not answer in time is absent and named in `partial`.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderDetails {
    pub order: OrderView,
    pub payment: Option<PaymentSummary>,
    pub shipment: Option<crate::fulfilment::ShippingOrderView>,
    pub timeline: Option<crate::tracking::Timeline>,
    /// Issued once the order is paid for.
    #[serde(default)]
    pub invoice: Option<crate::invoices::Invoice>,
    /// The parts missing: `payment`, `shipment`, `tracking`, `invoice`.
    pub partial: Vec<String>,
    /// The order's link token, for its live updates.
    pub token: String,
}

impl OrderView {
    pub fn payable(&self) -> bool {
        self.status == OrderStatus::PendingPayment && !self.payment_in_progress
    }
}

/// What placing an order came to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PlaceOrderOutcome {
    Placed(Box<OrderView>),
    /// Fields to correct (the order was not stored).
    Invalid(Vec<ErrorDetail>),
}

/// What submitting a payment came to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PayOutcome {
    /// The provider has it; the result arrives by webhook.
    Submitted,
    Invalid(Vec<ErrorDetail>),
}

/// Places the caller's cart as order `order_id` (idempotent: the same id again changes nothing).
#[server(prefix = "/rpc", endpoint = "orders/place", output = crate::json::Answer, client = crate::rpc_client::Store)]
pub async fn place_order(order_id: String, input: CheckoutInput) -> Result<PlaceOrderOutcome, ServerFnError> {
    let owner = crate::cart::ssr::request_owner().await?;
    let outcome = ssr::orders()?.place(order_id.clone(), input, owner).await.map_err(crate::rpc::to_server_error)?;
    let problems = match &outcome {
        PlaceOrderOutcome::Placed(_) => None,
        PlaceOrderOutcome::Invalid(problems) => Some(problems.as_slice()),
    };
    crate::rpc::posted_form_goes_on(problems, &format!("/checkout/{order_id}/pay"))?;
    Ok(outcome)
}

/// Whether `id` can name an order: a random UUID (version 4 or 7) in its
/// canonical lower-case form, as a browser's `crypto.randomUUID()` or the
/// checkout makes one. The orders service refuses any other id; a page shows
/// such an address (a mistyped or cut link) as a page not found.
pub fn is_order_id(id: &str) -> bool {
    id.len() == 36
        && id.bytes().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            14 => c == b'4' || c == b'7',
            _ => matches!(c, b'0'..=b'9' | b'a'..=b'f'),
        })
}

/// What `load` reads for the order `id` names, or `None`, with no call made,
/// when `id` cannot name one ([`is_order_id`]).
pub async fn if_order_id<T, Fut>(id: String, load: impl FnOnce(String) -> Fut) -> Result<Option<T>, ServerFnError>
where
    Fut: Future<Output = Result<T, ServerFnError>>,
{
    if !is_order_id(&id) {
        return Ok(None);
    }
    load(id).await.map(Some)
}

/// An order by id for whoever may see it (`access`); `None` if there is none.
#[server(prefix = "/rpc", endpoint = "orders/get", input = GetUrl, output = crate::json::Answer, client = crate::rpc_client::Store)]
pub async fn get_order(order_id: String) -> Result<Option<OrderView>, ServerFnError> {
    let reader = ssr::reader(None).await?;
    ssr::orders()?.get(order_id, reader).await.map_err(crate::rpc::to_server_error)
}

/// Pays for an order with a card (simulated provider).
#[server(prefix = "/rpc", endpoint = "orders/pay", output = crate::json::Answer, client = crate::rpc_client::Store)]
pub async fn pay_order(order_id: String, card: CardInput) -> Result<PayOutcome, ServerFnError> {
    let reader = ssr::reader(None).await?;
    let outcome = ssr::orders()?.pay(order_id.clone(), card, reader).await.map_err(crate::rpc::to_server_error)?;
    let problems = match &outcome {
        PayOutcome::Submitted => None,
        PayOutcome::Invalid(problems) => Some(problems.as_slice()),
    };
    crate::rpc::posted_form_goes_on(problems, &format!("/orders/{order_id}/confirmation"))?;
    Ok(outcome)
}

/// The signed-in shopper's orders, newest first.
#[server(prefix = "/rpc", endpoint = "orders/mine", input = GetUrl, output = crate::json::Answer, client = crate::rpc_client::Store)]
pub async fn my_orders() -> Result<Vec<OrderView>, ServerFnError> {
    let account = crate::account::ssr::require(crate::account::Role::Shopper).await?;
    ssr::orders()?.orders_of(account.id).await.map_err(crate::rpc::to_server_error)
}

/// One order with its payment, shipment and timeline, for its owner, staff,
/// or whoever has the link (with its `token`) from the receipt e-mail.
#[server(prefix = "/rpc", endpoint = "orders/details", input = GetUrl, output = crate::json::Answer, client = crate::rpc_client::Store)]
pub async fn load_order_details(order_id: String, token: Option<String>) -> Result<OrderDetails, ServerFnError> {
    let reader = ssr::reader(token).await?;
    ssr::details()?.details(order_id, reader).await.map_err(crate::rpc::to_server_error)
}

#[cfg(feature = "ssr")]
pub mod ssr {
    //! The port through which server functions reach the orders service.

    use super::*;
    use std::sync::Arc;

    #[async_trait::async_trait]
    pub trait OrdersApi: Send + Sync {
        async fn place(
            &self,
            order_id: String,
            input: CheckoutInput,
            owner: crate::cart::CartOwner,
        ) -> Result<PlaceOrderOutcome, ErrorDetail>;
        /// The order if `reader` may see it (a 401/403 detail if not).
        async fn get(&self, order_id: String, reader: OrderReader) -> Result<Option<OrderView>, ErrorDetail>;
        async fn pay(&self, order_id: String, card: CardInput, reader: OrderReader) -> Result<PayOutcome, ErrorDetail>;
        /// The account's orders, newest first.
        async fn orders_of(&self, account_id: String) -> Result<Vec<OrderView>, ErrorDetail>;
    }

    /// The order page's data, composed from several services.
    #[async_trait::async_trait]
    pub trait OrderDetailsApi: Send + Sync {
        /// `reader` must be allowed to see the order.
        async fn details(&self, order_id: String, reader: OrderReader) -> Result<OrderDetails, ErrorDetail>;
    }

    pub type SharedOrderDetails = Arc<dyn OrderDetailsApi>;

    pub(super) fn details() -> Result<SharedOrderDetails, ServerFnError> {
        use_context::<SharedOrderDetails>().ok_or_else(|| ServerFnError::new("order details are not available"))
    }

    pub type SharedOrders = Arc<dyn OrdersApi>;

    /// What the request being served brings to read an order.
    pub(super) async fn reader(token: Option<String>) -> Result<OrderReader, ServerFnError> {
        let caller = crate::account::ssr::caller().await?;
        Ok(OrderReader { caller, cookie: crate::rpc::request_cookie().await?, token })
    }

    pub(super) fn orders() -> Result<SharedOrders, ServerFnError> {
        use_context::<SharedOrders>().ok_or_else(|| ServerFnError::new("orders are not available"))
    }
}

#[cfg(test)]
mod tests {
    use super::is_order_id;

    #[test]
    fn an_order_id_is_a_random_uuid_in_lower_case() {
        assert!(is_order_id("0190f0f0-0000-7000-8000-000000000000"), "version 7");
        assert!(is_order_id("3f2b9c1e-8d4a-4b6f-9e2d-1a5c7b8e9f00"), "version 4");
        for not in [
            "not-a-uuid",
            "",
            "00000000-0000-0000-0000-000000000000",
            "3F2B9C1E-8D4A-4B6F-9E2D-1A5C7B8E9F00",
            "3f2b9c1e8d4a4b6f9e2d1a5c7b8e9f00",
            "{3f2b9c1e-8d4a-4b6f-9e2d-1a5c7b8e9f00}",
            "3f2b9c1e-8d4a-1b6f-9e2d-1a5c7b8e9f00",
            "3f2b9c1e-8d4a-4b6f-9e2d-1a5c7b8e9f0g",
            "3f2b9c1e-8d4a-4b6f-9e2d-1a5c7b8e9f00-",
        ] {
            assert!(!is_order_id(not), "{not}");
        }
    }
}
