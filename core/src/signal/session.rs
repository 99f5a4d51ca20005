//! One Engine.IO session: its heartbeat clock (signal.md §2), its Socket.IO state (§3) and, once
//! admitted, its user (§6).

use std::net::IpAddr;
use std::time::Instant;

use super::SignalConfig;
use crate::wire::signal::events::UserInfo;

/// An admitted connection's user state (§6).
#[derive(Debug, Clone)]
pub(super) struct User {
    /// The JWT `sub`.
    pub(super) id: String,
    pub(super) nickname: String,
    pub(super) muted: bool,
    /// The channel whose room the connection is in.
    pub(super) channel: Option<String>,
}

impl User {
    pub(super) fn info(&self) -> UserInfo {
        UserInfo {
            id: self.id.clone(),
            nickname: self.nickname.clone(),
            is_muted: self.muted,
            has_joined_channel: self.channel.is_some(),
            // Voice needs the SFU link (§8), which does not exist yet.
            is_connected_to_voice: false,
            stream_id: None,
        }
    }
}

#[derive(Debug)]
pub(super) struct Session {
    pub(super) ip: IpAddr,
    /// `None` until a CONNECT succeeds.
    pub(super) user: Option<User>,
    /// When the next `2` is due, while no pong is awaited.
    next_ping: Option<Instant>,
    /// When the session closes for want of a `3`, while one is awaited.
    pong_deadline: Option<Instant>,
    /// When the session closes for want of a successful CONNECT.
    connect_deadline: Option<Instant>,
    /// The instant the session is filed under in the service's timers.
    pub(super) timer: Instant,
}

/// What the session's timer asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Due {
    Ping,
    PingTimeout,
    ConnectTimeout,
}

impl Session {
    pub(super) fn new(now: Instant, ip: IpAddr, config: &SignalConfig) -> Self {
        let next_ping = now + config.ping_interval;
        let connect_deadline = now + config.connect_timeout;
        Self {
            ip,
            user: None,
            next_ping: Some(next_ping),
            pong_deadline: None,
            connect_deadline: Some(connect_deadline),
            timer: next_ping.min(connect_deadline),
        }
    }

    /// The earliest instant something is due.
    pub(super) fn due(&self) -> Option<Instant> {
        [self.next_ping, self.pong_deadline, self.connect_deadline]
            .into_iter()
            .flatten()
            .min()
    }

    /// What is due at `now`, closes first.
    pub(super) fn due_at(&self, now: Instant) -> Option<Due> {
        let reached = |at: Option<Instant>| at.is_some_and(|at| at <= now);
        if reached(self.connect_deadline) {
            Some(Due::ConnectTimeout)
        } else if reached(self.pong_deadline) {
            Some(Due::PingTimeout)
        } else if reached(self.next_ping) {
            Some(Due::Ping)
        } else {
            None
        }
    }

    /// A `2` was sent at `now`: a `3` is awaited within `pingTimeout`.
    pub(super) fn pinged(&mut self, now: Instant, config: &SignalConfig) {
        self.next_ping = None;
        self.pong_deadline = Some(now + config.ping_timeout);
    }

    /// A `3` arrived: the next `2` is one `pingInterval` later, as engine.io schedules it.
    pub(super) fn ponged(&mut self, now: Instant, config: &SignalConfig) {
        if self.pong_deadline.take().is_some() {
            self.next_ping = Some(now + config.ping_interval);
        }
    }

    /// A CONNECT succeeded.
    pub(super) fn admitted(&mut self, user: User) {
        self.user = Some(user);
        self.connect_deadline = None;
    }
}
