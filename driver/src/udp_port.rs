//! A server's UDP socket as its loop uses it: batched receives, a bounded send queue that waits
//! while the kernel buffer is full, and what went through. The same for every service that speaks
//! UDP (`audio`, the `voice` relay); the loop decides what to send and when to wait.

use std::future::poll_fn;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use hark_core::Transmit;

use crate::runtime::{AsyncTimer, AsyncUdpSocket};
use crate::udp::{RecvBatch, SendQueue};

/// What a [`UdpPort`] counted since it was opened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct UdpCounters {
    pub received: u64,
    pub sent: u64,
    /// Sends the kernel refused (other than a full buffer).
    pub send_errors: u64,
    /// Datagrams dropped because the send queue was full.
    pub send_dropped: u64,
}

pub(crate) struct UdpPort {
    socket: Arc<dyn AsyncUdpSocket>,
    recv: RecvBatch,
    send: SendQueue,
    /// The socket was full at the last flush: nothing is sent until it is writable again.
    blocked: bool,
    counters: UdpCounters,
}

impl UdpPort {
    /// `socket`, holding up to `send_queue` datagrams while it is full.
    pub fn new(socket: Arc<dyn AsyncUdpSocket>, send_queue: usize) -> Self {
        Self {
            socket,
            recv: RecvBatch::default(),
            send: SendQueue::new(send_queue),
            blocked: false,
            counters: UdpCounters::default(),
        }
    }

    pub fn counters(&self) -> UdpCounters {
        self.counters
    }

    /// Whether a full socket has become writable, so that a flush can go on.
    pub fn poll_writable(&mut self, cx: &mut Context<'_>) -> bool {
        if self.blocked && self.socket.poll_writable(cx).is_ready() {
            self.blocked = false;
            return true;
        }
        false
    }

    /// A batch of datagrams arrived: how many buffers [`UdpPort::receive`] may read, or `None`
    /// when the receive failed (logged; poll again).
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<usize>> {
        self.recv.poll_recv(cx, &*self.socket).map(|received| {
            // Unconnected UDP sockets report little; log and keep serving.
            received
                .inspect_err(|e| tracing::debug!(error = %e, "receive failed"))
                .ok()
        })
    }

    /// Calls `each(source, datagram)` for every datagram of the last `filled` buffers.
    pub fn receive(&mut self, filled: usize, mut each: impl FnMut(SocketAddr, Bytes)) {
        let received = &mut self.counters.received;
        self.recv.for_each(filled, |from, datagram| {
            *received += 1;
            each(from, datagram);
        });
    }

    /// Queues a transmit, or counts it dropped when the queue is full.
    pub fn queue(&mut self, transmit: Transmit) {
        if !self.send.push(transmit) {
            self.counters.send_dropped += 1;
        }
    }

    /// Sends what is queued, unless the socket is full.
    pub fn flush(&mut self) {
        if !self.blocked {
            let outcome = self.send.flush(&*self.socket);
            self.blocked = outcome.blocked;
            self.counters.sent += outcome.sent;
            self.counters.send_errors += outcome.failed;
        }
    }

    /// At shutdown: waits until the socket can take more of what is queued (`false`: flush and
    /// wait again), or until nothing is queued and `others_done` (`true`), or until `timer`
    /// fires (`true`).
    pub async fn wait_to_flush(
        &mut self,
        timer: &mut Pin<Box<dyn AsyncTimer>>,
        mut others_done: impl FnMut(&mut Context<'_>) -> bool,
    ) -> bool {
        let queued = !self.send.is_empty();
        let socket = &self.socket;
        let done = poll_fn(|cx| {
            if queued && socket.poll_writable(cx).is_ready() {
                return Poll::Ready(false);
            }
            if others_done(cx) && !queued {
                return Poll::Ready(true);
            }
            if timer.as_mut().poll(cx).is_ready() {
                return Poll::Ready(true);
            }
            Poll::Pending
        })
        .await;
        self.blocked = false;
        done
    }
}
