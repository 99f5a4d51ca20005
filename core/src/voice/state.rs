//! What the service remembers about each connection, login and UDP binding.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use super::config::VoiceConfig;
use crate::ConnectionId;
use crate::limits::RateLimiter;
use crate::wire::voice::{FrameDecoder, VoiceToken};

/// One management connection.
#[derive(Debug)]
pub(super) struct Connection {
    pub user_id: u32,
    pub decoder: FrameDecoder,
    pub frames: RateLimiter,
    pub opened: Instant,
    pub last_frame: Instant,
    pub login: Option<Login>,
    /// The instant this connection is filed under in the timer set.
    pub timer: Instant,
}

impl Connection {
    pub fn new(user_id: u32, config: &VoiceConfig, now: Instant) -> Self {
        Self {
            user_id,
            decoder: FrameDecoder::new(config.max_frame_len),
            frames: RateLimiter::new(config.frame_rate, now),
            opened: now,
            last_frame: now,
            login: None,
            timer: now + config.login_timeout,
        }
    }

    /// When the connection times out if nothing more arrives (voice.md §8).
    pub fn due(&self, config: &VoiceConfig) -> Instant {
        match self.login {
            None => self.opened + config.login_timeout,
            Some(_) => self.last_frame + config.idle_timeout,
        }
    }
}

/// A logged-in user.
#[derive(Debug)]
pub(super) struct Login {
    pub username: String,
    pub token: VoiceToken,
    pub muted: bool,
    /// Shared with the events that name it, so relaying a packet copies no string.
    pub channel: Option<Arc<str>>,
    pub udp: Option<SocketAddr>,
    pub chat: RateLimiter,
    pub voice: RateLimiter,
}

impl Login {
    pub fn new(username: String, token: VoiceToken, config: &VoiceConfig, now: Instant) -> Self {
        Self {
            username,
            token,
            muted: false,
            channel: None,
            udp: None,
            chat: RateLimiter::new(config.chat_rate, now),
            voice: RateLimiter::new(config.voice_rate, now),
        }
    }
}

/// A UDP address bound to a user.
#[derive(Debug)]
pub(super) struct Binding {
    pub user_id: u32,
    pub last_seen: Instant,
    /// The instant this binding is filed under in the timer set.
    pub timer: Instant,
}

/// What a timer entry refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum TimerKey {
    Connection(ConnectionId),
    Binding(SocketAddr),
}
