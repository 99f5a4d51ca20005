//! Receive buffers for the generator's sockets: one `recvmmsg` batch, datagrams handed to the
//! caller in place. (`hark_driver::udp::RecvBatch` builds its iovec list on the heap at every call
//! and copies each datagram out; a server calls it once per wake-up, but a generator calls it for
//! every one of its many sockets, and the profile showed the allocation.)

use std::io::IoSliceMut;
use std::task::{Context, Poll};

use hark_driver::runtime::{AsyncUdpSocket, RecvMeta};

/// Datagrams per receive call.
const BATCH: usize = 32;
/// Bytes per datagram slot: more than the protocol's largest packet (1024 by default). Loopback
/// does not coalesce datagrams (GRO), so one slot holds one datagram.
const SLOT: usize = 2048;

/// Buffers for one batch, shared by every socket a task polls.
#[derive(Debug)]
pub struct RecvBuffers {
    slots: Vec<u8>,
    meta: [RecvMeta; BATCH],
}

impl Default for RecvBuffers {
    fn default() -> Self {
        Self {
            slots: vec![0; BATCH * SLOT],
            meta: [RecvMeta::default(); BATCH],
        }
    }
}

impl RecvBuffers {
    /// Receives one batch from `socket` and calls `each` with every datagram in it; returns how
    /// many were received, or `Pending` when there were none.
    pub fn poll_recv(
        &mut self,
        cx: &mut Context<'_>,
        socket: &dyn AsyncUdpSocket,
        mut each: impl FnMut(&[u8]),
    ) -> Poll<std::io::Result<usize>> {
        let mut chunks = self.slots.chunks_mut(SLOT);
        let mut bufs: [IoSliceMut<'_>; BATCH] =
            std::array::from_fn(|_| IoSliceMut::new(chunks.next().unwrap_or_default()));
        let filled = match socket.poll_recv(cx, &mut bufs, &mut self.meta) {
            Poll::Ready(Ok(filled)) => filled,
            other => return other,
        };
        for (meta, buf) in self.meta.iter().zip(&bufs).take(filled) {
            let received = buf.get(..meta.len).unwrap_or(buf);
            // A coalesced train (not on loopback, but cheap to honour) is split at its stride.
            for datagram in received.chunks(meta.stride.max(1)) {
                each(datagram);
            }
        }
        Poll::Ready(Ok(filled))
    }
}
