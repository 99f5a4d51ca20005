//! The handle a program holds: start the loop, talk to it, read its events and counters.

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use async_channel::{Receiver, Sender};
use hark_core::audio::{AudioEvent, AudioService, ConfigError};
use hark_core::directory::{Directory, DirectoryChange, DirectoryError};
use hark_core::wire::audio::{AudioPacket, IdError, UserId};

use super::config::AudioServerConfig;
use super::driver::{AudioDriver, Command};
use super::stats::ServerStats;
use crate::events::EventSink;
use crate::runtime::Runtime;
use crate::udp;
use crate::udp_port::UdpPort;

/// Commands in flight from handles to the loop.
const COMMAND_QUEUE: usize = 1024;

/// Why a server call failed.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("the audio server is not running")]
    NotRunning,
    #[error("the audio server is already running")]
    AlreadyRunning,
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: io::Error },
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Directory(#[from] DirectoryError),
    #[error("invalid user id: {0}")]
    UserId(#[from] IdError),
}

/// Receives the audio server's events; see [`crate::events::EventReceiver`].
pub type EventReceiver = crate::events::EventReceiver<AudioEvent>;

#[derive(Debug)]
struct Running {
    commands: Sender<Command>,
    local_addr: SocketAddr,
}

/// A UDP audio relay (seed 000's `AudioServer`), generic over the async runtime.
#[derive(Debug)]
pub struct AudioServer<R: Runtime> {
    runtime: Arc<R>,
    config: AudioServerConfig,
    directory: Directory,
    events: EventSink<AudioEvent>,
    events_rx: Option<Receiver<AudioEvent>>,
    stats: Arc<Mutex<ServerStats>>,
    running: Option<Running>,
}

impl<R: Runtime + Default> AudioServer<R> {
    /// A server for `directory`'s channels, not yet listening.
    pub fn new(config: AudioServerConfig, directory: Directory) -> Self {
        Self::with_runtime(R::default(), config, directory)
    }
}

impl<R: Runtime> AudioServer<R> {
    pub fn with_runtime(runtime: R, config: AudioServerConfig, directory: Directory) -> Self {
        let (events, rx) = EventSink::new(config.event_queue);
        Self {
            runtime: Arc::new(runtime),
            config,
            directory,
            events,
            events_rx: Some(rx),
            stats: Arc::default(),
            running: None,
        }
    }

    /// Binds the socket and starts the loop in the background; returns the bound address.
    pub async fn start(&mut self) -> Result<SocketAddr, ServerError> {
        if self.running.is_some() {
            return Err(ServerError::AlreadyRunning);
        }
        let now = std::time::Instant::now();
        let svc = AudioService::new(self.config.core.clone(), self.directory.clone(), now)?;
        let addr = self.config.bind_addr;
        let socket = udp::bind(&*self.runtime, addr, self.config.buffer_size)
            .map_err(|source| ServerError::Bind { addr, source })?;
        let local_addr = socket
            .local_addr()
            .map_err(|source| ServerError::Bind { addr, source })?;
        let (commands, command_rx) = async_channel::bounded(COMMAND_QUEUE);
        let driver = AudioDriver {
            timer: self.runtime.new_timer(svc.poll_timeout()),
            svc,
            initial: (self.config.core.clone(), self.directory.clone()),
            udp: UdpPort::new(socket, self.config.send_queue),
            runtime: self.runtime.clone(),
            commands: Box::pin(command_rx),
            events: self.events.clone(),
            stats: self.stats.clone(),
            clock: self.config.wall_clock,
            counters: ServerStats::default(),
        };
        self.runtime.spawn(Box::pin(driver.run()));
        tracing::info!(addr = %local_addr, "audio server listening");
        self.running = Some(Running {
            commands,
            local_addr,
        });
        Ok(local_addr)
    }

    /// The address the socket is bound to, once started.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.running.as_ref().map(|r| r.local_addr)
    }

    /// The event stream; `Some` once. Events are only queued after it has been taken.
    pub fn take_event_receiver(&mut self) -> Option<EventReceiver> {
        let rx = self.events_rx.take()?;
        self.events.mark_taken();
        Some(EventReceiver::new(rx))
    }

    /// Sends one packet to `addr`, as is.
    pub async fn send_packet(
        &self,
        packet: &AudioPacket,
        addr: SocketAddr,
    ) -> Result<(), ServerError> {
        let payload = packet.encode();
        self.command(Command::Send { dst: addr, payload }).await
    }

    /// Sends `packet` to every active member of the packet's channel except the sessions of
    /// `exclude_user`; returns how many destinations it went to.
    pub async fn broadcast_to_channel(
        &self,
        packet: &AudioPacket,
        exclude_user: Option<&str>,
    ) -> Result<usize, ServerError> {
        let exclude_user = exclude_user.map(UserId::new).transpose()?;
        let (reply, answer) = async_channel::bounded(1);
        self.command(Command::Broadcast {
            channel_id: packet.header.channel_id,
            exclude_user,
            payload: packet.encode(),
            reply,
        })
        .await?;
        answer.recv().await.map_err(|_| ServerError::NotRunning)
    }

    /// Bans, unbans, adds or removes members or channels; sessions the change no longer admits end
    /// at once.
    pub async fn apply_directory_change(&self, change: DirectoryChange) -> Result<(), ServerError> {
        let (reply, answer) = async_channel::bounded(1);
        self.command(Command::Directory { change, reply }).await?;
        Ok(answer.recv().await.map_err(|_| ServerError::NotRunning)??)
    }

    /// Ends every session (clients are told `server_closing`) and undoes run-time directory
    /// changes, as a restart would; keeps serving.
    pub async fn reset(&self) -> Result<(), ServerError> {
        let (reply, answer) = async_channel::bounded(1);
        self.command(Command::Reset { reply }).await?;
        answer.recv().await.map_err(|_| ServerError::NotRunning)
    }

    /// The latest counters.
    pub fn get_stats(&self) -> ServerStats {
        self.stats.lock().map(|s| *s).unwrap_or_default()
    }

    /// Tells every session the server is closing, sends what is queued (for at most half a
    /// second) and stops the loop.
    pub async fn shutdown(&mut self) -> Result<(), ServerError> {
        let (reply, answer) = async_channel::bounded(1);
        self.command(Command::Shutdown { reply }).await?;
        let stopped = answer.recv().await.map_err(|_| ServerError::NotRunning);
        self.running = None;
        stopped
    }

    /// A handle for other tasks (the admin socket): commands only, no events.
    pub fn controller(&self) -> Result<AudioController, ServerError> {
        let running = self.running.as_ref().ok_or(ServerError::NotRunning)?;
        Ok(AudioController {
            commands: running.commands.clone(),
            stats: self.stats.clone(),
        })
    }

    async fn command(&self, command: Command) -> Result<(), ServerError> {
        let running = self.running.as_ref().ok_or(ServerError::NotRunning)?;
        running
            .commands
            .send(command)
            .await
            .map_err(|_| ServerError::NotRunning)
    }
}

/// A cloneable, runtime-free handle to a running audio server's loop.
#[derive(Debug, Clone)]
pub struct AudioController {
    commands: Sender<Command>,
    stats: Arc<Mutex<ServerStats>>,
}

impl AudioController {
    pub fn get_stats(&self) -> ServerStats {
        self.stats.lock().map(|s| *s).unwrap_or_default()
    }

    pub async fn apply_directory_change(&self, change: DirectoryChange) -> Result<(), ServerError> {
        let (reply, answer) = async_channel::bounded(1);
        self.commands
            .send(Command::Directory { change, reply })
            .await
            .map_err(|_| ServerError::NotRunning)?;
        Ok(answer.recv().await.map_err(|_| ServerError::NotRunning)??)
    }

    pub async fn reset(&self) -> Result<(), ServerError> {
        let (reply, answer) = async_channel::bounded(1);
        self.commands
            .send(Command::Reset { reply })
            .await
            .map_err(|_| ServerError::NotRunning)?;
        answer.recv().await.map_err(|_| ServerError::NotRunning)
    }
}
