//! A circuit breaker for calls to another system: after `threshold` failures
//! in a row it opens and refuses calls at once for `cool_down`, then lets one
//! trial call through (half-open); a success closes it again.

use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
enum State {
    Closed { failures: u32 },
    Open { until: Instant },
    HalfOpen { trial_running: bool },
}

#[derive(Debug)]
pub struct Breaker {
    state: Mutex<State>,
    threshold: u32,
    cool_down: Duration,
}

impl Breaker {
    pub fn new(threshold: u32, cool_down: Duration) -> Self {
        Self { state: Mutex::new(State::Closed { failures: 0 }), threshold: threshold.max(1), cool_down }
    }

    /// Whether a call may go ahead now. Every allowed call must be followed
    /// by [`Breaker::success`] or [`Breaker::failure`].
    pub fn allow(&self) -> bool {
        let mut state = self.state.lock().expect("breaker lock");
        match *state {
            State::Closed { .. } => true,
            State::Open { until } if Instant::now() >= until => {
                *state = State::HalfOpen { trial_running: true };
                true
            }
            State::Open { .. } => false,
            State::HalfOpen { trial_running: true } => false,
            State::HalfOpen { trial_running: false } => {
                *state = State::HalfOpen { trial_running: true };
                true
            }
        }
    }

    pub fn success(&self) {
        *self.state.lock().expect("breaker lock") = State::Closed { failures: 0 };
    }

    pub fn failure(&self) {
        let mut state = self.state.lock().expect("breaker lock");
        *state = match *state {
            State::Closed { failures } if failures + 1 < self.threshold => State::Closed { failures: failures + 1 },
            _ => {
                tracing::warn!(cool_down = ?self.cool_down, "circuit breaker open");
                State::Open { until: Instant::now() + self.cool_down }
            }
        };
    }

    pub fn is_open(&self) -> bool {
        matches!(*self.state.lock().expect("breaker lock"), State::Open { until } if Instant::now() < until)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_the_threshold_then_lets_one_trial_through_after_the_cool_down() {
        let breaker = Breaker::new(3, Duration::from_millis(50));
        for _ in 0..2 {
            assert!(breaker.allow());
            breaker.failure();
        }
        assert!(breaker.allow(), "two failures keep it closed");
        breaker.failure();
        assert!(!breaker.allow(), "the third opens it");
        assert!(breaker.is_open());
        std::thread::sleep(Duration::from_millis(60));
        assert!(breaker.allow(), "half-open: one trial");
        assert!(!breaker.allow(), "only one trial at a time");
        breaker.failure();
        assert!(!breaker.allow(), "a failed trial opens it again");
        std::thread::sleep(Duration::from_millis(60));
        assert!(breaker.allow());
        breaker.success();
        assert!(breaker.allow() && breaker.allow(), "a good trial closes it");
    }
}
