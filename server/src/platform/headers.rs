//! Security headers on every answer, `Cache-Control: no-store` on every
//! private one, no shared cache for any page, and the site's own files asked
//! for again before each use. A rendered page's Content-Security-Policy
//! carries the nonce of its render, so it is set where the page is rendered
//! (`app::shell`); a page held as a file gets one that allows no script.

use axum::http::{HeaderName, HeaderValue, header};
use axum::response::Response;
use std::sync::Arc;

/// Paths whose answers are someone's own (an account, an order, a cart) or
/// staff's: never kept by a browser's or a proxy's HTTP cache. (Every API
/// route that admits only some callers is `no-store` by its guard too:
/// `platform::access`.)
const PRIVATE: &[&str] = &[
    "/account",
    "/orders",
    "/cart",
    "/checkout",
    "/dispatch",
    "/reports",
    "/admin",
    "/api/account",
    "/api/orders",
    "/api/cart",
    "/api/fulfilment",
    "/api/tracking",
    "/api/reports",
    "/rpc/account",
    "/rpc/orders",
    "/rpc/cart",
    "/rpc/dispatch",
    "/rpc/reports",
    "/rpc/inventory",
    "/rpc/returns",
    "/rpc/products",
    "/metrics",
];

/// The headers every answer carries (unless a handler chose its own); HSTS
/// only when the store is served over HTTPS.
#[derive(Clone)]
pub struct Secure(Arc<[(HeaderName, HeaderValue)]>);

impl Secure {
    pub fn new(https: bool) -> Self {
        let mut fixed = vec![
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::X_FRAME_OPTIONS, "DENY"),
            (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
            (HeaderName::from_static("permissions-policy"), "camera=(), microphone=(), geolocation=(), usb=()"),
            (HeaderName::from_static("cross-origin-opener-policy"), "same-origin"),
        ];
        if https {
            fixed.push((header::STRICT_TRANSPORT_SECURITY, "max-age=31536000; includeSubDomains"));
        }
        Self(fixed.into_iter().map(|(name, value)| (name, HeaderValue::from_static(value))).collect())
    }

    /// Adds the headers `response` does not have.
    pub fn add_to(&self, response: &mut Response) {
        let headers = response.headers_mut();
        for (name, value) in self.0.iter() {
            if !headers.contains_key(name) {
                headers.insert(name.clone(), value.clone());
            }
        }
    }
}

/// Private answers (to a [`is_private`] path), and any answer that sets a
/// cookie, are `no-store`; other pages are the browser's alone to keep
/// (`private`), and it asks again before showing its copy (`no-cache`): a
/// page names the release's bundle, so no proxy may serve one from an older
/// release.
pub fn cache_control(private: bool, mut response: Response) -> Response {
    let headers = response.headers_mut();
    if private || headers.contains_key(header::SET_COOKIE) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    } else if is_page(headers) && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    }
    response
}

/// The policy of a page the site holds as a file (the service worker's
/// offline page): no script at all.
const FILE_PAGE_POLICY: &str = "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Middleware for the site's own files, those outside the build's bundle
/// (`pwa.js`, `outbox.js`, `sw.js`, the manifest, icons, images, the offline
/// page): they keep their names from release to release, so a browser asks
/// again before using its copy (`no-cache`; unchanged, the answer is a 304)
/// rather than guessing a lifetime from the file's age, and running an
/// older release's script beside a newer page. A page among them allows no
/// script.
pub async fn site_file(mut response: Response) -> Response {
    let status = response.status();
    if status.is_success() || status == axum::http::StatusCode::NOT_MODIFIED {
        let headers = response.headers_mut();
        headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-cache"));
        if is_page(headers) {
            headers.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(FILE_PAGE_POLICY));
        }
    }
    response
}

fn is_page(headers: &axum::http::HeaderMap) -> bool {
    headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|t| t.starts_with("text/html"))
}

/// Whether the answer to `path` is someone's own or staff's ([`PRIVATE`]).
pub fn is_private(path: &str) -> bool {
    PRIVATE.iter().any(|p| path == *p || path.strip_prefix(p).is_some_and(|rest| rest.starts_with('/')))
}

#[cfg(test)]
mod tests {
    use super::is_private;

    #[test]
    fn private_paths_and_only_those() {
        for path in ["/account", "/orders/abc", "/api/cart", "/api/cart/items/KIT-001", "/rpc/orders/place"] {
            assert!(is_private(path), "{path}");
        }
        for path in ["/", "/products/KIT-001", "/api/catalog/products", "/rpc/catalog/products", "/cartoons"] {
            assert!(!is_private(path), "{path}");
        }
    }
}
