//! Counters a running chat server publishes.

use hark_core::chat::ChatStats;
use serde::{Deserialize, Serialize};

use crate::ws::LoopCounters;

/// A snapshot of a running chat server, refreshed after every batch the loop handles: the core's
/// [`ChatStats`] (the health JSON's counters) and the driver's own.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatServerStats {
    /// Open WebSocket connections.
    pub active_connections: usize,
    pub active_rooms: usize,
    /// Connections in a room.
    pub total_users: usize,
    /// Actions refused or dropped by a per-connection rate limit (messages, reactions, joins,
    /// typing).
    pub rate_limited: u64,
    pub violations: u64,
    pub blocked_ips: usize,
    /// Upgrades refused at admission (blocked IP, per-IP limit, server full).
    pub refused_connections: u64,
    /// TCP connections accepted since start (HTTP requests included).
    pub connections_accepted: u64,
    /// Connections closed at once because `max_pending_requests` connections (or the per-IP
    /// share) were still sending their request head.
    pub pending_requests_dropped: u64,
    /// Connections closed (1008) because a frame did not fit their outgoing queue (chat.md §7).
    pub slow_clients_dropped: u64,
    /// Events dropped because the event receiver was not keeping up.
    pub events_dropped: u64,
}

impl ChatServerStats {
    pub(crate) fn new(stats: ChatStats, counters: LoopCounters) -> Self {
        Self {
            active_connections: stats.active_connections,
            active_rooms: stats.active_rooms,
            total_users: stats.total_users,
            rate_limited: stats.rate_limited,
            violations: stats.violations,
            blocked_ips: stats.blocked_ips,
            refused_connections: stats.refused_connections,
            connections_accepted: counters.connections_accepted,
            pending_requests_dropped: counters.pending_requests_dropped,
            slow_clients_dropped: counters.slow_clients_dropped,
            events_dropped: counters.events_dropped,
        }
    }
}
