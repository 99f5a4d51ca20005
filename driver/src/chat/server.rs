//! The library API: a [`ChatServer`] listens, accepts and runs the chat service's loop; a
//! [`ChatController`] talks to that loop from anywhere (the admin socket, `serve`'s shutdown).

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use async_channel::Receiver;
use hark_core::ConfigError;
use hark_core::chat::{ChatEvent, ChatService};

use super::config::ChatServerConfig;
use super::service::{ChatLoop, router};
use super::stats::ChatServerStats;
use crate::events::{EventReceiver, EventSink};
use crate::runtime::Runtime;
use crate::ws::{self, Commands, ConnectionSettings, Handle, Stopped, WsSettings};

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

impl From<Stopped> for ChatServerError {
    fn from(Stopped: Stopped) -> Self {
        Self::NotRunning
    }
}

/// The chat server's events, as the core reports them.
pub type ChatEventReceiver = EventReceiver<ChatEvent>;

/// The `chat` service on a runtime: HTTP health, WebSocket upgrades on `/ws`, and the loop that
/// owns the service. Commands (reset, shutdown) wait for the loop to start.
#[derive(Debug)]
pub struct ChatServer<R: Runtime> {
    runtime: Arc<R>,
    config: ChatServerConfig,
    handle: Handle<Infallible>,
    /// Holds commands sent before the loop starts; taken by the loop.
    command_rx: Option<Commands<Infallible>>,
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
        let (handle, command_rx) = Handle::new();
        let (events, events_rx) = EventSink::new(config.event_queue);
        Self {
            runtime: Arc::new(runtime),
            config,
            handle,
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
        let svc = ChatService::new(config.core.clone(), seed, Instant::now())?;
        let settings = WsSettings {
            bind_addr: config.bind_addr,
            connection: ConnectionSettings {
                read_buffer: config.read_buffer,
                max_ws_message: config.transport_message_limit(),
            },
            send_queue_bytes: config.send_queue_bytes,
            max_pending_requests: config.max_pending_requests,
            max_pending_per_ip: config.core.ip_guard.connection_limit_per_ip,
        };
        let command_rx = self
            .command_rx
            .take()
            .ok_or(ChatServerError::AlreadyRunning)?;
        let chat = ChatLoop {
            svc,
            clock: config.wall_clock,
            events: self.events.clone(),
            stats: self.stats.clone(),
        };
        let addr = config.bind_addr;
        let running = ws::start(
            self.runtime.clone(),
            chat,
            router(),
            settings,
            command_rx,
            None,
        )
        .map_err(|source| ChatServerError::Listen { addr, source })?;
        self.stopped = Some(running.stopped);
        self.local_addr = Some(running.local_addr);
        Ok(running.local_addr)
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
            handle: self.handle.clone(),
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
    handle: Handle<Infallible>,
    stats: Arc<Mutex<ChatServerStats>>,
}

impl ChatController {
    pub fn get_stats(&self) -> ChatServerStats {
        self.stats.lock().map(|s| *s).unwrap_or_default()
    }

    /// Closes every connection (1001), forgets every room, IP record and counter.
    pub async fn reset(&self) -> Result<(), ChatServerError> {
        Ok(self.handle.reset().await?)
    }

    pub async fn shutdown(&self) -> Result<(), ChatServerError> {
        Ok(self.handle.shutdown().await?)
    }
}
