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

/// The least transport bound (`chat.md` §4), whatever `max_message_size`.
const MIN_TRANSPORT_BOUND: usize = 64 * 1024;

impl ConfigJson {
    /// `chat.md` §4: the longest message a server reads whole, `max(4 × max_message_size,
    /// 64 KiB)`; a longer one is refused and its connection closed with 1009.
    pub fn transport_bound(&self) -> usize {
        self.max_message_size
            .saturating_mul(4)
            .max(MIN_TRANSPORT_BOUND)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_transport_bound_is_four_messages_and_at_least_64_kib() {
        let text =
            std::fs::read_to_string(crate::default_vectors("chat").join("fixture.json")).unwrap();
        let fixture: super::super::ChatFixture = serde_json::from_str(&text).unwrap();
        let mut config = fixture.effective(None).unwrap().config;
        config.max_message_size = 512;
        assert_eq!(config.transport_bound(), 65_536);
        config.max_message_size = 20_000;
        assert_eq!(config.transport_bound(), 80_000);
    }
}
