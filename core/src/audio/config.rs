//! The `audio` service's settings: the seed's timeouts plus the limits that keep every table
//! bounded.

use std::time::Duration;

use crate::ConfigError;
use crate::auth::JwtSettings;
use crate::limits::RateLimit;
use crate::wire::audio::{DEFAULT_MAX_PACKET_SIZE, HEADER_LEN};

/// Settings of one [`super::AudioService`].
#[derive(Debug, Clone)]
pub struct AudioConfig {
    pub jwt: JwtSettings,
    /// Larger datagrams are refused (`packet_too_large`). Seed default 1024.
    pub max_packet_size: usize,
    /// A session that sends nothing after its handshake Ack within this is dropped. Seed: 5 s.
    pub handshake_timeout: Duration,
    /// A session idle this long expires. Seed: 30 s.
    pub session_timeout: Duration,
    /// A user's remembered state (mute) outlives its last session by this. Seed: 300 s.
    pub user_timeout: Duration,
    /// How often forgotten users are swept. Seed: 60 s.
    pub cleanup_interval: Duration,
    /// Packets whose header timestamp differs from the server's clock by more are refused.
    pub max_clock_skew: Duration,
    /// Packets per second from one session (all types); excess is dropped.
    pub session_rate: RateLimit,
    /// Error replies per second to addresses without a session, server-wide.
    pub unauthenticated_reply_rate: RateLimit,
    /// Sessions server-wide.
    pub max_sessions: usize,
    /// Sessions of one user, across addresses and channels.
    pub max_sessions_per_user: usize,
    /// Active users in one channel when the channel does not set its own `max_users`.
    pub default_max_users_per_channel: u32,
    /// Remembered users (with or without a session); must be at least `max_sessions`.
    pub max_user_records: usize,
}

impl AudioConfig {
    /// The seed's defaults with `secret` for HS256.
    pub fn new(secret: impl Into<Vec<u8>>) -> Self {
        Self {
            jwt: JwtSettings::new(secret),
            max_packet_size: DEFAULT_MAX_PACKET_SIZE,
            handshake_timeout: Duration::from_secs(5),
            session_timeout: Duration::from_secs(30),
            user_timeout: Duration::from_secs(300),
            cleanup_interval: Duration::from_secs(60),
            max_clock_skew: Duration::from_secs(30),
            session_rate: RateLimit::new(100, 50),
            unauthenticated_reply_rate: RateLimit::new(20, 20),
            max_sessions: 10_000,
            max_sessions_per_user: 4,
            default_max_users_per_channel: 256,
            max_user_records: 20_000,
        }
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key, reason: &str| {
            Err(ConfigError::Invalid {
                key,
                reason: reason.to_owned(),
            })
        };
        if self.jwt.secret.is_empty() {
            return invalid("jwt_secret", "must not be empty");
        }
        if self.max_packet_size < HEADER_LEN {
            return invalid("max_packet_size", "must be at least the 21-byte header");
        }
        for (key, value) in [
            ("handshake_timeout", self.handshake_timeout),
            ("session_timeout", self.session_timeout),
            ("user_timeout", self.user_timeout),
            ("cleanup_interval", self.cleanup_interval),
        ] {
            if value.is_zero() {
                return invalid(key, "must be greater than zero");
            }
        }
        for (key, rate) in [
            ("session_rate", self.session_rate),
            (
                "unauthenticated_reply_rate",
                self.unauthenticated_reply_rate,
            ),
        ] {
            if rate.per_second == 0 || rate.burst == 0 {
                return invalid(key, "per_second and burst must be at least 1");
            }
        }
        if self.max_sessions == 0 || self.max_sessions_per_user == 0 {
            return invalid("max_sessions", "session limits must be at least 1");
        }
        if self.max_user_records < self.max_sessions {
            return invalid("max_user_records", "must be at least max_sessions");
        }
        Ok(())
    }
}
