//! Cross-site request forgery protection for every state-changing request,
//! by Fetch Metadata and Origin: a browser marks a request another site
//! started (`Sec-Fetch-Site: cross-site`, or an `Origin` other than the
//! store's public URL), and such a request may not change anything. The
//! Origin is compared with the configured public URL, never with the `Host`
//! header (which the caller chooses), and `Origin: null` (sandboxed frames,
//! cross-origin redirects) is refused. Together with SameSite=Lax cookies
//! this stops forged form posts and fetches. Webhooks, which are signed
//! server-to-server calls, are exempt.

use crate::platform::http::ApiError;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// Which origins are this store's.
#[derive(Clone, Debug)]
pub struct OurOrigin {
    /// `scheme://host[:port]` of the public URL.
    origin: String,
    /// The store is served on a loopback address (a developer's machine):
    /// any loopback origin is ours (`localhost` and `127.0.0.1` alike, and
    /// a local proxy in front of it).
    loopback: bool,
}

impl OurOrigin {
    pub fn new(public_url: &str) -> Arc<Self> {
        let parsed = url::Url::parse(public_url).ok();
        let origin = parsed.as_ref().map_or_else(|| public_url.to_string(), |u| u.origin().ascii_serialization());
        let loopback = parsed.as_ref().is_some_and(is_loopback);
        Arc::new(Self { origin, loopback })
    }

    fn accepts(&self, origin: &str) -> bool {
        if origin == self.origin {
            return true;
        }
        self.loopback && url::Url::parse(origin).is_ok_and(|u| u.scheme() == "http" && is_loopback(&u))
    }
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Whether a request of `method` to `path` is refused when it comes from
/// another site: every state change but a provider's webhook.
pub fn guarded(method: &Method, path: &str) -> bool {
    let safe = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    !safe && !path.starts_with("/webhooks/")
}

pub async fn guard(State(ours): State<Arc<OurOrigin>>, request: Request, next: Next) -> Response {
    if !guarded(request.method(), request.uri().path()) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let fetch_site = text("sec-fetch-site");
    let cross_site = matches!(fetch_site, Some("cross-site" | "same-site"));
    let foreign_origin = text(header::ORIGIN.as_str()).is_some_and(|origin| !ours.accepts(origin));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_public_urls_origin_is_ours() {
        let ours = OurOrigin::new("https://shop.example/");
        assert!(ours.accepts("https://shop.example"));
        for foreign in ["http://shop.example", "https://evil.example", "null", "https://shop.example.evil", ""] {
            assert!(!ours.accepts(foreign), "{foreign}");
        }
        assert!(!ours.accepts("http://127.0.0.1:3000"), "loopback is ours only when we are served there");
    }

    #[test]
    fn a_store_on_loopback_accepts_loopback_origins() {
        let ours = OurOrigin::new("http://127.0.0.1:3000");
        for local in ["http://127.0.0.1:3000", "http://localhost:3000", "http://127.0.0.1:4100"] {
            assert!(ours.accepts(local), "{local}");
        }
        assert!(!ours.accepts("http://evil.example"));
        assert!(!ours.accepts("null"));
    }
}
