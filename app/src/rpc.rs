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

/// Answers the server function with `status` and `message`. A form a
/// browser posted without JavaScript keeps Leptos's answer instead: a
/// redirect back to its page, which shows the message (a 4xx there would
/// leave the shopper reading the bare `ServerError|…` text).
pub fn refuse(status: u16, message: impl Into<String>) -> ServerFnError {
    if let (Some(response), Ok(status)) =
        (use_context::<leptos_axum::ResponseOptions>(), http::StatusCode::from_u16(status))
        && !posted_by_a_page()
    {
        response.set_status(status);
    }
    ServerFnError::new(message.into())
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
