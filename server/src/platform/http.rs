//! The one error format of every JSON API:
//! `{ "error": { "code", "message", "field"? } }` with a fitting status.

use crate::platform::json::Json;
pub use app::api::{ErrorBody, ErrorDetail};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// An error answer: a status plus the body's detail.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub detail: ErrorDetail,
    /// Seconds before a retry may succeed: sent as `Retry-After` (429, 503).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self::with_detail(status, ErrorDetail::new(code, message))
    }

    pub fn with_detail(status: StatusCode, detail: ErrorDetail) -> Self {
        Self { status, detail, retry_after: None }
    }

    /// Tells the client when to try again.
    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// 400, naming the field at fault.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::BAD_REQUEST, &format!("invalid_{field}"), message);
        e.detail.field = Some(field.to_string());
        e
    }

    /// 500. The cause is logged here with its context and never sent to the client.
    pub fn internal(context: &str, cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(%cause, "{context}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Something went wrong on our side. Please try again.",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // Kept beside the body for whoever shows it to a person (`error_page`).
        let said = self.detail.clone();
        let mut response = (self.status, Json(ErrorBody { error: self.detail })).into_response();
        response.extensions_mut().insert(said);
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

/// A service's error that knows its HTTP answer; [`respond_with_api_error!`]
/// turns it into a response.
pub trait ServiceError {
    fn api_error(&self) -> ApiError;

    /// The detail the UI shows (server functions carry no status).
    fn detail(&self) -> ErrorDetail {
        let error = self.api_error();
        error.detail.with_status(error.status.as_u16())
    }
}

/// `impl IntoResponse` for a [`ServiceError`].
#[macro_export]
macro_rules! respond_with_api_error {
    ($error:ty) => {
        impl axum::response::IntoResponse for $error {
            fn into_response(self) -> axum::response::Response {
                axum::response::IntoResponse::into_response($crate::platform::http::ServiceError::api_error(&self))
            }
        }
    };
}

/// The answer for an `/api/…` path no service owns.
pub async fn api_route_not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "route_not_found", format!("No API at {}", uri.path()))
}
