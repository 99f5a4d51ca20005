//! The fixture every scenario starts from: the secret, the clock, the symbolic clients, the
//! server's configuration and its channels (`vectors.md` §3), and for `voice` the seed of its
//! token generator (§6.2).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
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
    /// The seed of the service's token generator, for services that draw tokens (`voice`).
    #[serde(default)]
    pub rng_seed: Option<RngSeed>,
    /// Symbolic client names. Core mode binds the n-th (from 0) to `127.0.0.1:40001 + n`.
    pub clients: Vec<String>,
    /// Kept as JSON so that scenario overrides can be merged key by key before it is typed.
    pub config: Map<String, Value>,
    pub channels: Vec<ChannelConfig>,
}

/// 32 bytes written as 64 lowercase hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RngSeed(pub [u8; 32]);

impl<'de> Deserialize<'de> for RngSeed {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let bytes = super::Hex::deserialize(deserializer)?;
        let seed: [u8; 32] = bytes.0.try_into().map_err(|bytes: Vec<u8>| {
            serde::de::Error::custom(format!("rng_seed must be 32 bytes, not {}", bytes.len()))
        })?;
        Ok(Self(seed))
    }
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

impl From<RateJson> for hark_core::limits::RateLimit {
    fn from(json: RateJson) -> Self {
        Self::new(json.per_second, json.burst)
    }
}

/// The fixture with one scenario's overrides applied, its `config` typed as the service's.
#[derive(Debug, Clone, PartialEq)]
pub struct EffectiveFixture<C> {
    pub secret: String,
    pub wall_clock_start: u64,
    pub rng_seed: Option<RngSeed>,
    pub clients: Vec<String>,
    pub config: C,
    pub channels: Vec<ChannelConfig>,
}

impl Fixture {
    /// Merges `overrides` into the fixture and types the result.
    pub fn effective<C: DeserializeOwned>(
        &self,
        overrides: Option<&FixtureOverrides>,
    ) -> Result<EffectiveFixture<C>, serde_json::Error> {
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
            rng_seed: self.rng_seed,
            clients: self.clients.clone(),
            config: serde_json::from_value(Value::Object(config))?,
            channels,
        })
    }
}

/// A small fixture for the runner's own unit tests: the given clients, one open channel `c`, and
/// `config` (a service's keys).
#[cfg(test)]
pub(crate) fn test_fixture_with(clients: &[&str], config: Value, seed: Option<RngSeed>) -> Fixture {
    Fixture {
        secret: "s".into(),
        wall_clock_start: 1_700_000_000,
        rng_seed: seed,
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
    use crate::format::audio::{ConfigJson, test_fixture};

    #[test]
    fn overrides_replace_single_config_keys() {
        let overrides: FixtureOverrides =
            serde_json::from_str(r#"{"config":{"max_sessions":2}}"#).unwrap();
        let effective = test_fixture(&["a"])
            .effective::<ConfigJson>(Some(&overrides))
            .unwrap();
        assert_eq!(effective.config.max_sessions, 2);
        assert_eq!(effective.config.max_sessions_per_user, 2);
        assert_eq!(effective.channels.len(), 1);
    }

    #[test]
    fn an_unknown_config_key_is_an_error() {
        let overrides: FixtureOverrides =
            serde_json::from_str(r#"{"config":{"max_sesions":2}}"#).unwrap();
        assert!(
            test_fixture(&["a"])
                .effective::<ConfigJson>(Some(&overrides))
                .is_err()
        );
    }

    #[test]
    fn the_rng_seed_is_exactly_32_bytes() {
        let seed: RngSeed = serde_json::from_str(&format!("\"{}\"", "ab".repeat(32))).unwrap();
        assert_eq!(seed, RngSeed([0xab; 32]));
        assert!(serde_json::from_str::<RngSeed>(&format!("\"{}\"", "ab".repeat(31))).is_err());
    }
}
