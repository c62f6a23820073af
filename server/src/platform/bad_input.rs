//! Bad input at the edge answers 4xx JSON, wherever it is caught: a body
//! over [`BODY_LIMIT`] is refused with 413 before it is read, and a server
//! function whose arguments do not parse (which Leptos answers with a bare
//! 500) answers 400 naming the problem, like the REST API.

use crate::platform::http::ApiError;
use axum::body::Body;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The largest request body accepted: a checkout form is under 1 KiB, a
/// provider's webhook some tens of KiB.
pub const BODY_LIMIT: usize = 256 * 1024;

/// Leptos's encodings of a server function's input problems.
const INPUT_PROBLEMS: &[&str] = &["Args", "MissingArg", "Deserialization"];

pub async fn as_client_errors(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    match response.status() {
        StatusCode::PAYLOAD_TOO_LARGE => {
            let mut answer = too_large();
            // What the layers outside read of the answer (its route, for metrics).
            answer.extensions_mut().extend(std::mem::take(response.extensions_mut()));
            answer
        }
        StatusCode::INTERNAL_SERVER_ERROR if response.headers().contains_key("serverfnerror") => {
            server_fn_error(response).await
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

async fn server_fn_error(response: Response) -> Response {
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, BODY_LIMIT).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let text = String::from_utf8_lossy(&bytes);
    match text.split_once('|') {
        Some((kind, why)) if INPUT_PROBLEMS.contains(&kind) => {
            let message = format!("The arguments could not be read: {why}");
            let mut answer = ApiError::new(StatusCode::BAD_REQUEST, "invalid_arguments", message).into_response();
            answer.extensions_mut().extend(parts.extensions);
            answer
        }
        _ => Response::from_parts(parts, Body::from(bytes)),
    }
}
