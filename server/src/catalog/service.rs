//! How the catalog joins its process: its table, its stock keeper's and
//! restocker's subscriptions, the demo seed, and the catalog port carts, orders and the
//! shop's pages read.

use super::inventory::restock::Restocker;
use super::{Catalog, StockKeeper, routes, store};
use crate::platform::consumer::subscription;
use crate::platform::page_cache::PageSource;
use crate::registry::{Definition, Registry};
use crate::services::Service;
use app::catalog::ssr::SharedCatalog;
use std::sync::Arc;

pub const SERVICE: Definition = Definition {
    service: Service::Catalog,
    tables: || vec![store::spec()],
    subscriptions: || vec![subscription::<StockKeeper>(), subscription::<Restocker>()],
    needs: &[],
    register: |r| Box::pin(register(r)),
    elsewhere: None,
};

async fn register(r: &mut Registry<'_>) -> anyhow::Result<()> {
    let catalog = Arc::new(Catalog::open(r.store()).await?);
    if r.settings.seed_demo {
        let report = catalog.seed_demo().await?;
        tracing::info!(?report, "demo catalog seeded");
    }
    let relay = catalog.relay(r.hub.clone());
    r.consumer(catalog.stock_keeper(relay.clone()))?;
    r.relay(relay);
    r.consumer(Restocker(catalog.clone()))?;
    let admin =
        super::inventory::routes::router(catalog.clone()).merge(super::products::routes::router(catalog.clone()));
    r.routes("/api/catalog", routes::router(catalog.clone()).merge(admin));
    let port: SharedCatalog = catalog.clone();
    r.offer(port.clone());
    r.offer(PageSource(catalog.table().clone()));
    r.page_context(port);
    r.page_context(catalog.clone() as app::inventory::ssr::SharedInventory);
    r.page_context(catalog.clone() as app::products::ssr::SharedProducts);
    r.offer(catalog);
    Ok(())
}
