//! One open chat connection: its IP, its room, its rate limits and its heartbeat clock.

use std::net::IpAddr;
use std::time::Instant;

use super::ChatConfig;
use crate::limits::{SlidingWindow, SlidingWindowLimit};
use crate::wire::chat::ChatUser;

/// A connection's place in a room.
#[derive(Debug)]
pub(super) struct Member {
    pub(super) room: String,
    pub(super) user: ChatUser,
}

#[derive(Debug)]
pub(super) struct Connection {
    pub(super) ip: IpAddr,
    pub(super) member: Option<Member>,
    /// Messages and reactions.
    pub(super) messages: SlidingWindow,
    pub(super) joins: SlidingWindow,
    pub(super) typing: SlidingWindow,
    /// When the last frame of any kind arrived (or the connection opened).
    last_heard: Instant,
    /// When the last heartbeat ping was sent.
    last_ping: Option<Instant>,
    /// The instant the connection is filed under in the service's timers. Never later than its
    /// next heartbeat action: frames only postpone that, so the timer is refiled lazily when it
    /// comes up early instead of on every frame.
    pub(super) timer: Instant,
}

impl Connection {
    pub(super) fn new(now: Instant, ip: IpAddr, config: &ChatConfig) -> Self {
        Self {
            ip,
            member: None,
            messages: SlidingWindow::new(SlidingWindowLimit::per_minute(config.message_limit)),
            joins: SlidingWindow::new(SlidingWindowLimit::per_minute(config.join_limit)),
            typing: SlidingWindow::new(SlidingWindowLimit::per_minute(config.typing_limit)),
            last_heard: now,
            last_ping: None,
            timer: now + config.heartbeat_interval,
        }
    }

    /// A frame arrived.
    pub(super) fn heard(&mut self, now: Instant) {
        self.last_heard = self.last_heard.max(now);
    }

    /// The next heartbeat action's instant: a ping one interval after the later of the last
    /// frame and the last ping, or the close, whichever comes first.
    pub(super) fn due(&self, config: &ChatConfig) -> Instant {
        let close = self.last_heard + config.heartbeat_timeout;
        let since = self
            .last_ping
            .map_or(self.last_heard, |ping| ping.max(self.last_heard));
        (since + config.heartbeat_interval).min(close)
    }

    /// Whether the connection has been silent for `heartbeat_timeout` at `now`.
    pub(super) fn is_dead(&self, now: Instant, config: &ChatConfig) -> bool {
        now >= self.last_heard + config.heartbeat_timeout
    }

    /// A heartbeat ping was sent at `now`.
    pub(super) fn pinged(&mut self, now: Instant) {
        self.last_ping = Some(now);
    }

    pub(super) fn user_id(&self) -> Option<&str> {
        self.member.as_ref().map(|member| member.user.id.as_str())
    }
}
