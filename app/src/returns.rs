//! Returns: a shopper sends back sent physical items within 30 days; the
//! dispatch team receives them; the refund follows.

use serde::{Deserialize, Serialize};

/// How long after an item was sent it may be returned.
pub const RETURN_DAYS: i64 = 30;

/// One line of a return request: which product, how many.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnLineInput {
    pub sku: String,
    #[cfg_attr(feature = "ssr", schema(minimum = 1))]
    pub quantity: u32,
}

/// `PUT /api/returns/{id}`: return these lines of an order, for this reason.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnInput {
    pub order_id: String,
    #[cfg_attr(feature = "ssr", schema(min_items = 1))]
    pub lines: Vec<ReturnLineInput>,
    /// Why (1–500 characters).
    #[cfg_attr(feature = "ssr", schema(max_length = 500, pattern = r"\S"))]
    pub reason: String,
}

/// What becomes of returned items.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemCondition {
    /// Fit to sell again: back into stock.
    Resellable,
    /// Not fit to sell again.
    Damaged,
}

/// One line as the dispatch team received it.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceivedLine {
    pub sku: String,
    pub quantity: u32,
    pub condition: ItemCondition,
}

/// `POST /api/returns/{id}/receive`: every item of the return arrived, in
/// these conditions (a line may be split between conditions).
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiveInput {
    pub lines: Vec<ReceivedLine>,
}

/// A returned line and what it refunds (its price and its share of the tax).
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnLineView {
    pub sku: String,
    pub name: String,
    pub quantity: u32,
    pub unit_price_minor: i64,
}

/// `requested` (waiting for the items) or `received`.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnStatus {
    Requested,
    Received,
}

/// A return, as the shopper and the dispatch team see it.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnView {
    pub id: String,
    pub order_id: String,
    pub order_number: String,
    pub status: ReturnStatus,
    pub lines: Vec<ReturnLineView>,
    pub reason: String,
    /// What the refund will be: the lines' price, their share of the tax,
    /// and the shipping when this return completes every physical line.
    pub refund_minor: i64,
    pub currency: String,
    /// RFC 3339, UTC.
    pub requested_at: String,
    #[serde(default)]
    pub received: Vec<ReceivedLine>,
}

/// `GET /api/returns`: the returns waiting for their items, oldest first.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenReturns {
    pub items: Vec<ReturnView>,
}

/// An order's line as the return form offers it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnableLine {
    pub sku: String,
    pub name: String,
    pub unit_price_minor: i64,
    /// How many can still go back (0 when none can).
    pub left: u32,
    /// Why none can go back, when none can: for the shopper to read.
    pub why_not: Option<String>,
}

/// An order's return page: what can go back, the returns made, and the id
/// the next request from the page takes (sent twice, it returns once).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnForm {
    pub order_id: String,
    pub order_number: String,
    pub currency: String,
    pub lines: Vec<ReturnableLine>,
    pub returns: Vec<ReturnView>,
    pub next_id: String,
}

impl ReturnForm {
    pub fn can_return_any(&self) -> bool {
        self.lines.iter().any(|l| l.left > 0)
    }
}

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

/// An order's return page (its owner, staff, or with its link token).
#[server(prefix = "/rpc", endpoint = "returns/form", input = GetUrl, output = crate::json::Answer, client = crate::rpc_client::Store)]
pub async fn load_return_form(order_id: String, token: Option<String>) -> Result<ReturnForm, ServerFnError> {
    let reader = ssr::reader(token).await?;
    ssr::returns()?.form(order_id, reader).await.map_err(crate::rpc::to_server_error)
}

/// Asks to return the chosen quantities of an order's lines (lines left at
/// 0 are not returned). `id` is the form's own, so sending it twice returns once.
/// Posted without JavaScript, it goes on to the order's return page, which
/// says the return was accepted (`?done=<the return's id>`).
#[server(prefix = "/rpc", endpoint = "returns/request", output = crate::json::Answer, client = crate::rpc_client::Store)]
pub async fn request_return(
    id: String,
    order_id: String,
    token: Option<String>,
    #[server(default)] lines: Vec<ReturnLineInput>,
    reason: String,
) -> Result<ReturnView, ServerFnError> {
    let reader = ssr::reader(token.clone()).await?;
    let lines = lines.into_iter().filter(|l| l.quantity > 0).collect();
    let input = ReturnInput { order_id, lines, reason };
    let done = ssr::returns()?.request(id, input, reader).await.map_err(crate::rpc::to_server_error)?;
    let page = format!("/orders/{}/return", crate::url::encode_component(&done.order_id));
    let next = crate::url::with_query(&page, &[("token", token.as_deref()), ("done", Some(&done.id))]);
    crate::rpc::posted_form_goes_on(None, &next)?;
    Ok(done)
}

/// The returns waiting for their items, oldest first (dispatchers).
#[server(prefix = "/rpc", endpoint = "returns/open", input = GetUrl, output = crate::json::Answer, client = crate::rpc_client::Store)]
pub async fn load_open_returns() -> Result<OpenReturns, ServerFnError> {
    crate::account::ssr::require(crate::account::Role::Dispatcher).await?;
    ssr::returns()?.open().await.map_err(crate::rpc::to_server_error)
}

/// Receives a return's items, each line resellable or damaged (dispatchers).
/// Posted without JavaScript, it goes on to the returns page, which says
/// what was received (`?done=<the return's id>&order=<its order's id>`).
#[server(prefix = "/rpc", endpoint = "returns/receive", output = crate::json::Answer, client = crate::rpc_client::Store)]
pub async fn receive_return(id: String, lines: Vec<ReceivedLine>) -> Result<ReturnView, ServerFnError> {
    crate::account::ssr::require(crate::account::Role::Dispatcher).await?;
    let done = ssr::returns()?.receive(id, ReceiveInput { lines }).await.map_err(crate::rpc::to_server_error)?;
    let next =
        crate::url::with_query("/dispatch/returns", &[("done", Some(&done.id)), ("order", Some(&done.order_id))]);
    crate::rpc::posted_form_goes_on(None, &next)?;
    Ok(done)
}

#[cfg(feature = "ssr")]
pub mod ssr {
    //! The port through which the returns pages' server functions reach the
    //! returns service.

    use super::*;
    use crate::api::ErrorDetail;
    use crate::orders::access::OrderReader;
    use std::sync::Arc;

    #[async_trait::async_trait]
    pub trait ReturnsApi: Send + Sync {
        /// The order's return page, if `reader` may act on the order.
        async fn form(&self, order_id: String, reader: OrderReader) -> Result<ReturnForm, ErrorDetail>;
        /// Return `id` as `input` asks, if `reader` may act on the order.
        async fn request(&self, id: String, input: ReturnInput, reader: OrderReader)
        -> Result<ReturnView, ErrorDetail>;
        async fn open(&self) -> Result<OpenReturns, ErrorDetail>;
        async fn receive(&self, id: String, input: ReceiveInput) -> Result<ReturnView, ErrorDetail>;
    }

    pub type SharedReturns = Arc<dyn ReturnsApi>;

    pub(super) fn returns() -> Result<SharedReturns, ServerFnError> {
        use_context::<SharedReturns>().ok_or_else(|| ServerFnError::new("returns are not available"))
    }

    /// What the request being served brings to act on an order; an
    /// anonymous caller without the order's link token is asked to sign in.
    pub(super) async fn reader(token: Option<String>) -> Result<OrderReader, ServerFnError> {
        let caller = crate::account::ssr::caller().await?;
        let token = token.filter(|t| !t.is_empty());
        if caller.0.is_none() && token.is_none() {
            return Err(crate::rpc::refuse(401, "Sign in, or open the link in your order's e-mail"));
        }
        Ok(OrderReader { caller, cookie: None, token })
    }
}
