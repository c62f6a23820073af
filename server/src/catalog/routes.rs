//! The catalog's REST API, mounted at `/api/catalog`.

use super::{Catalog, CatalogError};
use crate::platform::access::{Access, Guarded};
use crate::platform::extract::ApiQuery;
use app::catalog::{CategoryView, ProductPage, ProductQueryParams, ProductView};
use axum::Json;
use axum::extract::{Path, State};
use axum::routing::get;
use std::sync::Arc;

pub fn router<S: Clone + Send + Sync + 'static>(catalog: Arc<Catalog>) -> Guarded<S> {
    Guarded::new()
        .route("/products", Access::Public, get(list_products))
        .route("/products/{sku}", Access::Public, get(get_product))
        .route("/categories", Access::Public, get(list_categories))
        .with_state(catalog)
}

/// `GET /api/catalog/products?q=&category=&cursor=&limit=`
async fn list_products(
    State(catalog): State<Arc<Catalog>>,
    ApiQuery(params): ApiQuery<ProductQueryParams>,
) -> Result<Json<ProductPage>, CatalogError> {
    Ok(Json(catalog.search(&params).await?))
}

/// `GET /api/catalog/products/{sku}`
async fn get_product(
    State(catalog): State<Arc<Catalog>>,
    Path(sku): Path<String>,
) -> Result<Json<ProductView>, CatalogError> {
    catalog.product(&sku).await?.map(Json).ok_or_else(|| CatalogError::ProductNotFound(sku.to_uppercase()))
}

/// `GET /api/catalog/categories`
async fn list_categories(State(catalog): State<Arc<Catalog>>) -> Result<Json<Vec<CategoryView>>, CatalogError> {
    Ok(Json(catalog.categories().await?))
}
