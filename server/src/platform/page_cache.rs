//! The shop's public pages as a visitor without cookies gets them, rendered
//! once per change of what they show instead of once per request: what a
//! store's front needs when a sale or a launch brings many first visits to
//! the same product pages. Middleware around those pages' routes only.
//!
//! A page is kept only when the request carried no cookie and no
//! credentials (so it was rendered for nobody in particular), it answered
//! 200 without setting a cookie, and its Content-Security-Policy names a
//! nonce. Each answer gets a fresh nonce, put where the render's was (in the
//! policy and on the page's scripts), so no two answers share one. Pages are
//! kept per path and query in a [`ReadCache`] on the table they show (the
//! catalog's, [`PageSource`]): a write to it retires every kept page, and
//! where the backend does not count changes nothing is kept.

use crate::platform::store::{ReadCache, Table};
use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_SECURITY_POLICY, COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// Pages kept at once (one per path and query).
const KEPT_PAGES: usize = 256;
/// The longest path and query kept; longer ones are rendered each time.
const LONGEST_KEY: usize = 512;
/// The largest page kept (a rendered page is a few tens of kB).
const LARGEST_PAGE: usize = 4 << 20;

/// The table whose writes change what the cached pages show, offered by
/// the service that owns it.
#[derive(Clone)]
pub struct PageSource(pub Arc<dyn Table>);

/// The kept pages.
pub struct PageCache {
    /// The routes (as matched: `/products/{sku}`) whose pages may be kept.
    routes: Vec<String>,
    pages: ReadCache<String, Page>,
}

impl PageCache {
    pub fn new(source: PageSource, routes: &[&str]) -> Arc<Self> {
        let routes = routes.iter().map(|r| r.to_string()).collect();
        Arc::new(Self { routes, pages: ReadCache::new(source.0, KEPT_PAGES) })
    }

    fn keeps(&self, request: &Request) -> bool {
        let route = request.extensions().get::<MatchedPath>().map(MatchedPath::as_str);
        route.is_some_and(|route| self.routes.iter().any(|r| r == route))
    }
}

/// Route middleware: the kept page for this request when there is one, else
/// the page rendered (and kept, when it may be).
pub async fn serve(State(cache): State<Arc<PageCache>>, request: Request, next: Next) -> Response {
    let Some(key) = key(&request).filter(|_| cache.keeps(&request)) else { return next.run(request).await };
    match cache.pages.get_or_load(&key, || render(request, next)).await {
        Ok(page) => page.answer(),
        Err(not_kept) => not_kept,
    }
}

/// The request's path and query, when its answer may be kept.
fn key(request: &Request) -> Option<String> {
    let headers = request.headers();
    let anonymous = !headers.contains_key(COOKIE) && !headers.contains_key(AUTHORIZATION);
    let key = request.uri().path_and_query()?.as_str();
    (request.method() == Method::GET && anonymous && key.len() <= LONGEST_KEY).then(|| key.to_owned())
}

/// Renders the page; `Err` carries an answer that is not to be kept.
async fn render(request: Request, next: Next) -> Result<Page, Response> {
    let response = next.run(request).await;
    let nonce = nonce(response.headers()).map(str::to_owned);
    let Some(nonce) =
        nonce.filter(|_| response.status() == StatusCode::OK && !response.headers().contains_key(SET_COOKIE))
    else {
        return Err(response);
    };
    let (parts, body) = response.into_parts();
    let Ok(body) = axum::body::to_bytes(body, LARGEST_PAGE).await else {
        tracing::error!(limit = LARGEST_PAGE, "a page was too large to keep");
        return Err(StatusCode::INTERNAL_SERVER_ERROR.into_response());
    };
    Page::new(parts.headers.clone(), &body, &nonce).ok_or_else(|| Response::from_parts(parts, Body::from(body)))
}

/// The nonce a Content-Security-Policy lets scripts run with.
fn nonce(headers: &HeaderMap) -> Option<&str> {
    let policy = headers.get(CONTENT_SECURITY_POLICY)?.to_str().ok()?;
    let from = policy.find("'nonce-")? + "'nonce-".len();
    let nonce = &policy[from..from + policy[from..].find('\'')?];
    (nonce.len() >= 16).then_some(nonce)
}

/// A kept page: its headers, and its policy and body cut where the render's nonce was.
pub struct Page {
    headers: HeaderMap,
    policy: Vec<Bytes>,
    body: Vec<Bytes>,
}

impl Page {
    fn new(mut headers: HeaderMap, body: &Bytes, nonce: &str) -> Option<Self> {
        let policy = headers.remove(CONTENT_SECURITY_POLICY)?;
        let cut = |text: &[u8]| -> Option<Vec<Bytes>> {
            let text = std::str::from_utf8(text).ok()?;
            Some(text.split(nonce).map(|piece| Bytes::copy_from_slice(piece.as_bytes())).collect())
        };
        Some(Self { policy: cut(policy.as_bytes())?, body: cut(body)?, headers })
    }

    /// The page with a nonce of its own.
    fn answer(&self) -> Response {
        let nonce = leptos::nonce::Nonce::new();
        let mut headers = self.headers.clone();
        if let Ok(policy) = HeaderValue::from_bytes(&join(&self.policy, nonce.as_bytes())) {
            headers.insert(CONTENT_SECURITY_POLICY, policy);
        }
        let mut response = Response::new(Body::from(join(&self.body, nonce.as_bytes())));
        *response.headers_mut() = headers;
        response
    }
}

fn join(pieces: &[Bytes], between: &[u8]) -> Vec<u8> {
    let length = pieces.iter().map(Bytes::len).sum::<usize>() + between.len() * pieces.len().saturating_sub(1);
    let mut joined = Vec::with_capacity(length);
    for (i, piece) in pieces.iter().enumerate() {
        if i > 0 {
            joined.extend_from_slice(between);
        }
        joined.extend_from_slice(piece);
    }
    joined
}

#[cfg(test)]
mod tests;
