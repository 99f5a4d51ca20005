//! Places for connections, bounded in all and per IP address so that one address cannot take
//! every place: the ws servers' pending request heads and the stream server's open
//! connections both count this way.

use std::collections::HashMap;
use std::net::IpAddr;

/// The places taken, in all and per IP address.
#[derive(Debug)]
pub(crate) struct IpSlots {
    max: usize,
    max_per_ip: u32,
    total: usize,
    /// Places per IP; entries exist only while their count is positive.
    per_ip: HashMap<IpAddr, u32>,
}

impl IpSlots {
    pub(crate) fn new(max: usize, max_per_ip: u32) -> Self {
        Self {
            max,
            max_per_ip,
            total: 0,
            per_ip: HashMap::new(),
        }
    }

    /// Takes a place for `ip`; false (nothing taken) if either bound is reached.
    pub(crate) fn take(&mut self, ip: IpAddr) -> bool {
        let count = self.per_ip.get(&ip).copied().unwrap_or(0);
        if self.total >= self.max || count >= self.max_per_ip {
            return false;
        }
        self.total += 1;
        self.per_ip.insert(ip, count + 1);
        true
    }

    /// Gives back a place `ip` took.
    pub(crate) fn give_back(&mut self, ip: IpAddr) {
        self.total = self.total.saturating_sub(1);
        if let Some(count) = self.per_ip.get_mut(&ip) {
            *count = count.saturating_sub(1);
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
    fn places_beyond_the_total_are_refused() {
        let mut slots = IpSlots::new(2, 10);
        assert!(slots.take(ip(1)));
        assert!(slots.take(ip(2)));
        assert!(!slots.take(ip(3)));
    }

    #[test]
    fn one_ip_cannot_take_more_than_its_share() {
        let mut slots = IpSlots::new(10, 2);
        assert!(slots.take(ip(1)));
        assert!(slots.take(ip(1)));
        assert!(!slots.take(ip(1)));
        assert!(slots.take(ip(2)));
    }

    #[test]
    fn a_place_given_back_can_be_taken_again() {
        let mut slots = IpSlots::new(1, 1);
        assert!(slots.take(ip(1)));
        slots.give_back(ip(1));
        assert!(slots.take(ip(1)));
    }
}
