//! What time it is. The simulator and `--clock virtual` swap in a clock
//! that only moves when told to.

use jiff::Timestamp;

pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that moves only when told to: the simulator and `--clock virtual`.
#[derive(Debug)]
pub struct ManualClock {
    now: std::sync::Mutex<Timestamp>,
}

impl ManualClock {
    pub fn new(start: Timestamp) -> Self {
        ManualClock {
            now: std::sync::Mutex::new(start),
        }
    }

    /// Moves to `to`; never backwards (a smaller `to` leaves the clock as is).
    pub fn advance_to(&self, to: Timestamp) {
        if let Ok(mut now) = self.now.lock() {
            if to > *now {
                *now = to;
            }
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        self.now
            .lock()
            .map(|t| *t)
            .unwrap_or_else(|poisoned| *poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_only_moves_forward() {
        let t0: Timestamp = "2026-12-01T00:00:00Z".parse().unwrap();
        let clock = ManualClock::new(t0);
        let t1 = t0 + jiff::SignedDuration::from_hours(5);
        clock.advance_to(t1);
        assert_eq!(clock.now(), t1);
        clock.advance_to(t0);
        assert_eq!(clock.now(), t1);
    }
}
