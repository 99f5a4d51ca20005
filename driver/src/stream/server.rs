//! The library API: a [`StreamServer`] listens, accepts and serves each connection on a task of
//! its own (the core's service is immutable, so there is no loop to own it); a
//! [`StreamController`] reads the counters and resets or stops the server from anywhere (the
//! admin socket, `serve`'s shutdown).

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use async_channel::{Receiver, Sender};
use hark_core::stream::{StreamConfigError, StreamService};

use super::config::StreamServerConfig;
use super::connection::{self, Shared};
use super::limits::ConnectionLimits;
use super::log;
use super::stats::StreamServerStats;
use crate::accept::{Accepted, accept_loop};
use crate::runtime::Runtime;
use crate::tcp;

/// Accepted connections waiting to be admitted; beyond it the kernel's backlog holds them.
const ACCEPT_QUEUE: usize = 64;

/// Why a stream server call failed.
#[derive(Debug, thiserror::Error)]
pub enum StreamServerError {
    #[error("the stream server is not running")]
    NotRunning,
    #[error("the stream server is already running")]
    AlreadyRunning,
    #[error("cannot listen on http://{addr}: {source}")]
    Listen { addr: SocketAddr, source: io::Error },
    #[error("invalid stream setting: {0}")]
    Config(#[from] hark_core::ConfigError),
    #[error("invalid stream setting: {0}")]
    Service(#[from] StreamConfigError),
}

/// The `stream` service on a runtime: signed files over HTTP/1.1 (stream.md).
#[derive(Debug)]
pub struct StreamServer<R: Runtime> {
    runtime: Arc<R>,
    config: StreamServerConfig,
    secret: Vec<u8>,
    running: Option<Running>,
    controller: StreamController,
}

#[derive(Debug)]
struct Running {
    local_addr: SocketAddr,
    /// Ends when the server has stopped accepting (nothing is ever sent).
    stopped: Receiver<()>,
}

impl<R: Runtime + Default> StreamServer<R> {
    /// A server signing with `secret` (`SECRET_KEY`, stream.md §4).
    pub fn new(config: StreamServerConfig, secret: impl Into<Vec<u8>>) -> Self {
        Self::with_runtime(R::default(), config, secret)
    }
}

impl<R: Runtime> StreamServer<R> {
    pub fn with_runtime(
        runtime: R,
        config: StreamServerConfig,
        secret: impl Into<Vec<u8>>,
    ) -> Self {
        Self {
            runtime: Arc::new(runtime),
            config,
            secret: secret.into(),
            running: None,
            controller: StreamController::default(),
        }
    }

    /// Listens on the configured address and serves in the background; returns the bound address.
    pub async fn start(&mut self) -> Result<SocketAddr, StreamServerError> {
        if self.running.is_some() {
            return Err(StreamServerError::AlreadyRunning);
        }
        let config = &self.config;
        config.validate()?;
        let service = StreamService::new(config.core.clone(), self.secret.clone())?;
        let runtime: Arc<dyn Runtime> = self.runtime.clone();
        let addr = config.bind_addr;
        let listener = tcp::listen(&*runtime, addr)
            .map_err(|source| StreamServerError::Listen { addr, source })?;
        let local_addr = listener
            .local_addr()
            .map_err(|source| StreamServerError::Listen { addr, source })?;
        let shared = Arc::new(Shared {
            service,
            media_dir: config.media_dir.clone(),
            clock: Mutex::new(config.wall_clock),
            counters: Default::default(),
            header_timeout: config.header_timeout,
            keepalive_timeout: config.keepalive_timeout,
            send_timeout: config.send_timeout,
            runtime: Arc::clone(&runtime),
        });
        let (accepted_tx, accepted_rx) = async_channel::bounded(ACCEPT_QUEUE);
        let (stop, stop_rx) = async_channel::bounded(1);
        let (done, stopped) = async_channel::bounded(1);
        let limits = ConnectionLimits::new(config.max_connections, config.connection_limit_per_ip);
        runtime.spawn(Box::pin(admit(
            Arc::clone(&shared),
            limits,
            accepted_rx,
            done,
        )));
        runtime.spawn(Box::pin(accept_loop(
            "stream",
            listener,
            accepted_tx,
            stop_rx,
            Arc::clone(&runtime),
        )));
        self.controller.started(shared, stop);
        tracing::info!(service = "stream", addr = %local_addr, media_dir = %config.media_dir.display(), "listening");
        self.running = Some(Running {
            local_addr,
            stopped,
        });
        Ok(local_addr)
    }

    /// Starts and serves until [`StreamController::shutdown`].
    pub async fn run(mut self) -> Result<(), StreamServerError> {
        self.start().await?;
        if let Some(running) = self.running.take() {
            // Nothing is ever sent: this ends when the server stops accepting.
            let _ = running.stopped.recv().await;
        }
        Ok(())
    }

    /// The bound address, once started.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.running.as_ref().map(|running| running.local_addr)
    }

    pub fn get_stats(&self) -> StreamServerStats {
        self.controller.get_stats()
    }

    /// A cloneable, runtime-free handle.
    pub fn controller(&self) -> StreamController {
        self.controller.clone()
    }

    /// Stops accepting. Responses under way are finished on their own tasks.
    pub async fn shutdown(&self) -> Result<(), StreamServerError> {
        self.controller.shutdown().await
    }
}

/// Admits each accepted connection under the bounds and serves it on a task of its own; ends
/// when the accept loop does.
async fn admit(
    shared: Arc<Shared>,
    limits: ConnectionLimits,
    accepted: Receiver<Accepted>,
    _done: Sender<()>,
) {
    while let Ok(Accepted { stream, peer }) = accepted.recv().await {
        match limits.admit(peer.ip()) {
            Some(slot) => shared.runtime.spawn(Box::pin(connection::serve(
                Arc::clone(&shared),
                stream,
                peer,
                slot,
            ))),
            None => {
                shared.counters.refused();
                log::connection_refused(peer);
            }
        }
    }
}

/// A cloneable, runtime-free handle to a stream server.
#[derive(Debug, Clone, Default)]
pub struct StreamController(Arc<Mutex<Control>>);

#[derive(Debug, Default)]
struct Control {
    shared: Option<Arc<Shared>>,
    /// Dropping it stops the accept loop.
    stop: Option<Sender<()>>,
}

impl StreamController {
    fn started(&self, shared: Arc<Shared>, stop: Sender<()>) {
        if let Ok(mut control) = self.0.lock() {
            control.shared = Some(shared);
            control.stop = Some(stop);
        }
    }

    fn shared(&self) -> Option<Arc<Shared>> {
        self.0
            .lock()
            .ok()
            .and_then(|control| control.shared.clone())
    }

    /// `/health`'s counters, and the connections refused.
    pub fn get_stats(&self) -> StreamServerStats {
        self.shared()
            .map(|shared| shared.counters.snapshot())
            .unwrap_or_default()
    }

    /// Zeroes the counters (not the open connections) and rewinds a shifted clock to its start,
    /// as a restart would; connections are kept.
    pub async fn reset(&self) -> Result<(), StreamServerError> {
        let shared = self.shared().ok_or(StreamServerError::NotRunning)?;
        shared.counters.reset();
        if let Ok(mut clock) = shared.clock.lock() {
            clock.rewind();
        }
        Ok(())
    }

    /// Stops accepting; responses under way are finished on their own tasks.
    pub async fn shutdown(&self) -> Result<(), StreamServerError> {
        let stop = self
            .0
            .lock()
            .ok()
            .and_then(|mut control| control.stop.take());
        match stop {
            Some(stop) => {
                drop(stop);
                Ok(())
            }
            None => Err(StreamServerError::NotRunning),
        }
    }
}
