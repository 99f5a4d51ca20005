//! The `audio` fixture's `config` (`vectors.md` §3).

use serde::Deserialize;

use crate::format::RateJson;

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

/// A small `audio` fixture for the runner's own unit tests: the given clients, one open channel
/// `c`, and the shipped fixture's shortened timers.
#[cfg(test)]
pub(crate) fn test_fixture(clients: &[&str]) -> crate::format::Fixture {
    let config = serde_json::json!({
        "max_packet_size": 1024, "handshake_timeout_ms": 1000, "session_timeout_ms": 3000,
        "user_timeout_ms": 6000, "cleanup_interval_ms": 2000, "max_clock_skew_secs": 30,
        "jwt_leeway_secs": 5, "max_token_len": 2048,
        "session_rate": {"per_second": 10, "burst": 50},
        "unauthenticated_reply_rate": {"per_second": 10, "burst": 20},
        "max_sessions": 10, "max_sessions_per_user": 2,
        "default_max_users_per_channel": 256, "max_user_records": 100
    });
    crate::format::test_fixture_with(clients, config, None)
}
