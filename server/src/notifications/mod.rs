//! The notifications service. Owns the `notifications` table; on
//! OrderConfirmed it e-mails the shopper a receipt (HTML and plain text)
//! with lettre — to files in the mail directory by default, through SMTP
//! when configured — and records it (ReceiptSent) so each order gets one.
//!
//! | item    | pk                  | sk        |
//! |---------|---------------------|-----------|
//! | receipt | `RECEIPT#<order>`   | `RECEIPT` |
//!
//! The receipt is recorded after it is sent. A crash between the two sends
//! it again on redelivery, with the same Message-ID so mail clients can fold
//! the copies; a duplicate *event* never sends twice.

pub mod events;
mod receipt;
mod service;

pub use service::SERVICE;

use crate::contracts::{OrderAnonymised, OrderConfirmed, ReceiptSent};
use crate::platform::consumer::{Applied, Consumer, apply_once};
use crate::platform::events::Envelope;
use crate::platform::outbox::{self, Relay};
use crate::platform::store::{Condition, Item, Key, Store, StoreError, Table, TableSpec, WriteOp};
use async_trait::async_trait;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;
use std::sync::Arc;

pub const CONSUMER: &str = "notifications";
const SOURCE: &str = "notifications";

pub fn table_spec() -> TableSpec {
    TableSpec::new("notifications")
}

crate::consumed_events! {
    /// What notifications react to.
    pub enum Incoming { OrderConfirmed, OrderAnonymised }
}

/// Where e-mail goes.
pub enum Mailer {
    /// One `.eml` file per message in a directory, named by its Message-ID
    /// and written whole (renamed into place): a message sent again after a
    /// crash (at-least-once delivery) replaces its own file.
    Files(PathBuf),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

impl Mailer {
    pub fn files(dir: PathBuf) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&dir).map_err(|e| anyhow::anyhow!("mail directory {}: {e}", dir.display()))?;
        Ok(Self::Files(dir))
    }

    /// `smtp://host:port` (plain), `smtp://…?tls=required` (STARTTLS) or `smtps://…` (TLS).
    pub fn smtp(url: &str) -> anyhow::Result<Self> {
        Ok(Self::Smtp(AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?.build()))
    }

    async fn send(&self, message: Message) -> anyhow::Result<()> {
        match self {
            Self::Files(dir) => write_message(dir.clone(), message).await,
            Self::Smtp(transport) => transport.send(message).await.map(drop).map_err(Into::into),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Self::Files(dir) => format!("files in {}", dir.display()),
            Self::Smtp(_) => "SMTP".into(),
        }
    }
}

fn receipt_key(order_id: &str) -> Key {
    Key::new(format!("RECEIPT#{order_id}"), "RECEIPT")
}

/// Writes `message` to `<dir>/<its Message-ID>.eml`, atomically.
async fn write_message(dir: PathBuf, message: Message) -> anyhow::Result<()> {
    let id = message.headers().get_raw("Message-ID").unwrap_or_default().to_string();
    let mut name: String =
        id.chars().map(|c| if c.is_ascii_alphanumeric() || "-.@".contains(c) { c } else { '_' }).collect();
    if name.trim_matches('_').is_empty() {
        name = uuid::Uuid::new_v4().to_string();
    }
    let bytes = message.formatted();
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let mut file = tempfile::NamedTempFile::new_in(&dir)?;
        std::io::Write::write_all(&mut file, &bytes)?;
        file.as_file().sync_all()?;
        file.persist(dir.join(format!("{name}.eml")))?;
        Ok(())
    })
    .await?
}

pub struct Notifications {
    table: Arc<dyn Table>,
    relay: Relay,
    mailer: Mailer,
    from: String,
    order_link: OrderLink,
}

/// The link to an order's page, as the receipt gives it (with its token).
pub type OrderLink = Arc<dyn Fn(&str) -> String + Send + Sync>;

impl Notifications {
    pub async fn open(
        store: &dyn Store,
        hub: Arc<dyn crate::platform::hub::EventHub>,
        mailer: Mailer,
        from: String,
        order_link: OrderLink,
    ) -> Result<Self, StoreError> {
        let table = store.open_table(&table_spec()).await?;
        Ok(Self { relay: Relay::new(table.clone(), hub), table, mailer, from, order_link })
    }

    pub fn relay(&self) -> Relay {
        self.relay.clone()
    }

    /// The address the order's receipt went to, if one was sent.
    pub async fn receipt_sent_to(&self, order_id: &str) -> Result<Option<String>, StoreError> {
        let record = self.table.get(&receipt_key(order_id)).await?;
        Ok(record.and_then(|item| item.attrs["email"].as_str().map(str::to_string)))
    }

    /// Forgets the address a receipt went to (OrderAnonymised). Arriving
    /// before the order's OrderConfirmed, it leaves the record that stops a
    /// receipt going to a deleted account.
    async fn forget(&self, order_id: &str) -> anyhow::Result<()> {
        let key = receipt_key(order_id);
        let mut record = match self.table.get(&key).await? {
            Some(item) => item.attrs,
            None => serde_json::json!({}),
        };
        record["email"] = serde_json::json!(crate::contracts::REDACTED);
        self.table.put(Item::new(key, record), Condition::None).await?;
        Ok(())
    }

    async fn send_receipt(&self, order: OrderConfirmed, event: &Envelope) -> anyhow::Result<()> {
        let key = receipt_key(&order.order_id);
        if self.table.get(&key).await?.is_some() {
            return Ok(()); // sent before
        }
        let message_id = format!("<receipt-{}@thebetterstore>", order.order_id);
        let message = receipt::message(&order, &self.from, &message_id, &(self.order_link)(&order.order_id))?;
        self.mailer.send(message).await?;
        let sent = ReceiptSent { order_id: order.order_id.clone(), email: order.email.clone(), message_id };
        let record = serde_json::json!({ "email": order.email, "message_id": sent.message_id, "at": time::OffsetDateTime::now_utc().unix_timestamp() });
        let ops = vec![
            WriteOp::Put { item: Item::new(key, record), condition: Condition::NotExists },
            outbox::stage(&Envelope::new(SOURCE, &sent, "", event.trace().as_ref()))?,
        ];
        match apply_once(&*self.table, CONSUMER, event, ops).await {
            Ok(Applied::Now) => {
                self.relay.notify();
                tracing::info!(order = %order.order_id, via = %self.mailer.describe(), "receipt e-mailed");
                Ok(())
            }
            Ok(Applied::Before) | Err(StoreError::TransactionCancelled { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

pub struct ReceiptMailer(pub Arc<Notifications>);

#[async_trait]
impl Consumer for ReceiptMailer {
    const NAME: &'static str = CONSUMER;
    type Event = Incoming;

    async fn on(&self, event: Incoming, envelope: &Envelope) -> anyhow::Result<()> {
        match event {
            Incoming::OrderConfirmed(order) => self.0.send_receipt(order, envelope).await,
            Incoming::OrderAnonymised(anonymised) => self.0.forget(&anonymised.order_id).await,
        }
    }
}
