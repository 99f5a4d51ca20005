//! The GCRA rate limiter: burst, then rate.

use std::time::{Duration, Instant};

use hark_core::limits::{RateLimit, RateLimiter};

#[test]
fn the_burst_passes_then_the_rate_applies() {
    let start = Instant::now();
    let mut limiter = RateLimiter::new(RateLimit::new(10, 3), start);
    assert!((0..3).all(|_| limiter.try_acquire(start)));
    assert!(!limiter.try_acquire(start));
    assert!(!limiter.try_acquire(start + Duration::from_millis(99)));
    assert!(limiter.try_acquire(start + Duration::from_millis(100)));
    assert!(!limiter.try_acquire(start + Duration::from_millis(100)));
}

#[test]
fn idle_time_refills_up_to_the_burst_only() {
    let start = Instant::now();
    let mut limiter = RateLimiter::new(RateLimit::new(10, 2), start);
    let later = start + Duration::from_secs(60);
    assert!(limiter.try_acquire(later));
    assert!(limiter.try_acquire(later));
    assert!(!limiter.try_acquire(later));
}
