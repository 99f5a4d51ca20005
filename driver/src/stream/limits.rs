//! The bound on open connections, in all and per IP address: a connection beyond either is
//! closed at once. A [`Slot`] holds one connection's place and gives it back when dropped.

use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use crate::ip_slots::IpSlots;

/// Open connections, shared by the accept side and the connections' tasks.
#[derive(Debug, Clone)]
pub(crate) struct ConnectionLimits {
    open: Arc<Mutex<IpSlots>>,
}

/// One admitted connection's place; released on drop.
#[derive(Debug)]
pub(crate) struct Slot {
    ip: IpAddr,
    open: Arc<Mutex<IpSlots>>,
}

impl ConnectionLimits {
    pub fn new(max: usize, max_per_ip: u32) -> Self {
        Self {
            open: Arc::new(Mutex::new(IpSlots::new(max, max_per_ip))),
        }
    }

    /// A place for a connection from `ip`; `None` if either bound is reached.
    pub fn admit(&self, ip: IpAddr) -> Option<Slot> {
        let mut open = self.open.lock().ok()?;
        open.take(ip).then(|| Slot {
            ip,
            open: Arc::clone(&self.open),
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut open) = self.open.lock() {
            open.give_back(self.ip);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    const IP: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));

    #[test]
    fn a_closed_connection_frees_its_place() {
        let limits = ConnectionLimits::new(1, 1);
        let slot = limits.admit(IP).unwrap();
        assert!(limits.admit(IP).is_none());
        drop(slot);
        assert!(limits.admit(IP).is_some());
    }
}
