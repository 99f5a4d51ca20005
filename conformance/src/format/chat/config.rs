//! The `chat` fixture's `config` (`vectors.md` §7.2): hark-core's `ChatConfig`, durations in
//! milliseconds.

use serde::Deserialize;

/// Every key is required: a vector must not depend on an implementation's defaults.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigJson {
    pub max_message_size: usize,
    pub message_limit: u32,
    pub join_limit: u32,
    pub typing_limit: u32,
    pub max_rooms: usize,
    pub max_users_per_room: usize,
    pub heartbeat_interval_ms: u64,
    pub heartbeat_timeout_ms: u64,
    pub connection_limit_per_ip: u32,
    pub max_connections: usize,
    pub block_threshold: u32,
    pub violation_window_ms: u64,
    pub block_duration_ms: u64,
    pub max_block_duration_ms: u64,
    pub penalty_memory_ms: u64,
    pub max_tracked_ips: usize,
}
