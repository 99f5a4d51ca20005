//! Sockets the generator drains on a timer instead of on readiness.
//!
//! With N listeners each receiving a datagram every millisecond, a readiness-driven generator
//! wakes for nearly every datagram and pays two receive calls for it (the datagram, then the
//! `WouldBlock` that re-arms readiness) — and every delivery the server makes wakes a sleeping
//! generator on the other core, which a real client on another machine never costs the server.
//! Measured on the 2-core VM this ran on, that put the generator near 90% of its core at the
//! load of scenario (a). A socket that is not registered with any reactor, drained every few
//! milliseconds, is read in batches and wakes nobody. Latency is measured on a few readiness-driven
//! *probe* listeners instead (see `generator`).
//!
//! [`PolledRuntime`] is hark-driver's `Runtime` with such sockets (timers, tasks, signals and TCP
//! are tokio's), so the sockets are bound and configured by `hark_driver::udp::bind` like every
//! other.

use std::io::{self, IoSliceMut};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use hark_driver::runtime::{
    AsyncTcpListener, AsyncTcpStream, AsyncTimer, AsyncUdpSocket, BoxFuture, IoFuture, RecvMeta,
    Runtime, UdpSocketState, UdpTransmit,
};
use hark_tokio::TokioRuntime;

/// tokio, except that UDP sockets are left out of the reactor.
#[derive(Debug, Default, Clone, Copy)]
pub struct PolledRuntime;

impl Runtime for PolledRuntime {
    fn new_timer(&self, deadline: Instant) -> Pin<Box<dyn AsyncTimer>> {
        TokioRuntime.new_timer(deadline)
    }

    fn spawn(&self, future: BoxFuture) {
        TokioRuntime.spawn(future);
    }

    fn wrap_udp_socket(
        &self,
        socket: std::net::UdpSocket,
        state: UdpSocketState,
    ) -> io::Result<Arc<dyn AsyncUdpSocket>> {
        Ok(Arc::new(PolledSocket { socket, state }))
    }

    fn wrap_tcp_listener(
        &self,
        listener: std::net::TcpListener,
    ) -> io::Result<Box<dyn AsyncTcpListener>> {
        TokioRuntime.wrap_tcp_listener(listener)
    }

    fn resolve(&self, host: String, port: u16) -> IoFuture<Vec<SocketAddr>> {
        TokioRuntime.resolve(host, port)
    }

    fn connect_tcp(&self, addr: SocketAddr) -> IoFuture<Box<dyn AsyncTcpStream>> {
        TokioRuntime.connect_tcp(addr)
    }

    fn shutdown_signal(&self) -> io::Result<BoxFuture> {
        TokioRuntime.shutdown_signal()
    }

    fn yield_now(&self) -> BoxFuture {
        TokioRuntime.yield_now()
    }
}

/// A non-blocking socket read with quinn-udp's `recvmmsg`. `poll_recv` never registers a waker:
/// its owner must poll again on a timer.
#[derive(Debug)]
struct PolledSocket {
    socket: std::net::UdpSocket,
    state: UdpSocketState,
}

impl AsyncUdpSocket for PolledSocket {
    fn poll_recv(
        &self,
        _cx: &mut Context<'_>,
        bufs: &mut [IoSliceMut<'_>],
        meta: &mut [RecvMeta],
    ) -> Poll<io::Result<usize>> {
        match self.state.recv((&self.socket).into(), bufs, meta) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Poll::Pending,
            result => Poll::Ready(result),
        }
    }

    fn poll_writable(&self, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn try_send(&self, transmit: &UdpTransmit<'_>) -> io::Result<()> {
        self.state.try_send((&self.socket).into(), transmit)
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }
}
