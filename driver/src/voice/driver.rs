//! The voice loop: one task owns the [`VoiceService`] and the relay's UDP socket. It waits for
//! datagrams, accepted connections, bytes from connection tasks, a command or the service's
//! deadline; feeds the service; and drains what it decided to the socket, the connections' queues,
//! the log and the library user. No protocol decision is made here.

use std::collections::BTreeMap;
use std::future::poll_fn;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use async_channel::{Receiver, Sender};
use futures_lite::StreamExt;
use hark_core::directory::{Directory, DirectoryChange, DirectoryError};
use hark_core::voice::{
    ConnectionId, StreamAction, StreamTransmit, VoiceConfig, VoiceEvent, VoiceService,
};

use super::connection::{Connection, Inbound};
use super::link::Link;
use super::stats::VoiceServerStats;
use crate::accept::Accepted;
use crate::clock::WallClock;
use crate::events::EventSink;
use crate::runtime::{AsyncTimer, Runtime};
use crate::udp_port::UdpPort;

/// How long shutdown waits for the sockets to take the goodbyes.
const SHUTDOWN_FLUSH: Duration = Duration::from_millis(500);
/// Messages from connection tasks handled per turn, so datagrams and timers get their turn too.
const INBOUND_BATCH: usize = 64;
/// When the service waits for nothing, the timer is still set, this far ahead.
const IDLE_TIMER: Duration = Duration::from_secs(3600);

/// A request from a handle to the loop.
#[derive(Debug)]
pub(crate) enum Command {
    Directory {
        change: DirectoryChange,
        reply: Sender<Result<(), DirectoryError>>,
    },
    Reset {
        reply: Sender<()>,
    },
    Shutdown {
        reply: Sender<()>,
    },
}

/// What woke the loop; every source that was ready, so that none starves the others.
#[derive(Default)]
struct Work {
    command: Option<Command>,
    /// Every handle is gone: nobody can stop the loop any more, so it stops itself.
    detached: bool,
    accepted: Option<Accepted>,
    /// The management half is gone: no more connections will come.
    management_gone: bool,
    inbound: Vec<Inbound>,
    datagrams: usize,
    timeout: bool,
    /// Something was ready that needs no handling beyond a drain (the socket became writable, a
    /// receive failed).
    other: bool,
}

impl Work {
    fn is_empty(&self) -> bool {
        self.command.is_none()
            && !self.detached
            && self.accepted.is_none()
            && !self.management_gone
            && self.inbound.is_empty()
            && self.datagrams == 0
            && !self.timeout
            && !self.other
    }
}

/// Where the voice-token generator's seed comes from at start and at every reset.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Seed {
    /// Fixed (testing): every reset starts the token sequence again, as the vectors expect.
    Fixed([u8; 32]),
    /// Fresh from the operating system each time, so no token is ever issued twice.
    Os,
}

impl Seed {
    pub fn draw(self) -> Result<[u8; 32], getrandom::Error> {
        match self {
            Self::Fixed(seed) => Ok(seed),
            Self::Os => {
                let mut seed = [0u8; 32];
                getrandom::fill(&mut seed)?;
                Ok(seed)
            }
        }
    }
}

/// What the service was started with, for `reset`.
#[derive(Debug, Clone)]
pub(crate) struct Initial {
    pub config: VoiceConfig,
    pub directory: Directory,
    pub seed: Seed,
}

/// What each connection gets.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ConnectionSettings {
    pub send_queue_bytes: usize,
    pub read_buffer: usize,
}

pub(crate) struct VoiceDriver {
    pub svc: VoiceService,
    pub initial: Initial,
    pub udp: UdpPort,
    pub timer: Pin<Box<dyn AsyncTimer>>,
    pub runtime: Arc<dyn Runtime>,
    pub commands: Pin<Box<Receiver<Command>>>,
    /// `None` once the management half is gone.
    pub accepted: Option<Pin<Box<Receiver<Accepted>>>>,
    pub inbound: Pin<Box<Receiver<Inbound>>>,
    /// Cloned into every connection task.
    pub inbound_tx: Sender<Inbound>,
    pub links: BTreeMap<ConnectionId, Arc<Link>>,
    pub next_conn: u64,
    pub connection: ConnectionSettings,
    pub events: EventSink<VoiceEvent>,
    pub stats: Arc<Mutex<VoiceServerStats>>,
    pub clock: WallClock,
    pub counters: VoiceServerStats,
    /// Dropped when the loop ends, which stops the management half and ends `run`.
    pub _alive: Sender<()>,
}

impl VoiceDriver {
    pub async fn run(mut self) {
        let mut inbound = Vec::with_capacity(INBOUND_BATCH);
        loop {
            let mut work = poll_fn(|cx| self.poll_work(cx, &mut inbound)).await;
            let now = Instant::now();
            let wall = self.clock.now_unix();
            if let Some(command) = work.command.take()
                && let Some(reply) = self.command(now, wall, command)
            {
                self.stop(now, wall).await;
                // The handle may have stopped waiting; nothing to do then.
                let _ = reply.try_send(());
                return;
            }
            if work.detached {
                self.stop(now, wall).await;
                return;
            }
            if work.management_gone {
                self.accepted = None;
            }
            if let Some(accepted) = work.accepted.take() {
                self.connect(now, wall, accepted);
            }
            let busy = work.inbound.len() == INBOUND_BATCH || work.datagrams > 0;
            for message in work.inbound.drain(..) {
                self.inbound(now, wall, message);
            }
            inbound = work.inbound;
            if work.datagrams > 0 {
                let svc = &mut self.svc;
                self.udp.receive(work.datagrams, |from, datagram| {
                    svc.handle_datagram(now, wall, from, datagram);
                });
            }
            // Also when the timer has not been polled: a busy loop must not starve timeouts.
            if work.timeout || self.svc.poll_timeout().is_some_and(|due| due <= now) {
                self.svc.handle_timeout(now, wall);
            }
            self.drain(now, wall);
            if busy {
                // As in the audio loop: let the runtime's other tasks (connection tasks, signals)
                // run between batches.
                self.runtime.yield_now().await;
            }
        }
    }

    fn poll_work(&mut self, cx: &mut Context<'_>, inbound: &mut Vec<Inbound>) -> Poll<Work> {
        let mut work = Work {
            inbound: std::mem::take(inbound),
            ..Work::default()
        };
        match self.commands.as_mut().poll_next(cx) {
            Poll::Ready(Some(command)) => work.command = Some(command),
            Poll::Ready(None) => work.detached = true,
            Poll::Pending => {}
        }
        if let Some(accepted) = &mut self.accepted {
            match accepted.as_mut().poll_next(cx) {
                Poll::Ready(Some(connection)) => work.accepted = Some(connection),
                Poll::Ready(None) => work.management_gone = true,
                Poll::Pending => {}
            }
        }
        while work.inbound.len() < INBOUND_BATCH {
            match self.inbound.as_mut().poll_next(cx) {
                Poll::Ready(Some(message)) => work.inbound.push(message),
                // The loop holds a sender itself, so the channel never ends.
                Poll::Ready(None) | Poll::Pending => break,
            }
        }
        if self.udp.poll_writable(cx) {
            work.other = true;
        }
        match self.udp.poll_recv(cx) {
            Poll::Ready(Some(filled)) => work.datagrams = filled,
            Poll::Ready(None) => work.other = true,
            Poll::Pending => {}
        }
        if self.timer.as_mut().poll(cx).is_ready() {
            work.timeout = true;
        }
        if work.is_empty() {
            *inbound = work.inbound;
            Poll::Pending
        } else {
            Poll::Ready(work)
        }
    }

    /// Applies a command; returns the reply channel when the command is a shutdown.
    fn command(&mut self, now: Instant, wall: u64, command: Command) -> Option<Sender<()>> {
        match command {
            Command::Directory { change, reply } => {
                let result = self.svc.apply_directory_change(now, wall, change);
                let _ = reply.try_send(result);
            }
            Command::Reset { reply } => {
                self.restart(now, wall);
                let _ = reply.try_send(());
            }
            Command::Shutdown { reply } => return Some(reply),
        }
        None
    }

    /// A new connection: numbered, announced to the service, given a task.
    fn connect(&mut self, now: Instant, wall: u64, accepted: Accepted) {
        let conn = ConnectionId(self.next_conn);
        self.next_conn += 1;
        let link = Arc::new(Link::new(self.connection.send_queue_bytes));
        self.links.insert(conn, Arc::clone(&link));
        self.counters.connections_accepted += 1;
        self.svc.handle_connect(now, wall, conn, accepted.peer);
        let task = Connection::new(
            conn,
            accepted.stream,
            link,
            self.inbound_tx.clone(),
            Arc::clone(&self.runtime),
            self.connection.read_buffer,
        );
        self.runtime.spawn(Box::pin(task.run()));
    }

    fn inbound(&mut self, now: Instant, wall: u64, message: Inbound) {
        match message {
            // Chunks of a connection the loop has already let go of are dropped.
            Inbound::Data { conn, bytes } => {
                if let Some(link) = self.links.get(&conn) {
                    self.svc.handle_stream_data(now, wall, conn, &bytes);
                    link.release_read();
                }
            }
            Inbound::Closed { conn } => {
                if let Some(link) = self.links.remove(&conn) {
                    link.close();
                    self.svc.handle_stream_closed(now, wall, conn);
                }
            }
        }
    }

    /// Ends every connection (telling each client) and starts over with the configured directory
    /// and clock, as a restart of the process would.
    fn restart(&mut self, now: Instant, wall: u64) {
        self.svc.reset(now, wall);
        self.drain(now, wall);
        let Initial {
            config,
            directory,
            seed,
        } = self.initial.clone();
        let seed = match seed.draw() {
            Ok(seed) => seed,
            // Keeping the reset service keeps its token sequence going: no token repeats.
            Err(e) => {
                tracing::error!(error = %e, "no random seed: the voice service keeps its state");
                return;
            }
        };
        match VoiceService::new(config, directory, seed, now) {
            Ok(svc) => self.svc = svc,
            // The same settings were accepted at start-up; keep the reset service if not.
            Err(e) => tracing::error!(error = %e, "cannot restart the voice service"),
        }
        self.clock.rewind();
        self.drain(now, wall);
    }

    /// Moves the service's decisions out: datagrams to the socket, bytes and closes to the
    /// connections, events to the log and the library user; then re-arms the timer and publishes
    /// the counters.
    fn drain(&mut self, now: Instant, wall: u64) {
        loop {
            while let Some(transmit) = self.svc.poll_transmit() {
                self.udp.queue(transmit);
            }
            let Some(StreamTransmit { conn, action }) = self.svc.poll_stream() else {
                break;
            };
            self.stream(now, wall, conn, action);
        }
        self.udp.flush();
        let events = std::iter::from_fn(|| self.svc.poll_event());
        self.counters.events_dropped += self.events.forward(events, super::log::event);
        let due = self
            .svc
            .poll_timeout()
            .unwrap_or_else(|| Instant::now() + IDLE_TIMER);
        self.timer.as_mut().reset(due);
        self.publish();
    }

    /// One output for a connection. A frame that does not fit the connection's queue drops the
    /// connection: it is closed without a word and the service hears that it closed, which tells
    /// the others it left (voice.md §9). Nobody else waits.
    fn stream(&mut self, now: Instant, wall: u64, conn: ConnectionId, action: StreamAction) {
        match action {
            StreamAction::Send(bytes) => {
                let Some(link) = self.links.get(&conn) else {
                    return;
                };
                if link.push(bytes).is_err() {
                    link.abort();
                    self.links.remove(&conn);
                    self.counters.slow_clients_dropped += 1;
                    tracing::warn!(
                        conn = conn.0,
                        limit = self.connection.send_queue_bytes,
                        "client too slow to read: connection dropped"
                    );
                    self.svc.handle_stream_closed(now, wall, conn);
                }
            }
            StreamAction::Close => {
                if let Some(link) = self.links.remove(&conn) {
                    link.close();
                }
            }
        }
    }

    fn publish(&mut self) {
        self.counters.set_service(self.svc.stats());
        self.counters.set_udp(self.udp.counters());
        if let Ok(mut shared) = self.stats.lock() {
            *shared = self.counters;
        }
    }

    /// Tells every client the server is closing and gives the sockets a moment to send it.
    async fn stop(&mut self, now: Instant, wall: u64) {
        let open: Vec<Arc<Link>> = self.links.values().cloned().collect();
        self.svc.reset(now, wall);
        self.drain(now, wall);
        let mut timer = self.runtime.new_timer(Instant::now() + SHUTDOWN_FLUSH);
        let finished = |cx: &mut Context<'_>| open.iter().all(|l| l.poll_finished(cx).is_ready());
        while !self.udp.wait_to_flush(&mut timer, finished).await {
            self.drain(Instant::now(), self.clock.now_unix());
        }
        tracing::info!(
            sent = self.counters.datagrams_sent,
            accepted = self.counters.connections_accepted,
            "voice server stopped"
        );
    }
}
