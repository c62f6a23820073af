//! How fulfilment joins its process: its table, the intake of confirmed
//! orders, the dispatch API, and the port the dispatch pages use (its API
//! when fulfilment runs in another process).

use super::remote::RemoteFulfilment;
use super::{Fulfilment, Intake, routes, table_spec};
use crate::contracts::ports::OrderPart;
use crate::platform::consumer::subscription;
use crate::platform::upstream::Upstream;
use crate::registry::{Definition, Registry};
use crate::services::Service;
use app::fulfilment::ShippingOrderView;
use app::fulfilment::ssr::SharedFulfilment;
use std::sync::Arc;

pub const SERVICE: Definition = Definition {
    service: Service::Fulfilment,
    tables: || vec![table_spec()],
    subscriptions: || vec![subscription::<Intake>()],
    needs: &[],
    register: |r| Box::pin(register(r)),
    elsewhere: Some(elsewhere),
};

async fn register(r: &mut Registry<'_>) -> anyhow::Result<()> {
    let fulfilment = Arc::new(Fulfilment::open(r.store(), r.hub.clone()).await?);
    r.consumer(Intake(fulfilment.clone()))?;
    r.relay(fulfilment.relay());
    r.routes("/api/fulfilment", routes::router(fulfilment.clone()));
    r.page_context(fulfilment.clone() as SharedFulfilment);
    r.offer(fulfilment.clone() as Arc<dyn OrderPart<ShippingOrderView>>);
    r.offer(fulfilment);
    Ok(())
}

/// The dispatch pages' port, when fulfilment runs at `url`.
fn elsewhere(r: &mut Registry<'_>, url: &str) -> anyhow::Result<()> {
    r.page_context(Arc::new(RemoteFulfilment(Upstream::new("dispatch", url)?)) as SharedFulfilment);
    Ok(())
}
