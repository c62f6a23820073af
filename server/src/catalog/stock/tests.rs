//! The stock keeper with the embedded store: reservations batched, redeliveries absorbed.

use super::*;
use crate::catalog::domain::Product;
use crate::contracts::OrderLine;
use crate::platform::consumer::{Handler, handle_at_once};
use crate::platform::hub::EmbeddedHub;
use crate::platform::store::EmbeddedStore;
use std::sync::Arc;

const SKU: &str = "KIT-004";

fn placed(order: &str, quantity: u32) -> Envelope {
    let line = OrderLine {
        sku: SKU.into(),
        name: "Mug".into(),
        quantity,
        unit_price_minor: 1450,
        fulfilment: Default::default(),
    };
    let placed = OrderPlaced {
        order_id: order.into(),
        email: "a@b.c".into(),
        currency: "USD".into(),
        lines: vec![line],
        net_total_minor: 1450 * i64::from(quantity),
        account_id: None,
    };
    Envelope::new("orders", &placed, "", None)
}

/// A stock keeper over the demo catalog, with `stock` units of [`SKU`]; the product's version.
async fn keeper(dir: &std::path::Path, stock: u32) -> (Arc<StockKeeper>, CatalogTable, u64) {
    let store = EmbeddedStore::open(dir).unwrap();
    let table = CatalogTable::open(&store).await.unwrap();
    crate::catalog::seed::seed_demo(&table).await.unwrap();
    let (mut product, version) = table.product_versioned(&Sku::parse(SKU).unwrap()).await.unwrap().unwrap();
    product.stock = stock;
    table.table().transact_write(vec![table.put_product(&product, version).unwrap()]).await.unwrap();
    let hub = Arc::new(EmbeddedHub::open(&store, Vec::new()).await.unwrap());
    let keeper = Arc::new(StockKeeper::new(table.clone(), table.relay(hub)));
    (keeper, table, version + 1)
}

async fn state(keeper: &StockKeeper, order: &str) -> State {
    keeper.reservation(order).await.unwrap().expect("decided").0.state
}

async fn product(table: &CatalogTable) -> (Product, u64) {
    table.product_versioned(&Sku::parse(SKU).unwrap()).await.unwrap().unwrap()
}

#[tokio::test]
async fn orders_placed_at_once_share_writes_and_are_reserved_in_turn_until_the_stock_runs_out() {
    let dir = tempfile::tempdir().unwrap();
    let (keeper, table, version) = keeper(dir.path(), 5).await;
    handle_at_once(keeper.clone(), (0..12).map(|n| placed(&format!("o{n}"), 1)).collect()).await;
    let mut states = Vec::new();
    for n in 0..12 {
        states.push(state(&keeper, &format!("o{n}")).await);
    }
    assert_eq!(states.iter().filter(|s| **s == State::Reserved).count(), 5, "{states:?}");
    assert_eq!(states.iter().filter(|s| **s == State::Rejected).count(), 7, "{states:?}");
    let (product, now) = product(&table).await;
    assert_eq!(product.stock, 0);
    assert!(now - version < 5, "5 reservations in fewer writes of the product: {}", now - version);
}

#[tokio::test]
async fn an_order_placed_again_beside_others_is_reserved_once() {
    let dir = tempfile::tempdir().unwrap();
    let (keeper, table, _) = keeper(dir.path(), 10).await;
    keeper.handle(&placed("o1", 2)).await.unwrap();
    handle_at_once(keeper.clone(), vec![placed("o1", 2), placed("o2", 1), placed("o1", 2), placed("o3", 3)]).await;
    assert_eq!(product(&table).await.0.stock, 4, "10 - 2 - 1 - 3");
    for order in ["o1", "o2", "o3"] {
        assert_eq!(state(&keeper, order).await, State::Reserved, "{order}");
    }
}
