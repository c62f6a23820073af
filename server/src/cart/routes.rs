//! The cart's REST API, mounted at `/api/cart`. The cart is the signed-in
//! account's, or else the one the request's `tbs_cart` cookie names; a first
//! edit by a guest creates it and sets the cookie. An edit may carry an
//! `Idempotency-Key` (the app's outbox gives every queued edit one): the
//! cart applies each key at most once.

use super::{CartError, Carts, ChangeId};
use crate::platform::access::{Access, Guarded};
use crate::platform::caller::OwnChange;
use crate::platform::extract::{ApiJson, Body, DeviceChange, IdempotencyKey};
use crate::platform::json::Json;
use app::account::SignedIn;
use app::api::ErrorBody;
use app::cart::{CartOwner, CartView};
use axum::extract::{Extension, Path, State};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{AppendHeaders, IntoResponse, Response};
use serde::Deserialize;
use std::sync::Arc;
use utoipa_axum::routes;

/// Guests have carts too: every cart route is public, the cookie names the cart.
pub fn router<S: Clone + Send + Sync + 'static>(carts: Arc<Carts>) -> Guarded<S> {
    Guarded::new()
        .route(Access::Public, routes!(get_cart, clear_cart))
        .route(Access::Public, routes!(put_item, post_item, delete_item))
        .with_state(carts)
}

fn owner(headers: &HeaderMap, caller: Option<Extension<SignedIn>>) -> CartOwner {
    CartOwner {
        cookie: headers.get(COOKIE).and_then(|v| v.to_str().ok()).map(str::to_string),
        account_id: caller.and_then(|Extension(c)| c.0).map(|a| a.id),
    }
}

fn with_cookies(cookies: Vec<String>, cart: CartView) -> Response {
    let headers: Vec<_> = cookies.into_iter().map(|c| (SET_COOKIE, c)).collect();
    (AppendHeaders(headers), Json(cart)).into_response()
}

/// The cart (the account's when signed in, merging in the guest cart the `tbs_cart` cookie names).
#[utoipa::path(
    get,
    path = "/",
    tag = "cart",
    responses(
        (status = 200, description = "the cart", body = CartView),
    )
)]
async fn get_cart(
    State(carts): State<Arc<Carts>>,
    headers: HeaderMap,
    caller: Option<Extension<SignedIn>>,
) -> Result<Response, CartError> {
    let (id, cookies) = carts.resolve(&owner(&headers, caller), false).await?;
    Ok(with_cookies(cookies, carts.view(id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct QuantityBody {
    /// Units of the line, 1 to `MAX_LINE_QUANTITY` (`tests/api/openapi.rs` keeps them equal).
    #[schema(minimum = 1, maximum = 10)]
    quantity: u32,
}

/// `{"quantity": n}`: a body that is not one is a bad quantity.
impl Body for QuantityBody {
    const FIELD: &'static str = "quantity";
}

/// What an edit of a line answers (set or add).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // Describes the answers; the handlers make them as `Response`s.
enum LineEdited {
    /// The cart.
    #[response(status = 200)]
    Cart(CartView),
    /// A bad quantity; `invalid_sku`, `invalid_body`, `invalid_idempotency_key`.
    #[response(status = 400)]
    Invalid(ErrorBody),
    /// No product has this SKU.
    #[response(status = 404)]
    UnknownSku(ErrorBody),
    /// `insufficient_stock` or `cart_full`; or `account_changed`: made by another account than the caller's.
    #[response(status = 409)]
    Refused(ErrorBody),
}

/// Set a line's quantity (idempotent); creates the cart and its cookie on first use.
///
/// Sets the line's quantity.
#[utoipa::path(
    put,
    path = "/items/{sku}",
    tag = "cart",
    params(
        ("sku" = inline(crate::catalog::Sku), Path, description = "product SKU, e.g. KIT-001"),
        DeviceChange,
    ),
    request_body = QuantityBody,
    responses(LineEdited)
)]
async fn put_item(
    State(carts): State<Arc<Carts>>,
    Path(sku): Path<String>,
    _own: OwnChange,
    headers: HeaderMap,
    caller: Option<Extension<SignedIn>>,
    IdempotencyKey(key): IdempotencyKey,
    ApiJson(body): ApiJson<QuantityBody>,
) -> Result<Response, CartError> {
    edit_line(&carts, &sku, &headers, caller, body, key, LineEdit::Set).await
}

/// Add units to a line (once per `Idempotency-Key`); creates the cart and its cookie on first use.
///
/// Adds units to the line (once per `Idempotency-Key`; without one, every request adds).
#[utoipa::path(
    post,
    path = "/items/{sku}",
    tag = "cart",
    params(
        ("sku" = inline(crate::catalog::Sku), Path, description = "product SKU, e.g. KIT-001"),
        DeviceChange,
    ),
    request_body = QuantityBody,
    responses(LineEdited)
)]
async fn post_item(
    State(carts): State<Arc<Carts>>,
    Path(sku): Path<String>,
    _own: OwnChange,
    headers: HeaderMap,
    caller: Option<Extension<SignedIn>>,
    IdempotencyKey(key): IdempotencyKey,
    ApiJson(body): ApiJson<QuantityBody>,
) -> Result<Response, CartError> {
    edit_line(&carts, &sku, &headers, caller, body, key, LineEdit::Add).await
}

#[derive(Clone, Copy)]
enum LineEdit {
    Set,
    Add,
}

/// A quantity edit of one line, in the cart the request names (made on first use).
async fn edit_line(
    carts: &Carts,
    sku: &str,
    headers: &HeaderMap,
    caller: Option<Extension<SignedIn>>,
    body: QuantityBody,
    key: Option<String>,
    edit: LineEdit,
) -> Result<Response, CartError> {
    let (quantity, change) = (super::check_quantity(body.quantity)?, key.map(ChangeId::new));
    let (id, cookies) = carts.resolve(&owner(headers, caller), true).await?;
    let id = id.expect("resolve creates a cart when asked");
    let cart = match edit {
        LineEdit::Set => carts.set_quantity(id, sku, quantity, change.as_ref()).await?,
        LineEdit::Add => carts.add(id, sku, quantity, change.as_ref()).await?,
    };
    Ok(with_cookies(cookies, cart))
}

/// Remove a line.
#[utoipa::path(
    delete,
    path = "/items/{sku}",
    tag = "cart",
    params(
        ("sku" = inline(crate::catalog::Sku), Path, description = "product SKU, e.g. KIT-001"),
        DeviceChange,
    ),
    responses(
        (status = 200, description = "the cart", body = CartView),
        (status = 400, description = "`invalid_idempotency_key`", body = ErrorBody),
        (status = 409, description = "`account_changed`: made on this device by another account than the caller's", body = ErrorBody),
    )
)]
async fn delete_item(
    State(carts): State<Arc<Carts>>,
    Path(sku): Path<String>,
    _own: OwnChange,
    headers: HeaderMap,
    caller: Option<Extension<SignedIn>>,
    IdempotencyKey(key): IdempotencyKey,
) -> Result<Response, CartError> {
    let change = key.map(ChangeId::new);
    let (id, cookies) = carts.resolve(&owner(&headers, caller), false).await?;
    let cart = match id {
        Some(id) => carts.remove(id, &sku, change.as_ref()).await?,
        None => carts.view(None).await?,
    };
    Ok(with_cookies(cookies, cart))
}

/// Empty the cart.
#[utoipa::path(
    delete,
    path = "/",
    tag = "cart",
    responses(
        (status = 204, description = "emptied"),
    )
)]
async fn clear_cart(
    State(carts): State<Arc<Carts>>,
    headers: HeaderMap,
    caller: Option<Extension<SignedIn>>,
) -> Result<StatusCode, CartError> {
    if let (Some(id), _) = carts.resolve(&owner(&headers, caller), false).await? {
        carts.clear(id).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}
