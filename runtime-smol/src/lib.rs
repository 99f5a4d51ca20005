//! hark on smol. [`SmolRuntime`] implements hark-driver's `Runtime`; [`AudioServer`] is seed 000's
//! library API on it, with the same shape as on tokio ([`voice`] has seed 001's, [`chat`] seed
//! 003's):
//!
//! ```no_run
//! # fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use hark_smol::{AudioServer, AudioServerConfig};
//! use hark_core::directory::Directory;
//!
//! smol::block_on(async {
//!     let mut server = AudioServer::new(AudioServerConfig::new("secret"), Directory::default());
//!     server.start().await?;
//!     let mut events = server.take_event_receiver().expect("taken once");
//!     while let Some(event) = events.recv().await {
//!         println!("{event:?}");
//!     }
//!     Ok(())
//! })
//! # }
//! ```

pub mod chat;
pub mod signal;
pub mod voice;

use std::future::Future;
use std::io::{self, IoSliceMut, Read, Write};
use std::net::SocketAddr;
use std::os::fd::{AsFd, BorrowedFd};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use futures_lite::StreamExt;
use hark_driver::runtime::{
    AsyncTcpListener, AsyncTcpStream, AsyncTimer, AsyncUdpSocket, BoxFuture, IoFuture, RecvMeta,
    Runtime, UdpSocketState, UdpTransmit,
};
use smol::{Async, Timer};

pub use hark_driver::audio::{
    AudioServerConfig, AudioServerEvent, EventReceiver, ServerError, ServerStats, StateStats,
};

/// The audio server on smol; its loop runs on smol's global executor.
pub type AudioServer = hark_driver::audio::AudioServer<SmolRuntime>;

/// smol as a hark runtime: async-io's reactor and timers, and either smol's global executor
/// (the default, for the library API inside someone else's smol program) or an executor of the
/// caller's, which the `hark-smol` binary runs on the thread that also polls the reactor.
///
/// The global executor runs its tasks on a thread of its own while the reactor is polled on
/// another, so every wake-up crosses threads: a connection's readiness and its task meet through a
/// futex and a context switch. One thread for both, as tokio's current-thread runtime does, saves
/// that per wake-up.
#[derive(Debug, Default, Clone)]
pub struct SmolRuntime {
    executor: Option<Arc<smol::Executor<'static>>>,
}

impl SmolRuntime {
    /// Tasks go to `executor`; whoever built it must run it (`smol::block_on(executor.run(…))`).
    pub fn with_executor(executor: Arc<smol::Executor<'static>>) -> Self {
        Self {
            executor: Some(executor),
        }
    }
}

impl Runtime for SmolRuntime {
    fn new_timer(&self, deadline: Instant) -> Pin<Box<dyn AsyncTimer>> {
        Box::pin(SmolTimer(Timer::at(deadline)))
    }

    fn spawn(&self, future: BoxFuture) {
        match &self.executor {
            Some(executor) => executor.spawn(future).detach(),
            None => smol::spawn(future).detach(),
        }
    }

    fn wrap_udp_socket(
        &self,
        socket: std::net::UdpSocket,
        state: UdpSocketState,
    ) -> io::Result<Arc<dyn AsyncUdpSocket>> {
        Ok(Arc::new(UdpSocket {
            io: Async::new_nonblocking(socket)?,
            state,
        }))
    }

    fn wrap_tcp_listener(
        &self,
        listener: std::net::TcpListener,
    ) -> io::Result<Box<dyn AsyncTcpListener>> {
        Ok(Box::new(TcpListener(Async::new_nonblocking(listener)?)))
    }

    fn resolve(&self, host: String, port: u16) -> IoFuture<Vec<SocketAddr>> {
        // smol's resolver runs `getaddrinfo` on its blocking thread pool.
        Box::pin(async move { smol::net::resolve((host.as_str(), port)).await })
    }

    fn connect_tcp(&self, addr: SocketAddr) -> IoFuture<Box<dyn AsyncTcpStream>> {
        Box::pin(async move {
            let stream: Box<dyn AsyncTcpStream> = Box::new(TcpStream(
                Async::<std::net::TcpStream>::connect(addr).await?,
            ));
            Ok(stream)
        })
    }

    fn shutdown_signal(&self) -> io::Result<BoxFuture> {
        use async_signal::{Signal, Signals};
        let mut signals = Signals::new([Signal::Term, Signal::Int])?;
        Ok(Box::pin(async move {
            signals.next().await;
        }))
    }

    fn yield_now(&self) -> BoxFuture {
        Box::pin(futures_lite::future::yield_now())
    }
}

#[derive(Debug)]
struct SmolTimer(Timer);

impl AsyncTimer for SmolTimer {
    fn reset(mut self: Pin<&mut Self>, deadline: Instant) {
        self.0.set_at(deadline);
    }

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.0).poll(cx).map(drop)
    }
}

#[derive(Debug)]
struct UdpSocket {
    io: Async<std::net::UdpSocket>,
    state: UdpSocketState,
}

impl AsyncUdpSocket for UdpSocket {
    fn poll_recv(
        &self,
        cx: &mut Context<'_>,
        bufs: &mut [IoSliceMut<'_>],
        meta: &mut [RecvMeta],
    ) -> Poll<io::Result<usize>> {
        loop {
            ready!(self.io.poll_readable(cx))?;
            match self.state.recv(self.io.get_ref().into(), bufs, meta) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                result => return Poll::Ready(result),
            }
        }
    }

    fn poll_writable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_writable(cx)
    }

    fn try_send(&self, transmit: &UdpTransmit<'_>) -> io::Result<()> {
        self.state.try_send(self.io.get_ref().into(), transmit)
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }
}

/// Runs a non-blocking operation, waiting on `ready` each time it would block. async-io reports
/// readiness as an edge, so the operation is tried first, as `Async`'s own `AsyncRead` does.
fn poll_io<T>(
    cx: &mut Context<'_>,
    mut ready: impl FnMut(&mut Context<'_>) -> Poll<io::Result<()>>,
    mut op: impl FnMut() -> io::Result<T>,
) -> Poll<io::Result<T>> {
    loop {
        match op() {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            result => return Poll::Ready(result),
        }
        ready!(ready(cx))?;
    }
}

#[derive(Debug)]
struct TcpListener(Async<std::net::TcpListener>);

impl AsyncTcpListener for TcpListener {
    fn poll_accept(
        &self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<(Box<dyn AsyncTcpStream>, SocketAddr)>> {
        let (stream, peer) = ready!(poll_io(
            cx,
            |cx| self.0.poll_readable(cx),
            || self.0.get_ref().accept()
        ))?;
        let stream: Box<dyn AsyncTcpStream> = Box::new(TcpStream(Async::new(stream)?));
        Poll::Ready(Ok((stream, peer)))
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.get_ref().local_addr()
    }
}

#[derive(Debug)]
struct TcpStream(Async<std::net::TcpStream>);

impl AsyncTcpStream for TcpStream {
    fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        poll_io(
            cx,
            |cx| self.0.poll_readable(cx),
            || self.0.get_ref().read(buf),
        )
    }

    fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        poll_io(
            cx,
            |cx| self.0.poll_writable(cx),
            || self.0.get_ref().write(buf),
        )
    }

    fn poll_write_with(
        &self,
        cx: &mut Context<'_>,
        op: &mut dyn FnMut(BorrowedFd<'_>) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        poll_io(
            cx,
            |cx| self.0.poll_writable(cx),
            || op(self.0.get_ref().as_fd()),
        )
    }
}

impl AsFd for TcpStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.0.get_ref().as_fd()
    }
}

#[cfg(test)]
mod tests {
    use std::future::poll_fn;

    use super::*;

    #[test]
    fn localhost_resolves_to_a_loopback_address() {
        let addrs =
            smol::block_on(SmolRuntime::default().resolve("localhost".into(), 5005)).unwrap();
        assert!(
            addrs
                .iter()
                .all(|a| a.ip().is_loopback() && a.port() == 5005)
        );
        assert!(!addrs.is_empty());
    }

    #[test]
    fn a_connected_stream_carries_bytes_to_the_listener() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let stream = smol::block_on(SmolRuntime::default().connect_tcp(addr)).unwrap();
        let written = smol::block_on(poll_fn(|cx| stream.poll_write(cx, b"hi"))).unwrap();
        assert_eq!(written, 2);
        let (mut accepted, _) = listener.accept().unwrap();
        let mut buf = [0; 2];
        accepted.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"hi");
    }

    #[test]
    fn connecting_to_a_closed_port_is_refused() {
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let error = smol::block_on(SmolRuntime::default().connect_tcp(addr)).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::ConnectionRefused);
    }
}
