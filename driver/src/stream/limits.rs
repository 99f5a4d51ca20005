//! The bound on open connections, in all and per IP address: a connection beyond either is
//! closed at once. A [`Slot`] holds one connection's place and gives it back when dropped.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

#[derive(Debug)]
struct Open {
    total: usize,
    per_ip: HashMap<IpAddr, u32>,
}

/// Open connections, shared by the accept side and the connections' tasks.
#[derive(Debug, Clone)]
pub(crate) struct ConnectionLimits {
    max: usize,
    max_per_ip: u32,
    open: Arc<Mutex<Open>>,
}

/// One admitted connection's place; released on drop.
#[derive(Debug)]
pub(crate) struct Slot {
    ip: IpAddr,
    open: Arc<Mutex<Open>>,
}

impl ConnectionLimits {
    pub fn new(max: usize, max_per_ip: u32) -> Self {
        Self {
            max,
            max_per_ip,
            open: Arc::new(Mutex::new(Open {
                total: 0,
                per_ip: HashMap::new(),
            })),
        }
    }

    /// A place for a connection from `ip`; `None` if either bound is reached.
    pub fn admit(&self, ip: IpAddr) -> Option<Slot> {
        let mut open = self.open.lock().ok()?;
        let count = open.per_ip.get(&ip).copied().unwrap_or(0);
        if open.total >= self.max || count >= self.max_per_ip {
            return None;
        }
        open.total += 1;
        open.per_ip.insert(ip, count + 1);
        Some(Slot {
            ip,
            open: Arc::clone(&self.open),
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let Ok(mut open) = self.open.lock() else {
            return;
        };
        open.total = open.total.saturating_sub(1);
        if let Some(count) = open.per_ip.get_mut(&self.ip) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.per_ip.remove(&self.ip);
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
        let limits = ConnectionLimits::new(2, 10);
        let _a = limits.admit(ip(1)).unwrap();
        let _b = limits.admit(ip(2)).unwrap();
        assert!(limits.admit(ip(3)).is_none());
    }

    #[test]
    fn one_ip_cannot_take_more_than_its_share() {
        let limits = ConnectionLimits::new(10, 2);
        let _a = limits.admit(ip(1)).unwrap();
        let _b = limits.admit(ip(1)).unwrap();
        assert!(limits.admit(ip(1)).is_none());
        assert!(limits.admit(ip(2)).is_some());
    }

    #[test]
    fn a_closed_connection_frees_its_place() {
        let limits = ConnectionLimits::new(1, 1);
        let slot = limits.admit(ip(1)).unwrap();
        assert!(limits.admit(ip(1)).is_none());
        drop(slot);
        assert!(limits.admit(ip(1)).is_some());
    }
}
