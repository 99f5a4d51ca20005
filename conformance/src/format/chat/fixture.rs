//! The fixture every `chat` scenario starts from (`vectors.md` §7.2): the clock, the seed of the
//! message ids, the clients with their IPs, and the server's configuration.

use std::net::Ipv4Addr;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::ConfigJson;
use crate::format::RngSeed;

/// `fixture.json`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChatFixture {
    /// The server's wall clock, in unix seconds, at `at_ms` 0.
    pub wall_clock_start: u64,
    pub rng_seed: RngSeed,
    pub clients: Vec<ClientJson>,
    /// Kept as JSON so that scenario overrides can be merged key by key before it is typed.
    pub config: Map<String, Value>,
}

/// A client: one WebSocket connection at a time, from `ip` (in `127.0.0.0/8`, so that a live
/// runner can bind to it on Linux's loopback).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientJson {
    pub name: String,
    pub ip: Ipv4Addr,
}

/// A scenario's changes to the fixture: config keys replacing the fixture's.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overrides {
    pub config: Map<String, Value>,
}

/// The fixture with one scenario's overrides applied, its `config` typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectiveChatFixture {
    pub wall_clock_start: u64,
    pub rng_seed: RngSeed,
    pub clients: Vec<ClientJson>,
    pub config: ConfigJson,
}

impl EffectiveChatFixture {
    /// The client named `name`.
    pub fn client(&self, name: &str) -> Option<&ClientJson> {
        self.clients.iter().find(|c| c.name == name)
    }
}

impl ChatFixture {
    /// Merges `overrides` into the fixture and types the result.
    pub fn effective(
        &self,
        overrides: Option<&Overrides>,
    ) -> Result<EffectiveChatFixture, serde_json::Error> {
        let mut config = self.config.clone();
        for (key, value) in overrides.map(|o| &o.config).into_iter().flatten() {
            config.insert(key.clone(), value.clone());
        }
        Ok(EffectiveChatFixture {
            wall_clock_start: self.wall_clock_start,
            rng_seed: self.rng_seed,
            clients: self.clients.clone(),
            config: serde_json::from_value(Value::Object(config))?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_fixture_reads_and_an_override_replaces_one_key() {
        let text =
            std::fs::read_to_string(crate::default_vectors("chat").join("fixture.json")).unwrap();
        let fixture: ChatFixture = serde_json::from_str(&text).unwrap();
        let overrides: Overrides =
            serde_json::from_str(r#"{"config":{"heartbeat_interval_ms":1000}}"#).unwrap();
        let effective = fixture.effective(Some(&overrides)).unwrap();
        assert_eq!(effective.config.heartbeat_interval_ms, 1000);
        assert_eq!(
            effective.client("alice").unwrap().ip,
            Ipv4Addr::new(127, 0, 0, 2)
        );
        let typo: Overrides = serde_json::from_str(r#"{"config":{"max_room":1}}"#).unwrap();
        assert!(fixture.effective(Some(&typo)).is_err());
    }
}
