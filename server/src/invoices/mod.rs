//! The invoices service. Owns the `invoices` table: every confirmed order's
//! invoice, made only from the OrderConfirmed event, and a credit note for
//! every refund of a return (RefundIssued, with the lines its
//! ReturnRequested named) that references the invoice (`document.rs`).
//! Each series is numbered per calendar year with no gaps (`numbering.rs`:
//! `INV-…`, `CN-…`); both are served as JSON and PDF (`pdf.rs`,
//! `routes.rs`), the invoice also as the order's invoice page.
//!
//! | item              | pk           | sk                  |
//! |-------------------|--------------|---------------------|
//! | invoice           | `ORDER#<id>` | `INVOICE`           |
//! | credit note       | `ORDER#<id>` | `CREDIT#<return>`   |
//! | return to credit  | `ORDER#<id>` | `RETURN#<return>`   |
//! | counters          | `COUNTER`    | `INVOICE#<year>`, `CREDIT#<year>` |
//!
//! Invoices and credit notes are kept when their shopper's account is
//! deleted: the law keeps them for years. OrderAnonymised only unties them
//! from the account, so afterwards the order's link (or staff) opens them.

mod document;
mod numbering;
pub mod pdf;
mod routes;
mod service;

pub use service::SERVICE;

use crate::contracts::{OrderAnonymised, OrderConfirmed, RefundIssued, ReturnRequested};
use crate::platform::consumer::{Consumer, Effects};
use crate::platform::events::Envelope;
use crate::platform::store::Combiner;
use crate::platform::store::{Condition, Item, Key, Query, Store, StoreError, Table, TableSpec};
use app::invoices::{CreditNoteRef, Invoice, Party};
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
        ReturnRequested,
        RefundIssued,
    }
}

fn order_partition(order_id: &str) -> String {
    format!("ORDER#{order_id}")
}

fn invoice_key(order_id: &str) -> Key {
    Key::new(order_partition(order_id), "INVOICE")
}

fn credit_key(order_id: &str, return_id: &str) -> Key {
    Key::new(order_partition(order_id), format!("CREDIT#{return_id}"))
}

fn to_credit_key(order_id: &str, return_id: &str) -> Key {
    Key::new(order_partition(order_id), format!("RETURN#{return_id}"))
}

/// Whether `key` is an invoice's or a credit note's.
fn is_document(key: &Key) -> bool {
    key.sk == "INVOICE" || key.sk.starts_with("CREDIT#")
}

/// An invoice or credit note as stored: the document, whose order it is,
/// and (a credit note's) the return it refunds.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Stored {
    /// The account that placed the order (`None`: a guest's, or forgotten).
    #[serde(default)]
    account_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    return_id: Option<String>,
    #[serde(flatten)]
    invoice: Invoice,
}

impl Stored {
    fn key(&self) -> Key {
        match &self.return_id {
            None => invoice_key(&self.invoice.order_id),
            Some(return_id) => credit_key(&self.invoice.order_id, return_id),
        }
    }
}

pub struct Invoices {
    table: Arc<dyn Table>,
    seller: Party,
    numbering: Combiner<Stored, anyhow::Result<()>>,
    crediting: Combiner<Stored, anyhow::Result<()>>,
}

impl Invoices {
    pub async fn open(store: &dyn Store, seller: Party) -> Result<Self, StoreError> {
        let table = store.open_table(&table_spec()).await?;
        let (numbering, crediting) = (Combiner::new(numbering::BATCH), Combiner::new(numbering::BATCH));
        Ok(Self { table, seller, numbering, crediting })
    }

    /// The order's invoice, with its credit notes listed, and the account
    /// it belongs to (`None` when not issued).
    pub async fn find(&self, order_id: &str) -> Result<Option<(Invoice, Option<String>)>, StoreError> {
        let page = self.table.query(Query::partition(order_partition(order_id))).await?;
        let mut documents: Vec<Stored> = Vec::new();
        for item in page.items.iter().filter(|i| is_document(&i.key)) {
            documents.push(item.record()?);
        }
        let Some(at) = documents.iter().position(|d| d.return_id.is_none()) else { return Ok(None) };
        let mut stored = documents.swap_remove(at);
        documents.sort_by(|a, b| a.invoice.number.cmp(&b.invoice.number));
        stored.invoice.credit_notes = documents
            .into_iter()
            .map(|d| CreditNoteRef {
                number: d.invoice.number,
                return_id: d.return_id.unwrap_or_default(),
                gross_minor: d.invoice.gross_minor,
            })
            .collect();
        Ok(Some((stored.invoice, stored.account_id)))
    }

    /// The credit note of return `return_id` of the order, and the account it belongs to.
    pub async fn find_credit_note(
        &self,
        order_id: &str,
        return_id: &str,
    ) -> Result<Option<(Invoice, Option<String>)>, StoreError> {
        let Some(item) = self.table.get(&credit_key(order_id, return_id)).await? else { return Ok(None) };
        let stored: Stored = item.record()?;
        Ok(Some((stored.invoice, stored.account_id)))
    }

    /// Keeps what a return will credit (not whom to tell) until its refund is issued.
    async fn return_requested(&self, requested: &ReturnRequested) -> anyhow::Result<()> {
        let kept = ReturnRequested { email: String::new(), ..requested.clone() };
        let item = Item::from_record(to_credit_key(&requested.order_id, &requested.return_id), &kept)?;
        match self.table.put(item, Condition::NotExists).await {
            Ok(_) | Err(StoreError::ConditionFailed(_)) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Issues the credit note of a return's refund, once however often the event comes.
    async fn refunded(&self, refund: &RefundIssued) -> anyhow::Result<()> {
        let (order_id, return_id) = (refund.order_id.as_str(), refund.return_id.as_str());
        if self.table.get(&credit_key(order_id, return_id)).await?.is_some() {
            return Ok(());
        }
        let Some(requested) = self.table.get(&to_credit_key(order_id, return_id)).await? else {
            anyhow::bail!("return {return_id} is not known to invoices yet");
        };
        let requested: ReturnRequested = requested.record()?;
        let Some(invoice) = self.table.get(&invoice_key(order_id)).await? else {
            anyhow::bail!("order {order_id} has no invoice yet to credit");
        };
        let invoice: Stored = invoice.record()?;
        let note = document::credit_note(&invoice.invoice, &requested, refund.amount_minor);
        self.issue(Stored { account_id: invoice.account_id, return_id: Some(return_id.into()), invoice: note }).await
    }

    /// Issues the invoice of a confirmed order, once however often the event comes.
    async fn confirmed(&self, order: &OrderConfirmed) -> anyhow::Result<()> {
        if self.table.get(&invoice_key(&order.order_id)).await?.is_some() {
            return Ok(());
        }
        let draft = document::draft(order, &self.seller);
        self.issue(Stored { account_id: order.account_id.clone(), return_id: None, invoice: draft }).await
    }

    /// The order's invoice and credit notes no longer belong to the account
    /// (deleted); their contents stay.
    async fn forget_account(&self, order_id: &str) -> anyhow::Result<()> {
        let page = self.table.query(Query::partition(order_partition(order_id))).await?;
        for item in page.items.into_iter().filter(|i| is_document(&i.key)) {
            let mut stored: Stored = item.record()?;
            if stored.account_id.take().is_some() {
                let condition = Condition::Version(item.version);
                self.table.put(Item::from_record(item.key, &stored)?, condition).await?;
            }
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
    /// Invoice numbers shoppers download: one given out stays given.
    const EFFECTS: Effects = Effects::Outside;
    type Event = Incoming;

    async fn on(&self, event: Incoming, _: &Envelope) -> anyhow::Result<()> {
        match event {
            Incoming::OrderConfirmed(confirmed) => self.0.confirmed(&confirmed).await,
            Incoming::OrderAnonymised(anonymised) => self.0.forget_account(&anonymised.order_id).await,
            Incoming::ReturnRequested(requested) => self.0.return_requested(&requested).await,
            Incoming::RefundIssued(refund) => self.0.refunded(&refund).await,
        }
    }
}
