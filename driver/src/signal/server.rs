//! The library API: a [`SignalServer`] listens, accepts and runs the signal service's loop; a
//! [`SignalController`] talks to that loop from anywhere (the admin socket, `serve`'s shutdown).

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use async_channel::Receiver;
use hark_core::ConfigError;
use hark_core::directory::{Directory, DirectoryChange};
use hark_core::signal::{SignalEvent, SignalService};

use super::config::SignalServerConfig;
use super::service::{DirectoryUpdate, SignalLoop, router};
use super::stats::SignalServerStats;
use crate::events::{EventReceiver, EventSink};
use crate::runtime::Runtime;
use crate::ws::{self, Commands, ConnectionSettings, Handle, Stopped, WsSettings};

/// Why a signal server call failed.
#[derive(Debug, thiserror::Error)]
pub enum SignalServerError {
    #[error("the signal server is not running")]
    NotRunning,
    #[error("the signal server is already running")]
    AlreadyRunning,
    #[error("cannot listen on http://{addr}: {source}")]
    Listen { addr: SocketAddr, source: io::Error },
    #[error("invalid signal setting: {0}")]
    Config(#[from] ConfigError),
    #[error("no random seed for session ids: {0}")]
    Random(getrandom::Error),
    #[error("directory change refused: {0}")]
    Directory(String),
}

impl From<Stopped> for SignalServerError {
    fn from(Stopped: Stopped) -> Self {
        Self::NotRunning
    }
}

/// The signal server's events, as the core reports them.
pub type SignalEventReceiver = EventReceiver<SignalEvent>;

/// The `signal` service on a runtime: Socket.IO over WebSocket at `/socket.io/`, `/health` and
/// the development pages, and the loop that owns the service. Commands wait for the loop.
#[derive(Debug)]
pub struct SignalServer<R: Runtime> {
    runtime: Arc<R>,
    config: SignalServerConfig,
    directory: Directory,
    handle: Handle<DirectoryUpdate>,
    /// Taken by the loop when it starts.
    commands: Option<Commands<DirectoryUpdate>>,
    events: EventSink<SignalEvent>,
    events_rx: Option<Receiver<SignalEvent>>,
    stats: Arc<Mutex<SignalServerStats>>,
    running: Option<ws::Running>,
}

impl<R: Runtime + Default> SignalServer<R> {
    pub fn new(config: SignalServerConfig, directory: Directory) -> Self {
        Self::with_runtime(R::default(), config, directory)
    }
}

impl<R: Runtime> SignalServer<R> {
    pub fn with_runtime(runtime: R, config: SignalServerConfig, directory: Directory) -> Self {
        let (handle, commands) = Handle::new();
        let (events, events_rx) = EventSink::new(config.event_queue);
        Self {
            runtime: Arc::new(runtime),
            config,
            directory,
            handle,
            commands: Some(commands),
            events,
            events_rx: Some(events_rx),
            stats: Arc::default(),
            running: None,
        }
    }

    /// Listens on the configured address and serves in the background; returns the bound address.
    pub async fn start(&mut self) -> Result<SocketAddr, SignalServerError> {
        let config = &self.config;
        config.validate()?;
        let commands = self
            .commands
            .take()
            .ok_or(SignalServerError::AlreadyRunning)?;
        let seed = match config.rng_seed {
            Some(seed) => seed,
            None => {
                let mut seed = [0u8; 32];
                getrandom::fill(&mut seed).map_err(SignalServerError::Random)?;
                seed
            }
        };
        let svc = SignalService::new(config.core.clone(), self.directory.clone(), seed)?;
        let signal = SignalLoop {
            svc,
            clock: config.wall_clock,
            events: self.events.clone(),
            stats: self.stats.clone(),
        };
        let settings = WsSettings {
            bind_addr: config.bind_addr,
            connection: ConnectionSettings {
                read_buffer: config.read_buffer,
                max_ws_message: config.core.max_payload,
            },
            send_queue_bytes: config.send_queue_bytes,
            max_pending_requests: config.max_pending_requests,
            max_pending_per_ip: config.max_pending_per_ip(),
        };
        let routes = router(config.cors_origins.clone(), config.development);
        let addr = config.bind_addr;
        let running = ws::start(
            self.runtime.clone(),
            signal,
            routes,
            settings,
            commands,
            None,
        )
        .map_err(|source| SignalServerError::Listen { addr, source })?;
        let local_addr = running.local_addr;
        self.running = Some(running);
        Ok(local_addr)
    }

    /// The bound address, once started.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.running.as_ref().map(|running| running.local_addr)
    }

    /// Starts and serves until [`SignalController::shutdown`] or the last handle is dropped.
    pub async fn run(mut self) -> Result<(), SignalServerError> {
        self.start().await?;
        if let Some(running) = self.running.take() {
            // Nothing is ever sent: this ends when the loop drops its sender.
            let _ = running.stopped.recv().await;
        }
        Ok(())
    }

    /// The event stream; `Some` once. Events are only queued after it has been taken; a consumer
    /// that falls behind loses the newest (counted in `events_dropped`).
    pub fn take_event_receiver(&mut self) -> Option<SignalEventReceiver> {
        let rx = self.events_rx.take()?;
        self.events.mark_taken();
        Some(EventReceiver::new(rx))
    }

    /// A cloneable, runtime-free handle to the loop.
    pub fn controller(&self) -> SignalController {
        SignalController {
            handle: self.handle.clone(),
            stats: self.stats.clone(),
        }
    }
}

/// A cloneable, runtime-free handle to a signal server's loop.
#[derive(Debug, Clone)]
pub struct SignalController {
    handle: Handle<DirectoryUpdate>,
    stats: Arc<Mutex<SignalServerStats>>,
}

impl SignalController {
    pub fn get_stats(&self) -> SignalServerStats {
        self.stats.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Closes every session (Engine.IO `1`, then 1001) and forgets rooms and limiter keys.
    pub async fn reset(&self) -> Result<(), SignalServerError> {
        Ok(self.handle.reset().await?)
    }

    /// Applies an operator's directory change (signal.md §6): members it refuses leave their room
    /// and are told why.
    pub async fn apply_directory_change(
        &self,
        change: DirectoryChange,
    ) -> Result<(), SignalServerError> {
        let (reply, answer) = async_channel::bounded(1);
        self.handle
            .service(DirectoryUpdate { change, reply })
            .await?;
        let result = answer
            .recv()
            .await
            .map_err(|_| SignalServerError::NotRunning)?;
        result.map_err(SignalServerError::Directory)
    }

    /// Closes every session (Engine.IO `1`, then 1001), gives the sockets up to half a second to
    /// take it, and stops.
    pub async fn shutdown(&self) -> Result<(), SignalServerError> {
        Ok(self.handle.shutdown().await?)
    }
}
