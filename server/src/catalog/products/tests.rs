//! Saving products with the embedded store: each save once in the outbox,
//! edits racing with reservations keeping the stock, stale edits refused,
//! archived products gone from the shop.

use super::*;
use crate::platform::store::{EmbeddedStore, Query};
use app::catalog::{CategoryView, Fulfilment, ProductQueryParams};
use std::sync::Arc;

async fn catalog(dir: &std::path::Path) -> Catalog {
    let catalog = Catalog::open(&EmbeddedStore::open(dir).unwrap()).await.unwrap();
    catalog.seed_demo().await.unwrap();
    catalog
}

fn towel(expected_version: Option<u64>) -> ProductInput {
    ProductInput {
        name: "Linen Tea Towel".into(),
        description: "Stonewashed linen.".into(),
        price_minor: 1200,
        category: "kitchen".into(),
        fulfilment: Fulfilment::Physical,
        image: String::new(),
        archived: false,
        expected_version,
    }
}

/// The ProductChanged events waiting in the outbox, oldest first.
async fn staged(catalog: &Catalog) -> Vec<ProductChanged> {
    let page = catalog.table.table().query(Query::partition("OUTBOX").limit(100)).await.unwrap();
    let envelopes = page.items.iter().map(|i| i.record::<Envelope>().unwrap());
    envelopes.filter(|e| e.event_type == "ProductChanged").map(|e| e.decode().unwrap()).collect()
}

fn saved(outcome: Saved) -> (bool, AdminProduct) {
    match outcome {
        Saved::Created(p) => (true, p),
        Saved::Changed(p) => (false, p),
    }
}

#[tokio::test]
async fn a_new_product_is_stored_with_no_stock_and_announced_once() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog(dir.path()).await;
    let (created, product) = saved(catalog.save_product("kit-900", towel(None)).await.unwrap());
    assert!(created);
    assert_eq!((product.product.sku.as_str(), product.product.stock, product.version), ("KIT-900", 0, 1));
    assert_eq!(catalog.product("KIT-900").await.unwrap().as_ref().as_ref().unwrap().price.amount_minor, 1200);
    let again = catalog.save_product("KIT-900", towel(None)).await;
    assert!(matches!(again, Err(CatalogError::Conflict("product_exists", _))), "{again:?}");
    let events = staged(&catalog).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!((events[0].sku.as_str(), events[0].price_minor, events[0].version), ("KIT-900", 1200, 1));
}

#[tokio::test]
async fn an_edit_keeps_stock_changed_meanwhile_but_not_a_save_it_did_not_see() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog(dir.path()).await;
    catalog.save_product("KIT-900", towel(None)).await.unwrap();
    // A reservation or delivery writes the product after the form was read.
    let sku = Sku::parse("KIT-900").unwrap();
    let (mut product, version) = catalog.table.product_versioned(&sku).await.unwrap().unwrap();
    product.stock = 7;
    catalog.table.table().transact_write(vec![catalog.table.put_product(&product, version).unwrap()]).await.unwrap();

    let dearer = ProductInput { price_minor: 1500, ..towel(Some(1)) };
    let (created, changed) = saved(catalog.save_product("KIT-900", dearer).await.unwrap());
    assert!(!created);
    assert_eq!((changed.product.price.amount_minor, changed.product.stock, changed.version), (1500, 7, 2));
    let stale = catalog.save_product("KIT-900", ProductInput { price_minor: 900, ..towel(Some(1)) }).await;
    assert!(matches!(stale, Err(CatalogError::Conflict("version_conflict", _))), "{stale:?}");
    let missing = catalog.save_product("KIT-901", towel(Some(1))).await;
    assert!(matches!(missing, Err(CatalogError::ProductNotFound(_))), "{missing:?}");
    let versions: Vec<_> = staged(&catalog).await.iter().map(|e| (e.version, e.price_minor)).collect();
    assert_eq!(versions, [(1, 1200), (2, 1500)]);
}

#[tokio::test]
async fn an_archived_product_leaves_the_shop_but_not_the_administrators_list() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog(dir.path()).await;
    let kitchen = |c: Arc<Vec<CategoryView>>| c.iter().find(|c| c.slug == "kitchen").unwrap().clone();
    let before = kitchen(catalog.categories().await.unwrap()).product_count;
    let every = ProductQueryParams { limit: Some("100".into()), ..Default::default() };
    assert!(catalog.search(&every).await.unwrap().items.iter().any(|p| p.sku == "KIT-001"), "listed before");
    assert!(catalog.product("KIT-001").await.unwrap().is_some(), "on sale before");
    let mug = catalog.admin_product("KIT-001").await.unwrap().unwrap();
    let input = ProductInput {
        name: mug.product.name.clone(),
        description: mug.product.description.clone(),
        price_minor: mug.product.price.amount_minor,
        category: mug.product.category.clone(),
        fulfilment: mug.product.fulfilment,
        image: mug.product.image.clone(),
        archived: true,
        expected_version: Some(mug.version),
    };
    catalog.save_product("KIT-001", input).await.unwrap();
    assert_eq!(*catalog.product("KIT-001").await.unwrap(), None, "no product page, cart line or order");
    let all = catalog.search(&every).await.unwrap();
    assert!(all.items.iter().all(|p| p.sku != "KIT-001"), "not listed");
    assert_eq!(kitchen(catalog.categories().await.unwrap()).product_count, before - 1);
    assert!(catalog.low_stock(u32::MAX).await.unwrap().products.iter().all(|p| p.sku != "KIT-001"));
    let listed =
        catalog.admin_products(&ProductQueryParams { q: Some("mug".into()), ..Default::default() }).await.unwrap();
    assert!(listed.items.iter().any(|p| p.product.sku == "KIT-001" && p.archived && p.version == 1));
}
