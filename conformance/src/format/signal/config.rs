//! The `signal` fixture's `config` (`vectors.md` §8.3): `signal.md` §9.3's settings, durations in
//! milliseconds, the rate-limit rules in §7.5's env format.

use serde::Deserialize;

/// Every key is required: a vector must not depend on an implementation's defaults.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigJson {
    pub server_name: String,
    pub server_icon: Option<String>,
    pub stun_servers: Vec<String>,
    pub invite_only: bool,
    pub invite_codes: Vec<String>,
    pub ping_interval_ms: u64,
    pub ping_timeout_ms: u64,
    pub connect_timeout_ms: u64,
    pub max_payload: usize,
    pub rate_limits: RateLimitsJson,
    pub max_connections: usize,
    pub limiter_max_keys: usize,
    /// `CORS_ORIGIN`: `*` or a comma-separated list (§9.2).
    pub cors_origin: String,
    pub development: bool,
    /// Whether the server has an SFU (`SFU_WS_HOST`): the runner plays it (§8).
    pub sfu: bool,
    /// `SERVER_TOKEN`, sent in `hello` (§8.2).
    pub server_token: String,
}

/// Each rule as the value of its `RATE_LIMIT_<RULE>` variable.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitsJson {
    pub chat_send: String,
    pub chat_react: String,
    pub server_join: String,
    pub signal: String,
}
