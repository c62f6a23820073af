//! What can go wrong in the orders service, and how each answers over HTTP.

use crate::platform::http::{ApiError, ServiceError};
use crate::platform::store::StoreError;
use app::api::ErrorDetail;
use axum::http::StatusCode;

#[derive(Debug, thiserror::Error)]
pub enum OrdersError {
    #[error("{}", .0.message)]
    Invalid(ErrorDetail),
    #[error("invalid checkout details")]
    InvalidFields(Vec<ErrorDetail>),
    #[error("no order {0}")]
    NotFound(String),
    #[error("{}", .0.message)]
    Conflict(ErrorDetail),
    /// Not this caller's to see (401 or 403, as the detail's status says).
    #[error("{}", .0.message)]
    Refused(ErrorDetail),
    #[error("payments are unavailable, try again shortly")]
    PaymentsUnavailable,
    #[error("{context}: {}", .detail.message)]
    Upstream { context: &'static str, detail: ErrorDetail },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl OrdersError {
    pub(super) fn conflict(code: &str, message: impl Into<String>) -> Self {
        Self::Conflict(ErrorDetail::new(code, message))
    }
}

impl ServiceError for OrdersError {
    fn api_error(&self) -> ApiError {
        match self {
            Self::Invalid(d) => ApiError::with_detail(StatusCode::BAD_REQUEST, d.clone()),
            // One error body names the first field; the UI gets them all through its server function.
            Self::InvalidFields(all) => ApiError::with_detail(StatusCode::BAD_REQUEST, all[0].clone()),
            Self::NotFound(id) => ApiError::new(StatusCode::NOT_FOUND, "order_not_found", format!("No order {id}")),
            Self::Conflict(d) => ApiError::with_detail(StatusCode::CONFLICT, d.clone()),
            Self::Refused(d) => {
                let status = d.status.and_then(|s| StatusCode::from_u16(s).ok()).unwrap_or(StatusCode::FORBIDDEN);
                ApiError::with_detail(status, d.clone())
            }
            Self::PaymentsUnavailable => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "payments_unavailable", self.to_string())
            }
            Self::Upstream { context, detail } => ApiError::internal(context, detail),
            Self::Store(e) => ApiError::internal("orders store failed", e),
        }
    }
}

crate::respond_with_api_error!(OrdersError);
