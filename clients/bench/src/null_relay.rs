//! The null relay: the yardstick hark is measured against. It moves datagrams with exactly the
//! I/O hark's audio driver uses (`hark_driver::udp`: quinn-udp `recvmmsg` batches, the same
//! bounded send queue, the same runtime) and decides nothing: a handshake registers its source
//! and a LeaveChannel forgets it, control packets get an Ack-shaped reply so the generator's setup
//! works unchanged, and audio is forwarded to every other address registered. What hark costs
//! beyond it is the protocol.

use std::collections::HashSet;
use std::future::poll_fn;
use std::net::SocketAddr;
use std::task::Poll;

use bytes::{BufMut, Bytes, BytesMut};
use hark_core::Transmit;
use hark_core::wire::audio::{HEADER_LEN, PacketType};
use hark_driver::runtime::Runtime;
use hark_driver::udp::{self, RecvBatch, SendQueue};
use hark_tokio::TokioRuntime;

use super::BenchError;

/// How the null relay is set up.
#[derive(Debug, Clone)]
pub struct NullRelayConfig {
    pub bind: SocketAddr,
    /// Kernel send and receive buffer, bytes (give it what the hark under test gets).
    pub buffer: usize,
    /// Most addresses remembered; later handshakes are ignored.
    pub max_peers: usize,
    /// Datagrams held while the socket is full (hark's default).
    pub send_queue: usize,
}

impl NullRelayConfig {
    pub fn new(bind: SocketAddr) -> Self {
        Self {
            bind,
            buffer: 4 << 20,
            max_peers: 100_000,
            send_queue: 65_536,
        }
    }
}

/// Counters printed when the relay stops.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RelayStats {
    pub received: u64,
    pub sent: u64,
    pub send_errors: u64,
    pub queue_dropped: u64,
}

/// The relay's only state: the addresses it has seen handshake.
#[derive(Debug, Default)]
pub struct NullRelay {
    peers: Vec<SocketAddr>,
    known: HashSet<SocketAddr>,
    max_peers: usize,
}

impl NullRelay {
    pub fn new(max_peers: usize) -> Self {
        Self {
            max_peers,
            ..Self::default()
        }
    }

    /// What to send for one received datagram, by its type byte alone.
    pub fn handle(&mut self, from: SocketAddr, datagram: Bytes, mut out: impl FnMut(Transmit)) {
        let Some(&kind) = datagram.first() else {
            return;
        };
        if kind == PacketType::Audio.to_wire() {
            for &dst in self.peers.iter().filter(|&&peer| peer != from) {
                out(Transmit {
                    dst,
                    payload: datagram.clone(),
                });
            }
            return;
        }
        if kind == PacketType::Handshake.to_wire()
            && self.peers.len() < self.max_peers
            && self.known.insert(from)
        {
            self.peers.push(from);
        }
        // Forgetting a client that left keeps a relay reused across runs from sending to the
        // closed sockets of earlier ones (hark stops fanning out to them the same way).
        if kind == PacketType::LeaveChannel.to_wire() && self.known.remove(&from) {
            self.peers.retain(|peer| *peer != from);
        }
        let control = PacketType::Handshake.to_wire()..=PacketType::Heartbeat.to_wire();
        if control.contains(&kind)
            && let Some(payload) = ack(&datagram)
        {
            out(Transmit { dst: from, payload });
        }
    }
}

/// An Ack of `request`: its header with the Ack type, then the acknowledged type and sequence
/// (26 bytes). Copied, not parsed; nothing for a request shorter than a header.
fn ack(request: &[u8]) -> Option<Bytes> {
    let (&kind, header) = request.get(..HEADER_LEN)?.split_first()?;
    let sequence = header.get(..4)?;
    let mut buf = BytesMut::with_capacity(HEADER_LEN + 5);
    buf.put_u8(PacketType::Ack.to_wire());
    buf.put_slice(header);
    buf.put_u8(kind);
    buf.put_slice(sequence);
    Some(buf.freeze())
}

enum Wake {
    Received(usize),
    Writable,
    Stop,
}

/// Binds, calls `ready` with the bound address, and relays until SIGINT or SIGTERM. Runs on the
/// current tokio runtime, as `hark` does (one thread).
pub async fn serve(
    config: &NullRelayConfig,
    ready: impl FnOnce(SocketAddr),
) -> Result<RelayStats, BenchError> {
    let runtime = TokioRuntime;
    let mut stop = runtime.shutdown_signal()?;
    let socket = udp::bind(&runtime, config.bind, config.buffer)
        .map_err(|e| BenchError::from(e).context(format!("binding {}", config.bind)))?;
    ready(socket.local_addr()?);
    let mut relay = NullRelay::new(config.max_peers);
    let mut recv = RecvBatch::default();
    let mut send = SendQueue::new(config.send_queue);
    let mut stats = RelayStats::default();
    let mut blocked = false;
    loop {
        let wake = poll_fn(|cx| {
            if stop.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Wake::Stop);
            }
            if blocked && socket.poll_writable(cx).is_ready() {
                return Poll::Ready(Wake::Writable);
            }
            match recv.poll_recv(cx, &*socket) {
                Poll::Ready(Ok(filled)) => Poll::Ready(Wake::Received(filled)),
                Poll::Ready(Err(_)) => {
                    // An ICMP report about one datagram: keep relaying, and poll again.
                    cx.waker().wake_by_ref();
                    Poll::Pending
                }
                Poll::Pending => Poll::Pending,
            }
        })
        .await;
        let received = matches!(wake, Wake::Received(_));
        match wake {
            Wake::Stop => return Ok(stats),
            Wake::Writable => blocked = false,
            Wake::Received(filled) => {
                recv.for_each(filled, |from, datagram| {
                    stats.received += 1;
                    relay.handle(from, datagram, |transmit| {
                        if !send.push(transmit) {
                            stats.queue_dropped += 1;
                        }
                    });
                });
            }
        }
        if !blocked {
            let outcome = send.flush(&*socket);
            blocked = outcome.blocked;
            stats.sent += outcome.sent;
            stats.send_errors += outcome.failed;
        }
        if received {
            // As hark's audio loop does after every batch: let the runtime's drivers (signals)
            // and other tasks run, so a loaded relay still stops promptly.
            runtime.yield_now().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packets::{Control, Identity, Reply, audio, classify, control, handshake};

    fn addr(port: u16) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], port))
    }

    fn handle(relay: &mut NullRelay, from: u16, datagram: Bytes) -> Vec<Transmit> {
        let mut out = Vec::new();
        relay.handle(addr(from), datagram, |t| out.push(t));
        out
    }

    #[test]
    fn handshakes_and_joins_get_acks_the_generator_understands() {
        let id = Identity::new("b0000001", "bnch").unwrap();
        let mut relay = NullRelay::new(10);
        let out = handle(&mut relay, 1, handshake(&id, "a.b.c", 9).unwrap());
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].dst, addr(1));
        assert_eq!(out[0].payload.len(), 26);
        assert_eq!(classify(&out[0].payload), Reply::Ack(PacketType::Handshake));
        let out = handle(&mut relay, 1, control(&id, Control::Join, 9));
        assert_eq!(
            classify(&out[0].payload),
            Reply::Ack(PacketType::JoinChannel)
        );
    }

    #[test]
    fn audio_goes_to_every_other_peer_unchanged() {
        let id = Identity::new("b0000001", "bnch").unwrap();
        let mut relay = NullRelay::new(10);
        for port in 1..=3 {
            handle(&mut relay, port, handshake(&id, "a.b.c", 9).unwrap());
        }
        let packet = audio(&id, 1, 9, Bytes::from_static(&[7; 160])).unwrap();
        let out = handle(&mut relay, 2, packet.clone());
        let dsts: Vec<_> = out.iter().map(|t| t.dst).collect();
        assert_eq!(dsts, [addr(1), addr(3)]);
        assert!(out.iter().all(|t| t.payload == packet));
    }

    #[test]
    fn peers_are_bounded_and_short_datagrams_are_not_answered() {
        let id = Identity::new("b0000001", "bnch").unwrap();
        let mut relay = NullRelay::new(2);
        for port in 1..=3 {
            handle(&mut relay, port, handshake(&id, "a.b.c", 9).unwrap());
        }
        assert_eq!(relay.peers, [addr(1), addr(2)]);
        handle(&mut relay, 1, control(&id, Control::Leave, 9));
        assert_eq!(relay.peers, [addr(2)]);
        assert!(handle(&mut relay, 1, Bytes::from_static(&[1, 0, 0])).is_empty());
        assert!(handle(&mut relay, 1, Bytes::new()).is_empty());
        assert!(handle(&mut relay, 1, Bytes::from_static(&[8; 30])).is_empty());
    }
}
