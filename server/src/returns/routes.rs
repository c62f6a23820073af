//! The returns API, mounted at `/api/returns`: a shopper asks for a return
//! of their order and reads it; the dispatch team lists the open returns
//! and receives them.

use super::{Returns, ReturnsError};
use crate::platform::access::{Access, Guarded, may_read_order};
use crate::platform::extract::{ApiJson, Body, LinkToken};
use crate::platform::http::ApiError;
use crate::platform::json::Json;
use crate::platform::signing::OrderLinks;
use app::account::{Role, SignedIn};
use app::api::ErrorBody;
use app::returns::{OpenReturns, ReceiveInput, ReturnInput, ReturnView};
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use std::sync::Arc;
use utoipa_axum::routes;

impl Body for ReturnInput {}
impl Body for ReceiveInput {}

#[derive(Clone)]
struct ReturnsApi {
    returns: Arc<Returns>,
    links: OrderLinks,
}

pub fn router<S: Clone + Send + Sync + 'static>(returns: Arc<Returns>, links: OrderLinks) -> Guarded<S> {
    let staff = Access::Role(Role::Dispatcher);
    Guarded::new()
        .route(Access::OrderHolder, routes!(request_return, get_return))
        .route(staff, routes!(open_returns))
        .route(staff, routes!(receive))
        .with_state(ReturnsApi { returns, links })
}

impl ReturnsApi {
    /// Whether `caller` (or the order's link `token`) may act on order `order_id`, held by `account`.
    fn may(
        &self,
        caller: &SignedIn,
        order_id: &str,
        account: Option<&str>,
        token: Option<&str>,
    ) -> Result<(), ApiError> {
        may_read_order(account, caller, token.is_some_and(|t| self.links.matches(order_id, t)))
    }
}

/// Ask to return sent items of an order (its owner, or with the order's link token).
///
/// The id is the client's: the same request again answers 200 with the
/// return it made; other values under the same id are 409.
#[utoipa::path(
    put,
    path = "/{id}",
    tag = "returns",
    params(("id" = String, Path, pattern = r"^[A-Za-z0-9-]{1,64}$", description = "the return's id, chosen by the client (a UUID)"), LinkToken),
    request_body = ReturnInput,
    responses(
        (status = 201, description = "the return, waiting for its items", body = ReturnView),
        (status = 200, description = "asked for before (a retry)", body = ReturnView),
        (status = 400, description = "a bad field, named in `field`: `reason`, `lines` (not in the order, more than can go back)", body = ErrorBody),
        (status = 401, description = "not signed in (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "not the order's holder", body = ErrorBody),
        (status = 404, description = "no paid order with this id (`order_not_found`)", body = ErrorBody),
        (status = 409, description = "`order_cancelled`, `not_sent_yet`, `not_returnable` (digital), `return_window_closed` (30 days after sending), `return_id_in_use`", body = ErrorBody),
    )
)]
async fn request_return(
    State(api): State<ReturnsApi>,
    Extension(caller): Extension<SignedIn>,
    Path(id): Path<String>,
    Query(param): Query<LinkToken>,
    ApiJson(input): ApiJson<ReturnInput>,
) -> Result<(StatusCode, Json<ReturnView>), ReturnsError> {
    let order =
        api.returns.order(&input.order_id).await?.ok_or_else(|| ReturnsError::OrderNotFound(input.order_id.clone()))?;
    api.may(&caller, &input.order_id, order.0.account_id.as_deref(), param.token.as_deref())
        .map_err(ReturnsError::Refused)?;
    let (record, now) = api.returns.request(&id, &input).await?;
    Ok((if now { StatusCode::CREATED } else { StatusCode::OK }, Json(record.view())))
}

/// A return (its order's owner, staff, or with the order's link token).
///
/// The return, with what its refund comes to.
#[utoipa::path(
    get,
    path = "/{id}",
    tag = "returns",
    params(("id" = String, Path, description = "the return's id"), LinkToken),
    responses(
        (status = 200, description = "the return", body = ReturnView),
        (status = 401, description = "not signed in (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "not the order's holder", body = ErrorBody),
        (status = 404, description = "no such return (`return_not_found`)", body = ErrorBody),
    )
)]
async fn get_return(
    State(api): State<ReturnsApi>,
    Extension(caller): Extension<SignedIn>,
    Path(id): Path<String>,
    Query(param): Query<LinkToken>,
) -> Result<Json<ReturnView>, ReturnsError> {
    let record = api.returns.find(&id).await?.ok_or_else(|| ReturnsError::NotFound(id.clone()))?;
    api.may(&caller, &record.order_id, record.account_id.as_deref(), param.token.as_deref())
        .map_err(ReturnsError::Refused)?;
    Ok(Json(record.view()))
}

/// The returns waiting for their items, oldest first (dispatchers).
///
/// Every open return.
#[utoipa::path(
    get,
    path = "/",
    tag = "returns",
    responses(
        (status = 200, description = "the open returns", body = OpenReturns),
        (status = 401, description = "not signed in (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "not a dispatcher", body = ErrorBody),
    )
)]
async fn open_returns(State(api): State<ReturnsApi>) -> Result<Json<OpenReturns>, ReturnsError> {
    Ok(Json(api.returns.open_returns().await?))
}

/// Receive a return's items, each resellable or damaged (dispatchers).
///
/// Every item of the return must be accounted for; the refund is then due,
/// and resellable items go back into stock.
#[utoipa::path(
    post,
    path = "/{id}/receive",
    operation_id = "receive_return",
    tag = "returns",
    params(("id" = String, Path, description = "the return's id")),
    request_body = ReceiveInput,
    responses(
        (status = 200, description = "received", body = ReturnView),
        (status = 400, description = "the lines do not account for the return's items (`lines`)", body = ErrorBody),
        (status = 401, description = "not signed in (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "not a dispatcher", body = ErrorBody),
        (status = 404, description = "no such return (`return_not_found`)", body = ErrorBody),
        (status = 409, description = "received already (`already_received`)", body = ErrorBody),
    )
)]
async fn receive(
    State(api): State<ReturnsApi>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ReceiveInput>,
) -> Result<Json<ReturnView>, ReturnsError> {
    Ok(Json(api.returns.receive(&id, &input).await?.view()))
}
