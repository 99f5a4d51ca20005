//! The `chat` service's settings: the limits of `conformance/spec/chat.md` §9.

use std::time::Duration;

use crate::ConfigError;
use crate::limits::IpGuardConfig;
use crate::wire::chat::DEFAULT_MAX_MESSAGE_SIZE;

/// The smallest frame limit that still admits a `join` with the longest room, id, name and a
/// short avatar URL.
const MIN_MESSAGE_SIZE: usize = 512;

/// Settings of one [`super::ChatService`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatConfig {
    /// A larger text frame is `MESSAGE_TOO_LARGE`. Default 10240 (`RATE_LIMIT_MAX_MESSAGE_SIZE`).
    pub max_message_size: usize,
    /// Messages and reactions per connection per sliding minute. Default 30
    /// (`RATE_LIMIT_MESSAGE_LIMIT`).
    pub message_limit: u32,
    /// Joins per connection per sliding minute. Default 5 (`RATE_LIMIT_JOIN_LIMIT`).
    pub join_limit: u32,
    /// Typing frames per connection per sliding minute; beyond it they are dropped silently.
    /// Default 60.
    pub typing_limit: u32,
    /// Rooms at once; a join that would create one more is `SERVER_FULL`. Default 10 000.
    pub max_rooms: usize,
    /// Users in one room. Default 100.
    pub max_users_per_room: usize,
    /// A connection silent this long is sent a WebSocket ping, and again after each further
    /// interval of silence. Default 30 s.
    pub heartbeat_interval: Duration,
    /// A connection silent this long is closed (1001). Default 60 s.
    pub heartbeat_timeout: Duration,
    /// Admission, violations and blocking per IP (chat.md §7), `max_connections` and
    /// `connection_limit_per_ip` (`RATE_LIMIT_CONNECTION_LIMIT_PER_IP`) included.
    pub ip_guard: IpGuardConfig,
}

impl Default for ChatConfig {
    fn default() -> Self {
        Self {
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            message_limit: 30,
            join_limit: 5,
            typing_limit: 60,
            max_rooms: 10_000,
            max_users_per_room: 100,
            heartbeat_interval: Duration::from_secs(30),
            heartbeat_timeout: Duration::from_secs(60),
            ip_guard: IpGuardConfig::default(),
        }
    }
}

impl ChatConfig {
    /// Refuses settings that cannot work, naming the key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key: &'static str, reason: String| Err(ConfigError::Invalid { key, reason });
        if self.max_message_size < MIN_MESSAGE_SIZE {
            return invalid(
                "max_message_size",
                format!("must be at least {MIN_MESSAGE_SIZE} bytes"),
            );
        }
        let zero = [
            ("message_limit", self.message_limit == 0),
            ("join_limit", self.join_limit == 0),
            ("typing_limit", self.typing_limit == 0),
            ("max_rooms", self.max_rooms == 0),
            ("max_users_per_room", self.max_users_per_room == 0),
            ("heartbeat_interval", self.heartbeat_interval.is_zero()),
        ];
        if let Some((key, _)) = zero.iter().find(|(_, is_zero)| *is_zero) {
            return invalid(key, "must be at least 1".into());
        }
        if self.heartbeat_timeout <= self.heartbeat_interval {
            return invalid(
                "heartbeat_timeout",
                "must be longer than heartbeat_interval, or no ping is sent before the close"
                    .into(),
            );
        }
        self.ip_guard
            .validate()
            .map_err(|error| ConfigError::Invalid {
                key: "ip_guard",
                reason: error.to_string(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_valid() {
        assert_eq!(ChatConfig::default().validate(), Ok(()));
    }

    #[test]
    fn a_zero_limit_is_refused_by_name() {
        let config = ChatConfig {
            join_limit: 0,
            ..ChatConfig::default()
        };
        assert!(matches!(
            config.validate(),
            Err(ConfigError::Invalid {
                key: "join_limit",
                ..
            })
        ));
    }

    #[test]
    fn a_timeout_not_longer_than_the_interval_is_refused() {
        let config = ChatConfig {
            heartbeat_timeout: Duration::from_secs(30),
            ..ChatConfig::default()
        };
        assert!(matches!(
            config.validate(),
            Err(ConfigError::Invalid {
                key: "heartbeat_timeout",
                ..
            })
        ));
    }

    #[test]
    fn a_frame_limit_too_small_for_a_join_is_refused() {
        let config = ChatConfig {
            max_message_size: 100,
            ..ChatConfig::default()
        };
        assert!(matches!(
            config.validate(),
            Err(ConfigError::Invalid {
                key: "max_message_size",
                ..
            })
        ));
    }
}
