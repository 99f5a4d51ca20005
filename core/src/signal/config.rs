//! The `signal` service's settings (signal.md §2, §4, §5, §7).

use std::time::Duration;

use crate::ConfigError;
use crate::auth::JwtSettings;
use crate::limits::RateLimits;
use crate::wire::signal::{DEFAULT_MAX_PAYLOAD, DEFAULT_PING_INTERVAL_MS, DEFAULT_PING_TIMEOUT_MS};

/// The smallest `max_payload` that still admits a CONNECT with a token of the JWT settings'
/// default maximum length and an offer of a typical size.
const MIN_MAX_PAYLOAD: usize = 4096;

/// Settings of one [`super::SignalService`].
#[derive(Debug, Clone)]
pub struct SignalConfig {
    /// The HS256 secret and token rules shared by the suite (signal.md §4).
    pub jwt: JwtSettings,
    /// `SERVER_NAME`: `info.name` and the room id prefix (§6).
    pub server_name: String,
    /// `SERVER_ICON`: `info.icon_url`.
    pub server_icon: Option<String>,
    /// `STUN_SERVERS`, already split on `,`: `info.stun_hosts`.
    pub stun_servers: Vec<String>,
    /// `SERVER_INVITE_ONLY`: CONNECT needs one of `invite_codes` (§4 step 4).
    pub invite_only: bool,
    pub invite_codes: Vec<String>,
    /// Engine.IO `pingInterval`. Default 25 s.
    pub ping_interval: Duration,
    /// Engine.IO `pingTimeout`. Default 20 s.
    pub ping_timeout: Duration,
    /// socket.io's `connectTimeout`: a session without a successful CONNECT is closed after it.
    /// Default 45 s.
    pub connect_timeout: Duration,
    /// Engine.IO `maxPayload`: the largest frame, in bytes. Default 1 000 000.
    pub max_payload: usize,
    /// The score rules (§7).
    pub rate_limits: RateLimits,
    /// Keys the score limiter remembers at most (§7.6). Default `max_connections` × 4.
    pub limiter_max_keys: usize,
    /// Open sessions; the next upgrade is refused. Default 10 000.
    pub max_connections: usize,
    /// The SFU link (§8); `None` without `SFU_WS_HOST`: voice is unavailable.
    pub sfu: Option<SfuSettings>,
}

/// The SFU link's settings (signal.md §8.2, §8.5, §8.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SfuSettings {
    /// `SERVER_TOKEN`, sent in `hello`.
    pub token: String,
    /// `sfu_handshake_timeout`: from dialling to `welcome`. Default 10 s.
    pub handshake_timeout: Duration,
    /// `sfu_ping_interval`: WebSocket pings while the link is up. Default 25 s.
    pub ping_interval: Duration,
    /// `sfu_idle_timeout`: an up link with no frame for this long is closed. Default 60 s.
    pub idle_timeout: Duration,
    /// `sfu_reconnect_min`: the first backoff. Default 500 ms.
    pub reconnect_min: Duration,
    /// `sfu_reconnect_max`: the longest backoff. Default 30 s.
    pub reconnect_max: Duration,
}

impl SfuSettings {
    /// The spec's defaults with `SERVER_TOKEN`.
    pub fn new(token: impl Into<String>) -> Self {
        Self {
            token: token.into(),
            handshake_timeout: Duration::from_secs(10),
            ping_interval: Duration::from_secs(25),
            idle_timeout: Duration::from_secs(60),
            reconnect_min: Duration::from_millis(500),
            reconnect_max: Duration::from_secs(30),
        }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key: &'static str, reason: &str| {
            Err(ConfigError::Invalid {
                key,
                reason: reason.into(),
            })
        };
        if self.token.is_empty() {
            return invalid("server_token", "is required when SFU_WS_HOST is set");
        }
        let zero = [
            ("sfu_handshake_timeout", self.handshake_timeout),
            ("sfu_ping_interval", self.ping_interval),
            ("sfu_idle_timeout", self.idle_timeout),
            ("sfu_reconnect_min", self.reconnect_min),
            ("sfu_reconnect_max", self.reconnect_max),
        ];
        if let Some((key, _)) = zero.iter().find(|(_, value)| value.is_zero()) {
            return invalid(key, "must be more than 0");
        }
        if self.reconnect_min > self.reconnect_max {
            return invalid("sfu_reconnect_min", "must not exceed sfu_reconnect_max");
        }
        Ok(())
    }
}

impl SignalConfig {
    /// The spec's defaults with `secret` for HS256 and `server_name`.
    pub fn new(secret: impl Into<Vec<u8>>, server_name: impl Into<String>) -> Self {
        let max_connections = 10_000;
        Self {
            jwt: JwtSettings::new(secret),
            server_name: server_name.into(),
            server_icon: None,
            stun_servers: Vec::new(),
            invite_only: false,
            invite_codes: Vec::new(),
            ping_interval: Duration::from_millis(DEFAULT_PING_INTERVAL_MS),
            ping_timeout: Duration::from_millis(DEFAULT_PING_TIMEOUT_MS),
            connect_timeout: Duration::from_secs(45),
            max_payload: DEFAULT_MAX_PAYLOAD,
            rate_limits: RateLimits::default(),
            limiter_max_keys: max_connections * 4,
            max_connections,
            sfu: None,
        }
    }

    /// Refuses settings that cannot work, naming the key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key: &'static str, reason: String| Err(ConfigError::Invalid { key, reason });
        let zero = [
            ("ping_interval", self.ping_interval.is_zero()),
            ("ping_timeout", self.ping_timeout.is_zero()),
            ("connect_timeout", self.connect_timeout.is_zero()),
            ("limiter_max_keys", self.limiter_max_keys == 0),
            ("max_connections", self.max_connections == 0),
        ];
        if let Some((key, _)) = zero.iter().find(|(_, is_zero)| *is_zero) {
            return invalid(key, "must be more than 0".into());
        }
        if self.max_payload < MIN_MAX_PAYLOAD {
            return invalid(
                "max_payload",
                format!("must be at least {MIN_MAX_PAYLOAD} bytes"),
            );
        }
        if self.invite_only && self.invite_codes.iter().all(String::is_empty) {
            return invalid(
                "invite_codes",
                "an invite-only server needs at least one non-empty code".into(),
            );
        }
        let rules = [
            ("rate_limits.chat_send", &self.rate_limits.chat_send),
            ("rate_limits.chat_react", &self.rate_limits.chat_react),
            ("rate_limits.server_join", &self.rate_limits.server_join),
            ("rate_limits.signal", &self.rate_limits.signal),
        ];
        for (key, rule) in rules {
            if let Err(error) = rule.validate() {
                return invalid(key, error.to_string());
            }
        }
        match &self.sfu {
            Some(sfu) => sfu.validate(),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused_key(config: &SignalConfig) -> Option<&'static str> {
        match config.validate() {
            Err(ConfigError::Invalid { key, .. }) => Some(key),
            Ok(()) => None,
        }
    }

    #[test]
    fn the_defaults_are_valid() {
        assert_eq!(refused_key(&SignalConfig::new("s", "example.com")), None);
    }

    #[test]
    fn invite_only_without_a_code_is_refused() {
        let mut config = SignalConfig::new("s", "example.com");
        config.invite_only = true;
        assert_eq!(refused_key(&config), Some("invite_codes"));
    }

    #[test]
    fn a_zero_ping_interval_is_refused() {
        let mut config = SignalConfig::new("s", "example.com");
        config.ping_interval = Duration::ZERO;
        assert_eq!(refused_key(&config), Some("ping_interval"));
    }

    #[test]
    fn an_sfu_link_needs_a_token_and_ordered_backoff() {
        let mut config = SignalConfig::new("s", "example.com");
        config.sfu = Some(SfuSettings::new(""));
        assert_eq!(refused_key(&config), Some("server_token"));
        let mut sfu = SfuSettings::new("t");
        sfu.reconnect_min = Duration::from_secs(60);
        config.sfu = Some(sfu);
        assert_eq!(refused_key(&config), Some("sfu_reconnect_min"));
        config.sfu = Some(SfuSettings::new("t"));
        assert_eq!(refused_key(&config), None);
    }

    #[test]
    fn a_tiny_max_payload_is_refused() {
        let mut config = SignalConfig::new("s", "example.com");
        config.max_payload = 100;
        assert_eq!(refused_key(&config), Some("max_payload"));
    }
}
