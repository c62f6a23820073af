//! `/api/catalog/*`: listing, search, paging, products, categories, errors.

use crate::helpers::{skus, spawn_app};
use axum::http::StatusCode;
use server::catalog::Catalog;
use server::platform::store::EmbeddedStore;
use std::collections::HashSet;

#[tokio::test]
async fn lists_the_demo_catalog_a_page_at_a_time_in_sku_order() {
    let app = spawn_app().await;
    let page = app.get_json("/api/catalog/products", StatusCode::OK).await;
    let first = skus(&page);
    assert_eq!(first.len(), 12, "default page size");
    let mut sorted = first.clone();
    sorted.sort();
    assert_eq!(first, sorted);
    assert!(page["next_cursor"].is_string());
    let product = &page["items"][0];
    assert_eq!(product["price"]["currency"], "USD");
    assert!(product["price"]["amount_minor"].as_i64().unwrap() > 0, "money is integer minor units");
    assert!(product["image"].as_str().unwrap().starts_with("/images/products/"));
}

#[tokio::test]
async fn following_cursors_visits_every_product_exactly_once() {
    let app = spawn_app().await;
    let mut seen = Vec::new();
    let mut uri = "/api/catalog/products?limit=7".to_string();
    for _ in 0..10 {
        let page = app.get_json(&uri, StatusCode::OK).await;
        seen.extend(skus(&page));
        match page["next_cursor"].as_str() {
            Some(cursor) => uri = format!("/api/catalog/products?limit=7&cursor={cursor}"),
            None => break,
        }
    }
    let unique: HashSet<_> = seen.iter().collect();
    assert_eq!(seen.len(), 33);
    assert_eq!(unique.len(), 33);
}

#[tokio::test]
async fn search_is_case_insensitive_over_names_and_descriptions() {
    let app = spawn_app().await;
    let by_name = app.get_json("/api/catalog/products?q=ENAMEL", StatusCode::OK).await;
    assert_eq!(skus(&by_name), ["KIT-001"]);
    // "dishwashers" appears only in the mug's description.
    let by_description = app.get_json("/api/catalog/products?q=Dishwashers", StatusCode::OK).await;
    assert_eq!(skus(&by_description), ["KIT-001"]);
    let every_word = app.get_json("/api/catalog/products?q=cast%20iron", StatusCode::OK).await;
    assert_eq!(skus(&every_word), ["KIT-002"]);
    let nothing = app.get_json("/api/catalog/products?q=zeppelin", StatusCode::OK).await;
    assert!(skus(&nothing).is_empty());
    assert!(nothing["next_cursor"].is_null());
}

#[tokio::test]
async fn search_pages_through_matches_only() {
    let app = spawn_app().await;
    // "steel" matches several products spread across the SKU range.
    let all = skus(&app.get_json("/api/catalog/products?q=steel&limit=100", StatusCode::OK).await);
    assert!(all.len() >= 4, "{all:?}");
    let first = app.get_json("/api/catalog/products?q=steel&limit=2", StatusCode::OK).await;
    assert_eq!(skus(&first), all[..2]);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = app.get_json(&format!("/api/catalog/products?q=steel&limit=2&cursor={cursor}"), StatusCode::OK).await;
    assert_eq!(skus(&second), all[2..4]);
}

#[tokio::test]
async fn category_filter_uses_the_category_and_names_it() {
    let app = spawn_app().await;
    let garden = app.get_json("/api/catalog/products?category=garden", StatusCode::OK).await;
    assert_eq!(skus(&garden), ["GAR-001", "GAR-002", "GAR-003", "GAR-004", "GAR-005"]);
    assert_eq!(garden["category"]["name"], "Garden");
    let coffee = app.get_json("/api/catalog/products?category=kitchen&q=coffee", StatusCode::OK).await;
    assert_eq!(skus(&coffee), ["KIT-005"]);
    let unknown = app.get_json("/api/catalog/products?category=spaceships", StatusCode::OK).await;
    assert!(skus(&unknown).is_empty());
    assert!(unknown["category"].is_null());
}

#[tokio::test]
async fn bad_query_parameters_are_400_naming_the_field() {
    let app = spawn_app().await;
    let cases = [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("category=Not%20A%20Slug", "category"),
        ("cursor=forged", "cursor"),
        ("limit=1&limit=2", "query"),
    ];
    for (query, field) in cases {
        let body = app.get_json(&format!("/api/catalog/products?{query}"), StatusCode::BAD_REQUEST).await;
        assert_eq!(body["error"]["field"], field, "{query}");
        assert_eq!(body["error"]["code"], format!("invalid_{field}"), "{query}");
        assert!(!body["error"]["message"].as_str().unwrap().is_empty());
    }
    let long = "x".repeat(101);
    let body = app.get_json(&format!("/api/catalog/products?q={long}"), StatusCode::BAD_REQUEST).await;
    assert_eq!(body["error"]["field"], "q");
}

#[tokio::test]
async fn one_product_by_sku() {
    let app = spawn_app().await;
    let mug = app.get_json("/api/catalog/products/KIT-001", StatusCode::OK).await;
    assert_eq!(mug["name"], "Enamel Camp Mug");
    assert_eq!(mug["price"]["amount_minor"], 1450);
    assert_eq!(mug["category"], "kitchen");
    let lower = app.get_json("/api/catalog/products/kit-001", StatusCode::OK).await;
    assert_eq!(lower["sku"], "KIT-001", "SKUs are case-insensitive");
    let missing = app.get_json("/api/catalog/products/NOPE-404", StatusCode::NOT_FOUND).await;
    assert_eq!(missing["error"]["code"], "product_not_found");
    let malformed = app.get_json("/api/catalog/products/not%20a%20sku", StatusCode::BAD_REQUEST).await;
    assert_eq!(malformed["error"]["field"], "sku");
}

#[tokio::test]
async fn categories_with_counts_in_display_order() {
    let app = spawn_app().await;
    let categories = app.get_json("/api/catalog/categories", StatusCode::OK).await;
    let list = categories.as_array().unwrap();
    assert_eq!(list.len(), 7);
    assert_eq!(list[0]["slug"], "kitchen");
    let total: u64 = list.iter().map(|c| c["product_count"].as_u64().unwrap()).sum();
    assert_eq!(total, 33);
}

#[tokio::test]
async fn unknown_api_paths_are_json_404s() {
    let app = spawn_app().await;
    let body = app.get_json("/api/nothing/here", StatusCode::NOT_FOUND).await;
    assert_eq!(body["error"]["code"], "route_not_found");
}

#[tokio::test]
async fn health_probes_answer() {
    let app = spawn_app().await;
    assert_eq!(app.get_json("/health/live", StatusCode::OK).await["status"], "live");
    assert_eq!(app.get_json("/health/ready", StatusCode::OK).await["status"], "ready");
}

#[tokio::test]
async fn seeding_is_idempotent_and_survives_restart() {
    let app = spawn_app().await;
    let data_dir = app.settings.data_dir.clone();
    let _kept = app.stop();
    let store = EmbeddedStore::open(&data_dir).unwrap();
    let catalog = Catalog::open(&store).await.unwrap();
    let again = catalog.seed_demo().await.unwrap();
    assert_eq!((again.categories_added, again.products_added), (0, 0), "nothing added twice");
    let page = catalog.search(&Default::default()).await.unwrap();
    assert_eq!(page.items.len(), 12);
}
