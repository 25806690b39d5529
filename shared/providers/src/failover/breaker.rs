//! A circuit breaker for one provider: after `failures_to_open` transient
//! failures in a row it opens (the provider is skipped); once `open_for`
//! has passed it half-opens and lets one trial send through; the trial's
//! success closes it, its failure opens it again. Time is the engine's
//! clock port, so tests move it by hand.

use jiff::{SignedDuration, Timestamp};
use std::sync::Mutex;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerPolicy {
    pub failures_to_open: u32,
    pub open_for: SignedDuration,
}

impl Default for BreakerPolicy {
    /// Opens after 5 consecutive failures, half-opens after 5 minutes.
    fn default() -> Self {
        BreakerPolicy {
            failures_to_open: 5,
            open_for: SignedDuration::from_mins(5),
        }
    }
}

/// What the breaker lets through now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Every send goes through.
    Closed,
    /// The provider is skipped until the given time.
    Open { until: Timestamp },
    /// One trial send may go through (or is in flight).
    HalfOpen,
}

#[derive(Debug, Clone, Copy)]
enum State {
    Closed { failures: u32 },
    Open { until: Timestamp },
    HalfOpen { trial_in_flight: bool },
}

#[derive(Debug)]
pub struct Breaker {
    policy: BreakerPolicy,
    state: Mutex<State>,
}

/// Permission for one send. Report how it went with [`Attempt::succeeded`]
/// or [`Attempt::failed`]; dropped unreported (a cancelled send), a trial
/// is given back so the next send can try.
#[must_use]
#[derive(Debug)]
pub struct Attempt<'a> {
    breaker: &'a Breaker,
    trial: bool,
    reported: bool,
}

/// How a breaker changed (for logs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Unchanged,
    Opened,
    Closed,
}

impl Breaker {
    pub fn new(policy: BreakerPolicy) -> Self {
        Breaker {
            policy,
            state: Mutex::new(State::Closed { failures: 0 }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn state(&self, now: Timestamp) -> BreakerState {
        match *self.lock() {
            State::Closed { .. } => BreakerState::Closed,
            State::Open { until } if now < until => BreakerState::Open { until },
            State::Open { .. } | State::HalfOpen { .. } => BreakerState::HalfOpen,
        }
    }

    /// An attempt, or `None` while open (or while a trial is in flight).
    pub fn try_acquire(&self, now: Timestamp) -> Option<Attempt<'_>> {
        let mut state = self.lock();
        let trial = match *state {
            State::Closed { .. } => false,
            State::Open { until } if now < until => return None,
            State::HalfOpen {
                trial_in_flight: true,
            } => return None,
            State::Open { .. } | State::HalfOpen { .. } => {
                *state = State::HalfOpen {
                    trial_in_flight: true,
                };
                true
            }
        };
        Some(Attempt {
            breaker: self,
            trial,
            reported: false,
        })
    }
}

impl Attempt<'_> {
    /// The provider answered (sent, or refused the message itself):
    /// it is up, so the failure count starts again.
    pub fn succeeded(mut self) -> Transition {
        self.reported = true;
        let mut state = self.breaker.lock();
        let was_closed = matches!(*state, State::Closed { .. });
        *state = State::Closed { failures: 0 };
        if was_closed {
            Transition::Unchanged
        } else {
            Transition::Closed
        }
    }

    /// A transient failure at `now`.
    pub fn failed(mut self, now: Timestamp) -> Transition {
        self.reported = true;
        let policy = self.breaker.policy;
        let until = now.checked_add(policy.open_for).unwrap_or(Timestamp::MAX);
        let mut state = self.breaker.lock();
        match *state {
            State::Closed { failures } => {
                let failures = failures.saturating_add(1);
                if failures >= policy.failures_to_open {
                    *state = State::Open { until };
                    Transition::Opened
                } else {
                    *state = State::Closed { failures };
                    Transition::Unchanged
                }
            }
            // The trial failed, or a send started before the breaker
            // opened failed after: (re)open from now.
            State::HalfOpen { .. } | State::Open { .. } => {
                *state = State::Open { until };
                Transition::Opened
            }
        }
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        if self.trial && !self.reported {
            let mut state = self.breaker.lock();
            if let State::HalfOpen { .. } = *state {
                *state = State::HalfOpen {
                    trial_in_flight: false,
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn opens_after_consecutive_failures_only() {
        let b = Breaker::new(BreakerPolicy::default());
        let now = t("2026-12-01T10:00:00Z");
        for _ in 0..4 {
            assert_eq!(
                b.try_acquire(now).unwrap().failed(now),
                Transition::Unchanged
            );
        }
        // A success in between starts the count again.
        assert_eq!(
            b.try_acquire(now).unwrap().succeeded(),
            Transition::Unchanged
        );
        for _ in 0..4 {
            let _ = b.try_acquire(now).unwrap().failed(now);
        }
        assert_eq!(b.state(now), BreakerState::Closed);
        assert_eq!(b.try_acquire(now).unwrap().failed(now), Transition::Opened);
        assert_eq!(
            b.state(now),
            BreakerState::Open {
                until: t("2026-12-01T10:05:00Z")
            }
        );
        assert!(b.try_acquire(t("2026-12-01T10:04:59Z")).is_none());
    }

    #[test]
    fn half_open_allows_one_trial_and_a_cancelled_trial_is_given_back() {
        let b = Breaker::new(BreakerPolicy {
            failures_to_open: 1,
            open_for: SignedDuration::from_mins(5),
        });
        let now = t("2026-12-01T10:00:00Z");
        let _ = b.try_acquire(now).unwrap().failed(now);
        let later = t("2026-12-01T10:05:00Z");
        assert_eq!(b.state(later), BreakerState::HalfOpen);
        let trial = b.try_acquire(later).unwrap();
        assert!(b.try_acquire(later).is_none(), "one trial at a time");
        drop(trial);
        let trial = b.try_acquire(later).expect("given back");
        assert_eq!(trial.failed(later), Transition::Opened);
        assert!(b.try_acquire(t("2026-12-01T10:09:59Z")).is_none());
        let trial = b.try_acquire(t("2026-12-01T10:10:00Z")).unwrap();
        assert_eq!(trial.succeeded(), Transition::Closed);
        assert_eq!(b.state(later), BreakerState::Closed);
    }
}
