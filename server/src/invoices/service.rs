//! How invoices join their process: the table, the issuer consuming
//! confirmed orders, the invoices API, and the order page's invoice part;
//! elsewhere, that part over the API.

use super::{InvoiceIssuer, Invoices, document, routes, table_spec};
use crate::contracts::ports::OrderPart;
use crate::contracts::remote::RemotePart;
use crate::platform::consumer::subscription;
use crate::platform::upstream::Upstream;
use crate::registry::{Definition, Registry};
use crate::services::Service;
use app::invoices::Invoice;
use std::sync::Arc;

pub const SERVICE: Definition = Definition {
    service: Service::Invoices,
    tables: || vec![table_spec()],
    subscriptions: || vec![subscription::<InvoiceIssuer>()],
    needs: &[],
    register: |r| Box::pin(register(r)),
    elsewhere: Some(elsewhere),
};

async fn register(r: &mut Registry<'_>) -> anyhow::Result<()> {
    let invoices = Arc::new(Invoices::open(r.store(), document::seller(r.settings)).await?);
    // Issuing publishes nothing, so it has no relay.
    r.consumer(InvoiceIssuer(invoices.clone()))?;
    r.routes("/api/invoices", routes::router(invoices.clone(), r.links.clone()));
    r.offer(invoices.clone() as Arc<dyn OrderPart<Invoice>>);
    r.offer(invoices);
    Ok(())
}

/// The order page's invoice, when invoices run at `url`.
fn elsewhere(r: &mut Registry<'_>, url: &str) -> anyhow::Result<()> {
    let remote = RemotePart::<Invoice>::new(Upstream::new("invoices", url)?, r.links.clone(), "/api/invoices/");
    r.offer(Arc::new(remote) as Arc<dyn OrderPart<Invoice>>);
    Ok(())
}
