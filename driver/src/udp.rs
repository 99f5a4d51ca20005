//! UDP socket setup and the batched receive/send helpers every UDP loop shares (the servers'
//! `UdpPort` and the benchmark's null relay alike, so they are measured with the same I/O).

use std::collections::VecDeque;
use std::io::{self, IoSliceMut};
use std::net::SocketAddr;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use hark_core::Transmit;
use socket2::{Domain, Protocol, Socket, Type};

use crate::runtime::{AsyncUdpSocket, RecvMeta, Runtime, UdpSocketState, UdpTransmit};

/// Datagrams received per `recvmmsg` call.
pub const BATCH: usize = 32;
/// Room for one receive slot: a GRO-coalesced train of datagrams can fill 64 KiB.
const SLOT: usize = 64 * 1024;
/// Bytes of arena claimed at a time; received datagrams are copied into it so that each one is a
/// `Bytes` sharing the arena's allocation instead of an allocation of its own.
const ARENA_CHUNK: usize = 256 * 1024;

/// Binds a UDP socket with the given kernel buffer sizes and registers it with `runtime`.
pub fn bind(
    runtime: &dyn Runtime,
    addr: SocketAddr,
    buffer_size: usize,
) -> io::Result<Arc<dyn AsyncUdpSocket>> {
    let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    socket.set_recv_buffer_size(buffer_size)?;
    socket.set_send_buffer_size(buffer_size)?;
    socket.bind(&addr.into())?;
    socket.set_nonblocking(true)?;
    let (recv, send) = (socket.recv_buffer_size()?, socket.send_buffer_size()?);
    // Linux reports twice what it reserves for payload; less than asked means a kernel cap.
    if recv < buffer_size || send < buffer_size {
        tracing::warn!(
            requested = buffer_size,
            recv,
            send,
            "socket buffers are smaller than configured (raise net.core.rmem_max / wmem_max)"
        );
    } else {
        tracing::debug!(recv, send, "socket buffers");
    }
    let socket: std::net::UdpSocket = socket.into();
    let state = UdpSocketState::new((&socket).into())?;
    runtime.wrap_udp_socket(socket, state)
}

/// Receive buffers allocated once, and the arena datagrams are handed out from.
#[derive(Debug)]
pub struct RecvBatch {
    slots: Vec<u8>,
    meta: [RecvMeta; BATCH],
    arena: BytesMut,
}

impl Default for RecvBatch {
    fn default() -> Self {
        Self {
            slots: vec![0; BATCH * SLOT],
            meta: [RecvMeta::default(); BATCH],
            arena: BytesMut::with_capacity(ARENA_CHUNK),
        }
    }
}

impl RecvBatch {
    /// Receives one batch; returns how many buffers were filled.
    pub fn poll_recv(
        &mut self,
        cx: &mut Context<'_>,
        socket: &dyn AsyncUdpSocket,
    ) -> Poll<io::Result<usize>> {
        let mut bufs: Vec<IoSliceMut<'_>> =
            self.slots.chunks_mut(SLOT).map(IoSliceMut::new).collect();
        socket.poll_recv(cx, &mut bufs, &mut self.meta)
    }

    /// Calls `each(source, datagram)` for every datagram of the last `filled` buffers, splitting
    /// GRO trains at their stride.
    pub fn for_each(&mut self, filled: usize, mut each: impl FnMut(SocketAddr, Bytes)) {
        for (meta, slot) in self.meta.iter().zip(self.slots.chunks(SLOT)).take(filled) {
            let received = slot.get(..meta.len).unwrap_or(slot);
            let stride = meta.stride.max(1);
            for datagram in received.chunks(stride) {
                if self.arena.capacity() < datagram.len() {
                    // Reclaims the old allocation when every datagram handed out from it is gone.
                    self.arena.reserve(ARENA_CHUNK.max(datagram.len()));
                }
                self.arena.extend_from_slice(datagram);
                each(meta.addr, self.arena.split().freeze());
            }
        }
    }
}

/// Transmits waiting for the socket, bounded: when the kernel buffer stays full the newest are
/// dropped, as a router would, rather than letting memory grow.
#[derive(Debug)]
pub struct SendQueue {
    queue: VecDeque<Transmit>,
    limit: usize,
}

/// What one flush did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SendOutcome {
    pub sent: u64,
    pub failed: u64,
    /// The socket is full: wait for `poll_writable` before flushing again.
    pub blocked: bool,
}

impl SendQueue {
    pub fn new(limit: usize) -> Self {
        Self {
            queue: VecDeque::new(),
            limit,
        }
    }

    /// Queues a transmit; `false` if the queue is full and it was dropped.
    pub fn push(&mut self, transmit: Transmit) -> bool {
        if self.queue.len() >= self.limit {
            return false;
        }
        self.queue.push_back(transmit);
        true
    }

    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Sends until the queue is empty or the socket would block. Errors other than `WouldBlock`
    /// (an ICMP port-unreachable reported on the next send, say) drop that one datagram.
    pub fn flush(&mut self, socket: &dyn AsyncUdpSocket) -> SendOutcome {
        let mut outcome = SendOutcome::default();
        while let Some(transmit) = self.queue.front() {
            let udp = UdpTransmit {
                destination: transmit.dst,
                ecn: None,
                contents: &transmit.payload,
                segment_size: None,
                src_ip: None,
            };
            match socket.try_send(&udp) {
                Ok(()) => outcome.sent += 1,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    outcome.blocked = true;
                    break;
                }
                Err(e) => {
                    tracing::debug!(dst = %transmit.dst, error = %e, "send failed");
                    outcome.failed += 1;
                }
            }
            self.queue.pop_front();
        }
        outcome
    }
}
