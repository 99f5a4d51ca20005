//! The sliding-minute rate limit of `conformance/spec/chat.md` §5. (Tests that need a clock
//! live here, outside `core/src`, which never reads one.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::time::{Duration, Instant};

use hark_core::limits::{SlidingWindow, SlidingWindowLimit};

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

#[test]
fn the_limit_is_accepted_then_the_next_is_refused() {
    let start = Instant::now();
    let mut window = SlidingWindow::new(SlidingWindowLimit::per_minute(3));
    assert!((0..3).all(|_| window.try_acquire(start)));
    assert!(!window.try_acquire(start));
    assert!(!window.try_acquire(start + secs(59)));
}

#[test]
fn an_action_exactly_one_window_old_no_longer_counts() {
    let start = Instant::now();
    let mut window = SlidingWindow::new(SlidingWindowLimit::per_minute(1));
    assert!(window.try_acquire(start));
    assert!(!window.try_acquire(start + secs(60) - Duration::from_nanos(1)));
    assert!(window.try_acquire(start + secs(60)));
}

#[test]
fn the_window_slides_one_action_at_a_time() {
    let start = Instant::now();
    let mut window = SlidingWindow::new(SlidingWindowLimit::per_minute(2));
    assert!(window.try_acquire(start));
    assert!(window.try_acquire(start + secs(30)));
    assert!(!window.try_acquire(start + secs(45)));
    assert!(window.try_acquire(start + secs(60)));
    assert!(!window.try_acquire(start + secs(89)));
    assert!(window.try_acquire(start + secs(90)));
}

#[test]
fn refused_actions_do_not_extend_the_window() {
    let start = Instant::now();
    let mut window = SlidingWindow::new(SlidingWindowLimit::per_minute(1));
    assert!(window.try_acquire(start));
    assert!(!window.try_acquire(start + secs(50)));
    assert!(window.try_acquire(start + secs(60)));
}

#[test]
fn memory_never_exceeds_the_limit() {
    let start = Instant::now();
    let mut window = SlidingWindow::new(SlidingWindowLimit::per_minute(4));
    for ms in 0..1000 {
        window.try_acquire(start + Duration::from_millis(ms));
    }
    assert_eq!(window.remembered(), 4);
}

#[test]
fn the_window_length_is_configurable() {
    let start = Instant::now();
    let mut window = SlidingWindow::new(SlidingWindowLimit::new(1, secs(5)));
    assert!(window.try_acquire(start));
    assert!(!window.try_acquire(start + secs(4)));
    assert!(window.try_acquire(start + secs(5)));
}

#[test]
fn clearing_forgets_accepted_actions() {
    let start = Instant::now();
    let mut window = SlidingWindow::new(SlidingWindowLimit::per_minute(1));
    assert!(window.try_acquire(start));
    window.clear();
    assert!(window.try_acquire(start));
}

#[test]
fn a_zero_limit_refuses_everything() {
    let mut window = SlidingWindow::new(SlidingWindowLimit::per_minute(0));
    assert!(!window.try_acquire(Instant::now()));
}
