//! The `voice` service's settings: the limits of `conformance/spec/voice.md` §8 and §9.

use std::time::Duration;

use crate::ConfigError;
use crate::auth::JwtSettings;
use crate::limits::RateLimit;
use crate::wire::voice::{DEFAULT_MAX_DATAGRAM_SIZE, DEFAULT_MAX_FRAME_LEN};

/// The most connections a server may allow: a `LoginResponse` lists every other logged-in user
/// (at most 55 bytes each) and must fit a frame of 65 535 bytes (voice.md §9).
pub const MAX_CONNECTIONS_LIMIT: usize = 1024;

/// The smallest datagram size that still holds every voice packet's fixed fields (a
/// `VoiceAuthRequest` is 17 bytes).
const MIN_DATAGRAM_SIZE: usize = 17;

/// The fixed part of a `ChatSend` body: the type byte and the `str16` length.
const CHAT_SEND_OVERHEAD: usize = 3;

/// The smallest frame limit that still admits a login with the longest username and a typical
/// token.
const MIN_FRAME_LEN: usize = 256;

/// Settings of one [`super::VoiceService`].
#[derive(Debug, Clone)]
pub struct VoiceConfig {
    /// The HS256 secret and token rules, shared with `audio` (voice.md §5.2).
    pub jwt: JwtSettings,
    /// A client frame body larger than this is `frame_too_large`. Default 4096.
    pub max_frame_len: usize,
    /// A larger datagram is dropped. Default 1200.
    pub max_datagram_size: usize,
    /// Open management connections; the next one is refused `server_full`. Default 1024.
    pub max_connections: usize,
    /// A connection must log in within this. Default 10 s.
    pub login_timeout: Duration,
    /// A logged-in connection silent this long is closed. Default 30 s.
    pub idle_timeout: Duration,
    /// A UDP binding without a datagram this long ends. Default 30 s.
    pub udp_timeout: Duration,
    /// Longest chat text in bytes. Default 1000.
    pub max_chat_len: usize,
    /// Frames per connection; beyond it the connection is closed. Default 50/s, burst 100.
    pub frame_rate: RateLimit,
    /// Chat messages per user; beyond it they are refused. Default 5/s, burst 10.
    pub chat_rate: RateLimit,
    /// Voice datagrams per user; beyond it they are dropped. Default 100/s, burst 50.
    pub voice_rate: RateLimit,
    /// Replies to unbound addresses, server-wide. Default 20/s, burst 20.
    pub unauthenticated_reply_rate: RateLimit,
    /// Voice members of a channel that sets no `max_users`. Default 256.
    pub default_max_users_per_channel: u32,
}

impl VoiceConfig {
    /// The spec's defaults with `secret` for HS256.
    pub fn new(secret: impl Into<Vec<u8>>) -> Self {
        Self {
            jwt: JwtSettings::new(secret),
            max_frame_len: DEFAULT_MAX_FRAME_LEN,
            max_datagram_size: DEFAULT_MAX_DATAGRAM_SIZE,
            max_connections: MAX_CONNECTIONS_LIMIT,
            login_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            udp_timeout: Duration::from_secs(30),
            max_chat_len: 1000,
            frame_rate: RateLimit::new(50, 100),
            chat_rate: RateLimit::new(5, 10),
            voice_rate: RateLimit::new(100, 50),
            unauthenticated_reply_rate: RateLimit::new(20, 20),
            default_max_users_per_channel: 256,
        }
    }

    /// Refuses settings that cannot work, naming the key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key: &'static str, reason: String| Err(ConfigError::Invalid { key, reason });
        if self.jwt.secret.is_empty() {
            return invalid("jwt_secret", "must not be empty".into());
        }
        if !(MIN_FRAME_LEN..=usize::from(u16::MAX)).contains(&self.max_frame_len) {
            return invalid(
                "max_frame_len",
                format!("must be {MIN_FRAME_LEN} to {}", u16::MAX),
            );
        }
        if !(MIN_DATAGRAM_SIZE..=usize::from(u16::MAX)).contains(&self.max_datagram_size) {
            return invalid(
                "max_datagram_size",
                format!("must be {MIN_DATAGRAM_SIZE} to {}", u16::MAX),
            );
        }
        if !(1..=MAX_CONNECTIONS_LIMIT).contains(&self.max_connections) {
            return invalid(
                "max_connections",
                format!("must be 1 to {MAX_CONNECTIONS_LIMIT}"),
            );
        }
        let longest_chat = self.max_frame_len - CHAT_SEND_OVERHEAD;
        if !(1..=longest_chat).contains(&self.max_chat_len) {
            return invalid(
                "max_chat_len",
                format!("must be 1 to max_frame_len - {CHAT_SEND_OVERHEAD} ({longest_chat})"),
            );
        }
        for (key, timeout) in [
            ("login_timeout", self.login_timeout),
            ("idle_timeout", self.idle_timeout),
            ("udp_timeout", self.udp_timeout),
        ] {
            if timeout.is_zero() {
                return invalid(key, "must be positive".into());
            }
        }
        for (key, rate) in [
            ("frame_rate", self.frame_rate),
            ("chat_rate", self.chat_rate),
            ("voice_rate", self.voice_rate),
            (
                "unauthenticated_reply_rate",
                self.unauthenticated_reply_rate,
            ),
        ] {
            if rate.per_second == 0 || rate.burst == 0 {
                return invalid(key, "per_second and burst must be positive".into());
            }
        }
        if self.default_max_users_per_channel == 0 {
            return invalid("default_max_users_per_channel", "must be positive".into());
        }
        Ok(())
    }
}
