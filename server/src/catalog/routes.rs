//! The catalog's REST API, mounted at `/api/catalog`.

use super::{Catalog, CatalogError};
use crate::platform::access::{Access, Guarded};
use crate::platform::extract::ApiQuery;
use crate::platform::json::Json;
use app::api::ErrorBody;
use app::catalog::{CategoryView, ProductPage, ProductQueryParams, ProductView};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use utoipa_axum::routes;

pub fn router<S: Clone + Send + Sync + 'static>(catalog: Arc<Catalog>) -> Guarded<S> {
    Guarded::new()
        .route(Access::Public, routes!(list_products))
        .route(Access::Public, routes!(get_product))
        .route(Access::Public, routes!(list_categories))
        .with_state(catalog)
}

/// List or search products.
#[utoipa::path(
    get,
    path = "/products",
    tag = "catalog",
    params(ProductQueryParams),
    responses(
        (status = 200, description = "a page of products", body = ProductPage),
        (status = 400, description = "a bad parameter, named in `field`", body = ErrorBody),
    )
)]
async fn list_products(
    State(catalog): State<Arc<Catalog>>,
    ApiQuery(params): ApiQuery<ProductQueryParams>,
) -> Result<Response, CatalogError> {
    Ok(Json(&*catalog.search(&params).await?).into_response())
}

/// One product.
#[utoipa::path(
    get,
    path = "/products/{sku}",
    tag = "catalog",
    params(
        ("sku" = inline(crate::catalog::Sku), Path, description = "product SKU, e.g. KIT-001"),
    ),
    responses(
        (status = 200, description = "the product", body = ProductView),
        (status = 400, description = "not a SKU (`invalid_sku`)", body = ErrorBody),
        (status = 404, description = "no such product", body = ErrorBody),
    )
)]
async fn get_product(State(catalog): State<Arc<Catalog>>, Path(sku): Path<String>) -> Result<Response, CatalogError> {
    match &*catalog.product(&sku).await? {
        Some(product) => Ok(Json(product).into_response()),
        None => Err(CatalogError::ProductNotFound(sku.to_uppercase())),
    }
}

/// Categories in display order.
#[utoipa::path(
    get,
    path = "/categories",
    tag = "catalog",
    responses(
        (status = 200, description = "categories", body = [CategoryView]),
    )
)]
async fn list_categories(State(catalog): State<Arc<Catalog>>) -> Result<Response, CatalogError> {
    Ok(Json(&*catalog.categories().await?).into_response())
}
