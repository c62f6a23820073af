//! The invoices service. Owns the `invoices` table: every confirmed order's
//! invoice, numbered per calendar year with no gaps (`numbering.rs`), made
//! only from the OrderConfirmed event (`document.rs`), and served as JSON,
//! as the order's invoice page and as a PDF (`pdf.rs`, `routes.rs`).
//!
//! | item    | pk             | sk               |
//! |---------|----------------|------------------|
//! | invoice | `ORDER#<id>`   | `INVOICE`        |
//! | counter | `COUNTER`      | `INVOICE#<year>` |
//!
//! An invoice is kept when its shopper's account is deleted: the law keeps
//! invoices for years. OrderAnonymised only unties it from the account, so
//! afterwards the order's link (or staff) opens it.

mod document;
mod numbering;
pub mod pdf;
mod routes;
mod service;

pub use service::SERVICE;

use crate::contracts::{OrderAnonymised, OrderConfirmed};
use crate::platform::consumer::Consumer;
use crate::platform::events::Envelope;
use crate::platform::store::Combiner;
use crate::platform::store::{Condition, Item, Key, Store, StoreError, Table, TableSpec};
use app::invoices::{Invoice, Party};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub const CONSUMER: &str = "invoices";

pub fn table_spec() -> TableSpec {
    TableSpec::new("invoices")
}

crate::consumed_events! {
    /// What invoices are made from.
    pub enum Incoming {
        OrderConfirmed,
        OrderAnonymised,
    }
}

fn invoice_key(order_id: &str) -> Key {
    Key::new(format!("ORDER#{order_id}"), "INVOICE")
}

/// An invoice as stored: the document, and whose order it is.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Stored {
    /// The account that placed the order (`None`: a guest's, or forgotten).
    #[serde(default)]
    account_id: Option<String>,
    #[serde(flatten)]
    invoice: Invoice,
}

pub struct Invoices {
    table: Arc<dyn Table>,
    seller: Party,
    numbering: Combiner<Stored, anyhow::Result<()>>,
}

impl Invoices {
    pub async fn open(store: &dyn Store, seller: Party) -> Result<Self, StoreError> {
        let table = store.open_table(&table_spec()).await?;
        Ok(Self { table, seller, numbering: Combiner::new(numbering::BATCH) })
    }

    /// The order's invoice and the account it belongs to (`None` when not issued).
    pub async fn find(&self, order_id: &str) -> Result<Option<(Invoice, Option<String>)>, StoreError> {
        let Some(item) = self.table.get(&invoice_key(order_id)).await? else { return Ok(None) };
        let stored: Stored = item.record()?;
        Ok(Some((stored.invoice, stored.account_id)))
    }

    /// Issues the invoice of a confirmed order, once however often the event comes.
    async fn confirmed(&self, order: &OrderConfirmed) -> anyhow::Result<()> {
        if self.table.get(&invoice_key(&order.order_id)).await?.is_some() {
            return Ok(());
        }
        let draft = Stored { account_id: order.account_id.clone(), invoice: document::draft(order, &self.seller) };
        self.issue(draft).await
    }

    /// The invoice no longer belongs to the account (deleted); its contents stay.
    async fn forget_account(&self, order_id: &str) -> anyhow::Result<()> {
        let Some(item) = self.table.get(&invoice_key(order_id)).await? else { return Ok(()) };
        let mut stored: Stored = item.record()?;
        if stored.account_id.take().is_some() {
            let condition = Condition::Version(item.version);
            self.table.put(Item::from_record(item.key, &stored)?, condition).await?;
        }
        Ok(())
    }
}

/// The order page's invoice part (the orders service checked who may read it).
#[async_trait]
impl crate::contracts::ports::OrderPart<Invoice> for Invoices {
    async fn of(&self, order: &app::orders::OrderView) -> anyhow::Result<Option<Invoice>> {
        Ok(self.find(&order.id).await?.map(|(invoice, _)| invoice))
    }
}

pub struct InvoiceIssuer(pub Arc<Invoices>);

#[async_trait]
impl Consumer for InvoiceIssuer {
    const NAME: &'static str = CONSUMER;
    type Event = Incoming;

    async fn on(&self, event: Incoming, _: &Envelope) -> anyhow::Result<()> {
        match event {
            Incoming::OrderConfirmed(confirmed) => self.0.confirmed(&confirmed).await,
            Incoming::OrderAnonymised(anonymised) => self.0.forget_account(&anonymised.order_id).await,
        }
    }
}
