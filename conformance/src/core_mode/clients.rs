//! Fixed loopback addresses for the fixture's symbolic clients (`vectors.md` §5, §6.5): the n-th
//! client (from 0) sends datagrams from `127.0.0.1:(40001 + n)` and opens its management
//! connection from `127.0.0.1:(41001 + n)`. Fixed, so that a failing run names the same addresses
//! every time.

use std::net::{Ipv4Addr, SocketAddr};

use hark_core::Transmit;

use crate::format::{Hex, TransmitJson};

/// The UDP port of the fixture's first client.
pub const FIRST_PORT: u16 = 40001;
/// The TCP peer port of the fixture's first client.
pub const FIRST_TCP_PORT: u16 = 41001;

/// Symbolic client names and their loopback addresses.
#[derive(Debug, Clone)]
pub struct Clients {
    names: Vec<String>,
}

impl Clients {
    pub fn new(names: &[String]) -> Result<Self, String> {
        let room = usize::from(u16::MAX - FIRST_TCP_PORT);
        if names.len() > room {
            return Err(format!("more than {room} clients"));
        }
        Ok(Self {
            names: names.to_vec(),
        })
    }

    /// The client's UDP address.
    pub fn addr(&self, name: &str) -> Option<SocketAddr> {
        self.port(name, FIRST_PORT)
    }

    /// The address the client's management connection comes from.
    pub fn tcp_peer(&self, name: &str) -> Option<SocketAddr> {
        self.port(name, FIRST_TCP_PORT)
    }

    fn port(&self, name: &str, first: u16) -> Option<SocketAddr> {
        let index = self.names.iter().position(|n| n == name)?;
        let port = first.checked_add(u16::try_from(index).ok()?)?;
        Some(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
    }

    /// The client UDP address `addr` belongs to, or the address itself for one no client has.
    pub fn name(&self, addr: SocketAddr) -> String {
        let index = usize::from(addr.port().wrapping_sub(FIRST_PORT));
        match self.names.get(index) {
            Some(name) if addr.ip() == Ipv4Addr::LOCALHOST => name.clone(),
            _ => addr.to_string(),
        }
    }

    /// A datagram the service sends, addressed to its client.
    pub fn transmit(&self, transmit: &Transmit) -> TransmitJson {
        TransmitJson {
            to: self.name(transmit.dst),
            hex: Hex::from(transmit.payload.as_ref()),
        }
    }

    pub fn contains(&self, name: &str) -> bool {
        self.names.iter().any(|n| n == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_get_consecutive_loopback_ports_in_fixture_order() {
        let clients = Clients::new(&["a".into(), "b".into()]).unwrap();
        assert_eq!(clients.addr("a"), Some("127.0.0.1:40001".parse().unwrap()));
        assert_eq!(clients.addr("b"), Some("127.0.0.1:40002".parse().unwrap()));
        assert_eq!(clients.addr("c"), None);
        assert_eq!(clients.name("127.0.0.1:40002".parse().unwrap()), "b");
        assert_eq!(clients.name("127.0.0.1:9".parse().unwrap()), "127.0.0.1:9");
    }

    #[test]
    fn management_connections_come_from_their_own_ports() {
        let clients = Clients::new(&["a".into(), "b".into()]).unwrap();
        assert_eq!(
            clients.tcp_peer("b"),
            Some("127.0.0.1:41002".parse().unwrap())
        );
    }
}
