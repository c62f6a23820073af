//! How invoices join their process: the table, the issuer consuming
//! confirmed orders, and the invoices API.

use super::{InvoiceIssuer, Invoices, document, routes, table_spec};
use crate::platform::consumer::subscription;
use crate::registry::{Definition, Registry};
use crate::services::Service;
use std::sync::Arc;

pub const SERVICE: Definition = Definition {
    service: Service::Invoices,
    tables: || vec![table_spec()],
    subscriptions: || vec![subscription::<InvoiceIssuer>()],
    needs: &[],
    register: |r| Box::pin(register(r)),
    elsewhere: None,
};

async fn register(r: &mut Registry<'_>) -> anyhow::Result<()> {
    let invoices = Arc::new(Invoices::open(r.store(), document::seller(r.settings)).await?);
    // Issuing publishes nothing, so it has no relay.
    r.consumer(InvoiceIssuer(invoices.clone()))?;
    r.routes("/api/invoices", routes::router(invoices.clone(), r.links.clone()));
    r.offer(invoices);
    Ok(())
}
