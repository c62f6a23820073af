//! What every server function shares on the server: refusing with the
//! service's status (so a bad input is a 4xx, as on the REST API), and the
//! request's cookies in and out.

use crate::api::ErrorDetail;
use leptos::prelude::*;

/// The response header by which a server function's refusal tells the edge
/// its code and, when it has one, the field at fault (`code` or `code field`).
/// The edge answers the refusal as the REST API's JSON error with them and
/// drops the header (`server::platform::bad_input`).
pub const REFUSAL_HEADER: &str = "tbs-refusal";

/// A service's refusal as a server function error, with the service's
/// status (400 when it named none), code and field, so a bad input is the
/// same 4xx JSON error here as on the REST API.
pub fn to_server_error(e: ErrorDetail) -> ServerFnError {
    answer_with(e.status.unwrap_or(400), &e.code, e.field.as_deref());
    ServerFnError::new(e.message)
}

/// Answers the server function with `status` and `message`, coded by the
/// status alone ([`code_of`]).
pub fn refuse(status: u16, message: impl Into<String>) -> ServerFnError {
    answer_with(status, code_of(status), None);
    ServerFnError::new(message.into())
}

/// Sets the answer's status and its [`REFUSAL_HEADER`]. A form a browser
/// posted without JavaScript keeps Leptos's answer instead: a redirect back
/// to its page, which shows the message (a 4xx there would leave the shopper
/// reading the bare `ServerError|…` text).
fn answer_with(status: u16, code: &str, field: Option<&str>) {
    let Some(response) = use_context::<leptos_axum::ResponseOptions>() else { return };
    let (Ok(status), false) = (http::StatusCode::from_u16(status), posted_by_a_page()) else { return };
    response.set_status(status);
    let refusal = field.map_or_else(|| code.to_string(), |field| format!("{code} {field}"));
    if let Ok(value) = http::HeaderValue::from_str(&refusal) {
        response.insert_header(http::HeaderName::from_static(REFUSAL_HEADER), value);
    }
}

/// The code of a refusal that named none, from its status.
pub fn code_of(status: u16) -> &'static str {
    match status {
        401 => "unauthenticated",
        403 => "forbidden",
        404 => "not_found",
        409 => "conflict",
        400..=499 => "invalid_request",
        _ => "internal_error",
    }
}

/// Whether the request is a form a browser posted to the server function
/// (it accepts HTML), which Leptos answers by redirecting back to the page
/// the form is on. A page being rendered calls server functions too, within
/// its own request (a GET), and keeps the status they refuse with.
fn posted_by_a_page() -> bool {
    use_context::<http::request::Parts>()
        .is_some_and(|parts| parts.method == http::Method::POST && crate::api::wants_page(&parts.headers))
}

/// A form posted without JavaScript goes on to `next` when it went through,
/// and back to its page with the `problems` to correct (an error: Leptos
/// sends it back, where the page shows it). With JavaScript the page shows
/// each problem by its field and goes on itself.
pub fn posted_form_goes_on(problems: Option<&[ErrorDetail]>, next: &str) -> Result<(), ServerFnError> {
    if !posted_by_a_page() {
        return Ok(());
    }
    match problems {
        None => {
            leptos_axum::redirect(next);
            Ok(())
        }
        Some(problems) => {
            let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
            Err(refuse(400, format!("{}.", messages.join(". "))))
        }
    }
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
