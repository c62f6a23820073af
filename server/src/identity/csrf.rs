//! Cross-site request forgery protection for every state-changing request,
//! by Fetch Metadata and Origin: a browser marks a request another site
//! started (`Sec-Fetch-Site: cross-site`, or an `Origin` that is not ours),
//! and such a request may not change anything. Together with SameSite=Lax
//! cookies this stops forged form posts and fetches. Webhooks, which are
//! signed server-to-server calls, are exempt.

use crate::platform::http::ApiError;
use axum::extract::Request;
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

fn same_origin(origin: &str, host: Option<&str>) -> bool {
    let Some(host) = host else { return false };
    origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://")).is_some_and(|rest| rest == host)
}

pub async fn guard(request: Request, next: Next) -> Response {
    let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe || request.uri().path().starts_with("/webhooks/") {
        return next.run(request).await;
    }
    let headers = request.headers();
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let fetch_site = text("sec-fetch-site");
    let cross_site = matches!(fetch_site, Some("cross-site" | "same-site"));
    let foreign_origin = text(header::ORIGIN.as_str())
        .is_some_and(|origin| origin != "null" && !same_origin(origin, text(header::HOST.as_str())));
    if cross_site || foreign_origin {
        tracing::warn!(path = %request.uri().path(), ?fetch_site, "cross-site state change refused");
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "cross_site_request",
            "Requests from other sites may not change anything here",
        )
        .into_response();
    }
    next.run(request).await
}
