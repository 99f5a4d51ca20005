//! Counters a running voice server publishes.

use hark_core::voice::VoiceStats;
use serde::{Deserialize, Serialize};

use crate::udp_port::UdpCounters;

/// A snapshot of a running voice server, refreshed after every batch the loop handles.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoiceServerStats {
    /// Open management connections.
    pub connections: usize,
    pub logged_in: usize,
    /// UDP addresses bound to a user.
    pub voice_bound: usize,
    /// Users in a voice channel.
    pub voice_members: usize,
    /// Management connections accepted since start.
    pub connections_accepted: u64,
    /// Connections closed because a frame did not fit their outgoing queue (voice.md §9).
    pub slow_clients_dropped: u64,
    pub datagrams_received: u64,
    pub datagrams_sent: u64,
    /// Sends the kernel refused (other than a full buffer).
    pub send_errors: u64,
    /// Datagrams dropped because the relay's send queue was full.
    pub send_dropped: u64,
    /// Events dropped because the event receiver was not keeping up.
    pub events_dropped: u64,
}

impl VoiceServerStats {
    pub(crate) fn set_service(&mut self, stats: VoiceStats) {
        self.connections = stats.connections;
        self.logged_in = stats.logged_in;
        self.voice_bound = stats.voice_bound;
        self.voice_members = stats.voice_members;
    }

    pub(crate) fn set_udp(&mut self, udp: UdpCounters) {
        self.datagrams_received = udp.received;
        self.datagrams_sent = udp.sent;
        self.send_errors = udp.send_errors;
        self.send_dropped = udp.send_dropped;
    }
}
