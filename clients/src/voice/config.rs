//! What a [`super::VoiceClient`] is told before it starts.

use std::time::Duration;

use hark_core::wire::voice::{DEFAULT_MAX_DATAGRAM_SIZE, DEFAULT_MAX_FRAME_LEN, VoiceToken};

use crate::config_error::nonzero;
use crate::jitter::JitterConfig;
use crate::{ConfigError, RetryPolicy};

/// Settings of one [`super::VoiceClient`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoiceClientConfig {
    /// The login name: the token's `sub` (`voice.md` §5.2).
    pub username: String,
    /// How often a Ping goes out on the management connection. The server closes a connection
    /// silent for `idle_timeout` (30 s, §8), and §8 calls every 10 s comfortable.
    pub ping_interval: Duration,
    /// How often a Keepalive goes out on a bound UDP address (`udp_timeout` is 30 s, §8).
    pub keepalive_interval: Duration,
    /// Retransmission of the VoiceAuthRequest until its VoiceAuthResponse (§6.1: asking again
    /// is harmless).
    pub auth_retry: RetryPolicy,
    /// The largest frame body sent (the server's `max_frame_len`, §3).
    pub max_frame_len: usize,
    /// The largest datagram sent or accepted (the server's `max_datagram_size`, §4).
    pub max_datagram_size: usize,
    /// Other logged-in users remembered (the server admits at most 1024 connections, §9).
    pub max_participants: usize,
    pub jitter: JitterConfig,
}

impl VoiceClientConfig {
    /// The defaults for `username`.
    pub fn new(username: &str) -> Self {
        Self {
            username: username.to_owned(),
            ping_interval: Duration::from_secs(10),
            keepalive_interval: Duration::from_secs(10),
            auth_retry: RetryPolicy::default(),
            max_frame_len: DEFAULT_MAX_FRAME_LEN,
            max_datagram_size: DEFAULT_MAX_DATAGRAM_SIZE,
            max_participants: 1024,
            jitter: JitterConfig::default(),
        }
    }

    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        nonzero("ping_interval", self.ping_interval)?;
        nonzero("keepalive_interval", self.keepalive_interval)?;
        nonzero("max_participants", self.max_participants)?;
        nonzero("max_frame_len", self.max_frame_len)?;
        self.auth_retry.validate()?;
        self.jitter.validate()?;
        // The largest datagram a client sends without voice in it: a VoiceAuthRequest.
        let min = 1 + VoiceToken::LEN;
        if self.max_datagram_size < min {
            return Err(ConfigError::TooSmall {
                field: "max_datagram_size",
                value: self.max_datagram_size,
                min,
            });
        }
        Ok(())
    }
}
