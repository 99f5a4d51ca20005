//! The library API: a [`SignalServer`] listens, accepts and runs the signal service's loop; a
//! [`SignalController`] talks to that loop from anywhere (the admin socket, `serve`'s shutdown).

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use hark_core::ConfigError;
use hark_core::directory::{Directory, DirectoryChange};
use hark_core::signal::{SignalEvent, SignalService};

use super::config::SignalServerConfig;
use super::service::{DirectoryUpdate, SignalLoop, router};
use super::sfu::SfuDialer;
use super::stats::SignalServerStats;
use crate::events::EventReceiver;
use crate::runtime::Runtime;
use crate::ws::{self, ConnectionSettings, Controller, Hosted, Stopped, WsSettings};

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

/// Reports from the SFU link waiting for the loop (signal.md §8.7): a link's task stops reading
/// while the queue is full, so a fast SFU waits for the loop instead of growing memory.
const SFU_REPORT_QUEUE: usize = 64;
/// Unwritten bytes the SFU link may hold; a message beyond it ends the link (§8.6, the driver's
/// send queue overflowing). The SFU carries every room's negotiation, hence more than a client's.
const SFU_SEND_QUEUE_BYTES: usize = 4 * 1024 * 1024;

/// The signal server's events, as the core reports them.
pub type SignalEventReceiver = EventReceiver<SignalEvent>;

/// The `signal` service on a runtime: Socket.IO over WebSocket at `/socket.io/`, `/health` and
/// the development pages, and the loop that owns the service. Commands wait for the loop.
#[derive(Debug)]
pub struct SignalServer<R: Runtime> {
    runtime: Arc<R>,
    config: SignalServerConfig,
    directory: Directory,
    hosted: Hosted<DirectoryUpdate, SignalEvent, SignalServerStats>,
}

impl<R: Runtime + Default> SignalServer<R> {
    pub fn new(config: SignalServerConfig, directory: Directory) -> Self {
        Self::with_runtime(R::default(), config, directory)
    }
}

impl<R: Runtime> SignalServer<R> {
    pub fn with_runtime(runtime: R, config: SignalServerConfig, directory: Directory) -> Self {
        Self {
            runtime: Arc::new(runtime),
            hosted: Hosted::new(config.event_queue),
            config,
            directory,
        }
    }

    /// Listens on the configured address and serves in the background; returns the bound address.
    pub async fn start(&mut self) -> Result<SocketAddr, SignalServerError> {
        let config = &self.config;
        config.validate()?;
        let commands = self
            .hosted
            .take_commands()
            .ok_or(SignalServerError::AlreadyRunning)?;
        let seed = ws::seed_or_random(config.rng_seed).map_err(SignalServerError::Random)?;
        // The link's reports wait here for the loop; a dial's task waits while it is full.
        let (reports, report_receiver) = async_channel::bounded(SFU_REPORT_QUEUE);
        let runtime: Arc<dyn Runtime> = self.runtime.clone();
        let sfu = config.sfu_url.clone().map(|url| {
            SfuDialer::new(
                Arc::clone(&runtime),
                url,
                reports,
                config.core.max_payload,
                SFU_SEND_QUEUE_BYTES,
            )
        });
        let signal = SignalLoop {
            svc: SignalService::new(config.core.clone(), self.directory.clone(), seed)?,
            clock: config.wall_clock,
            outbox: self.hosted.outbox(),
            sfu,
        };
        let routes = router(config.cors_origins.clone(), config.development);
        let settings = WsSettings {
            bind_addr: config.bind_addr,
            connection: ConnectionSettings {
                read_buffer: config.read_buffer,
                // A frame beyond `maxPayload` is refused by signal.md §2 rule 1 whole.
                max_ws_message: config.core.max_payload,
            },
            send_queue_bytes: config.send_queue_bytes,
            max_pending_requests: config.max_pending_requests,
            max_pending_per_ip: config.max_pending_per_ip(),
        };
        let addr = config.bind_addr;
        let running = ws::start(
            runtime,
            signal,
            routes,
            settings,
            commands,
            Some(report_receiver),
        )
        .map_err(|source| SignalServerError::Listen { addr, source })?;
        Ok(self.hosted.started(running))
    }

    /// The bound address, once started.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.hosted.local_addr()
    }

    /// Starts and serves until [`SignalController::shutdown`] or the last handle is dropped.
    pub async fn run(mut self) -> Result<(), SignalServerError> {
        self.start().await?;
        self.hosted.stopped().await;
        Ok(())
    }

    /// The event stream; `Some` once. Events are only queued after it has been taken; a consumer
    /// that falls behind loses the newest (counted in `events_dropped`).
    pub fn take_event_receiver(&mut self) -> Option<SignalEventReceiver> {
        self.hosted.take_event_receiver()
    }

    /// A cloneable, runtime-free handle to the loop.
    pub fn controller(&self) -> SignalController {
        SignalController(self.hosted.controller())
    }
}

/// A cloneable, runtime-free handle to a signal server's loop.
#[derive(Debug, Clone)]
pub struct SignalController(Controller<DirectoryUpdate, SignalServerStats>);

impl SignalController {
    pub fn get_stats(&self) -> SignalServerStats {
        self.0.get_stats()
    }

    /// Applies an operator's directory change (signal.md §6): members it refuses leave their room
    /// and are told why.
    pub async fn apply_directory_change(
        &self,
        change: DirectoryChange,
    ) -> Result<(), SignalServerError> {
        let (reply, answer) = async_channel::bounded(1);
        self.0.service(DirectoryUpdate { change, reply }).await?;
        let result = answer
            .recv()
            .await
            .map_err(|_| SignalServerError::NotRunning)?;
        result.map_err(SignalServerError::Directory)
    }

    /// Closes every session (Engine.IO `1`, then 1001) and forgets rooms and limiter keys.
    pub async fn reset(&self) -> Result<(), SignalServerError> {
        Ok(self.0.reset().await?)
    }

    /// Closes every session (Engine.IO `1`, then 1001), gives the sockets up to half a second to
    /// take it, and stops.
    pub async fn shutdown(&self) -> Result<(), SignalServerError> {
        Ok(self.0.shutdown().await?)
    }
}
