//! The library API: a [`ChatServer`] listens, accepts and runs the chat service's loop; a
//! [`ChatController`] talks to that loop from anywhere (the admin socket, `serve`'s shutdown).

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use async_channel::{Receiver, Sender};
use hark_core::ConfigError;
use hark_core::chat::{ChatEvent, ChatService};

use super::config::ChatServerConfig;
use super::connection::ConnectionSettings;
use super::driver::{ChatDriver, Command};
use super::pending::PendingRequests;
use super::stats::ChatServerStats;
use crate::accept::accept_loop;
use crate::events::{EventReceiver, EventSink};
use crate::runtime::Runtime;
use crate::tcp;

/// Commands in flight from handles to the loop.
const COMMAND_QUEUE: usize = 64;
/// Accepted connections waiting for the loop; beyond it the kernel's backlog holds them.
const ACCEPT_QUEUE: usize = 64;

/// Why a chat server call failed.
#[derive(Debug, thiserror::Error)]
pub enum ChatServerError {
    #[error("the chat server is not running")]
    NotRunning,
    #[error("the chat server is already running")]
    AlreadyRunning,
    #[error("cannot listen on http://{addr}: {source}")]
    Listen { addr: SocketAddr, source: io::Error },
    #[error("invalid chat setting: {0}")]
    Config(#[from] ConfigError),
    #[error("no random seed for message ids: {0}")]
    Random(getrandom::Error),
}

/// The chat server's events, as the core reports them.
pub type ChatEventReceiver = EventReceiver<ChatEvent>;

/// The `chat` service on a runtime: HTTP health, WebSocket upgrades on `/ws`, and the loop that
/// owns the service. Commands (reset, shutdown) wait for the loop to start.
#[derive(Debug)]
pub struct ChatServer<R: Runtime> {
    runtime: Arc<R>,
    config: ChatServerConfig,
    commands: Sender<Command>,
    /// Holds commands sent before the loop starts; taken by the loop.
    command_rx: Option<Receiver<Command>>,
    events: EventSink<ChatEvent>,
    events_rx: Option<Receiver<ChatEvent>>,
    stats: Arc<Mutex<ChatServerStats>>,
    /// Ends when the loop stops (nothing is ever sent).
    stopped: Option<Receiver<()>>,
    local_addr: Option<SocketAddr>,
}

impl<R: Runtime + Default> ChatServer<R> {
    pub fn new(config: ChatServerConfig) -> Self {
        Self::with_runtime(R::default(), config)
    }
}

impl<R: Runtime> ChatServer<R> {
    pub fn with_runtime(runtime: R, config: ChatServerConfig) -> Self {
        let (commands, command_rx) = async_channel::bounded(COMMAND_QUEUE);
        let (events, events_rx) = EventSink::new(config.event_queue);
        Self {
            runtime: Arc::new(runtime),
            config,
            commands,
            command_rx: Some(command_rx),
            events,
            events_rx: Some(events_rx),
            stats: Arc::default(),
            stopped: None,
            local_addr: None,
        }
    }

    /// Listens on the configured address and serves in the background; returns the bound address.
    pub async fn start(&mut self) -> Result<SocketAddr, ChatServerError> {
        if self.local_addr.is_some() {
            return Err(ChatServerError::AlreadyRunning);
        }
        let config = &self.config;
        config.validate()?;
        let seed = match config.rng_seed {
            Some(seed) => seed,
            None => {
                let mut seed = [0u8; 32];
                getrandom::fill(&mut seed).map_err(ChatServerError::Random)?;
                seed
            }
        };
        let now = Instant::now();
        let svc = ChatService::new(config.core.clone(), seed, now)?;
        let addr = config.bind_addr;
        let listen_error = |source| ChatServerError::Listen { addr, source };
        let listener = tcp::listen(&*self.runtime, addr).map_err(listen_error)?;
        let local_addr = listener.local_addr().map_err(listen_error)?;
        let command_rx = self
            .command_rx
            .take()
            .ok_or(ChatServerError::AlreadyRunning)?;
        let runtime: Arc<dyn Runtime> = self.runtime.clone();
        let (accepted_tx, accepted_rx) = async_channel::bounded(ACCEPT_QUEUE);
        let (alive, stopped) = async_channel::bounded(1);
        let (inbound_tx, inbound_rx) = async_channel::unbounded();
        let driver = ChatDriver {
            timer: runtime.new_timer(svc.poll_timeout().unwrap_or(now)),
            svc,
            runtime: Arc::clone(&runtime),
            commands: Box::pin(command_rx),
            accepted: Some(Box::pin(accepted_rx)),
            inbound: Box::pin(inbound_rx),
            inbound_tx,
            links: Default::default(),
            pending: PendingRequests::new(
                config.max_pending_requests,
                config.core.ip_guard.connection_limit_per_ip,
            ),
            next_conn: 0,
            connection: ConnectionSettings {
                read_buffer: config.read_buffer,
                max_ws_message: config.transport_message_limit(),
            },
            send_queue_bytes: config.send_queue_bytes,
            texts: Default::default(),
            events: self.events.clone(),
            stats: self.stats.clone(),
            clock: config.wall_clock,
            counters: ChatServerStats::default(),
            _alive: alive,
        };
        runtime.spawn(Box::pin(driver.run()));
        runtime.spawn(Box::pin(accept_loop(
            "chat",
            listener,
            accepted_tx,
            stopped.clone(),
            Arc::clone(&runtime),
        )));
        tracing::info!(addr = %local_addr, "chat listening");
        self.stopped = Some(stopped);
        self.local_addr = Some(local_addr);
        Ok(local_addr)
    }

    /// Starts and serves until [`ChatController::shutdown`] or the last handle is dropped.
    pub async fn run(mut self) -> Result<(), ChatServerError> {
        self.start().await?;
        let stopped = self.stopped.take().ok_or(ChatServerError::NotRunning)?;
        // Nothing is ever sent: this ends when the loop drops its sender.
        let _ = stopped.recv().await;
        Ok(())
    }

    /// The bound address, once started.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.local_addr
    }

    /// The event stream; `Some` once. Events are only queued after it has been taken; a consumer
    /// that falls behind loses the newest (counted in `events_dropped`).
    pub fn take_event_receiver(&mut self) -> Option<ChatEventReceiver> {
        let rx = self.events_rx.take()?;
        self.events.mark_taken();
        Some(EventReceiver::new(rx))
    }

    pub fn get_stats(&self) -> ChatServerStats {
        self.controller().get_stats()
    }

    /// A cloneable, runtime-free handle to the loop.
    pub fn controller(&self) -> ChatController {
        ChatController {
            commands: self.commands.clone(),
            stats: self.stats.clone(),
        }
    }

    /// Closes every connection (1001) and starts afresh, as a restart would; keeps serving.
    pub async fn reset(&self) -> Result<(), ChatServerError> {
        self.controller().reset().await
    }

    /// Sends every client a close frame (1001), gives the sockets up to half a second to take
    /// them, and stops.
    pub async fn shutdown(&self) -> Result<(), ChatServerError> {
        if self.local_addr.is_none() {
            return Err(ChatServerError::NotRunning);
        }
        self.controller().shutdown().await
    }
}

/// A cloneable, runtime-free handle to a chat server's loop.
#[derive(Debug, Clone)]
pub struct ChatController {
    commands: Sender<Command>,
    stats: Arc<Mutex<ChatServerStats>>,
}

impl ChatController {
    pub fn get_stats(&self) -> ChatServerStats {
        self.stats.lock().map(|s| *s).unwrap_or_default()
    }

    /// Closes every connection (1001), forgets every room, IP record and counter.
    pub async fn reset(&self) -> Result<(), ChatServerError> {
        let (reply, answer) = async_channel::bounded(1);
        self.send(Command::Reset { reply }).await?;
        answer.recv().await.map_err(|_| ChatServerError::NotRunning)
    }

    pub async fn shutdown(&self) -> Result<(), ChatServerError> {
        let (reply, answer) = async_channel::bounded(1);
        self.send(Command::Shutdown { reply }).await?;
        answer.recv().await.map_err(|_| ChatServerError::NotRunning)
    }

    async fn send(&self, command: Command) -> Result<(), ChatServerError> {
        self.commands
            .send(command)
            .await
            .map_err(|_| ChatServerError::NotRunning)
    }
}
