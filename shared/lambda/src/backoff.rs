//! How long a failed steps message waits before its next receive: 1, 5,
//! then 30 minutes (the last delay repeats up to the queue's
//! `maxReceiveCount`, after which SQS dead-letters it). The send function
//! sets it as the message's visibility timeout; without that the message
//! would come back after the queue's 15-minute timeout every time.

use jiff::SignedDuration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backoff {
    delays: Vec<SignedDuration>,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::new(vec![
            SignedDuration::from_mins(1),
            SignedDuration::from_mins(5),
            SignedDuration::from_mins(30),
        ])
    }
}

/// SQS's longest visibility timeout (12 hours).
const MAX_VISIBILITY: SignedDuration = SignedDuration::from_hours(12);

impl Backoff {
    /// Delays after the first, second, ... failed receive; negative ones
    /// count as zero, and none at all means "retry at once".
    pub fn new(delays: Vec<SignedDuration>) -> Self {
        let delays = delays
            .into_iter()
            .map(|d| d.clamp(SignedDuration::ZERO, MAX_VISIBILITY))
            .collect();
        Backoff { delays }
    }

    /// The wait after failed receive number `receive_count` (1-based).
    pub fn after(&self, receive_count: u32) -> SignedDuration {
        let index = usize::try_from(receive_count.max(1) - 1).unwrap_or(usize::MAX);
        self.delays
            .get(index)
            .or(self.delays.last())
            .copied()
            .unwrap_or(SignedDuration::ZERO)
    }

    /// [`Self::after`] as a `VisibilityTimeout` in whole seconds.
    pub fn visibility_seconds(&self, receive_count: u32) -> i32 {
        i32::try_from(self.after(receive_count).as_secs()).unwrap_or(i32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_five_thirty_minutes_then_thirty_again() {
        let b = Backoff::default();
        let seconds: Vec<i32> = (1..=6).map(|n| b.visibility_seconds(n)).collect();
        assert_eq!(seconds, [60, 300, 1800, 1800, 1800, 1800]);
        assert_eq!(b.visibility_seconds(0), 60, "a missing count is the first");
    }

    #[test]
    fn delays_are_clamped_to_what_sqs_accepts() {
        let b = Backoff::new(vec![
            SignedDuration::from_secs(-5),
            SignedDuration::from_hours(20),
        ]);
        assert_eq!(b.visibility_seconds(1), 0);
        assert_eq!(b.visibility_seconds(2), 43_200);
        assert_eq!(Backoff::new(vec![]).visibility_seconds(3), 0);
    }
}
