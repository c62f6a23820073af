//! The inventory API, mounted beside the catalog's at `/api/catalog`
//! (administrators only): adjust a product's stock, read its history, list
//! what runs low.

use super::Adjusted;
use crate::catalog::{Catalog, CatalogError};
use crate::platform::access::{Access, Guarded};
use crate::platform::extract::{ApiJson, ApiQuery, Body};
use crate::platform::json::Json;
use app::account::{Role, SignedIn};
use app::api::ErrorBody;
use app::inventory::{LOW_STOCK_BELOW, LowStock, StockAdjustment, StockAdjustmentInput, StockHistory};
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use std::sync::Arc;
use utoipa_axum::routes;

impl Body for StockAdjustmentInput {}

pub fn router<S: Clone + Send + Sync + 'static>(catalog: Arc<Catalog>) -> Guarded<S> {
    let admin = Access::Role(Role::Admin);
    Guarded::new()
        .route(admin, routes!(adjust_stock))
        .route(admin, routes!(stock_history))
        .route(admin, routes!(low_stock))
        .with_state(catalog)
}

/// Set or adjust a product's stock, with a reason (administrators).
///
/// Moves stock by `change`, or sets it to a count (`set`, count corrections
/// only). The id is the client's: the same request again answers 200 with
/// what it did the first time; the id used for other values is 409.
#[utoipa::path(
    put,
    path = "/products/{sku}/stock-adjustments/{id}",
    tag = "inventory",
    params(
        ("sku" = inline(crate::catalog::Sku), Path, description = "product SKU, e.g. KIT-001"),
        ("id" = String, Path, pattern = r"^[A-Za-z0-9-]{1,100}$", description = "the adjustment's id, chosen by the client (a UUID)"),
    ),
    request_body = StockAdjustmentInput,
    responses(
        (status = 201, description = "applied", body = StockAdjustment),
        (status = 200, description = "applied before (a retry)", body = StockAdjustment),
        (status = 400, description = "a bad field, named in `field`", body = ErrorBody),
        (status = 401, description = "not signed in (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "not an administrator", body = ErrorBody),
        (status = 404, description = "no such product (`product_not_found`)", body = ErrorBody),
        (status = 409, description = "stock would go below 0 (`stock_out_of_range`), or the id was used for other values (`adjustment_id_in_use`)", body = ErrorBody),
    )
)]
async fn adjust_stock(
    State(catalog): State<Arc<Catalog>>,
    Extension(caller): Extension<SignedIn>,
    Path((sku, id)): Path<(String, String)>,
    ApiJson(input): ApiJson<StockAdjustmentInput>,
) -> Result<(StatusCode, Json<StockAdjustment>), CatalogError> {
    let by = caller.0.map(|a| a.email).unwrap_or_default();
    Ok(match catalog.adjust_stock(&sku, &id, input, &by).await? {
        Adjusted::Now(done) => (StatusCode::CREATED, Json(done)),
        Adjusted::Before(done) => (StatusCode::OK, Json(done)),
    })
}

/// A product's stock and its latest 100 adjustments, newest first (administrators).
///
/// The product's stock now and how it got there.
#[utoipa::path(
    get,
    path = "/products/{sku}/stock-history",
    tag = "inventory",
    params(("sku" = inline(crate::catalog::Sku), Path, description = "product SKU, e.g. KIT-001")),
    responses(
        (status = 200, description = "the history", body = StockHistory),
        (status = 400, description = "not a SKU (`invalid_sku`)", body = ErrorBody),
        (status = 401, description = "not signed in (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "not an administrator", body = ErrorBody),
        (status = 404, description = "no such product (`product_not_found`)", body = ErrorBody),
    )
)]
async fn stock_history(
    State(catalog): State<Arc<Catalog>>,
    Path(sku): Path<String>,
) -> Result<Json<StockHistory>, CatalogError> {
    Ok(Json(catalog.stock_history(&sku).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct LowStockParams {
    /// Products with fewer than this many in stock (default 5).
    below: Option<u32>,
}

/// Products running low, fewest first (administrators).
///
/// Every product with fewer than `below` in stock.
#[utoipa::path(
    get,
    path = "/low-stock",
    tag = "inventory",
    params(LowStockParams),
    responses(
        (status = 200, description = "the products", body = LowStock),
        (status = 400, description = "a bad parameter, named in `field`", body = ErrorBody),
        (status = 401, description = "not signed in (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "not an administrator", body = ErrorBody),
    )
)]
async fn low_stock(
    State(catalog): State<Arc<Catalog>>,
    ApiQuery(params): ApiQuery<LowStockParams>,
) -> Result<Json<LowStock>, CatalogError> {
    Ok(Json(catalog.low_stock(params.below.unwrap_or(LOW_STOCK_BELOW)).await?))
}
