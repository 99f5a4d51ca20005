//! One simulated user: its ids and its own UDP socket (the server tells sessions apart by source
//! address, so N users need N sockets).

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use hark_driver::runtime::{AsyncUdpSocket, Runtime, UdpTransmit};
use hark_driver::udp;
use hark_tokio::TokioRuntime;

use super::BenchError;
use super::packets::Identity;
use super::polled::PolledRuntime;

/// A simulated user.
#[derive(Debug, Clone)]
pub struct BenchClient {
    pub identity: Identity,
    pub socket: Arc<dyn AsyncUdpSocket>,
    pub port: u16,
    /// Readiness-driven, and timed: see [`super::polled`].
    pub probe: bool,
}

/// Which of `count` clients are the `probes` latency probes: evenly spaced over the indices, so
/// they sit at different places in the server's fan-out order.
pub fn is_probe(index: usize, count: usize, probes: usize) -> bool {
    let probes = probes.min(count);
    probes > 0 && (index * probes) % count < probes
}

/// The user id of client `index`: `b0000001`, `b0000002`, … (8 characters, the protocol's limit).
pub fn user_id(index: usize) -> String {
    format!("b{:07}", index + 1)
}

/// Binds `count` clients on the target's loopback address (any address for a remote target),
/// with `buffer` bytes of kernel buffer each, inside the current tokio runtime. Clients for which
/// `probe(index)` holds are registered with tokio's reactor; the others are polled.
pub fn bind_clients(
    count: usize,
    target: SocketAddr,
    channel: &str,
    buffer: usize,
    probe: impl Fn(usize) -> bool,
) -> Result<Vec<BenchClient>, BenchError> {
    if count > 9_999_999 {
        return Err(BenchError::new(
            "at most 9 999 999 clients (8-character user ids)",
        ));
    }
    let ip = match target.ip() {
        ip if ip.is_loopback() => ip,
        IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    };
    (0..count)
        .map(|index| {
            let identity = Identity::new(&user_id(index), channel)?;
            let probe = probe(index);
            let runtime: &dyn Runtime = if probe { &TokioRuntime } else { &PolledRuntime };
            let socket = udp::bind(runtime, SocketAddr::new(ip, 0), buffer)
                .map_err(|e| BenchError::from(e).context(format!("binding client {index}")))?;
            let port = socket.local_addr()?.port();
            Ok(BenchClient {
                identity,
                socket,
                port,
                probe,
            })
        })
        .collect()
}

/// Sends one datagram without waiting; `WouldBlock` when the socket buffer is full.
pub fn send(socket: &dyn AsyncUdpSocket, dst: SocketAddr, datagram: &[u8]) -> io::Result<()> {
    socket.try_send(&UdpTransmit {
        destination: dst,
        ecn: None,
        contents: datagram,
        segment_size: None,
        src_ip: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_are_evenly_spaced() {
        let probes: Vec<usize> = (0..200).filter(|&i| is_probe(i, 200, 8)).collect();
        assert_eq!(probes, [0, 25, 50, 75, 100, 125, 150, 175]);
        assert_eq!((0..10).filter(|&i| is_probe(i, 10, 20)).count(), 10);
        assert_eq!((0..10).filter(|&i| is_probe(i, 10, 0)).count(), 0);
        assert_eq!((0..7).filter(|&i| is_probe(i, 7, 3)).count(), 3);
    }

    #[test]
    fn user_ids_fit_the_header() {
        assert_eq!(user_id(0), "b0000001");
        assert_eq!(user_id(9_999_998), "b9999999");
    }
}
