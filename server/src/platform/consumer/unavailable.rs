//! A system a handler needs that cannot be reached now: a mail server, a
//! payment provider. That is not the event's fault, so the consumer puts the
//! event back without spending one of its tries ([`EventHub::defer`]) and it
//! waits for the system however long the outage lasts, where an event that
//! fails on its own becomes a fault after a minute of tries.
//!
//! [`EventHub::defer`]: crate::platform::hub::EventHub::defer

/// What could not be reached, and why. A handler returns it (through
/// `anyhow`, as the error or its cause) only when the system is down or
/// refusing for now: a refusal that will not change (a bad address, a
/// wrong password) is an ordinary error, which ends as a fault for staff.
#[derive(Debug, thiserror::Error)]
#[error("{what} cannot be reached now: {why}")]
pub struct Unavailable {
    pub what: &'static str,
    pub why: String,
}

impl Unavailable {
    pub fn new(what: &'static str, why: impl std::fmt::Display) -> Self {
        Self { what, why: why.to_string() }
    }

    /// Whether `error`, or anything that caused it, is an [`Unavailable`].
    pub fn caused(error: &anyhow::Error) -> bool {
        error.chain().any(|cause| cause.is::<Self>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_is_found_behind_the_context_a_handler_adds() {
        let down = anyhow::Error::new(Unavailable::new("the mail server", "connection refused"));
        let wrapped = down.context("sending the receipt of order o-1");
        assert!(Unavailable::caused(&wrapped));
        assert!(format!("{wrapped:#}").contains("the mail server cannot be reached now: connection refused"));
        assert!(!Unavailable::caused(&anyhow::anyhow!("no such payment")));
    }
}
