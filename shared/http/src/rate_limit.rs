//! Per-client-address rate limit for public routes (GCRA, via governor).

use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

#[derive(Clone)]
pub struct RateLimit {
    limiter: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    clock: DefaultClock,
}

impl RateLimit {
    /// `per_minute` requests per address per minute, with that many as burst.
    pub fn per_minute(per_minute: NonZeroU32) -> Self {
        RateLimit {
            limiter: Arc::new(DefaultKeyedRateLimiter::keyed(Quota::per_minute(
                per_minute,
            ))),
            clock: DefaultClock::default(),
        }
    }

    /// `Ok` if allowed, else the whole seconds to wait.
    pub fn check(&self, ip: IpAddr) -> Result<(), u64> {
        self.limiter.check_key(&ip).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }
}
