//! The chat loop: one task owns the [`ChatService`]. It waits for accepted connections, messages
//! from connection tasks, a command or the service's deadline; feeds the service; and moves what
//! it decided to the connections' queues, the log and the library user. It never waits on a
//! connection's socket. No protocol decision is made here.

use std::collections::BTreeMap;
use std::future::poll_fn;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use async_channel::{Receiver, Sender};
use bytes::Bytes;
use futures_lite::StreamExt;
use hark_core::ConnectionId;
use hark_core::chat::{ChatAction, ChatEvent, ChatService, ChatTransmit, CloseCode};
use tungstenite::Message;

use super::connection::{Connection, ConnectionSettings, Inbound};
use super::http;
use super::link::{Link, Outgoing};
use super::pending::PendingRequests;
use super::stats::ChatServerStats;
use super::text::TextCache;
use crate::accept::Accepted;
use crate::clock::WallClock;
use crate::events::EventSink;
use crate::runtime::{AsyncTimer, Runtime};

/// How long shutdown waits for the sockets to take the close frames.
const SHUTDOWN_FLUSH: Duration = Duration::from_millis(500);
/// Messages from connection tasks handled per turn, so timers and accepts get their turn too.
const INBOUND_BATCH: usize = 64;
/// When the service waits for nothing, the timer is still set, this far ahead.
const IDLE_TIMER: Duration = Duration::from_secs(3600);

/// A request from a handle to the loop.
#[derive(Debug)]
pub(crate) enum Command {
    Reset { reply: Sender<()> },
    Shutdown { reply: Sender<()> },
}

/// What woke the loop; every source that was ready, so that none starves the others.
#[derive(Default)]
struct Work {
    command: Option<Command>,
    /// Every handle is gone: nobody can stop the loop any more, so it stops itself.
    detached: bool,
    accepted: Option<Accepted>,
    /// The accept loop is gone: no more connections will come.
    listener_gone: bool,
    inbound: Vec<Inbound>,
    timeout: bool,
}

impl Work {
    fn is_empty(&self) -> bool {
        self.command.is_none()
            && !self.detached
            && self.accepted.is_none()
            && !self.listener_gone
            && self.inbound.is_empty()
            && !self.timeout
    }
}

pub(crate) struct ChatDriver {
    pub svc: ChatService,
    pub timer: Pin<Box<dyn AsyncTimer>>,
    pub runtime: Arc<dyn Runtime>,
    pub commands: Pin<Box<Receiver<Command>>>,
    /// `None` once the accept loop is gone.
    pub accepted: Option<Pin<Box<Receiver<Accepted>>>>,
    pub inbound: Pin<Box<Receiver<Inbound>>>,
    /// Cloned into every connection task.
    pub inbound_tx: Sender<Inbound>,
    /// Every connection the loop has not let go of, upgraded or still in its HTTP request.
    pub links: BTreeMap<ConnectionId, Arc<Link>>,
    /// The connections still in their HTTP request, bounded.
    pub pending: PendingRequests,
    pub next_conn: u64,
    pub connection: ConnectionSettings,
    pub send_queue_bytes: usize,
    /// A fan-out's buffer is checked for UTF-8 once.
    pub texts: TextCache,
    pub events: EventSink<ChatEvent>,
    pub stats: Arc<Mutex<ChatServerStats>>,
    pub clock: WallClock,
    pub counters: ChatServerStats,
    /// Dropped when the loop ends, which stops the accept loop.
    pub _alive: Sender<()>,
}

impl ChatDriver {
    pub async fn run(mut self) {
        let mut inbound = Vec::with_capacity(INBOUND_BATCH);
        loop {
            let mut work = poll_fn(|cx| self.poll_work(cx, &mut inbound)).await;
            let now = Instant::now();
            let wall_ms = self.clock.now_unix_ms();
            match work.command.take() {
                Some(Command::Reset { reply }) => {
                    self.svc.reset(now);
                    self.clock.rewind();
                    self.drain(now);
                    // The handle may have stopped waiting; nothing to do then.
                    let _ = reply.try_send(());
                }
                Some(Command::Shutdown { reply }) => {
                    self.stop(now).await;
                    let _ = reply.try_send(());
                    return;
                }
                None => {}
            }
            if work.detached {
                self.stop(now).await;
                return;
            }
            if work.listener_gone {
                self.accepted = None;
            }
            if let Some(accepted) = work.accepted.take() {
                self.connect(accepted);
            }
            let busy = work.inbound.len() == INBOUND_BATCH;
            for message in work.inbound.drain(..) {
                self.inbound(now, wall_ms, message);
            }
            inbound = work.inbound;
            // Also when the timer has not been polled: a busy loop must not starve timeouts.
            if work.timeout || self.svc.poll_timeout().is_some_and(|due| due <= now) {
                self.svc.handle_timeout(now);
            }
            self.drain(now);
            if busy {
                // Let the runtime's other tasks (connection tasks, signals) run between batches.
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
                Poll::Ready(None) => work.listener_gone = true,
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

    /// A new TCP connection: numbered and given a task, which reads its request head. The service
    /// hears of it only if it asks to upgrade.
    fn connect(&mut self, accepted: Accepted) {
        let conn = ConnectionId(self.next_conn);
        let ip = accepted.peer.ip().to_canonical();
        if !self.pending.admit(conn, ip) {
            self.counters.pending_requests_dropped += 1;
            tracing::debug!(peer = %accepted.peer, "too many connections in their request head: closed");
            return;
        }
        self.next_conn += 1;
        let link = Arc::new(Link::new(self.send_queue_bytes));
        self.links.insert(conn, Arc::clone(&link));
        self.counters.connections_accepted += 1;
        let task = Connection::new(
            conn,
            accepted.stream,
            accepted.peer,
            link,
            self.inbound_tx.clone(),
            Arc::clone(&self.runtime),
            self.connection,
        );
        self.runtime.spawn(Box::pin(task.run()));
    }

    fn inbound(&mut self, now: Instant, wall_ms: u64, message: Inbound) {
        if let Inbound::Health { conn } | Inbound::Upgrade { conn, .. } | Inbound::Closed { conn } =
            &message
        {
            self.pending.done(*conn);
        }
        match message {
            Inbound::Health { conn } => {
                if let Some(link) = self.links.remove(&conn) {
                    let body = self.svc.health(now, wall_ms);
                    let _ = link.push(Outgoing::Raw(http::response(200, &body, &[])));
                    link.close(None);
                }
            }
            Inbound::Upgrade { conn, ip } => {
                let Some(link) = self.links.get(&conn) else {
                    return;
                };
                match self.svc.handle_connect(now, conn, ip) {
                    Ok(()) => {
                        let _ = link.push(Outgoing::Upgraded);
                    }
                    Err(refusal) => {
                        let body = format!(r#"{{"error":"{}"}}"#, refusal.code());
                        let _ =
                            link.push(Outgoing::Raw(http::response(refusal.status(), &body, &[])));
                        link.close(None);
                        self.links.remove(&conn);
                    }
                }
            }
            // Messages of a connection the loop has already let go of are dropped.
            Inbound::Text { conn, text } => {
                if let Some(link) = self.links.get(&conn) {
                    link.release_message();
                    self.svc.handle_text(now, wall_ms, conn, text.as_str());
                }
            }
            Inbound::Binary { conn, len } => {
                if let Some(link) = self.links.get(&conn) {
                    link.release_message();
                    self.svc.handle_binary(now, conn, len);
                }
            }
            Inbound::Activity { conn } => {
                if let Some(link) = self.links.get(&conn) {
                    link.release_message();
                    self.svc.handle_activity(now, conn);
                }
            }
            Inbound::Oversized { conn } => {
                if let Some(link) = self.links.get(&conn) {
                    link.release_message();
                    self.svc.handle_oversized(now, conn);
                }
            }
            Inbound::Closed { conn } => {
                if self.links.remove(&conn).is_some() {
                    self.svc.handle_closed(now, conn);
                }
            }
        }
    }

    /// Moves the service's decisions out: messages and closes to the connections, events to the
    /// log and the library user; then re-arms the timer and publishes the counters.
    fn drain(&mut self, now: Instant) {
        while let Some(ChatTransmit { conn, action }) = self.svc.poll_transmit() {
            match action {
                ChatAction::Text(bytes) => match self.texts.text(bytes) {
                    Ok(text) => self.queue(now, conn, Message::Text(text)),
                    Err(e) => {
                        tracing::error!(error = %e, "the chat service produced a text frame that is not UTF-8");
                    }
                },
                ChatAction::Ping => self.queue(now, conn, Message::Ping(Bytes::new())),
                ChatAction::Close(code) => {
                    if let Some(link) = self.links.remove(&conn) {
                        link.close(Some(code));
                    }
                }
            }
        }
        let events = std::iter::from_fn(|| self.svc.poll_event());
        self.counters.events_dropped += self.events.forward(events, super::log::event);
        let due = self
            .svc
            .poll_timeout()
            .unwrap_or_else(|| Instant::now() + IDLE_TIMER);
        self.timer.as_mut().reset(due);
        self.publish();
    }

    /// Queues one message for `conn`. A message that does not fit the connection's queue closes
    /// the connection with 1008 and the service hears that it closed, which tells its room it left
    /// (chat.md §7). Nobody else waits.
    fn queue(&mut self, now: Instant, conn: ConnectionId, message: Message) {
        let Some(link) = self.links.get(&conn) else {
            return;
        };
        if link.push(Outgoing::Message(message)).is_err() {
            link.drop_queue_and_close(CloseCode::PolicyViolation);
            self.links.remove(&conn);
            self.counters.slow_clients_dropped += 1;
            tracing::warn!(
                conn = conn.0,
                limit = self.send_queue_bytes,
                "client too slow to read: connection closed"
            );
            self.svc.handle_closed(now, conn);
        }
    }

    fn publish(&mut self) {
        self.counters.set_service(self.svc.stats());
        if let Ok(mut shared) = self.stats.lock() {
            *shared = self.counters;
        }
    }

    /// Closes every connection (1001 to every client) and gives the sockets a moment to send it.
    async fn stop(&mut self, now: Instant) {
        let open: Vec<Arc<Link>> = self.links.values().cloned().collect();
        self.svc.close_all(now);
        self.drain(now);
        // Connections still in their HTTP request: closed without an answer.
        for link in std::mem::take(&mut self.links).into_values() {
            link.close(None);
        }
        let mut timer = self.runtime.new_timer(Instant::now() + SHUTDOWN_FLUSH);
        // Links finish in any order; waiting on them one after the other keeps the whole wait
        // linear in the number of connections.
        let mut waiting = open.iter().peekable();
        poll_fn(|cx| {
            if timer.as_mut().poll(cx).is_ready() {
                return Poll::Ready(());
            }
            while let Some(link) = waiting.peek() {
                if link.poll_finished(cx).is_pending() {
                    return Poll::Pending;
                }
                waiting.next();
            }
            Poll::Ready(())
        })
        .await;
        tracing::info!(
            accepted = self.counters.connections_accepted,
            slow_clients_dropped = self.counters.slow_clients_dropped,
            "chat server stopped"
        );
    }
}
