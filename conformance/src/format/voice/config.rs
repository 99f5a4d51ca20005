//! The `voice` fixture's `config` (`vectors.md` §6.2).

use serde::Deserialize;

use crate::format::RateJson;

/// The server settings a vector depends on (`voice.md` §8, §9). Every key is required: a vector
/// must not depend on an implementation's defaults.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigJson {
    pub max_frame_len: usize,
    pub max_datagram_size: usize,
    pub max_connections: usize,
    pub login_timeout_ms: u64,
    pub idle_timeout_ms: u64,
    pub udp_timeout_ms: u64,
    pub max_token_len: usize,
    pub jwt_leeway_secs: u64,
    pub max_chat_len: usize,
    pub default_max_users_per_channel: u32,
    pub frame_rate: RateJson,
    pub chat_rate: RateJson,
    pub voice_rate: RateJson,
    pub unauthenticated_reply_rate: RateJson,
}

/// A small `voice` fixture for the runner's own unit tests: the given clients, one open channel
/// `c`, short timers and a fixed seed.
#[cfg(test)]
pub(crate) fn test_fixture(clients: &[&str]) -> crate::format::Fixture {
    let config = serde_json::json!({
        "max_frame_len": 4096, "max_datagram_size": 1200, "max_connections": 8,
        "login_timeout_ms": 2000, "idle_timeout_ms": 5000, "udp_timeout_ms": 5000,
        "max_token_len": 2048, "jwt_leeway_secs": 5, "max_chat_len": 1000,
        "default_max_users_per_channel": 256,
        "frame_rate": {"per_second": 50, "burst": 100},
        "chat_rate": {"per_second": 5, "burst": 10},
        "voice_rate": {"per_second": 100, "burst": 50},
        "unauthenticated_reply_rate": {"per_second": 10, "burst": 20}
    });
    let seed = crate::format::RngSeed([7; 32]);
    crate::format::test_fixture_with(clients, config, Some(seed))
}
