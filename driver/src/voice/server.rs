//! The seed's library API: a [`ManagementServer`] (TCP) and a [`VoiceRelayServer`] (UDP) joined
//! by a [`ManagementLink`].
//!
//! hark's voice service is one sans-IO state machine, so the halves split the I/O, not the state:
//! the management half accepts connections and passes them over the link; the relay half owns the
//! service, its loop, the UDP socket and every connection's task. Everything the service needs
//! (secret, directory, limits) therefore travels in the link, and the builder lives on the
//! management half because that is where the seed's program starts.

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use async_channel::{Receiver, Sender};
use hark_core::ConfigError;
use hark_core::directory::{Directory, DirectoryChange, DirectoryError};
use hark_core::voice::{VoiceEvent, VoiceService};

use super::config::VoiceServerConfig;
use super::driver::{Command, ConnectionSettings, Initial, Seed, VoiceDriver};
use super::stats::VoiceServerStats;
use crate::accept::{Accepted, accept_loop};
use crate::events::{EventReceiver, EventSink};
use crate::runtime::{AsyncTcpListener, Runtime};
use crate::secret::{self, SecretError, SecretSource};
use crate::udp_port::UdpPort;
use crate::{config, tcp, udp};

/// Commands in flight from handles to the loop.
const COMMAND_QUEUE: usize = 1024;
/// Accepted connections waiting for the relay loop; beyond it the kernel's backlog holds them.
const ACCEPT_QUEUE: usize = 64;

/// Why a voice server call failed.
#[derive(Debug, thiserror::Error)]
pub enum VoiceServerError {
    #[error("the voice server is not running")]
    NotRunning,
    #[error("the voice server is already running")]
    AlreadyRunning,
    #[error("cannot listen on tcp://{addr}: {source}")]
    ListenTcp { addr: SocketAddr, source: io::Error },
    #[error("cannot listen on udp://{addr}: {source}")]
    ListenUdp { addr: SocketAddr, source: io::Error },
    #[error("invalid voice setting: {0}")]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Directory(#[from] DirectoryError),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error("no random seed for voice tokens: {0}")]
    Random(getrandom::Error),
}

/// The voice server's events, as the core reports them.
pub type VoiceEventReceiver = EventReceiver<VoiceEvent>;

/// Where the HS256 secret comes from.
#[derive(Debug, Clone)]
enum SecretChoice {
    /// `config.core.jwt.secret`, set by [`VoiceServerBuilder::secret`] or
    /// [`VoiceServerBuilder::config`].
    Configured,
    /// The data directory's `jwt_secret`, generated on first use, as `hark serve` does; `None`
    /// is the default data directory.
    Stored(Option<PathBuf>),
}

/// Settings for a voice server's two halves.
///
/// Without [`secret`](Self::secret) or [`config`](Self::config), the HS256 secret is the one
/// `hark serve` uses: `jwt_secret` in the data directory (`$XDG_DATA_HOME/hark`, else
/// `~/.local/share/hark`, or [`data_dir`](Self::data_dir)), generated there with mode 0600 on
/// first start — so `hark token --user NAME` mints tokens the server accepts. Without
/// [`directory`](Self::directory) there are no channels: users can log in, chat needs a channel.
#[derive(Debug)]
pub struct VoiceServerBuilder<R: Runtime> {
    runtime: R,
    config: VoiceServerConfig,
    secret: SecretChoice,
    directory: Directory,
}

impl<R: Runtime + Default> Default for VoiceServerBuilder<R> {
    fn default() -> Self {
        Self::with_runtime(R::default())
    }
}

impl<R: Runtime> VoiceServerBuilder<R> {
    pub fn with_runtime(runtime: R) -> Self {
        Self {
            runtime,
            config: VoiceServerConfig::new(Vec::new()),
            secret: SecretChoice::Stored(None),
            directory: Directory::default(),
        }
    }

    /// The HS256 secret login tokens are checked with.
    pub fn secret(mut self, secret: impl Into<Vec<u8>>) -> Self {
        self.config.core.jwt.secret = secret.into();
        self.secret = SecretChoice::Configured;
        self
    }

    /// Where the secret is kept when none is given.
    pub fn data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.secret = SecretChoice::Stored(Some(dir.into()));
        self
    }

    /// Every setting at once, the secret in `config.core.jwt` included.
    pub fn config(mut self, config: VoiceServerConfig) -> Self {
        self.config = config;
        self.secret = SecretChoice::Configured;
        self
    }

    /// The channels, their members and bans (the same directory `audio` serves).
    pub fn directory(mut self, directory: Directory) -> Self {
        self.directory = directory;
        self
    }

    /// The two halves and the link between them.
    pub fn build(self) -> (ManagementServer<R>, ManagementLink<R>) {
        let runtime = Arc::new(self.runtime);
        let (accepted_tx, accepted_rx) = async_channel::bounded(ACCEPT_QUEUE);
        let (alive_tx, alive_rx) = async_channel::bounded(1);
        let management = ManagementServer {
            runtime: Arc::clone(&runtime),
            addr: self.config.management_addr,
            accepted: accepted_tx,
            relay: alive_rx.clone(),
            listener: None,
            local_addr: None,
        };
        let link = ManagementLink {
            runtime,
            accepted: accepted_rx,
            alive: alive_tx,
            stopped: alive_rx,
            config: self.config,
            secret: self.secret,
            directory: self.directory,
        };
        (management, link)
    }
}

/// The channel from the management half to the relay half (the seed's `events_rx`): accepted
/// connections, and the settings the relay's service is built with.
#[derive(Debug)]
pub struct ManagementLink<R: Runtime> {
    runtime: Arc<R>,
    accepted: Receiver<Accepted>,
    /// Held by the relay loop; its end stops the management half.
    alive: Sender<()>,
    stopped: Receiver<()>,
    config: VoiceServerConfig,
    secret: SecretChoice,
    directory: Directory,
}

/// The management server (TCP): accepts connections for the relay half, which runs the protocol.
/// It stops accepting when the relay stops.
#[derive(Debug)]
pub struct ManagementServer<R: Runtime> {
    runtime: Arc<R>,
    addr: SocketAddr,
    accepted: Sender<Accepted>,
    relay: Receiver<()>,
    listener: Option<Box<dyn AsyncTcpListener>>,
    local_addr: Option<SocketAddr>,
}

impl<R: Runtime + Default> ManagementServer<R> {
    /// The seed's constructor: default settings, the stored secret (see [`VoiceServerBuilder`]),
    /// no channels.
    pub fn new() -> (Self, ManagementLink<R>) {
        Self::builder().build()
    }

    pub fn builder() -> VoiceServerBuilder<R> {
        VoiceServerBuilder::default()
    }
}

impl<R: Runtime> ManagementServer<R> {
    /// Listens on the configured address and accepts in the background; returns the bound
    /// address.
    pub async fn start(&mut self) -> Result<SocketAddr, VoiceServerError> {
        let local_addr = self.listen(self.addr)?;
        if let Some(listener) = self.listener.take() {
            self.runtime.spawn(Box::pin(accept_loop(
                "voice",
                listener,
                self.accepted.clone(),
                self.relay.clone(),
                self.runtime.clone(),
            )));
        }
        Ok(local_addr)
    }

    /// The seed's `run`: listens on `port` (on the configured IP address, `0.0.0.0` by default)
    /// and accepts until the relay stops.
    pub async fn run(mut self, port: u16) -> Result<(), VoiceServerError> {
        self.listen(SocketAddr::new(self.addr.ip(), port))?;
        if let Some(listener) = self.listener.take() {
            accept_loop("voice", listener, self.accepted, self.relay, self.runtime).await;
        }
        Ok(())
    }

    /// The bound address, once listening.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.local_addr
    }

    fn listen(&mut self, addr: SocketAddr) -> Result<SocketAddr, VoiceServerError> {
        if self.local_addr.is_some() {
            return Err(VoiceServerError::AlreadyRunning);
        }
        let listen_error = |source| VoiceServerError::ListenTcp { addr, source };
        let listener = tcp::listen(&*self.runtime, addr).map_err(listen_error)?;
        let local_addr = listener.local_addr().map_err(listen_error)?;
        tracing::info!(addr = %local_addr, "voice management listening");
        self.listener = Some(listener);
        self.local_addr = Some(local_addr);
        Ok(local_addr)
    }
}

/// The voice relay (UDP) and the voice service's loop. Commands (directory changes, reset,
/// shutdown) go to the loop through [`VoiceRelayServer::controller`] or the methods here; they
/// wait for the loop to start.
#[derive(Debug)]
pub struct VoiceRelayServer<R: Runtime> {
    runtime: Arc<R>,
    /// Taken when the loop starts.
    link: Option<ManagementLink<R>>,
    commands: Sender<Command>,
    /// Holds commands sent before the loop starts; taken by the loop.
    command_rx: Option<Receiver<Command>>,
    events: EventSink<VoiceEvent>,
    events_rx: Option<async_channel::Receiver<VoiceEvent>>,
    stats: Arc<Mutex<VoiceServerStats>>,
    stopped: Receiver<()>,
    local_addr: Option<SocketAddr>,
}

impl<R: Runtime> VoiceRelayServer<R> {
    /// The relay half for `link`'s management half.
    pub fn new(link: ManagementLink<R>) -> Self {
        let (commands, command_rx) = async_channel::bounded(COMMAND_QUEUE);
        let (events, events_rx) = EventSink::new(link.config.event_queue);
        Self {
            runtime: Arc::clone(&link.runtime),
            stopped: link.stopped.clone(),
            link: Some(link),
            commands,
            command_rx: Some(command_rx),
            events,
            events_rx: Some(events_rx),
            stats: Arc::default(),
            local_addr: None,
        }
    }

    /// Binds the configured relay address and starts the loop in the background; returns the
    /// bound address.
    pub async fn start(&mut self) -> Result<SocketAddr, VoiceServerError> {
        let addr = self
            .link
            .as_ref()
            .ok_or(VoiceServerError::AlreadyRunning)?
            .config
            .relay_addr;
        self.start_on(addr)
    }

    /// The seed's `run`: binds `port` (on the configured IP address, `0.0.0.0` by default) and
    /// serves until [`VoiceController::shutdown`] or the last handle is dropped.
    pub async fn run(&mut self, port: u16) -> Result<(), VoiceServerError> {
        let ip = self
            .link
            .as_ref()
            .ok_or(VoiceServerError::AlreadyRunning)?
            .config
            .relay_addr
            .ip();
        self.start_on(SocketAddr::new(ip, port))?;
        // Nothing is ever sent: this ends when the loop drops its sender.
        let _ = self.stopped.recv().await;
        Ok(())
    }

    fn start_on(&mut self, addr: SocketAddr) -> Result<SocketAddr, VoiceServerError> {
        let link = self.link.as_ref().ok_or(VoiceServerError::AlreadyRunning)?;
        let mut config = link.config.clone();
        if let SecretChoice::Stored(dir) = &link.secret {
            config.core.jwt.secret = stored_secret(dir.clone())?.into_bytes();
        }
        config.validate()?;
        let seed = config.rng_seed.map_or(Seed::Os, Seed::Fixed);
        let now = Instant::now();
        let svc = VoiceService::new(
            config.core.clone(),
            link.directory.clone(),
            seed.draw().map_err(VoiceServerError::Random)?,
            now,
        )?;
        let socket = udp::bind(&*self.runtime, addr, config.buffer_size)
            .map_err(|source| VoiceServerError::ListenUdp { addr, source })?;
        let local_addr = socket
            .local_addr()
            .map_err(|source| VoiceServerError::ListenUdp { addr, source })?;
        let (Some(link), Some(command_rx)) = (self.link.take(), self.command_rx.take()) else {
            return Err(VoiceServerError::AlreadyRunning);
        };
        let (inbound_tx, inbound_rx) = async_channel::unbounded();
        let runtime: Arc<dyn Runtime> = self.runtime.clone();
        let driver = VoiceDriver {
            timer: runtime.new_timer(svc.poll_timeout().unwrap_or(now)),
            svc,
            initial: Initial {
                config: config.core.clone(),
                directory: link.directory,
                seed,
            },
            udp: UdpPort::new(socket, config.send_queue),
            runtime,
            commands: Box::pin(command_rx),
            accepted: Some(Box::pin(link.accepted)),
            inbound: Box::pin(inbound_rx),
            inbound_tx,
            links: Default::default(),
            next_conn: 0,
            connection: ConnectionSettings {
                send_queue_bytes: config.send_queue_bytes,
                read_buffer: config.read_buffer,
            },
            events: self.events.clone(),
            stats: self.stats.clone(),
            clock: config.wall_clock,
            counters: VoiceServerStats::default(),
            _alive: link.alive,
        };
        self.runtime.spawn(Box::pin(driver.run()));
        tracing::info!(addr = %local_addr, "voice relay listening");
        self.local_addr = Some(local_addr);
        Ok(local_addr)
    }

    /// The relay socket's address, once started.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.local_addr
    }

    /// The event stream; `Some` once. Events are only queued after it has been taken; a consumer
    /// that falls behind loses the newest (counted in `events_dropped`).
    pub fn take_event_receiver(&mut self) -> Option<VoiceEventReceiver> {
        let rx = self.events_rx.take()?;
        self.events.mark_taken();
        Some(EventReceiver::new(rx))
    }

    /// A cloneable handle for other tasks (the admin socket, a signal handler).
    pub fn controller(&self) -> VoiceController {
        VoiceController {
            commands: self.commands.clone(),
            stats: self.stats.clone(),
        }
    }

    /// The latest counters.
    pub fn get_stats(&self) -> VoiceServerStats {
        self.controller().get_stats()
    }

    /// Applies a directory change; voice members it no longer admits leave their channel at once.
    pub async fn apply_directory_change(
        &self,
        change: DirectoryChange,
    ) -> Result<(), VoiceServerError> {
        self.controller().apply_directory_change(change).await
    }

    /// Closes every connection (clients are told `server_closing`) and undoes run-time directory
    /// changes, as a restart would; keeps serving.
    pub async fn reset(&self) -> Result<(), VoiceServerError> {
        self.controller().reset().await
    }

    /// Tells every client the server is closing, sends what is queued (for at most half a
    /// second) and stops the loop; the management half stops accepting.
    pub async fn shutdown(&self) -> Result<(), VoiceServerError> {
        if self.local_addr.is_none() {
            return Err(VoiceServerError::NotRunning);
        }
        self.controller().shutdown().await
    }
}

/// The data directory's secret, generated there on first use.
fn stored_secret(dir: Option<PathBuf>) -> Result<String, SecretError> {
    let dir = dir.unwrap_or_else(|| config::default_data_dir(&|key| std::env::var(key).ok()));
    let (secret, source) = secret::resolve(None, &dir)?;
    match source {
        SecretSource::Generated(path) => {
            tracing::info!(path = %path.display(), "generated a JWT secret (mode 0600)")
        }
        SecretSource::Stored(path) => {
            tracing::info!(path = %path.display(), "using the JWT secret")
        }
        SecretSource::Configured => {}
    }
    Ok(secret)
}

/// A cloneable, runtime-free handle to a voice server's loop.
#[derive(Debug, Clone)]
pub struct VoiceController {
    commands: Sender<Command>,
    stats: Arc<Mutex<VoiceServerStats>>,
}

impl VoiceController {
    pub fn get_stats(&self) -> VoiceServerStats {
        self.stats.lock().map(|s| *s).unwrap_or_default()
    }

    pub async fn apply_directory_change(
        &self,
        change: DirectoryChange,
    ) -> Result<(), VoiceServerError> {
        let (reply, answer) = async_channel::bounded(1);
        self.send(Command::Directory { change, reply }).await?;
        Ok(answer
            .recv()
            .await
            .map_err(|_| VoiceServerError::NotRunning)??)
    }

    pub async fn reset(&self) -> Result<(), VoiceServerError> {
        let (reply, answer) = async_channel::bounded(1);
        self.send(Command::Reset { reply }).await?;
        answer
            .recv()
            .await
            .map_err(|_| VoiceServerError::NotRunning)
    }

    pub async fn shutdown(&self) -> Result<(), VoiceServerError> {
        let (reply, answer) = async_channel::bounded(1);
        self.send(Command::Shutdown { reply }).await?;
        answer
            .recv()
            .await
            .map_err(|_| VoiceServerError::NotRunning)
    }

    async fn send(&self, command: Command) -> Result<(), VoiceServerError> {
        self.commands
            .send(command)
            .await
            .map_err(|_| VoiceServerError::NotRunning)
    }
}
