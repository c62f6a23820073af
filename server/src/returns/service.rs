//! How returns join their process: the table, the view of orders consuming
//! their events, the outbox relay, the returns API and the pages' port.

use super::pages::ReturnsPages;
use super::{OrdersForReturns, Returns, routes, table_spec};
use crate::platform::consumer::subscription;
use crate::registry::{Definition, Registry};
use crate::services::Service;
use std::sync::Arc;

pub const SERVICE: Definition = Definition {
    service: Service::Returns,
    tables: || vec![table_spec()],
    subscriptions: || vec![subscription::<OrdersForReturns>()],
    needs: &[],
    register: |r| Box::pin(register(r)),
    elsewhere: None,
};

async fn register(r: &mut Registry<'_>) -> anyhow::Result<()> {
    let returns = Arc::new(Returns::open(r.store(), r.hub.clone()).await?);
    r.consumer(OrdersForReturns(returns.clone()))?;
    r.relay(returns.relay());
    r.routes("/api/returns", routes::router(returns.clone(), r.links.clone()));
    let pages = ReturnsPages { returns: returns.clone(), links: r.links.clone() };
    r.page_context(Arc::new(pages) as app::returns::ssr::SharedReturns);
    r.offer(returns);
    Ok(())
}
