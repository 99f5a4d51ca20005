//! Counters a running audio server publishes, in the seed's `get_stats()` shape.

use hark_core::audio::AudioStats;
use serde::{Deserialize, Serialize};

use crate::udp_port::UdpCounters;

/// Channel and user counts (the seed's `stats.state_stats`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateStats {
    pub total_channels: usize,
    pub total_users: usize,
    pub active_members: usize,
}

/// A snapshot of a running server, refreshed after every batch the loop handles.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerStats {
    /// Authenticated sessions.
    pub auth_sessions: usize,
    pub state_stats: StateStats,
    pub packets_received: u64,
    pub packets_sent: u64,
    /// Sends the kernel refused (other than a full buffer).
    pub send_errors: u64,
    /// Datagrams dropped because the send queue was full.
    pub send_dropped: u64,
    /// Events dropped because the event receiver was not keeping up.
    pub events_dropped: u64,
}

impl ServerStats {
    pub(crate) fn set_service(&mut self, stats: AudioStats) {
        self.auth_sessions = stats.auth_sessions;
        self.state_stats = StateStats {
            total_channels: stats.total_channels,
            total_users: stats.total_users,
            active_members: stats.active_members,
        };
    }

    pub(crate) fn set_udp(&mut self, udp: UdpCounters) {
        self.packets_received = udp.received;
        self.packets_sent = udp.sent;
        self.send_errors = udp.send_errors;
        self.send_dropped = udp.send_dropped;
    }
}
