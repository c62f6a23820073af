//! The notifications service. Owns the `notifications` table; it e-mails
//! the shopper (HTML and plain text, with lettre — to files in the mail
//! directory by default, through SMTP when configured): a receipt on
//! OrderConfirmed (recorded with ReceiptSent), the return accepted with how
//! to send the items back on ReturnRequested, the refund on RefundIssued,
//! and the link to choose a new password on PasswordResetRequested. Each
//! mail is recorded once sent, so each goes once.
//!
//! | item        | pk                    | sk                |
//! |-------------|-----------------------|-------------------|
//! | receipt     | `RECEIPT#<order>`     | `RECEIPT`         |
//! | return mail | `ORDER#<order>`       | `RETURN#<return>` |
//! | refund mail | `ORDER#<order>`       | `REFUND#<return>` |
//! | reset mail  | `ACCOUNT#<account>`   | `RESET#<nonce>`   | (kept a day)
//!
//! A mail server that is down delays mail, however long it stays down:
//! its events wait for it ([`Unavailable`]) rather than becoming faults.
//!
//! A mail is recorded after it is sent. A crash between the two sends it
//! again on redelivery, with the same Message-ID so mail clients can fold
//! the copies; a duplicate *event* never sends twice.
pub mod events;
mod mailer;
mod password;
mod receipt;
mod returns;
mod service;

pub use mailer::Mailer;
pub use service::SERVICE;

use crate::contracts::{
    OrderAnonymised, OrderConfirmed, PasswordResetRequested, REDACTED, ReceiptSent, RefundIssued, ReturnRequested,
};
use crate::platform::consumer::{Applied, Consumer, Effects, apply_once};
use crate::platform::events::Envelope;
use crate::platform::outbox::{self, Relay};
use crate::platform::store::{Condition, Item, Key, Query, Store, StoreError, Table, TableSpec, WriteOp};
use async_trait::async_trait;
use lettre::Message;
use std::sync::Arc;

pub const CONSUMER: &str = "notifications";
/// How long the record of a password-reset mail is kept: its link works an hour.
const RESET_MAIL_KEPT: time::Duration = time::Duration::days(1);
const SOURCE: &str = "notifications";

pub fn table_spec() -> TableSpec {
    TableSpec::new("notifications")
}

crate::consumed_events! {
    /// What notifications react to.
    pub enum Incoming { OrderConfirmed, OrderAnonymised, ReturnRequested, RefundIssued, PasswordResetRequested }
}

fn receipt_key(order_id: &str) -> Key {
    Key::new(format!("RECEIPT#{order_id}"), "RECEIPT")
}

fn order_mails(order_id: &str) -> String {
    format!("ORDER#{order_id}")
}

fn return_mail_key(order_id: &str, return_id: &str) -> Key {
    Key::new(order_mails(order_id), format!("RETURN#{return_id}"))
}

fn refund_mail_key(order_id: &str, return_id: &str) -> Key {
    Key::new(order_mails(order_id), format!("REFUND#{return_id}"))
}

pub struct Notifications {
    table: Arc<dyn Table>,
    relay: Relay,
    mailer: Mailer,
    letters: Letters,
}

/// What every letter needs: who it is from, where returned items go, the
/// link to an order's page.
pub struct Letters {
    pub from: String,
    /// The address lines returned parcels are sent to.
    pub return_address: Vec<String>,
    pub order_link: OrderLink,
    /// The link to choose a new password, from the account and the reset's nonce.
    pub reset_link: ResetLink,
}

/// The link to an order's page, as the receipt gives it (with its token).
pub type OrderLink = Arc<dyn Fn(&str) -> String + Send + Sync>;

/// The link a password-reset e-mail gives, from the account and the reset's nonce.
pub type ResetLink = Arc<dyn Fn(&str, &str) -> String + Send + Sync>;

impl Notifications {
    pub async fn open(
        store: &dyn Store,
        hub: Arc<dyn crate::platform::hub::EventHub>,
        mailer: Mailer,
        letters: Letters,
    ) -> Result<Self, StoreError> {
        let table = store.open_table(&table_spec()).await?;
        Ok(Self { relay: Relay::new(table.clone(), hub), table, mailer, letters })
    }

    pub fn relay(&self) -> Relay {
        self.relay.clone()
    }

    /// The address the order's receipt went to, if one was sent.
    pub async fn receipt_sent_to(&self, order_id: &str) -> Result<Option<String>, StoreError> {
        let record = self.table.get(&receipt_key(order_id)).await?;
        Ok(record.and_then(|item| item.attrs["email"].as_str().map(str::to_string)))
    }

    /// Forgets the addresses the order's mails went to (OrderAnonymised).
    /// Arriving before the order's OrderConfirmed, it leaves the record
    /// that stops a receipt going to a deleted account.
    async fn forget(&self, order_id: &str) -> anyhow::Result<()> {
        let key = receipt_key(order_id);
        let mut records = vec![self.table.get(&key).await?.unwrap_or_else(|| Item::new(key, serde_json::json!({})))];
        records.extend(self.table.query(Query::partition(order_mails(order_id))).await?.items);
        for mut record in records {
            record.attrs["email"] = serde_json::json!(REDACTED);
            self.table.put(Item::new(record.key, record.attrs), Condition::None).await?;
        }
        Ok(())
    }

    async fn send_receipt(&self, order: OrderConfirmed, event: &Envelope) -> anyhow::Result<()> {
        let message_id = format!("<receipt-{}@thebetterstore>", order.order_id);
        let sent = ReceiptSent { order_id: order.order_id.clone(), email: order.email.clone(), message_id };
        let also = vec![outbox::stage(&Envelope::new(SOURCE, &sent, "", event.trace().as_ref()))?];
        let link = (self.letters.order_link)(&order.order_id);
        let message = || receipt::message(&order, &self.letters.from, &sent.message_id, &link);
        self.send_once(Sent::new(receipt_key(&order.order_id), &order.email, &sent.message_id), event, also, message)
            .await
    }

    async fn send_return_accepted(&self, requested: ReturnRequested, event: &Envelope) -> anyhow::Result<()> {
        if requested.email == REDACTED {
            return Ok(()); // the account was deleted
        }
        let message_id = format!("<return-{}@thebetterstore>", requested.return_id);
        let link = (self.letters.order_link)(&requested.order_id);
        let mail = returns::Envelope { to: &requested.email, message_id: &message_id, order_link: &link };
        let message = || returns::accepted(&requested, &self.sender(), &mail);
        let key = return_mail_key(&requested.order_id, &requested.return_id);
        let sent = Sent {
            extra: serde_json::json!({ "order_number": requested.order_number }),
            ..Sent::new(key, &requested.email, &message_id)
        };
        self.send_once(sent, event, Vec::new(), message).await
    }

    /// The refund's mail goes where the return's did.
    async fn send_refund_issued(&self, refund: RefundIssued, event: &Envelope) -> anyhow::Result<()> {
        let Some(accepted) = self.table.get(&return_mail_key(&refund.order_id, &refund.return_id)).await? else {
            anyhow::bail!("return {} is not known to notifications yet", refund.return_id);
        };
        let email = accepted.attrs["email"].as_str().unwrap_or(REDACTED).to_string();
        if email == REDACTED {
            return Ok(());
        }
        let number = accepted.attrs["order_number"].as_str().unwrap_or_default().to_string();
        let message_id = format!("<refund-{}@thebetterstore>", refund.return_id);
        let link = (self.letters.order_link)(&refund.order_id);
        let mail = returns::Envelope { to: &email, message_id: &message_id, order_link: &link };
        let message = || returns::refunded(&refund, &number, &self.sender(), &mail);
        let key = refund_mail_key(&refund.order_id, &refund.return_id);
        self.send_once(Sent::new(key, &email, &message_id), event, Vec::new(), message).await
    }

    /// The link to choose a new password, to the account's address. Its
    /// record (to whom, when) goes a day later: the link is dead by then.
    async fn send_reset_link(&self, requested: PasswordResetRequested, event: &Envelope) -> anyhow::Result<()> {
        let message_id = format!("<reset-{}@thebetterstore>", requested.nonce);
        let link = (self.letters.reset_link)(&requested.account_id, &requested.nonce);
        let message = || password::reset_link(&requested, &self.letters.from, &message_id, &link);
        let key = Key::new(format!("ACCOUNT#{}", requested.account_id), format!("RESET#{}", requested.nonce));
        let sent = Sent {
            expires_at: Some(time::OffsetDateTime::now_utc() + RESET_MAIL_KEPT),
            ..Sent::new(key, &requested.email, &message_id)
        };
        self.send_once(sent, event, Vec::new(), message).await
    }

    fn sender(&self) -> returns::Sender<'_> {
        returns::Sender { from: &self.letters.from, return_address: &self.letters.return_address }
    }

    /// Sends `message` unless `sent.key` records it sent; then records it
    /// (and `also`, in the same transaction) once for `event`.
    async fn send_once(
        &self,
        sent: Sent<'_>,
        event: &Envelope,
        also: Vec<WriteOp>,
        message: impl FnOnce() -> anyhow::Result<Message>,
    ) -> anyhow::Result<()> {
        if self.table.get(&sent.key).await?.is_some() {
            return Ok(()); // sent before
        }
        self.mailer.send(message()?).await?;
        let mut record = sent.extra;
        record["email"] = serde_json::json!(sent.to);
        record["message_id"] = serde_json::json!(sent.message_id);
        record["at"] = serde_json::json!(time::OffsetDateTime::now_utc().unix_timestamp());
        let mut item = Item::new(sent.key, record);
        if let Some(at) = sent.expires_at {
            item = item.expiring_at(at);
        }
        let mut ops = vec![WriteOp::Put { item, condition: Condition::NotExists }];
        ops.extend(also);
        match apply_once(&*self.table, CONSUMER, event, ops).await {
            Ok(Applied::Now) => {
                self.relay.notify();
                tracing::info!(message = sent.message_id, via = %self.mailer.describe(), "e-mailed");
                Ok(())
            }
            Ok(Applied::Before) | Err(StoreError::TransactionCancelled { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

/// The record of a mail sent: where it is kept, to whom, its Message-ID,
/// and what else it keeps.
struct Sent<'a> {
    key: Key,
    to: &'a str,
    message_id: &'a str,
    extra: serde_json::Value,
    /// When the record goes (none: kept).
    expires_at: Option<time::OffsetDateTime>,
}

impl<'a> Sent<'a> {
    fn new(key: Key, to: &'a str, message_id: &'a str) -> Self {
        Self { key, to, message_id, extra: serde_json::json!({}), expires_at: None }
    }
}

pub struct ShopperMailer(pub Arc<Notifications>);

#[async_trait]
impl Consumer for ShopperMailer {
    const NAME: &'static str = CONSUMER;
    /// Mail.
    const EFFECTS: Effects = Effects::Outside;
    type Event = Incoming;

    async fn on(&self, event: Incoming, envelope: &Envelope) -> anyhow::Result<()> {
        match event {
            Incoming::OrderConfirmed(order) => self.0.send_receipt(order, envelope).await,
            Incoming::OrderAnonymised(anonymised) => self.0.forget(&anonymised.order_id).await,
            Incoming::ReturnRequested(requested) => self.0.send_return_accepted(requested, envelope).await,
            Incoming::RefundIssued(refund) => self.0.send_refund_issued(refund, envelope).await,
            Incoming::PasswordResetRequested(requested) => self.0.send_reset_link(requested, envelope).await,
        }
    }
}
