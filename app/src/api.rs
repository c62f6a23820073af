//! Wire types shared by every service's JSON API and the UI.

use serde::{Deserialize, Serialize};

/// The body of every 4xx/5xx JSON answer: `{ "error": { "code", "message", "field"? } }`.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = Error))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong, for people (`message`) and programs (`code`, `field`).
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct ErrorDetail {
    /// Stable, machine-readable, snake_case.
    pub code: String,
    pub message: String,
    /// The request field at fault, when one is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The HTTP status the service answered with (not on the wire: it is the
    /// response's own), so server functions answer with it too.
    #[serde(skip)]
    pub status: Option<u16>,
}

impl ErrorDetail {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self { code: code.into(), message: message.into(), field: None, status: None }
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    pub fn on_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

/// Whether a request asks for a page (a browser's navigation or form post:
/// it accepts `text/html`) rather than data; such a request is answered with
/// pages, its errors included.
pub fn wants_page(headers: &http::HeaderMap) -> bool {
    headers.get(http::header::ACCEPT).and_then(|a| a.to_str().ok()).is_some_and(|a| a.contains("text/html"))
}
