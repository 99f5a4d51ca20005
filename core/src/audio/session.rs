//! Per-address sessions and per-user remembered state.

use std::time::Instant;

use super::config::AudioConfig;
use super::replay::ReplayWindow;
use crate::limits::RateLimiter;
use crate::wire::audio::{ChannelId, UserId};

/// One authenticated source address.
#[derive(Debug, Clone)]
pub(super) struct Session {
    pub user_id: UserId,
    pub channel_id: ChannelId,
    /// Set by the first valid packet after the handshake Ack; until then the handshake timeout
    /// applies instead of the session timeout.
    pub confirmed: bool,
    /// An active voice member of its channel (JoinChannel received).
    pub joined: bool,
    pub created: Instant,
    pub last_seen: Instant,
    /// The instant this session is filed under in the service's timer set.
    pub timer: Instant,
    pub replay: ReplayWindow,
    pub rate: RateLimiter,
}

impl Session {
    pub fn new(user_id: UserId, channel_id: ChannelId, now: Instant, config: &AudioConfig) -> Self {
        let mut session = Self {
            user_id,
            channel_id,
            confirmed: false,
            joined: false,
            created: now,
            last_seen: now,
            timer: now,
            replay: ReplayWindow::default(),
            rate: RateLimiter::new(config.session_rate, now),
        };
        session.timer = session.due(config);
        session
    }

    /// When this session ends unless it hears from its client.
    pub fn due(&self, config: &AudioConfig) -> Instant {
        if self.confirmed {
            self.last_seen + config.session_timeout
        } else {
            self.created + config.handshake_timeout
        }
    }
}

/// What is remembered about a user in a channel, across sessions, until the user timeout.
#[derive(Debug, Clone)]
pub(super) struct UserRecord {
    /// Mute is the user's, not the address's: a reconnect does not unmute.
    pub muted: bool,
    pub sessions: usize,
    pub last_seen: Instant,
}
