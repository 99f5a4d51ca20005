//! The bound on connections still sending their HTTP request head (see
//! `ChatServerConfig::max_pending_requests`): in all, and per IP, so that one address cannot
//! take every slot.

use std::collections::BTreeMap;
use std::net::IpAddr;

use hark_core::ConnectionId;

/// Connections between accept and their routed request head.
#[derive(Debug)]
pub(crate) struct PendingRequests {
    max: usize,
    max_per_ip: u32,
    /// Each pending connection's IP; never more than `max` entries.
    by_conn: BTreeMap<ConnectionId, IpAddr>,
    /// Pending connections per IP; entries exist only while their count is positive.
    per_ip: BTreeMap<IpAddr, u32>,
}

impl PendingRequests {
    pub(crate) fn new(max: usize, max_per_ip: u32) -> Self {
        Self {
            max,
            max_per_ip,
            by_conn: BTreeMap::new(),
            per_ip: BTreeMap::new(),
        }
    }

    /// Records `conn` from `ip` as pending; false (nothing recorded) if either bound is reached.
    pub(crate) fn admit(&mut self, conn: ConnectionId, ip: IpAddr) -> bool {
        let count = self.per_ip.get(&ip).copied().unwrap_or(0);
        if self.by_conn.len() >= self.max || count >= self.max_per_ip {
            return false;
        }
        self.by_conn.insert(conn, ip);
        self.per_ip.insert(ip, count + 1);
        true
    }

    /// `conn`'s request head is routed, or it closed; unknown connections are ignored.
    pub(crate) fn done(&mut self, conn: ConnectionId) {
        let Some(ip) = self.by_conn.remove(&conn) else {
            return;
        };
        if let Some(count) = self.per_ip.get_mut(&ip) {
            *count -= 1;
            if *count == 0 {
                self.per_ip.remove(&ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    fn ip(last: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(10, 0, 0, last))
    }

    #[test]
    fn connections_beyond_the_total_are_refused() {
        let mut pending = PendingRequests::new(2, 10);
        assert!(pending.admit(ConnectionId(1), ip(1)));
        assert!(pending.admit(ConnectionId(2), ip(2)));
        assert!(!pending.admit(ConnectionId(3), ip(3)));
    }

    #[test]
    fn one_ip_cannot_take_more_than_its_share() {
        let mut pending = PendingRequests::new(10, 2);
        assert!(pending.admit(ConnectionId(1), ip(1)));
        assert!(pending.admit(ConnectionId(2), ip(1)));
        assert!(!pending.admit(ConnectionId(3), ip(1)));
        assert!(pending.admit(ConnectionId(4), ip(2)));
    }

    #[test]
    fn a_routed_head_frees_its_slot() {
        let mut pending = PendingRequests::new(1, 1);
        assert!(pending.admit(ConnectionId(1), ip(1)));
        pending.done(ConnectionId(1));
        assert!(pending.admit(ConnectionId(2), ip(1)));
    }

    #[test]
    fn finishing_twice_or_an_unknown_connection_changes_nothing() {
        let mut pending = PendingRequests::new(2, 2);
        assert!(pending.admit(ConnectionId(1), ip(1)));
        pending.done(ConnectionId(1));
        pending.done(ConnectionId(1));
        pending.done(ConnectionId(9));
        assert!(pending.admit(ConnectionId(2), ip(1)));
        assert!(pending.admit(ConnectionId(3), ip(1)));
        assert!(!pending.admit(ConnectionId(4), ip(1)));
    }
}
