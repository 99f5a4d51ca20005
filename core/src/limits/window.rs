//! A sliding-window limit: an action is refused if `limit` such actions were accepted in the
//! `window` before it (chat.md §5). Exact, unlike a token bucket: it remembers the accepted
//! instants themselves, at most `limit` of them, so memory stays bounded by the limit.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// How many actions a window accepts, and how long it looks back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlidingWindowLimit {
    pub limit: u32,
    pub window: Duration,
}

impl SlidingWindowLimit {
    /// The window of chat.md §5: one minute.
    pub const MINUTE: Duration = Duration::from_secs(60);

    pub const fn new(limit: u32, window: Duration) -> Self {
        Self { limit, window }
    }

    /// `limit` actions per sliding minute.
    pub const fn per_minute(limit: u32) -> Self {
        Self::new(limit, Self::MINUTE)
    }
}

/// The state of one limited stream of actions.
#[derive(Debug, Clone)]
pub struct SlidingWindow {
    limit: SlidingWindowLimit,
    /// Instants of the accepted actions still inside the window, oldest first; never more than
    /// `limit.limit` of them.
    accepted: VecDeque<Instant>,
}

impl SlidingWindow {
    pub fn new(limit: SlidingWindowLimit) -> Self {
        Self {
            limit,
            accepted: VecDeque::new(),
        }
    }

    /// Accepts the action at `now` unless `limit` actions were accepted in the window before it.
    /// An action exactly `window` old no longer counts: the window is the half-open interval
    /// `(now - window, now]`.
    pub fn try_acquire(&mut self, now: Instant) -> bool {
        if self.is_full(now) {
            return false;
        }
        self.accepted.push_back(now);
        true
    }

    /// Whether an action at `now` would be refused.
    pub fn is_full(&mut self, now: Instant) -> bool {
        self.expire(now);
        self.accepted.len() >= self.limit.limit as usize
    }

    /// Forgets every accepted action, as if the window had just been created.
    pub fn clear(&mut self) {
        self.accepted.clear();
    }

    fn expire(&mut self, now: Instant) {
        while let Some(&oldest) = self.accepted.front() {
            if now.saturating_duration_since(oldest) < self.limit.window {
                break;
            }
            self.accepted.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(window.accepted.len(), 4);
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
}
