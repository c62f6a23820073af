//! What every server function shares on the server: refusing with the
//! service's status (so a bad input is a 4xx, as on the REST API), and the
//! request's cookies in and out.

use crate::api::ErrorDetail;
use leptos::prelude::*;

/// A service's refusal as a server function error, with the service's
/// status (400 when it named none), so a bad input is a 4xx here too.
pub fn to_server_error(e: ErrorDetail) -> ServerFnError {
    refuse(e.status.unwrap_or(400), e.message)
}

/// Answers the server function with `status` and `message`.
pub fn refuse(status: u16, message: impl Into<String>) -> ServerFnError {
    if let (Some(response), Ok(status)) =
        (use_context::<leptos_axum::ResponseOptions>(), http::StatusCode::from_u16(status))
    {
        response.set_status(status);
    }
    ServerFnError::new(message.into())
}

/// The `Cookie` header of the request being served.
pub async fn request_cookie() -> Result<Option<String>, ServerFnError> {
    let headers: http::HeaderMap = leptos_axum::extract().await?;
    Ok(headers.get(http::header::COOKIE).and_then(|v| v.to_str().ok()).map(str::to_string))
}

pub fn set_cookie(value: Option<String>) {
    set_cookies(value.into_iter().collect());
}

pub fn set_cookies(values: Vec<String>) {
    let Some(response) = use_context::<leptos_axum::ResponseOptions>() else { return };
    for value in values {
        if let Ok(value) = http::HeaderValue::from_str(&value) {
            response.append_header(http::header::SET_COOKIE, value);
        }
    }
}
