//! Optimistic concurrency, written once: read an item, decide, write it on
//! the version read; when another writer came first, read again. Bounded (a
//! hot item answers "busy" rather than spinning), with a short random pause
//! between attempts so writers that raced do not race again in lockstep.

use super::StoreError;
use std::future::Future;
use std::time::Duration;

/// Attempts before giving up on an item that keeps changing.
pub const ATTEMPTS: u32 = 8;

/// What one attempt came to.
#[derive(Debug, PartialEq, Eq)]
pub enum Attempt<T> {
    /// Finished: written, or nothing needed writing.
    Done(T),
    /// Another writer changed the item since it was read: read it again.
    Raced,
}

impl<T> Attempt<T> {
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Attempt<U> {
        match self {
            Self::Done(value) => Attempt::Done(f(value)),
            Self::Raced => Attempt::Raced,
        }
    }
}

/// Runs `attempt` until it is [`Attempt::Done`], at most [`ATTEMPTS`] times;
/// `None` when every attempt lost its race. An error ends it at once.
pub async fn until_done<T, E, F, Fut>(attempt: F) -> Result<Option<T>, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Attempt<T>, E>>,
{
    within(ATTEMPTS, attempt).await
}

/// [`until_done`] with another bound, for an item many writers take turns
/// on by design (a counter).
pub async fn within<T, E, F, Fut>(attempts: u32, mut attempt: F) -> Result<Option<T>, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Attempt<T>, E>>,
{
    for round in 0..attempts {
        if round > 0 {
            tokio::time::sleep(pause(round)).await;
        }
        if let Attempt::Done(value) = attempt().await? {
            return Ok(Some(value));
        }
    }
    Ok(None)
}

/// A random pause before attempt `round` (1-based): up to 1 ms, then
/// doubling, never more than 32 ms.
fn pause(round: u32) -> Duration {
    let ceiling_us = 1_000u64 << round.saturating_sub(1).min(5);
    Duration::from_micros(rand::random_range(0..=ceiling_us))
}

/// A conditional write's outcome as an attempt: a failed condition (a put or
/// delete on the version read) is a lost race; anything else is as it was.
pub fn written<T>(result: Result<T, StoreError>) -> Result<Attempt<T>, StoreError> {
    match result {
        Ok(value) => Ok(Attempt::Done(value)),
        Err(StoreError::ConditionFailed(_)) => Ok(Attempt::Raced),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test]
    async fn a_lost_race_is_tried_again_until_it_is_done() {
        let tries = AtomicU32::new(0);
        let done = until_done(|| async {
            let n = tries.fetch_add(1, Ordering::SeqCst);
            Ok::<_, StoreError>(if n < 3 { Attempt::Raced } else { Attempt::Done(n) })
        })
        .await;
        assert!(matches!(done, Ok(Some(3))));
    }

    #[tokio::test]
    async fn it_gives_up_after_the_bound_and_stops_at_an_error() {
        let tries = AtomicU32::new(0);
        let busy = until_done(|| async {
            tries.fetch_add(1, Ordering::SeqCst);
            Ok::<Attempt<()>, StoreError>(Attempt::Raced)
        })
        .await;
        assert!(matches!(busy, Ok(None)));
        assert_eq!(tries.load(Ordering::SeqCst), ATTEMPTS);
        let failed: Result<Option<()>, _> = until_done(|| async { Err(StoreError::Backend("down".into())) }).await;
        assert!(failed.is_err());
    }

    #[test]
    fn pauses_are_short_and_grow() {
        assert!(pause(1) <= Duration::from_millis(1));
        assert!((1..=ATTEMPTS).all(|round| pause(round) <= Duration::from_millis(32)));
    }

    #[test]
    fn a_failed_condition_is_a_lost_race() {
        let key = super::super::Key::new("P", "S");
        assert!(matches!(written(Err::<(), _>(StoreError::ConditionFailed(key))), Ok(Attempt::Raced)));
        assert!(matches!(written(Ok(7)), Ok(Attempt::Done(7))));
    }
}
