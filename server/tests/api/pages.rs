//! The shop pages, server-rendered (what a browser without JavaScript gets).

use crate::helpers::spawn_app;
use app::inventory::{StockAdjustmentInput, StockReason};
use axum::http::StatusCode;
use server::catalog::Catalog;
use std::sync::Arc;

#[tokio::test]
async fn home_page_is_complete_html_with_categories_and_products() {
    let app = spawn_app().await;
    let page = app.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.content_type.starts_with("text/html"));
    for text in [
        "<title>The Better Store</title>",
        "Shop by category",
        "Personal care",
        "Olive Oil Soap Bar",
        "/tbs.js",
        "/tbs_bg.wasm",
    ] {
        assert!(page.body.contains(text), "home page lacks {text:?}");
    }
    assert!(page.body.contains(r#"<label for="site-search""#), "search box is labelled");
}

#[tokio::test]
async fn search_page_renders_matches() {
    let app = spawn_app().await;
    let page = app.get("/search?q=mug").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Results for “mug”"));
    assert!(page.body.contains("Enamel Camp Mug"));
    assert!(!page.body.contains("Cast Iron Skillet"));
}

#[tokio::test]
async fn product_page_shows_the_product_and_unknown_ones_are_404() {
    let app = spawn_app().await;
    let page = app.get("/products/KIT-001").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Enamel Camp Mug") && page.body.contains("$14.50"));
    assert!(page.body.contains(r#"alt="Enamel Camp Mug""#), "image has alt text");
    let missing = app.get("/products/NOPE-404").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("We couldn’t find that"));
    assert_eq!(app.get("/no/such/page").await.status, StatusCode::NOT_FOUND);
}

/// An order page at an address that cannot name an order (a mistyped or cut
/// link) is the page not found, not the API's rule for order ids.
#[tokio::test]
async fn an_order_page_at_an_id_no_order_can_have_is_404() {
    let app = spawn_app().await;
    for path in ["/orders/not-a-uuid", "/orders/NOT-A-UUID/invoice", "/orders/123/return?token=x"] {
        let page = app.get(path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(page.body.contains("We couldn’t find that"), "{path}");
        assert!(!page.body.contains("UUID"), "{path}: no technical words");
    }
}

/// A visitor without cookies may be given a page rendered before (the page
/// cache), but never one older than the catalog it shows.
#[tokio::test]
async fn an_anonymous_product_page_shows_the_stock_as_it_is_now() {
    let app = spawn_app().await;
    let stock =
        |page: &str| page.split("class=\"product__stock\">").nth(1).unwrap().split('<').next().unwrap().to_string();
    let before = stock(&app.get("/products/KIT-001").await.body);
    assert_eq!(stock(&app.get("/products/KIT-001").await.body), before);
    let catalog = app.state.port::<Arc<Catalog>>();
    let input =
        StockAdjustmentInput { reason: StockReason::CountCorrection, change: None, set: Some(3), note: String::new() };
    catalog.adjust_stock("KIT-001", "count-1", input, "admin@example.com").await.unwrap();
    assert_ne!(before, "Only 3 left");
    assert_eq!(stock(&app.get("/products/KIT-001").await.body), "Only 3 left");
}

#[tokio::test]
async fn server_functions_answer_gets_with_json() {
    let app = spawn_app().await;
    let body = app.get_json("/rpc/catalog/products?q=skillet", StatusCode::OK).await;
    assert_eq!(body["items"][0]["sku"], "KIT-002");
}
