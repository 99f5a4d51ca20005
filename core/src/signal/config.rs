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
        Ok(())
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
    fn a_tiny_max_payload_is_refused() {
        let mut config = SignalConfig::new("s", "example.com");
        config.max_payload = 100;
        assert_eq!(refused_key(&config), Some("max_payload"));
    }
}
