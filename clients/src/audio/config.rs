//! What an [`super::AudioClient`] is told before it starts: who it is, where it talks, and its
//! timers and bounds.

use std::time::Duration;

use hark_core::wire::audio::{ChannelId, DEFAULT_MAX_PACKET_SIZE, HEADER_LEN, UserId};

use crate::config_error::nonzero;
use crate::jitter::JitterConfig;
use crate::{ConfigError, RetryPolicy};

/// Which credentials format the handshake uses (`audio.md` §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandshakeFormat {
    /// `{"token":…,"channel_id":…}`, the recommended format.
    Json,
    /// The bare token; the channel is the header's.
    Legacy,
}

/// Settings of one [`super::AudioClient`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioClientConfig {
    /// The header's user id: the token's `sub`.
    pub user_id: UserId,
    pub channel_id: ChannelId,
    pub format: HandshakeFormat,
    /// How often a session sends a Heartbeat. The spec fixes no client interval; the server ends
    /// a session silent for `session_timeout` (30 s by default, §8), so the default, 10 s, lets
    /// two heartbeats be lost before that.
    pub heartbeat_interval: Duration,
    /// Unanswered Heartbeats in a row after which the session is taken for lost.
    pub max_missed_heartbeats: u32,
    /// Retransmission of the handshake and of Join, Leave and SetMute until their Ack.
    pub retry: RetryPolicy,
    /// The largest datagram sent (the server's `max_packet_size`, §1): bounds the audio payload.
    pub max_packet_size: usize,
    pub jitter: JitterConfig,
}

impl AudioClientConfig {
    /// The defaults for `user_id` in `channel_id`, JSON handshake.
    pub fn new(user_id: UserId, channel_id: ChannelId) -> Self {
        Self {
            user_id,
            channel_id,
            format: HandshakeFormat::Json,
            heartbeat_interval: Duration::from_secs(10),
            max_missed_heartbeats: 3,
            retry: RetryPolicy::default(),
            max_packet_size: DEFAULT_MAX_PACKET_SIZE,
            jitter: JitterConfig::default(),
        }
    }

    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        nonzero("heartbeat_interval", self.heartbeat_interval)?;
        nonzero("max_missed_heartbeats", self.max_missed_heartbeats)?;
        self.retry.validate()?;
        self.jitter.validate()?;
        // An Audio packet is the header and a u16 length; smaller leaves no room for any.
        let min = HEADER_LEN + 2;
        if self.max_packet_size < min {
            return Err(ConfigError::TooSmall {
                field: "max_packet_size",
                value: self.max_packet_size,
                min,
            });
        }
        Ok(())
    }
}
