//! The payments gateway service. Owns the `payments` table.
//!
//! | item    | pk                   | sk        |
//! |---------|----------------------|-----------|
//! | payment | `PAYMENT#<pay_…>`    | `PAYMENT` |
//! | webhook | `WEBHOOK#<evt_…>`    | `WEBHOOK` |
//!
//! Index `open`: a payment not yet settled, `OPEN` / `<created unix>#<pay_…>`,
//! so payments whose webhook is overdue are found and reconciled with the
//! provider (`reconcile.rs`). Index `by_order`: every payment of an order,
//! `ORDER#<order id>` / `<pay_…>`, to find the one a return refunds
//! (`returned.rs`; a return's refund is `RETURN#<return id>` / `REFUND`).
//!
//! A payment is recorded before the provider is called (so its webhook can
//! never arrive first), sent through a provider port (simulated, or a
//! Stripe-compatible API) with timeouts, retries and a circuit breaker, and
//! settled by webhook: `POST /webhooks/stripe` verifies the signature,
//! stores the event (deduplicated by its id) with a queued
//! PaymentProviderEventReceived in one transaction and answers 200 at once;
//! the `payments` consumer turns it into PaymentSucceeded / PaymentFailed.

pub mod events;
mod handler;
pub mod provider;
mod reconcile;
mod refund;
mod returned;
mod service;
pub mod signature;
pub mod simulated;
pub mod stripe;
mod webhook;

pub use handler::{CONSUMER, PaymentEvents};
pub use service::SERVICE;

use crate::contracts::ports::{PaymentError, PaymentRequest, Payments as PaymentsPort};
use crate::contracts::{OrderId, PaymentId, PaymentProviderEventReceived};
use crate::platform::breaker::Breaker;
use crate::platform::events::Envelope;
use crate::platform::outbox;
use crate::platform::outbox::Relay;
use crate::platform::store::optimistic::{self, Attempt};
use crate::platform::store::{Condition, Item, Key, Store, StoreError, Table, TableSpec};
use provider::{Created, PaymentProvider, ProviderError};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

pub const SOURCE: &str = "payments";
/// Provider calls per payment before giving up (the first included).
const CALL_ATTEMPTS: u32 = 3;

const OPEN_INDEX: &str = "open";
const OPEN: &str = "OPEN";
/// Every payment of an order, for refunding a return.
const BY_ORDER: &str = "by_order";

pub fn table_spec() -> TableSpec {
    TableSpec::new("payments").with_index(OPEN_INDEX).with_index(BY_ORDER)
}

fn order_partition(order_id: &str) -> String {
    format!("ORDER#{order_id}")
}

fn payment_key(payment_id: &str) -> Key {
    Key::new(format!("PAYMENT#{payment_id}"), "PAYMENT")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    Created,
    Processing,
    Succeeded,
    Failed,
    /// Succeeded, then returned to the shopper (the order did not need it).
    Refunded,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PaymentRecord {
    pub payment_id: PaymentId,
    pub order_id: OrderId,
    pub amount_minor: i64,
    pub currency: String,
    pub status: PaymentStatus,
    pub intent_id: Option<String>,
    pub failure: Option<String>,
    /// When the payment was recorded (absent in older records).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub created_at: Option<time::OffsetDateTime>,
}

impl PaymentRecord {
    /// The item, under its order in `by_order`, and in the `open` index until the payment is settled.
    pub fn item(&self) -> Result<Item, StoreError> {
        let item = Item::from_record(payment_key(&self.payment_id), self)?
            .with_index(BY_ORDER, Key::new(order_partition(&self.order_id), self.payment_id.as_str()));
        Ok(match self.status {
            PaymentStatus::Created | PaymentStatus::Processing => {
                let created = self.created_at.map_or(0, time::OffsetDateTime::unix_timestamp);
                item.with_index(OPEN_INDEX, Key::new(OPEN, format!("{created:012}#{}", self.payment_id)))
            }
            PaymentStatus::Succeeded | PaymentStatus::Failed | PaymentStatus::Refunded => item,
        })
    }
}

pub struct Payments {
    table: Arc<dyn Table>,
    relay: Relay,
    provider: Arc<dyn PaymentProvider>,
    breaker: Breaker,
    webhook_secret: String,
}

impl Payments {
    pub async fn open(
        store: &dyn Store,
        hub: Arc<dyn crate::platform::hub::EventHub>,
        provider: Arc<dyn PaymentProvider>,
        webhook_secret: String,
    ) -> Result<Self, StoreError> {
        let table = store.open_table(&table_spec()).await?;
        Ok(Self {
            relay: Relay::new(table.clone(), hub),
            table,
            provider,
            breaker: Breaker::new(5, Duration::from_secs(30)),
            webhook_secret,
        })
    }

    pub fn relay(&self) -> Relay {
        self.relay.clone()
    }

    pub async fn payment(&self, payment_id: &str) -> Result<Option<(PaymentRecord, u64)>, StoreError> {
        Ok(match self.table.get(&payment_key(payment_id)).await? {
            Some(item) => Some((item.record()?, item.version)),
            None => None,
        })
    }

    /// Settles a payment through the same queue and consumer as a webhook
    /// (a decline on the spot, or what reconciliation learnt); a repeat of
    /// the same provider event is recognised and changes nothing.
    async fn settle(&self, received: &PaymentProviderEventReceived) -> Result<(), StoreError> {
        let envelope = Envelope::new(SOURCE, received, &received.provider_event_id, None);
        match self.table.transact_write(vec![outbox::stage(&envelope)?]).await {
            Ok(()) | Err(StoreError::TransactionCancelled { .. }) => {
                self.relay.notify();
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// Calls the provider through the breaker, retrying transient failures with backoff.
    async fn call_provider(&self, request: &PaymentRequest) -> Result<Created, PaymentError> {
        let mut delay = Duration::from_millis(200);
        for attempt in 1..=CALL_ATTEMPTS {
            let Some(trial) = self.breaker.try_call() else {
                return Err(PaymentError::Unavailable);
            };
            match self.provider.create(request).await {
                Ok(intent) => {
                    trial.success();
                    return Ok(intent);
                }
                Err(ProviderError::Invalid(problems)) => {
                    trial.success(); // the provider answered; the input was wrong
                    return Err(PaymentError::Invalid(problems));
                }
                Err(ProviderError::Transient(why)) => {
                    trial.failure();
                    tracing::warn!(attempt, payment = %request.payment_id, error = %why, "payment provider call failed");
                    if attempt < CALL_ATTEMPTS {
                        tokio::time::sleep(delay).await;
                        delay *= 2;
                    }
                }
            }
        }
        Err(PaymentError::Unavailable)
    }

    /// Notes the provider's id for the payment, unless the webhook already settled it.
    async fn note_intent(&self, payment_id: &str, intent: &str) -> Result<(), PaymentError> {
        optimistic::until_done(|| async {
            let Some((mut current, version)) = self.payment(payment_id).await? else {
                return Ok(Attempt::Done(()));
            };
            if current.status != PaymentStatus::Created {
                return Ok(Attempt::Done(()));
            }
            current.status = PaymentStatus::Processing;
            current.intent_id = Some(intent.to_string());
            Ok(optimistic::written(self.table.put(current.item()?, Condition::Version(version)).await)?.map(drop))
        })
        .await
        .map_err(store_failed)?;
        // Still changing after every attempt: the webhook is settling it, which says more.
        Ok(())
    }
}

#[async_trait::async_trait]
impl PaymentsPort for Payments {
    async fn knows(&self, payment_id: &str) -> Result<bool, PaymentError> {
        self.payment(payment_id).await.map(|found| found.is_some()).map_err(|e| {
            tracing::error!(error = %e, "payments store failed");
            PaymentError::Unavailable
        })
    }

    async fn start(&self, request: PaymentRequest) -> Result<(), PaymentError> {
        if self.breaker.is_open() {
            return Err(PaymentError::Unavailable);
        }
        let record = PaymentRecord {
            payment_id: request.payment_id.clone(),
            order_id: request.order_id.clone(),
            amount_minor: request.amount_minor,
            currency: request.currency.clone(),
            status: PaymentStatus::Created,
            intent_id: None,
            failure: None,
            created_at: Some(time::OffsetDateTime::now_utc()),
        };
        let item = record.item().map_err(store_failed)?;
        match self.table.put(item, Condition::NotExists).await {
            // Exists: a retry of the same payment; the provider call is idempotent.
            Ok(_) | Err(StoreError::ConditionFailed(_)) => {}
            Err(e) => return Err(store_failed(e)),
        }
        let intent = match self.call_provider(&request).await? {
            Created::Pending(intent) => intent,
            Created::Declined(reason) => {
                let declined = PaymentProviderEventReceived {
                    provider_event_id: format!("declined-{}", request.payment_id),
                    provider_event_type: "payment_intent.payment_failed".into(),
                    payment_id: request.payment_id.clone(),
                    order_id: request.order_id.clone(),
                    intent_id: String::new(),
                    amount_minor: request.amount_minor,
                    currency: request.currency.clone(),
                    failure_message: Some(reason),
                };
                return self.settle(&declined).await.map_err(store_failed);
            }
        };
        self.note_intent(&request.payment_id, &intent).await
    }
}

/// The payments table failed: logged here; the caller is told payments are unavailable.
fn store_failed(e: StoreError) -> PaymentError {
    tracing::error!(error = %e, "payments store failed");
    PaymentError::Unavailable
}

/// The order page's payment part: the order's current payment, if it has one.
#[async_trait::async_trait]
impl crate::contracts::ports::OrderPart<app::orders::PaymentSummary> for Payments {
    async fn of(&self, order: &app::orders::OrderView) -> anyhow::Result<Option<app::orders::PaymentSummary>> {
        let Some(payment_id) = &order.payment_id else { return Ok(None) };
        Ok(self.payment(payment_id).await?.map(|(r, _)| app::orders::PaymentSummary {
            payment_id: r.payment_id.into(),
            status: format!("{:?}", r.status).to_lowercase(),
            amount_minor: r.amount_minor,
            currency: r.currency,
            failure: r.failure,
        }))
    }
}
