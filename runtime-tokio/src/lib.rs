//! hark on tokio. [`TokioRuntime`] implements hark-driver's `Runtime`; [`AudioServer`] is seed
//! 000's library API on it ([`voice`] has seed 001's, [`chat`] seed 003's):
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use hark_tokio::{AudioServer, AudioServerConfig};
//! use hark_core::directory::Directory;
//!
//! let mut server = AudioServer::new(AudioServerConfig::new("secret"), Directory::default());
//! server.start().await?;
//! let mut events = server.take_event_receiver().expect("taken once");
//! while let Some(event) = events.recv().await {
//!     println!("{event:?}");
//! }
//! # Ok(()) }
//! ```

pub mod chat;
pub mod signal;
pub mod voice;

use std::future::Future;
use std::io::{self, IoSliceMut};
use std::net::SocketAddr;
use std::os::fd::{AsFd, BorrowedFd};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use hark_driver::runtime::{
    AsyncTcpListener, AsyncTcpStream, AsyncTimer, AsyncUdpSocket, BoxFuture, IoFuture, RecvMeta,
    Runtime, UdpSocketState, UdpTransmit,
};
use tokio::io::Interest;

pub use hark_driver::audio::{
    AudioServerConfig, AudioServerEvent, EventReceiver, ServerError, ServerStats, StateStats,
};

/// The audio server on tokio. Call [`AudioServer::start`] inside a tokio runtime.
pub type AudioServer = hark_driver::audio::AudioServer<TokioRuntime>;

/// tokio as a hark runtime: the current runtime's timers, tasks and reactor.
#[derive(Debug, Default, Clone, Copy)]
pub struct TokioRuntime;

impl Runtime for TokioRuntime {
    fn new_timer(&self, deadline: Instant) -> Pin<Box<dyn AsyncTimer>> {
        Box::pin(Timer(Box::pin(tokio::time::sleep_until(deadline.into()))))
    }

    fn spawn(&self, future: BoxFuture) {
        tokio::spawn(future);
    }

    fn wrap_udp_socket(
        &self,
        socket: std::net::UdpSocket,
        state: UdpSocketState,
    ) -> io::Result<Arc<dyn AsyncUdpSocket>> {
        Ok(Arc::new(UdpSocket {
            io: tokio::net::UdpSocket::from_std(socket)?,
            state,
        }))
    }

    fn wrap_tcp_listener(
        &self,
        listener: std::net::TcpListener,
    ) -> io::Result<Box<dyn AsyncTcpListener>> {
        Ok(Box::new(TcpListener(tokio::net::TcpListener::from_std(
            listener,
        )?)))
    }

    fn resolve(&self, host: String, port: u16) -> IoFuture<Vec<SocketAddr>> {
        // tokio's lookup runs `getaddrinfo` with `spawn_blocking`.
        Box::pin(async move {
            Ok(tokio::net::lookup_host((host.as_str(), port))
                .await?
                .collect())
        })
    }

    fn connect_tcp(&self, addr: SocketAddr) -> IoFuture<Box<dyn AsyncTcpStream>> {
        Box::pin(async move {
            let stream: Box<dyn AsyncTcpStream> =
                Box::new(TcpStream(tokio::net::TcpStream::connect(addr).await?));
            Ok(stream)
        })
    }

    fn shutdown_signal(&self) -> io::Result<BoxFuture> {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate = signal(SignalKind::terminate())?;
        let mut interrupt = signal(SignalKind::interrupt())?;
        Ok(Box::pin(async move {
            tokio::select! {
                _ = terminate.recv() => {}
                _ = interrupt.recv() => {}
            }
        }))
    }

    fn yield_now(&self) -> BoxFuture {
        // tokio's own yield defers the task until the I/O and signal drivers have been polled.
        Box::pin(tokio::task::yield_now())
    }
}

#[derive(Debug)]
struct Timer(Pin<Box<tokio::time::Sleep>>);

impl AsyncTimer for Timer {
    fn reset(mut self: Pin<&mut Self>, deadline: Instant) {
        self.0.as_mut().reset(deadline.into());
    }

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.0.as_mut().poll(cx)
    }
}

#[derive(Debug)]
struct UdpSocket {
    io: tokio::net::UdpSocket,
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
            ready!(self.io.poll_recv_ready(cx))?;
            match self.io.try_io(Interest::READABLE, || {
                self.state.recv((&self.io).into(), bufs, meta)
            }) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                result => return Poll::Ready(result),
            }
        }
    }

    fn poll_writable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_send_ready(cx)
    }

    fn try_send(&self, transmit: &UdpTransmit<'_>) -> io::Result<()> {
        self.io.try_io(Interest::WRITABLE, || {
            self.state.try_send((&self.io).into(), transmit)
        })
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.local_addr()
    }
}

#[derive(Debug)]
struct TcpListener(tokio::net::TcpListener);

impl AsyncTcpListener for TcpListener {
    fn poll_accept(
        &self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<(Box<dyn AsyncTcpStream>, SocketAddr)>> {
        let (stream, peer) = ready!(self.0.poll_accept(cx))?;
        Poll::Ready(Ok((Box::new(TcpStream(stream)), peer)))
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }
}

#[derive(Debug)]
struct TcpStream(tokio::net::TcpStream);

impl AsyncTcpStream for TcpStream {
    fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        loop {
            ready!(self.0.poll_read_ready(cx))?;
            // A `WouldBlock` clears the readiness, so the next poll waits for the reactor.
            match self.0.try_read(buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                result => return Poll::Ready(result),
            }
        }
    }

    fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        loop {
            ready!(self.0.poll_write_ready(cx))?;
            match self.0.try_write(buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                result => return Poll::Ready(result),
            }
        }
    }

    fn poll_write_with(
        &self,
        cx: &mut Context<'_>,
        op: &mut dyn FnMut(BorrowedFd<'_>) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        loop {
            ready!(self.0.poll_write_ready(cx))?;
            // `try_io` clears the readiness on `WouldBlock`, so the next poll waits for the reactor.
            match self.0.try_io(Interest::WRITABLE, || op(self.0.as_fd())) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                result => return Poll::Ready(result),
            }
        }
    }
}

impl AsFd for TcpStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.0.as_fd()
    }
}

#[cfg(test)]
mod tests {
    use std::future::poll_fn;
    use std::io::Read;

    use super::*;

    #[tokio::test]
    async fn localhost_resolves_to_a_loopback_address() {
        let addrs = TokioRuntime
            .resolve("localhost".into(), 5005)
            .await
            .unwrap();
        assert!(
            addrs
                .iter()
                .all(|a| a.ip().is_loopback() && a.port() == 5005)
        );
        assert!(!addrs.is_empty());
    }

    #[tokio::test]
    async fn a_connected_stream_carries_bytes_to_the_listener() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let stream = TokioRuntime.connect_tcp(addr).await.unwrap();
        let written = poll_fn(|cx| stream.poll_write(cx, b"hi")).await.unwrap();
        assert_eq!(written, 2);
        let (mut accepted, _) = listener.accept().unwrap();
        let mut buf = [0; 2];
        accepted.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"hi");
    }

    #[tokio::test]
    async fn connecting_to_a_closed_port_is_refused() {
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let error = TokioRuntime.connect_tcp(addr).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::ConnectionRefused);
    }
}
