//! The little a driver needs from an async runtime, after quinn's `Runtime` trait: timers, spawning,
//! and UDP and TCP sockets registered with the runtime's reactor. `hark-tokio` and `hark-smol`
//! implement it; every loop in this crate is written once against it.

use std::fmt;
use std::future::Future;
use std::io::{self, IoSliceMut};
use std::net::SocketAddr;
use std::os::fd::{AsFd, BorrowedFd};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

pub use quinn_udp::{RecvMeta, Transmit as UdpTransmit, UdpSocketState};

/// A boxed future the runtime can run in the background.
pub type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// A boxed future that ends in an I/O result: the runtime's outgoing operations.
pub type IoFuture<T> = Pin<Box<dyn Future<Output = io::Result<T>> + Send + 'static>>;

/// An async runtime as the drivers see it.
pub trait Runtime: Send + Sync + fmt::Debug + 'static {
    /// A timer that fires at `deadline`.
    fn new_timer(&self, deadline: Instant) -> Pin<Box<dyn AsyncTimer>>;

    /// Runs `future` to completion in the background.
    fn spawn(&self, future: BoxFuture);

    /// Registers a bound UDP socket with the runtime's reactor. The socket is already non-blocking
    /// and configured (buffer sizes, quinn-udp state).
    fn wrap_udp_socket(
        &self,
        socket: std::net::UdpSocket,
        state: UdpSocketState,
    ) -> io::Result<Arc<dyn AsyncUdpSocket>>;

    /// Registers a bound, listening TCP socket with the runtime's reactor. The socket is already
    /// non-blocking and configured (see `crate::tcp::listen`).
    fn wrap_tcp_listener(
        &self,
        listener: std::net::TcpListener,
    ) -> io::Result<Box<dyn AsyncTcpListener>>;

    /// Resolves `host` (a DNS name, or an IP literal without brackets) and `port` to addresses, in
    /// the resolver's order. The system resolver blocks, so it runs on the runtime's blocking pool,
    /// never on a thread that drives tasks.
    fn resolve(&self, host: String, port: u16) -> IoFuture<Vec<SocketAddr>>;

    /// Connects a TCP stream to `addr`. The stream is registered with the runtime's reactor and
    /// left as the kernel made it: socket options are the caller's, as for an accepted stream.
    fn connect_tcp(&self, addr: SocketAddr) -> IoFuture<Box<dyn AsyncTcpStream>>;

    /// Completes when the process is asked to stop (SIGINT or SIGTERM).
    fn shutdown_signal(&self) -> io::Result<BoxFuture>;

    /// Gives the runtime's other tasks, and its I/O and signal drivers, a turn. A loaded loop calls
    /// it between batches so that a single-threaded runtime keeps handling signals.
    fn yield_now(&self) -> BoxFuture;
}

/// A resettable timer.
pub trait AsyncTimer: Send + fmt::Debug {
    fn reset(self: Pin<&mut Self>, deadline: Instant);
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()>;
}

/// A UDP socket driven by the runtime's reactor, with quinn-udp's batched I/O underneath.
pub trait AsyncUdpSocket: Send + Sync + fmt::Debug {
    /// Receives up to `bufs.len()` datagrams (one `recvmmsg`), waiting until at least one arrives.
    fn poll_recv(
        &self,
        cx: &mut Context<'_>,
        bufs: &mut [IoSliceMut<'_>],
        meta: &mut [RecvMeta],
    ) -> Poll<io::Result<usize>>;

    /// Ready when a send might succeed.
    fn poll_writable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;

    /// Sends one datagram without waiting; `WouldBlock` when the socket buffer is full.
    fn try_send(&self, transmit: &UdpTransmit<'_>) -> io::Result<()>;

    fn local_addr(&self) -> io::Result<SocketAddr>;
}

/// A listening TCP socket driven by the runtime's reactor.
pub trait AsyncTcpListener: Send + Sync + fmt::Debug {
    /// Accepts the next connection, waiting until one arrives. The stream is registered with the
    /// same reactor and left as the kernel made it: socket options are the caller's
    /// (`crate::tcp::accepted`), so both runtimes set them in one place.
    fn poll_accept(
        &self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<(Box<dyn AsyncTcpStream>, SocketAddr)>>;

    fn local_addr(&self) -> io::Result<SocketAddr>;
}

/// A connected TCP stream driven by the runtime's reactor.
///
/// Both directions take `&self`, so one task can wait for readability and writability at once.
/// A kernel socket has no user-space buffer, so there is nothing to flush; options and
/// `shutdown` go through the file descriptor ([`AsFd`]), see `crate::tcp`.
pub trait AsyncTcpStream: Send + Sync + fmt::Debug + AsFd {
    /// Reads into `buf`, waiting until some bytes (or the end of the stream, `Ok(0)`) are there.
    fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>>;

    /// Writes from `buf`, waiting until the kernel takes at least one byte.
    fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>;

    /// Runs `op`, a non-blocking write of the caller's own on the socket's descriptor
    /// (`sendfile(2)`, `send(2)` with `MSG_MORE`), waiting until the socket is writable each time
    /// it fails with `WouldBlock`; `op`'s other results are returned as they are. `op` must not
    /// block: the descriptor is non-blocking, so any write to it returns at once.
    fn poll_write_with(
        &self,
        cx: &mut Context<'_>,
        op: &mut dyn FnMut(BorrowedFd<'_>) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>>;
}
