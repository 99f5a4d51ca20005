//! Counters a running signal server publishes.

use hark_core::signal::SignalStats;
use serde::{Deserialize, Serialize};

use crate::ws::LoopCounters;

/// A snapshot of a running signal server, refreshed after every batch the loop handles: the
/// core's [`SignalStats`] and the loop's own counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignalServerStats {
    /// Open Engine.IO sessions.
    pub connections: usize,
    /// Sessions past a successful CONNECT.
    pub admitted: usize,
    /// Distinct users admitted.
    pub users: usize,
    pub rooms: usize,
    /// Connections in a room.
    pub room_members: usize,
    /// CONNECTs and events refused by a score rule (signal.md §7).
    pub rate_limited: u64,
    /// The SFU link: `up`, `down` or `disabled` (signal.md §9.1).
    pub sfu: String,
    /// SFU messages refused by §8.5.
    pub sfu_malformed: u64,
    /// Messages relayed to the SFU and from it.
    pub sfu_relayed_to: u64,
    pub sfu_relayed_from: u64,
    /// TCP connections accepted since start (HTTP requests included).
    pub connections_accepted: u64,
    /// Connections closed at once because too many were still sending their request head.
    pub pending_requests_dropped: u64,
    /// Connections closed (1008) because a frame did not fit their outgoing queue.
    pub slow_clients_dropped: u64,
    /// Events dropped because the event receiver was not keeping up.
    pub events_dropped: u64,
}

impl SignalServerStats {
    pub(crate) fn new(stats: SignalStats, counters: LoopCounters) -> Self {
        Self {
            connections: stats.connections,
            admitted: stats.admitted,
            users: stats.users,
            rooms: stats.rooms,
            room_members: stats.room_members,
            rate_limited: stats.rate_limited,
            sfu: serde_json::to_value(stats.sfu)
                .ok()
                .and_then(|state| state.as_str().map(str::to_owned))
                .unwrap_or_default(),
            sfu_malformed: stats.sfu_malformed,
            sfu_relayed_to: stats.sfu_relayed_to,
            sfu_relayed_from: stats.sfu_relayed_from,
            connections_accepted: counters.connections_accepted,
            pending_requests_dropped: counters.pending_requests_dropped,
            slow_clients_dropped: counters.slow_clients_dropped,
            events_dropped: counters.events_dropped,
        }
    }
}
