//! A circuit breaker for calls to another system: after `threshold` failures
//! in a row it opens and refuses calls at once for `cool_down`, then lets one
//! trial call through (half-open); a success closes it again.
//!
//! A call's outcome is recorded through a [`Trial`] guard: a call whose
//! future is dropped before it reports (a client that went away) counts as
//! a failure, so a half-open breaker can never wait for ever on a trial
//! that will not finish.

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

    /// A call may go ahead now: its outcome is recorded through the guard
    /// (dropped without one, it counts as a failure). `None`: refused.
    pub fn try_call(&self) -> Option<Trial<'_>> {
        self.allow().then_some(Trial { breaker: self, settled: false })
    }

    fn allow(&self) -> bool {
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

    fn success(&self) {
        *self.state.lock().expect("breaker lock") = State::Closed { failures: 0 };
    }

    fn failure(&self) {
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

/// One allowed call. Report its outcome with [`Trial::success`] or
/// [`Trial::failure`]; dropping it unreported is a failure.
#[must_use = "a call's outcome must be reported"]
pub struct Trial<'a> {
    breaker: &'a Breaker,
    settled: bool,
}

impl Trial<'_> {
    pub fn success(mut self) {
        self.settled = true;
        self.breaker.success();
    }

    pub fn failure(mut self) {
        self.settled = true;
        self.breaker.failure();
    }
}

impl Drop for Trial<'_> {
    fn drop(&mut self) {
        if !self.settled {
            self.breaker.failure();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_the_threshold_then_lets_one_trial_through_after_the_cool_down() {
        let breaker = Breaker::new(3, Duration::from_millis(50));
        for _ in 0..2 {
            breaker.try_call().expect("closed").failure();
        }
        breaker.try_call().expect("two failures keep it closed").failure();
        assert!(breaker.try_call().is_none(), "the third opens it");
        assert!(breaker.is_open());
        std::thread::sleep(Duration::from_millis(60));
        let trial = breaker.try_call().expect("half-open: one trial");
        assert!(breaker.try_call().is_none(), "only one trial at a time");
        trial.failure();
        assert!(breaker.try_call().is_none(), "a failed trial opens it again");
        std::thread::sleep(Duration::from_millis(60));
        breaker.try_call().expect("half-open again").success();
        let (a, b) = (breaker.try_call(), breaker.try_call());
        assert!(a.is_some() && b.is_some(), "a good trial closes it");
    }

    #[test]
    fn a_trial_dropped_before_it_reports_counts_as_a_failure_so_the_breaker_never_sticks_half_open() {
        let breaker = Breaker::new(1, Duration::from_millis(20));
        breaker.try_call().expect("closed").failure();
        std::thread::sleep(Duration::from_millis(30));
        drop(breaker.try_call().expect("half-open: one trial")); // the caller went away
        assert!(breaker.is_open(), "the abandoned trial reopened it");
        std::thread::sleep(Duration::from_millis(30));
        assert!(breaker.try_call().is_some(), "after the cool-down another trial goes through");
    }
}
