//! Starting a WebSocket service's loop and talking to it: [`start`] binds, spawns the loop and
//! the accept loop; a [`Handle`] sends the loop its commands from anywhere (the admin socket,
//! `serve`'s shutdown).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use async_channel::{Receiver, Sender};
use hark_core::ConfigError;

use super::connection::{ConnectionSettings, Router, Wiring};
use super::driver::{Command, WsDriver};
use super::pending::PendingRequests;
use super::service::WsService;
use crate::accept::accept_loop;
use crate::runtime::Runtime;
use crate::tcp;

/// Commands in flight from handles to the loop.
const COMMAND_QUEUE: usize = 64;
/// Accepted connections waiting for the loop; beyond it the kernel's backlog holds them.
const ACCEPT_QUEUE: usize = 64;

/// How a WebSocket service's connections are served.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WsSettings {
    pub bind_addr: SocketAddr,
    pub connection: ConnectionSettings,
    /// Bytes queued for one connection that does not read (see `Link`).
    pub send_queue_bytes: usize,
    /// Connections still sending their request head, in all and per IP.
    pub max_pending_requests: usize,
    pub max_pending_per_ip: u32,
}

/// Refuses the first of `sizes` (a server's buffer and queue bounds, by key) that is zero.
pub(crate) fn nonzero(sizes: &[(&'static str, usize)]) -> Result<(), ConfigError> {
    match sizes.iter().find(|(_, size)| *size == 0) {
        Some(&(key, _)) => Err(ConfigError::Invalid {
            key,
            reason: "must be greater than zero".into(),
        }),
        None => Ok(()),
    }
}

/// The loop's end of the commands, created with the handle so that commands sent before the
/// loop starts wait for it.
#[derive(Debug)]
pub(crate) struct Commands<C>(Receiver<Command<C>>);

/// A cloneable handle to a loop. Every call fails with [`Stopped`] once the loop is gone.
#[derive(Debug)]
pub(crate) struct Handle<C> {
    commands: Sender<Command<C>>,
}

impl<C> Clone for Handle<C> {
    fn clone(&self) -> Self {
        Self {
            commands: self.commands.clone(),
        }
    }
}

/// The loop has stopped (or was never started and is gone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stopped;

impl<C> Handle<C> {
    pub fn new() -> (Self, Commands<C>) {
        let (commands, rx) = async_channel::bounded(COMMAND_QUEUE);
        (Self { commands }, Commands(rx))
    }

    /// Closes every connection (1001) and resets the service, as a restart would.
    pub async fn reset(&self) -> Result<(), Stopped> {
        let (reply, answer) = async_channel::bounded(1);
        self.send(Command::Reset { reply }).await?;
        answer.recv().await.map_err(|_| Stopped)
    }

    /// Says goodbye to every connection and stops the loop.
    pub async fn shutdown(&self) -> Result<(), Stopped> {
        let (reply, answer) = async_channel::bounded(1);
        self.send(Command::Shutdown { reply }).await?;
        answer.recv().await.map_err(|_| Stopped)
    }

    /// A service command; its answer, if any, comes back on the command's own reply channel.
    pub async fn service(&self, command: C) -> Result<(), Stopped> {
        self.send(Command::Service(command)).await
    }

    async fn send(&self, command: Command<C>) -> Result<(), Stopped> {
        self.commands.send(command).await.map_err(|_| Stopped)
    }
}

/// A loop that runs: its address and what ends when it stops.
#[derive(Debug)]
pub(crate) struct Running {
    pub local_addr: SocketAddr,
    /// Ends when the loop stops (nothing is ever sent).
    pub stopped: Receiver<()>,
}

/// Binds `settings.bind_addr`, then spawns `svc`'s loop and the accept loop on `runtime`.
pub(crate) fn start<S: WsService>(
    runtime: Arc<dyn Runtime>,
    svc: S,
    router: Router<S::Request>,
    settings: WsSettings,
    commands: Commands<S::Command>,
    reports: Option<Receiver<S::Report>>,
) -> std::io::Result<Running> {
    let listener = tcp::listen(&*runtime, settings.bind_addr)?;
    let local_addr = listener.local_addr()?;
    let (accepted_tx, accepted_rx) = async_channel::bounded(ACCEPT_QUEUE);
    let (alive, stopped) = async_channel::bounded(1);
    let (inbound_tx, inbound_rx) = async_channel::unbounded();
    let now = Instant::now();
    let driver = WsDriver {
        timer: runtime.new_timer(svc.poll_timeout().unwrap_or(now)),
        svc,
        runtime: Arc::clone(&runtime),
        commands: Box::pin(commands.0),
        accepted: Some(Box::pin(accepted_rx)),
        inbound: Box::pin(inbound_rx),
        reports: reports.map(Box::pin),
        wiring: Wiring {
            router,
            inbound: inbound_tx,
            runtime: Arc::clone(&runtime),
            settings: settings.connection,
        },
        links: Default::default(),
        pending: PendingRequests::new(settings.max_pending_requests, settings.max_pending_per_ip),
        next_conn: 0,
        send_queue_bytes: settings.send_queue_bytes,
        texts: Default::default(),
        counters: Default::default(),
        _alive: alive,
    };
    runtime.spawn(Box::pin(driver.run()));
    runtime.spawn(Box::pin(accept_loop(
        S::NAME,
        listener,
        accepted_tx,
        stopped.clone(),
        Arc::clone(&runtime),
    )));
    tracing::info!(service = S::NAME, addr = %local_addr, "listening");
    Ok(Running {
        local_addr,
        stopped,
    })
}
