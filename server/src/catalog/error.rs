//! What can go wrong in the catalog, and how each answers over HTTP.

use super::domain::InvalidInput;
use crate::platform::http::{ApiError, ServiceError};
use crate::platform::store::StoreError;
use axum::http::StatusCode;

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// 400: a query parameter or path segment does not parse.
    #[error("{}", .0.message)]
    Invalid(InvalidInput),
    /// 404: no product has this SKU.
    #[error("no product with SKU {0}")]
    ProductNotFound(String),
    /// 409: the request conflicts with what is stored (its code, and why).
    #[error("{1}")]
    Conflict(&'static str, String),
    /// 503: an item kept changing under the request; worth retrying.
    #[error("{0}")]
    Busy(String),
    /// 500: the table could not be read; logged, not shown.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<InvalidInput> for CatalogError {
    fn from(e: InvalidInput) -> Self {
        Self::Invalid(e)
    }
}

impl ServiceError for CatalogError {
    fn api_error(&self) -> ApiError {
        match self {
            Self::Invalid(e) => ApiError::invalid_field(e.field, e.message.clone()),
            Self::ProductNotFound(sku) => {
                ApiError::new(StatusCode::NOT_FOUND, "product_not_found", format!("No product has SKU {sku}"))
            }
            Self::Conflict(code, why) => ApiError::new(StatusCode::CONFLICT, code, why.clone()),
            Self::Busy(why) => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "busy", why.clone()),
            Self::Store(e) => ApiError::internal("catalog store failed", e),
        }
    }
}

crate::respond_with_api_error!(CatalogError);
