//! The payment provider port: the simulated provider (`simulated.rs`, like
//! Stripe's test mode) and the Stripe provider (`stripe.rs`) implement it.

use crate::contracts::ports::PaymentRequest;
use crate::platform::consumer::Unavailable;
use app::api::ErrorDetail;

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// The request cannot succeed as it is (fields named).
    #[error("invalid payment details")]
    Invalid(Vec<ErrorDetail>),
    /// A timeout, a connection failure or a 5xx: worth retrying.
    #[error("provider unavailable: {0}")]
    Transient(String),
}

impl ProviderError {
    /// As a consumer's error while `doing` something: a provider that is down
    /// is waited for ([`Unavailable`]); a refusal is the event's own failure.
    pub fn in_consumer(self, doing: String) -> anyhow::Error {
        match self {
            Self::Transient(why) => anyhow::Error::new(Unavailable::new("the payment provider", why)).context(doing),
            refused => anyhow::anyhow!("{doing}: {refused}"),
        }
    }
}

/// What the provider said when the payment was created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Created {
    /// Accepted; the outcome arrives by webhook. Carries the provider's id.
    Pending(String),
    /// Declined on the spot (a webhook may follow, which then changes nothing).
    Declined(String),
}

/// What the provider knows of a payment now (for reconciliation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Succeeded {
        intent_id: String,
    },
    Failed {
        intent_id: String,
        reason: String,
    },
    /// Still being decided (or not findable yet): ask again later.
    Pending,
    /// The provider never accepted this payment: nothing was charged.
    Unknown,
}

/// Money to return to the shopper: all of a payment, or part of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefundRequest {
    /// The provider's idempotency key: the same key is the same refund.
    pub key: String,
    pub payment_id: String,
    /// The provider's id for the payment (`pi_…`).
    pub intent_id: Option<String>,
    /// `None`: the whole payment.
    pub amount_minor: Option<i64>,
}

/// Takes payments. The outcome of a created payment arrives by webhook, and
/// can be asked for when a webhook is overdue.
#[async_trait::async_trait]
pub trait PaymentProvider: Send + Sync {
    /// Creates (and confirms) the payment, idempotently per `request.payment_id`.
    async fn create(&self, request: &PaymentRequest) -> Result<Created, ProviderError>;

    /// The payment's outcome as the provider knows it now.
    async fn retrieve(&self, payment_id: &str, intent_id: Option<&str>) -> Result<Outcome, ProviderError>;

    /// Returns the payment, or part of it, to the shopper, once per `refund.key`.
    async fn refund(&self, refund: &RefundRequest) -> Result<(), ProviderError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_provider_that_is_down_is_waited_for_and_a_refusal_is_the_events_own_failure() {
        let down = ProviderError::Transient("503 from the provider".into()).in_consumer("refunding p-1".into());
        assert!(Unavailable::caused(&down), "{down:#}");
        assert!(format!("{down:#}").starts_with("refunding p-1: the payment provider cannot be reached now"));
        let refused = ProviderError::Invalid(vec![]).in_consumer("refunding p-1".into());
        assert!(!Unavailable::caused(&refused), "{refused:#}");
    }
}
