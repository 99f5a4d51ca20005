//! One Engine.IO session: its heartbeat clock (signal.md §2), its Socket.IO state (§3) and, once
//! admitted, its user (§6).

use std::net::IpAddr;
use std::time::Instant;

use serde::Serialize;

use super::SignalConfig;
use crate::wire::chat::Timestamp;
use crate::wire::signal::events::UserInfo;

/// A user's voice connection as the SFU reports it (signal.md §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ConnectionState {
    /// Announced to the SFU, not yet connected.
    Connecting,
    Connected,
    /// Not in a room, not announced (the link is down), or reported gone by the SFU.
    Disconnected,
}

/// An admitted connection's user state (§6).
#[derive(Debug, Clone)]
pub(super) struct User {
    /// The JWT `sub`.
    pub(super) id: String,
    pub(super) nickname: String,
    pub(super) muted: bool,
    /// The channel whose room the connection is in.
    pub(super) channel: Option<String>,
    /// The Socket.IO sid: the peer id on the SFU link (§8.3).
    pub(super) sid: String,
    /// `isConnectedToVoice`, as the SFU reports it (§8.4).
    pub(super) connected: bool,
    pub(super) stream_id: Option<String>,
    pub(super) state: ConnectionState,
    /// The wall clock of the connection's last event (§9.1 `lastSeen`).
    pub(super) last_seen: Timestamp,
}

impl User {
    pub(super) fn info(&self) -> UserInfo {
        UserInfo {
            id: self.id.clone(),
            nickname: self.nickname.clone(),
            is_muted: self.muted,
            has_joined_channel: self.channel.is_some(),
            is_connected_to_voice: self.connected,
            stream_id: self.stream_id.clone(),
        }
    }
}

#[derive(Debug)]
pub(super) struct Session {
    pub(super) ip: IpAddr,
    /// The Engine.IO sid of the open packet.
    pub(super) sid: String,
    /// The order the session opened in, for the debug views (§9.1).
    pub(super) seq: u64,
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
    pub(super) fn new(
        now: Instant,
        ip: IpAddr,
        sid: String,
        seq: u64,
        config: &SignalConfig,
    ) -> Self {
        let next_ping = now + config.ping_interval;
        let connect_deadline = now + config.connect_timeout;
        Self {
            ip,
            sid,
            seq,
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
