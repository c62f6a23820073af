//! How the cart joins its process: its table, the catalog port it prices
//! with, and the carts port orders and the cart's pages use.

use super::{Carts, routes, table_spec};
use crate::registry::{Definition, Registry};
use crate::services::Service;
use app::cart::ssr::SharedCarts;
use app::catalog::ssr::SharedCatalog;
use std::sync::Arc;

pub const SERVICE: Definition = Definition {
    service: Service::Cart,
    tables: || vec![table_spec()],
    subscriptions: Vec::new,
    needs: &[Service::Catalog],
    register: |r| Box::pin(register(r)),
    elsewhere: None,
};

async fn register(r: &mut Registry<'_>) -> anyhow::Result<()> {
    let https = r.settings.public_url().starts_with("https://");
    let carts = Arc::new(Carts::open(r.store(), r.port::<SharedCatalog>()?, r.secret, https).await?);
    r.routes("/api/cart", routes::router(carts.clone()));
    let port: SharedCarts = carts;
    r.offer(port.clone());
    r.page_context(port);
    Ok(())
}
