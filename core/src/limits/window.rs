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

    /// How many accepted actions it remembers (never more than the limit).
    pub fn remembered(&self) -> usize {
        self.accepted.len()
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
