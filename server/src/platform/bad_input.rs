//! Bad input at the edge answers 4xx JSON, wherever it is caught: a body
//! over [`BODY_LIMIT`] is refused with 413 before it is read, a server
//! function whose arguments do not parse (which Leptos answers with a bare
//! 500) answers 400 naming the problem, and a server function's own refusal
//! (Leptos's `ServerError|message`, with the status, code and field the
//! function gave it: [`app::rpc::refuse`]) answers with them, like the REST
//! API. A failure of the function itself is the REST API's 500, its cause
//! logged rather than shown.

use crate::platform::http::ApiError;
use app::api::ErrorDetail;
use app::rpc::{REFUSAL_HEADER, code_of};
use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The largest request body accepted: a checkout form is under 1 KiB, a
/// provider's webhook some tens of KiB.
pub const BODY_LIMIT: usize = 256 * 1024;

/// Leptos's encodings of a server function's input problems.
const INPUT_PROBLEMS: &[&str] = &["Args", "MissingArg", "Deserialization"];

pub async fn as_client_errors(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let refusal = response.headers_mut().remove(REFUSAL_HEADER);
    match response.status() {
        StatusCode::PAYLOAD_TOO_LARGE => {
            let mut answer = too_large();
            // What the layers outside read of the answer (its route, for metrics).
            answer.extensions_mut().extend(std::mem::take(response.extensions_mut()));
            answer
        }
        status if status.as_u16() >= 400 && response.headers().contains_key("serverfnerror") => {
            server_fn_error(response, refusal).await
        }
        _ => response,
    }
}

/// Also says `Connection: close`: the body was refused before it was read,
/// so the connection cannot carry another request, and a client that
/// reused it would see its next request fail half-way.
fn too_large() -> Response {
    let mut answer = body_too_large().into_response();
    answer.headers_mut().insert(axum::http::header::CONNECTION, axum::http::HeaderValue::from_static("close"));
    answer
}

/// The answer to a body over [`BODY_LIMIT`], whether its length was
/// declared (refused before it is read) or not (refused once past it).
pub fn body_too_large() -> ApiError {
    let message = format!("The request body is larger than {} KiB", BODY_LIMIT / 1024);
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", message)
}

/// A server function's error (`Kind|message`) as the REST API's JSON error.
async fn server_fn_error(response: Response, refusal: Option<HeaderValue>) -> Response {
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, BODY_LIMIT).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let text = String::from_utf8_lossy(&bytes);
    let Some((kind, why)) = text.split_once('|') else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let error = match refusal {
        _ if INPUT_PROBLEMS.contains(&kind) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_arguments",
            format!("The arguments could not be read: {why}"),
        ),
        Some(refusal) => ApiError::with_detail(parts.status, refused(&refusal, why)),
        None if parts.status.is_server_error() => ApiError::internal("a server function failed", &why),
        None => ApiError::new(parts.status, code_of(parts.status.as_u16()), why),
    };
    let mut answer = error.into_response();
    // What the function set besides its error (a cookie, say) still goes out.
    for (name, value) in parts.headers.iter().filter(|(name, _)| !replaced(name)) {
        answer.headers_mut().append(name, value.clone());
    }
    answer.extensions_mut().extend(parts.extensions);
    answer
}

/// The headers of Leptos's error answer that the JSON error replaces.
fn replaced(name: &HeaderName) -> bool {
    [CONTENT_TYPE, CONTENT_LENGTH].contains(name) || name == "serverfnerror"
}

/// The detail of a server function's refusal: the code and field its
/// [`REFUSAL_HEADER`] names, and its message.
fn refused(refusal: &HeaderValue, message: &str) -> ErrorDetail {
    let named = refusal.to_str().unwrap_or_default();
    match named.split_once(' ') {
        Some((code, field)) => ErrorDetail::new(code, message).on_field(field),
        None => ErrorDetail::new(named, message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn answered(status: StatusCode, body: &'static str, refusal: Option<&'static str>) -> (StatusCode, String) {
        let mut response = Response::new(Body::from(body));
        *response.status_mut() = status;
        response.headers_mut().insert("serverfnerror", HeaderValue::from_static("/rpc/x"));
        response.headers_mut().insert(axum::http::header::SET_COOKIE, HeaderValue::from_static("a=1"));
        let answer = server_fn_error(response, refusal.map(HeaderValue::from_static)).await;
        assert_eq!(answer.headers()[CONTENT_TYPE], "application/json");
        assert_eq!(answer.headers()[axum::http::header::SET_COOKIE], "a=1", "what the function set still goes out");
        assert!(answer.headers().get("serverfnerror").is_none());
        let status = answer.status();
        let bytes = axum::body::to_bytes(answer.into_body(), BODY_LIMIT).await.unwrap();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn a_function_that_failed_is_a_500_that_shows_no_cause() {
        let (status, body) =
            answered(StatusCode::INTERNAL_SERVER_ERROR, "ServerError|disk /var/db is full", None).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(body.contains(r#""code":"internal_error""#), "{body}");
        assert!(!body.contains("/var/db"), "the cause is logged, not shown: {body}");
    }

    #[tokio::test]
    async fn a_refusal_carries_the_code_and_field_its_function_named() {
        let (status, body) =
            answered(StatusCode::BAD_REQUEST, "ServerError|Too many", Some("invalid_quantity quantity")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body, r#"{"error":{"code":"invalid_quantity","message":"Too many","field":"quantity"}}"#);
        let (status, body) = answered(StatusCode::CONFLICT, "ServerError|Sold out", None).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(body, r#"{"error":{"code":"conflict","message":"Sold out"}}"#);
    }
}
