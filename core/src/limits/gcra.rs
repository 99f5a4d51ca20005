//! A token bucket expressed as GCRA (the generic cell rate algorithm): one `Instant` of state, exact
//! integer arithmetic, no refill loop. Equivalent to a bucket of `burst` tokens refilled at
//! `per_second`.

use std::time::{Duration, Instant};

use serde::Deserialize;

/// A sustained rate and the burst allowed above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    pub per_second: u32,
    pub burst: u32,
}

impl RateLimit {
    pub const fn new(per_second: u32, burst: u32) -> Self {
        Self { per_second, burst }
    }

    fn interval(&self) -> Duration {
        Duration::from_secs(1) / self.per_second.max(1)
    }

    fn tolerance(&self) -> Duration {
        self.interval() * self.burst.saturating_sub(1)
    }
}

/// The state of one limited stream.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    limit: RateLimit,
    /// The theoretical arrival time of the next conforming event.
    tat: Instant,
}

impl RateLimiter {
    /// A limiter with its whole burst available at `now`.
    pub fn new(limit: RateLimit, now: Instant) -> Self {
        Self { limit, tat: now }
    }

    /// Takes one token if there is one.
    pub fn try_acquire(&mut self, now: Instant) -> bool {
        let tat = self.tat.max(now);
        if tat.saturating_duration_since(now) > self.limit.tolerance() {
            return false;
        }
        self.tat = tat + self.limit.interval();
        true
    }
}
