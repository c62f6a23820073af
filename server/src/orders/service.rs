//! How orders join their process: the table, the carts and payments ports
//! an order is placed (from the cart as priced) and paid with, the consumer of the
//! other services' events, the expiry of unpaid orders, and the order API
//! with the order page's composition of the services run here.

use super::composition::{self, Composer, PART_TIMEOUT};
use super::{OrderEvents, Orders, routes, table_spec};
use crate::contracts::ports::Payments;
use crate::platform::consumer::subscription;
use crate::registry::{Definition, Registry};
use crate::services::Service;
use app::cart::ssr::SharedCarts;
use app::orders::ssr::{SharedOrderDetails, SharedOrders};
use std::sync::Arc;
use std::time::Duration;

pub const SERVICE: Definition = Definition {
    service: Service::Orders,
    tables: || vec![table_spec()],
    subscriptions: || vec![subscription::<OrderEvents>()],
    needs: &[Service::Cart, Service::Payments],
    register: |r| Box::pin(register(r)),
    elsewhere: None,
};

async fn register(r: &mut Registry<'_>) -> anyhow::Result<()> {
    let timeout_secs = r.settings.payment_timeout_secs;
    let carts = r.port::<SharedCarts>()?;
    let payments = r.port::<Arc<dyn Payments>>()?;
    let (hub, links) = (r.hub.clone(), r.links.clone());
    let timeout = Duration::from_secs(timeout_secs);
    let longest_wait = Duration::from_secs(r.settings.request_timeout_secs) / 2;
    let orders =
        Arc::new(Orders::open(r.store(), hub, carts, payments, timeout, links).await?.waiting_at_most(longest_wait));
    r.consumer(OrderEvents(orders.clone()))?;
    r.relay(orders.relay());
    let expiring = orders.clone();
    let every = Duration::from_secs((timeout_secs / 4).clamp(1, 30));
    r.job(Box::new(move |shutdown| Box::pin(expiring.run_expiry(every, shutdown))));
    let composer = Composer {
        orders: orders.clone(),
        payment: r.port_if_any(),
        shipment: r.port_if_any(),
        timeline: r.port_if_any(),
        invoice: r.port_if_any(),
        timeout: PART_TIMEOUT,
    };
    r.routes("/api/orders", routes::router(orders.clone()).merge(composition::router(composer.clone())));
    r.page_context(orders as SharedOrders);
    r.page_context(Arc::new(composer) as SharedOrderDetails);
    Ok(())
}
