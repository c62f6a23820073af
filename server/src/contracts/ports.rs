//! The in-process APIs one service offers another (besides events): each is
//! the public API of its owner, never its table.

use super::ids::{OrderId, PaymentId};
use app::account::AccountView;
use app::api::ErrorDetail;
use app::orders::{CardInput, OrderView};

/// How the shopper pays.
#[derive(Clone, Debug)]
pub enum PaymentMethod {
    /// Card details from the simulated provider's form.
    Card(CardInput),
    /// A payment method the provider's own form created (Stripe Elements: `pm_…`).
    ProviderToken(String),
}

/// A payment to take for an order.
#[derive(Clone, Debug)]
pub struct PaymentRequest {
    /// Derived by the orders service from the order id and the attempt
    /// number, so a retried request is the same payment.
    pub payment_id: PaymentId,
    pub order_id: OrderId,
    pub amount_minor: i64,
    pub currency: String,
    pub method: PaymentMethod,
}

#[derive(Clone, Debug, thiserror::Error)]
pub enum PaymentError {
    /// The details cannot be sent to the provider (400, fields named).
    #[error("invalid payment details")]
    Invalid(Vec<ErrorDetail>),
    /// The provider cannot be reached now (503); nothing was charged.
    #[error("payments are unavailable, try again shortly")]
    Unavailable,
}

/// The payments service, as the orders service uses it.
#[async_trait::async_trait]
pub trait Payments: Send + Sync {
    /// Submits the payment; its result arrives later as PaymentSucceeded or PaymentFailed.
    async fn start(&self, request: PaymentRequest) -> Result<(), PaymentError>;

    /// Whether the payment was ever recorded (a payment the orders service
    /// claimed may never have reached this service if the process died).
    async fn knows(&self, payment_id: &str) -> Result<bool, PaymentError>;
}

/// Who is calling, as the identity service knows it: in its own process
/// from its table, in any other through its API (never its table).
#[async_trait::async_trait]
pub trait Sessions: Send + Sync {
    /// The account behind a request's bearer token (which must verify, or
    /// the request is refused with this answer) or its session cookie;
    /// `None` for a guest.
    async fn caller(
        &self,
        authorization: Option<&str>,
        cookie_header: Option<&str>,
    ) -> Result<Option<AccountView>, axum::response::Response>;

    /// Whether the session a `Cookie` header names is still valid, so
    /// long-lived answers (live streams) end with their session (an
    /// unreachable identity service counts as yes: a stream is not cut for it).
    async fn still_signed_in(&self, cookie_header: &str) -> bool;
}

/// One service's part of the order page (payments: the payment; fulfilment:
/// the shipment; tracking: the timeline), read by the orders service's
/// composition. `None`: the service has nothing for this order (yet).
#[async_trait::async_trait]
pub trait OrderPart<T>: Send + Sync {
    async fn of(&self, order: &OrderView) -> anyhow::Result<Option<T>>;
}

/// What a shopper reads when a payment attempt never reached the provider
/// (a crash cut it off): nothing was charged.
pub const PAYMENT_NOT_TAKEN: &str = "The payment did not go through and nothing was charged; please try again";
