//! When a consumer tries an event again after its handler failed.

use crate::platform::hub::MAX_RECEIVES;
use std::time::Duration;

/// When to try again after a handler error.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    /// Attempts before the event is dead-lettered (the first try included).
    pub max_attempts: u32,
    /// Delay before the second attempt...
    pub first_delay: Duration,
    /// ...and how many times longer each delay is than the one before.
    pub growth: u32,
    /// How long an event waits before it is tried again when a system its
    /// handler needs is down ([`Unavailable`](super::Unavailable)); it spends none of its attempts.
    pub wait_for_dependency: Duration,
}

/// By default an event is tried again after 1 s, 2 s, 4 s and so on, as many
/// times as the queues' redrive policy counts ([`MAX_RECEIVES`]): for about
/// a minute before it goes to the fault log. An event whose handler's mail
/// server or payment provider is down is tried again every 30 s until it is back.
impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: MAX_RECEIVES,
            first_delay: Duration::from_secs(1),
            growth: 2,
            wait_for_dependency: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    pub fn delay_after(&self, attempt: u32) -> Duration {
        self.first_delay * self.growth.saturating_pow(attempt.saturating_sub(1))
    }

    /// How long a failure may last, from the first attempt, before the event is given up on.
    pub fn rides_out(&self) -> Duration {
        (1..self.max_attempts).map(|attempt| self.delay_after(attempt)).sum()
    }
}
