//! The `chat` fixture's config as hark-core's `ChatConfig`.

use std::time::Duration;

use hark_core::chat::ChatConfig;
use hark_core::limits::IpGuardConfig;

use crate::format::chat::ConfigJson;

pub fn chat_config(c: &ConfigJson) -> ChatConfig {
    ChatConfig {
        max_message_size: c.max_message_size,
        message_limit: c.message_limit,
        join_limit: c.join_limit,
        typing_limit: c.typing_limit,
        max_rooms: c.max_rooms,
        max_users_per_room: c.max_users_per_room,
        heartbeat_interval: Duration::from_millis(c.heartbeat_interval_ms),
        heartbeat_timeout: Duration::from_millis(c.heartbeat_timeout_ms),
        ip_guard: IpGuardConfig {
            connection_limit_per_ip: c.connection_limit_per_ip,
            max_connections: c.max_connections,
            block_threshold: c.block_threshold,
            violation_window: Duration::from_millis(c.violation_window_ms),
            block_duration: Duration::from_millis(c.block_duration_ms),
            max_block_duration: Duration::from_millis(c.max_block_duration_ms),
            penalty_memory: Duration::from_millis(c.penalty_memory_ms),
            max_tracked_ips: c.max_tracked_ips,
        },
    }
}
