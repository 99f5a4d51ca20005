//! The fixture every `signal` scenario starts from (`vectors.md` §8.3): the secret and clock, the
//! seed of the session ids, the clients with their IPs, the server's configuration and its
//! channels.

use std::net::Ipv4Addr;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::ConfigJson;
use crate::format::{ChannelConfig, RngSeed};

/// `fixture.json`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignalFixture {
    /// The HS256 secret the vectors' tokens are signed with.
    pub secret: String,
    /// The server's wall clock, in unix seconds, at `at_ms` 0.
    pub wall_clock_start: u64,
    /// The seed of the session ids. Ids are compared by shape; core mode passes it on so that
    /// runs repeat exactly.
    pub rng_seed: RngSeed,
    pub clients: Vec<ClientJson>,
    /// Kept as JSON so that scenario overrides can be merged key by key before it is typed.
    pub config: Map<String, Value>,
    pub channels: Vec<ChannelConfig>,
}

/// A client: one WebSocket connection at a time, from `ip` (in `127.0.0.0/8`).
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
#[derive(Debug, Clone, PartialEq)]
pub struct EffectiveSignalFixture {
    pub secret: String,
    pub wall_clock_start: u64,
    pub rng_seed: RngSeed,
    pub clients: Vec<ClientJson>,
    pub config: ConfigJson,
    pub channels: Vec<ChannelConfig>,
}

impl EffectiveSignalFixture {
    /// The client named `name`.
    pub fn client(&self, name: &str) -> Option<&ClientJson> {
        self.clients.iter().find(|c| c.name == name)
    }
}

impl SignalFixture {
    /// Merges `overrides` into the fixture and types the result.
    pub fn effective(
        &self,
        overrides: Option<&Overrides>,
    ) -> Result<EffectiveSignalFixture, serde_json::Error> {
        let mut config = self.config.clone();
        for (key, value) in overrides.map(|o| &o.config).into_iter().flatten() {
            config.insert(key.clone(), value.clone());
        }
        Ok(EffectiveSignalFixture {
            secret: self.secret.clone(),
            wall_clock_start: self.wall_clock_start,
            rng_seed: self.rng_seed,
            clients: self.clients.clone(),
            config: serde_json::from_value(Value::Object(config))?,
            channels: self.channels.clone(),
        })
    }
}
