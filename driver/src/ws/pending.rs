//! The bound on connections still sending their HTTP request head (see
//! `ChatServerConfig::max_pending_requests`): in all, and per IP, so that one address cannot
//! take every slot.

use std::collections::BTreeMap;
use std::net::IpAddr;

use hark_core::ConnectionId;

use crate::ip_slots::IpSlots;

/// Connections between accept and their routed request head.
#[derive(Debug)]
pub(crate) struct PendingRequests {
    /// Each pending connection's IP; never more than the total bound's entries.
    by_conn: BTreeMap<ConnectionId, IpAddr>,
    slots: IpSlots,
}

impl PendingRequests {
    pub(crate) fn new(max: usize, max_per_ip: u32) -> Self {
        Self {
            by_conn: BTreeMap::new(),
            slots: IpSlots::new(max, max_per_ip),
        }
    }

    /// Records `conn` from `ip` as pending; false (nothing recorded) if either bound is reached.
    pub(crate) fn admit(&mut self, conn: ConnectionId, ip: IpAddr) -> bool {
        if !self.slots.take(ip) {
            return false;
        }
        self.by_conn.insert(conn, ip);
        true
    }

    /// `conn`'s request head is routed, or it closed; unknown connections are ignored.
    pub(crate) fn done(&mut self, conn: ConnectionId) {
        if let Some(ip) = self.by_conn.remove(&conn) {
            self.slots.give_back(ip);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    const IP: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));

    #[test]
    fn a_routed_head_frees_its_slot() {
        let mut pending = PendingRequests::new(1, 1);
        assert!(pending.admit(ConnectionId(1), IP));
        pending.done(ConnectionId(1));
        assert!(pending.admit(ConnectionId(2), IP));
    }

    #[test]
    fn finishing_twice_or_an_unknown_connection_changes_nothing() {
        let mut pending = PendingRequests::new(2, 2);
        assert!(pending.admit(ConnectionId(1), IP));
        pending.done(ConnectionId(1));
        pending.done(ConnectionId(1));
        pending.done(ConnectionId(9));
        assert!(pending.admit(ConnectionId(2), IP));
        assert!(pending.admit(ConnectionId(3), IP));
        assert!(!pending.admit(ConnectionId(4), IP));
    }
}
