//! The fixture every scenario starts from: the secret, the clock, the symbolic clients, the
//! server's configuration and its channels.

use serde::Deserialize;
use serde_json::{Map, Value};

/// Channels are written exactly as `hark_core::directory::ChannelConfig` reads them, so the
/// fixture is also a valid piece of server configuration.
pub use hark_core::directory::ChannelConfig;

/// `fixture.json`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixture {
    /// The HS256 secret the tokens in the vectors are signed with.
    pub secret: String,
    /// The server's wall clock, in unix seconds, at `at_ms` 0.
    pub wall_clock_start: u64,
    /// Symbolic client names. Core mode binds the n-th (from 0) to `127.0.0.1:40001 + n`.
    pub clients: Vec<String>,
    /// Kept as JSON so that scenario overrides can be merged key by key before it is typed.
    pub config: Map<String, Value>,
    pub channels: Vec<ChannelConfig>,
}

/// A scenario's changes to the fixture.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixtureOverrides {
    /// Top-level config keys replacing the fixture's (a rate object is replaced whole).
    #[serde(default)]
    pub config: Map<String, Value>,
    /// When present, replaces the fixture's channel list.
    #[serde(default)]
    pub channels: Option<Vec<ChannelConfig>>,
}

/// A token bucket: `burst` at once, refilled at `per_second`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateJson {
    pub per_second: u32,
    pub burst: u32,
}

/// The server settings a vector depends on. Every key is required: a vector must not depend
/// on an implementation's defaults.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigJson {
    pub max_packet_size: usize,
    pub handshake_timeout_ms: u64,
    pub session_timeout_ms: u64,
    pub user_timeout_ms: u64,
    pub cleanup_interval_ms: u64,
    pub max_clock_skew_secs: u64,
    pub jwt_leeway_secs: u64,
    pub max_token_len: usize,
    pub session_rate: RateJson,
    pub unauthenticated_reply_rate: RateJson,
    pub max_sessions: usize,
    pub max_sessions_per_user: usize,
    pub default_max_users_per_channel: u32,
    pub max_user_records: usize,
}

/// The fixture with one scenario's overrides applied.
#[derive(Debug, Clone)]
pub struct EffectiveFixture {
    pub secret: String,
    pub wall_clock_start: u64,
    pub clients: Vec<String>,
    pub config: ConfigJson,
    pub channels: Vec<ChannelConfig>,
}

impl Fixture {
    /// Merges `overrides` into the fixture and types the result.
    pub fn effective(
        &self,
        overrides: Option<&FixtureOverrides>,
    ) -> Result<EffectiveFixture, serde_json::Error> {
        let mut config = self.config.clone();
        let mut channels = self.channels.clone();
        if let Some(overrides) = overrides {
            for (key, value) in &overrides.config {
                config.insert(key.clone(), value.clone());
            }
            if let Some(replacement) = &overrides.channels {
                channels.clone_from(replacement);
            }
        }
        Ok(EffectiveFixture {
            secret: self.secret.clone(),
            wall_clock_start: self.wall_clock_start,
            clients: self.clients.clone(),
            config: serde_json::from_value(Value::Object(config))?,
            channels,
        })
    }
}

/// A small fixture for the runner's own unit tests: the given clients, one open channel `c`, and
/// the shipped fixture's shortened timers.
#[cfg(test)]
pub(crate) fn test_fixture(clients: &[&str]) -> Fixture {
    let config = serde_json::json!({
        "max_packet_size": 1024, "handshake_timeout_ms": 1000, "session_timeout_ms": 3000,
        "user_timeout_ms": 6000, "cleanup_interval_ms": 2000, "max_clock_skew_secs": 30,
        "jwt_leeway_secs": 5, "max_token_len": 2048,
        "session_rate": {"per_second": 10, "burst": 50},
        "unauthenticated_reply_rate": {"per_second": 10, "burst": 20},
        "max_sessions": 10, "max_sessions_per_user": 2,
        "default_max_users_per_channel": 256, "max_user_records": 100
    });
    Fixture {
        secret: "s".into(),
        wall_clock_start: 1_700_000_000,
        clients: clients.iter().map(|c| (*c).to_owned()).collect(),
        config: config.as_object().cloned().unwrap_or_default(),
        channels: vec![ChannelConfig {
            id: "c".into(),
            name: None,
            members: None,
            banned: Vec::new(),
            max_users: None,
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> Fixture {
        test_fixture(&["a"])
    }

    #[test]
    fn overrides_replace_single_config_keys() {
        let overrides: FixtureOverrides =
            serde_json::from_str(r#"{"config":{"max_sessions":2}}"#).unwrap();
        let effective = fixture().effective(Some(&overrides)).unwrap();
        assert_eq!(effective.config.max_sessions, 2);
        assert_eq!(effective.config.max_sessions_per_user, 2);
        assert_eq!(effective.channels.len(), 1);
    }

    #[test]
    fn an_unknown_config_key_is_an_error() {
        let overrides: FixtureOverrides =
            serde_json::from_str(r#"{"config":{"max_sesions":2}}"#).unwrap();
        assert!(fixture().effective(Some(&overrides)).is_err());
    }
}
