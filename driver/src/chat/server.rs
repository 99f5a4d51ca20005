//! The library API: a [`ChatServer`] listens, accepts and runs the chat service's loop; a
//! [`ChatController`] talks to that loop from anywhere (the admin socket, `serve`'s shutdown).

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use hark_core::ConfigError;
use hark_core::chat::{ChatEvent, ChatService};

use super::config::ChatServerConfig;
use super::service::{ChatLoop, router};
use super::stats::ChatServerStats;
use crate::events::EventReceiver;
use crate::runtime::Runtime;
use crate::ws::{self, ConnectionSettings, Controller, Hosted, Stopped, WsSettings};

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
    hosted: Hosted<Infallible, ChatEvent, ChatServerStats>,
}

impl<R: Runtime + Default> ChatServer<R> {
    pub fn new(config: ChatServerConfig) -> Self {
        Self::with_runtime(R::default(), config)
    }
}

impl<R: Runtime> ChatServer<R> {
    pub fn with_runtime(runtime: R, config: ChatServerConfig) -> Self {
        Self {
            runtime: Arc::new(runtime),
            hosted: Hosted::new(config.event_queue),
            config,
        }
    }

    /// Listens on the configured address and serves in the background; returns the bound address.
    pub async fn start(&mut self) -> Result<SocketAddr, ChatServerError> {
        let config = &self.config;
        config.validate()?;
        let commands = self
            .hosted
            .take_commands()
            .ok_or(ChatServerError::AlreadyRunning)?;
        let seed = ws::seed_or_random(config.rng_seed).map_err(ChatServerError::Random)?;
        let chat = ChatLoop {
            svc: ChatService::new(config.core.clone(), seed, Instant::now())?,
            clock: config.wall_clock,
            outbox: self.hosted.outbox(),
        };
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
        let addr = config.bind_addr;
        let running = ws::start(
            self.runtime.clone(),
            chat,
            router(),
            settings,
            commands,
            None,
        )
        .map_err(|source| ChatServerError::Listen { addr, source })?;
        Ok(self.hosted.started(running))
    }

    /// Starts and serves until [`ChatController::shutdown`] or the last handle is dropped.
    pub async fn run(mut self) -> Result<(), ChatServerError> {
        self.start().await?;
        self.hosted.stopped().await;
        Ok(())
    }

    /// The bound address, once started.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.hosted.local_addr()
    }

    /// The event stream; `Some` once. Events are only queued after it has been taken; a consumer
    /// that falls behind loses the newest (counted in `events_dropped`).
    pub fn take_event_receiver(&mut self) -> Option<ChatEventReceiver> {
        self.hosted.take_event_receiver()
    }

    pub fn get_stats(&self) -> ChatServerStats {
        self.controller().get_stats()
    }

    /// A cloneable, runtime-free handle to the loop.
    pub fn controller(&self) -> ChatController {
        ChatController(self.hosted.controller())
    }

    /// Closes every connection (1001) and starts afresh, as a restart would; keeps serving.
    pub async fn reset(&self) -> Result<(), ChatServerError> {
        self.controller().reset().await
    }

    /// Sends every client a close frame (1001), gives the sockets up to half a second to take
    /// them, and stops.
    pub async fn shutdown(&self) -> Result<(), ChatServerError> {
        if self.local_addr().is_none() {
            return Err(ChatServerError::NotRunning);
        }
        self.controller().shutdown().await
    }
}

/// A cloneable, runtime-free handle to a chat server's loop.
#[derive(Debug, Clone)]
pub struct ChatController(Controller<Infallible, ChatServerStats>);

impl ChatController {
    pub fn get_stats(&self) -> ChatServerStats {
        self.0.get_stats()
    }

    /// Closes every connection (1001), forgets every room, IP record and counter.
    pub async fn reset(&self) -> Result<(), ChatServerError> {
        Ok(self.0.reset().await?)
    }

    pub async fn shutdown(&self) -> Result<(), ChatServerError> {
        Ok(self.0.shutdown().await?)
    }
}
