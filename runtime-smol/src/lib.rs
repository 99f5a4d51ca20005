//! hark on smol. [`SmolRuntime`] implements hark-driver's `Runtime`; [`AudioServer`] is the seed's
//! library API on it, with the same shape as on tokio:
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

use std::future::Future;
use std::io::{self, IoSliceMut};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use futures_lite::StreamExt;
use hark_driver::runtime::{
    AsyncTimer, AsyncUdpSocket, BoxFuture, RecvMeta, Runtime, UdpSocketState, UdpTransmit,
};
use smol::{Async, Timer};

pub use hark_driver::audio::{
    AudioServerConfig, AudioServerEvent, EventReceiver, ServerError, ServerStats, StateStats,
};

/// The audio server on smol; its loop runs on smol's global executor.
pub type AudioServer = hark_driver::audio::AudioServer<SmolRuntime>;

/// smol as a hark runtime: async-io's reactor and timers, smol's global executor.
#[derive(Debug, Default, Clone, Copy)]
pub struct SmolRuntime;

impl Runtime for SmolRuntime {
    fn new_timer(&self, deadline: Instant) -> Pin<Box<dyn AsyncTimer>> {
        Box::pin(SmolTimer(Timer::at(deadline)))
    }

    fn spawn(&self, future: BoxFuture) {
        smol::spawn(future).detach();
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
