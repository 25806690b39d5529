//! When a failed message is tried again, and when it is given up on.

use jiff::SignedDuration;

/// Delays between attempts: after attempt `n` fails, the next comes
/// `delays[n - 1]` later; after the last, the message is dead-lettered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    delays: Vec<SignedDuration>,
}

impl RetryPolicy {
    /// Negative delays count as zero.
    pub fn new(delays: Vec<SignedDuration>) -> Self {
        let delays = delays
            .into_iter()
            .map(|d| d.max(SignedDuration::ZERO))
            .collect();
        RetryPolicy { delays }
    }

    /// Attempts a message gets in all, the first included.
    pub fn max_attempts(&self) -> u32 {
        u32::try_from(self.delays.len())
            .unwrap_or(u32::MAX - 1)
            .saturating_add(1)
    }

    /// How long after failed attempt `attempt` (1-based) to try again;
    /// `None` when it was the last.
    pub fn delay_after(&self, attempt: u32) -> Option<SignedDuration> {
        let index = usize::try_from(attempt.checked_sub(1)?).ok()?;
        self.delays.get(index).copied()
    }
}

impl Default for RetryPolicy {
    /// Now, then 1 minute, 5 minutes and 30 minutes later: 4 attempts.
    fn default() -> Self {
        RetryPolicy::new(vec![
            SignedDuration::from_mins(1),
            SignedDuration::from_mins(5),
            SignedDuration::from_mins(30),
        ])
    }
}
