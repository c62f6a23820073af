//! The page cache around a page that counts its renders, over an embedded table.

use super::{PageCache, PageSource, serve};
use crate::platform::store::{Condition, EmbeddedStore, Item, Key, Store, Table, TableSpec};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, Uri, header};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http_body_util::BodyExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tower::ServiceExt;

struct Site {
    router: Router,
    renders: Arc<AtomicUsize>,
    table: Arc<dyn Table>,
    _dir: tempfile::TempDir,
}

/// `/products/{sku}` (kept) and `/account` (not), each rendered with a new
/// nonce in its policy and on its script; `/products/GONE` is a 404 and
/// `/products/COOKIE` sets a cookie.
async fn site() -> Site {
    let dir = tempfile::tempdir().unwrap();
    let table = EmbeddedStore::open(dir.path()).unwrap().open_table(&TableSpec::new("catalog")).await.unwrap();
    let renders = Arc::new(AtomicUsize::new(0));
    let counted = renders.clone();
    let page = move |uri: Uri| {
        let n = counted.fetch_add(1, Ordering::SeqCst);
        async move { rendered(uri.path().rsplit('/').next().unwrap(), n) }
    };
    let cache = PageCache::new(PageSource(table.clone()), &["/products/{sku}"]);
    let router = Router::new()
        .route("/products/{sku}", get(page.clone()))
        .route("/account", get(page))
        .route_layer(from_fn_with_state(cache, serve));
    Site { router, renders, table, _dir: dir }
}

fn rendered(sku: &str, render: usize) -> Response {
    let nonce = format!("render{render:02}-{}", uuid::Uuid::new_v4().simple());
    let policy = format!("script-src 'self' 'nonce-{nonce}'");
    let body = format!("<p>{sku} #{render}</p><script nonce=\"{nonce}\">go()</script>");
    let status = if sku == "GONE" { StatusCode::NOT_FOUND } else { StatusCode::OK };
    let mut response = (status, [(header::CONTENT_SECURITY_POLICY, policy)], body).into_response();
    if sku == "COOKIE" {
        response.headers_mut().insert(header::SET_COOKIE, "tbs_session=new".parse().unwrap());
    }
    response
}

struct Page {
    nonce: String,
    body: String,
}

async fn fetch(site: &Site, uri: &str, cookie: Option<&str>) -> Page {
    let mut request = Request::get(uri);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    let response = site.router.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    let policy = response.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_string();
    let nonce = policy.split("'nonce-").nth(1).unwrap().trim_end_matches('\'').to_string();
    let body = String::from_utf8(response.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    Page { nonce, body }
}

#[tokio::test]
async fn a_page_is_rendered_once_and_every_answer_has_a_nonce_of_its_own() {
    let site = site().await;
    let (first, second) =
        (fetch(&site, "/products/KIT-001", None).await, fetch(&site, "/products/KIT-001", None).await);
    assert_eq!(site.renders.load(Ordering::SeqCst), 1, "the second answer is the kept page");
    assert!(first.body.starts_with("<p>KIT-001 #0</p>") && second.body.starts_with("<p>KIT-001 #0</p>"));
    assert_ne!(first.nonce, second.nonce);
    for page in [&first, &second] {
        assert_eq!(page.body.matches(&format!("nonce=\"{}\"", page.nonce)).count(), 1, "{}", page.body);
        assert!(!page.nonce.starts_with("render"), "the render's own nonce is never sent");
    }
    fetch(&site, "/products/KIT-002", None).await;
    assert_eq!(site.renders.load(Ordering::SeqCst), 2, "each path is its own page");
}

#[tokio::test]
async fn a_write_to_the_source_table_retires_the_kept_pages() {
    let site = site().await;
    fetch(&site, "/products/KIT-001", None).await;
    site.table.put(Item::new(Key::new("PRODUCT", "KIT-001"), serde_json::json!({})), Condition::None).await.unwrap();
    let again = fetch(&site, "/products/KIT-001", None).await;
    assert!(again.body.starts_with("<p>KIT-001 #1</p>"), "rendered again: {}", again.body);
}

#[tokio::test]
async fn pages_for_someone_refusals_and_other_routes_are_rendered_every_time() {
    let site = site().await;
    fetch(&site, "/products/KIT-001", None).await;
    let signed_in = fetch(&site, "/products/KIT-001", Some("tbs_session=abc")).await;
    assert!(signed_in.body.starts_with("<p>KIT-001 #1</p>"), "not the kept page: {}", signed_in.body);
    for uri in ["/products/GONE", "/products/COOKIE", "/account"] {
        let before = site.renders.load(Ordering::SeqCst);
        fetch(&site, uri, None).await;
        fetch(&site, uri, None).await;
        assert_eq!(site.renders.load(Ordering::SeqCst) - before, 2, "{uri} rendered each time");
    }
}
