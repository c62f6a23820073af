//! What can go wrong in fulfilment, and how each answers over HTTP.

use super::domain;
use crate::platform::http::{ApiError, ServiceError};
use crate::platform::store::StoreError;
use app::api::ErrorDetail;
use axum::http::StatusCode;

#[derive(Debug, thiserror::Error)]
pub enum FulfilmentError {
    #[error("{}", .0.message)]
    Invalid(ErrorDetail),
    #[error("no shipping order {0}")]
    NotFound(String),
    #[error("{0}")]
    Refused(#[from] domain::Refusal),
    #[error("this shipping order changed since you opened it (now version {0}); reload it and try again")]
    Stale(u64),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ServiceError for FulfilmentError {
    fn api_error(&self) -> ApiError {
        let message = self.to_string();
        match self {
            Self::Invalid(d) => ApiError::with_detail(StatusCode::BAD_REQUEST, d.clone()),
            Self::NotFound(_) => ApiError::new(StatusCode::NOT_FOUND, "shipping_order_not_found", message),
            Self::Refused(domain::Refusal::AlreadyProcessed(_)) => {
                ApiError::new(StatusCode::CONFLICT, "line_already_processed", message)
            }
            Self::Refused(_) => ApiError::with_detail(
                StatusCode::BAD_REQUEST,
                ErrorDetail::new("invalid_lines", message).on_field("lines"),
            ),
            Self::Stale(_) => ApiError::new(StatusCode::CONFLICT, "version_conflict", message),
            Self::Store(e) => ApiError::internal("fulfilment store failed", e),
        }
    }
}

crate::respond_with_api_error!(FulfilmentError);

pub(super) fn invalid(field: &str, message: impl Into<String>) -> FulfilmentError {
    FulfilmentError::Invalid(ErrorDetail::new(format!("invalid_{field}"), message).on_field(field))
}
