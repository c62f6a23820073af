//! The products API for administrators, mounted beside the catalog's at
//! `/api/catalog/admin`: create, change or archive a product, and list them all.

use super::Saved;
use crate::catalog::{Catalog, CatalogError};
use crate::platform::access::{Access, Guarded};
use crate::platform::extract::{ApiJson, ApiQuery, Body};
use crate::platform::json::Json;
use app::account::Role;
use app::api::ErrorBody;
use app::catalog::ProductQueryParams;
use app::products::{AdminProduct, AdminProducts, ProductInput};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use std::sync::Arc;
use utoipa_axum::routes;

impl Body for ProductInput {}

pub fn router<S: Clone + Send + Sync + 'static>(catalog: Arc<Catalog>) -> Guarded<S> {
    let admin = Access::Role(Role::Admin);
    Guarded::new().route(admin, routes!(save_product)).route(admin, routes!(admin_products)).with_state(catalog)
}

/// Create or change a product (administrators).
///
/// Without `expected_version` a new product is created (stock 0: add stock
/// through inventory); with it, the product is changed if it is still at
/// that version. `archived: true` takes it out of the shop. Orders keep
/// the prices they were placed at.
#[utoipa::path(
    put,
    path = "/admin/products/{sku}",
    tag = "products",
    params(("sku" = inline(crate::catalog::Sku), Path, description = "product SKU, e.g. KIT-006")),
    request_body = ProductInput,
    responses(
        (status = 201, description = "created", body = AdminProduct),
        (status = 200, description = "changed", body = AdminProduct),
        (status = 400, description = "a bad field, named in `field`: `sku`, `name`, `description`, `price_minor`, `category`, `image`", body = ErrorBody),
        (status = 401, description = "not signed in (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "not an administrator", body = ErrorBody),
        (status = 404, description = "no product to change (`product_not_found`)", body = ErrorBody),
        (status = 409, description = "`product_exists` (creating a SKU that is taken) or `version_conflict` (changed meanwhile)", body = ErrorBody),
    )
)]
async fn save_product(
    State(catalog): State<Arc<Catalog>>,
    Path(sku): Path<String>,
    ApiJson(input): ApiJson<ProductInput>,
) -> Result<(StatusCode, Json<AdminProduct>), CatalogError> {
    Ok(match catalog.save_product(&sku, input).await? {
        Saved::Created(product) => (StatusCode::CREATED, Json(product)),
        Saved::Changed(product) => (StatusCode::OK, Json(product)),
    })
}

/// List or search every product, archived ones too, in SKU order (administrators).
///
/// Each with its stock, whether it is archived, and its version; the
/// parameters are the shop's listing's.
#[utoipa::path(
    get,
    path = "/admin/products",
    tag = "products",
    params(ProductQueryParams),
    responses(
        (status = 200, description = "a page of products", body = AdminProducts),
        (status = 400, description = "a bad parameter, named in `field`", body = ErrorBody),
        (status = 401, description = "not signed in (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "not an administrator", body = ErrorBody),
    )
)]
async fn admin_products(
    State(catalog): State<Arc<Catalog>>,
    ApiQuery(params): ApiQuery<ProductQueryParams>,
) -> Result<Json<AdminProducts>, CatalogError> {
    Ok(Json(catalog.admin_products(&params).await?))
}
