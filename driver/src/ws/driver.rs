//! The loop of a WebSocket service: one task owns the service ([`WsService`]). It waits for
//! accepted connections, messages from connection tasks, a command, a report or the service's
//! deadline; feeds the service; and moves what it decided to the connections' queues (and, through
//! [`WsService::flush`], the log and the library user). It never waits on a connection's socket.
//! No protocol decision is made here.

use std::collections::BTreeMap;
use std::future::poll_fn;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use async_channel::{Receiver, Sender};
use bytes::Bytes;
use futures_lite::StreamExt;
use hark_core::ConnectionId;
use tungstenite::Message;

use super::connection::{Connection, Inbound, Wiring};
use super::link::{Close, Link, Outgoing};
use super::pending::PendingRequests;
use super::service::{Action, LoopCounters, WsService};
use super::text::TextCache;
use crate::accept::Accepted;
use crate::runtime::{AsyncTimer, Runtime};

/// How long shutdown waits for the sockets to take the close frames.
const SHUTDOWN_FLUSH: Duration = Duration::from_millis(500);
/// Messages from connection tasks handled per turn, so timers and accepts get their turn too.
const INBOUND_BATCH: usize = 64;
/// When the service waits for nothing, the timer is still set, this far ahead.
const IDLE_TIMER: Duration = Duration::from_secs(3600);

/// A request from a handle to the loop.
#[derive(Debug)]
pub(crate) enum Command<C> {
    Reset {
        reply: Sender<()>,
    },
    Shutdown {
        reply: Sender<()>,
    },
    /// The service's own (it answers through the command's own reply, if any).
    Service(C),
}

/// What woke the loop; every source that was ready, so that none starves the others.
struct Work<S: WsService> {
    command: Option<Command<S::Command>>,
    /// Every handle is gone: nobody can stop the loop any more, so it stops itself.
    detached: bool,
    accepted: Option<Accepted>,
    /// The accept loop is gone: no more connections will come.
    listener_gone: bool,
    inbound: Vec<Inbound<S::Request>>,
    report: Option<S::Report>,
    timeout: bool,
}

impl<S: WsService> Work<S> {
    fn new(inbound: Vec<Inbound<S::Request>>) -> Self {
        Self {
            command: None,
            detached: false,
            accepted: None,
            listener_gone: false,
            inbound,
            report: None,
            timeout: false,
        }
    }

    fn is_empty(&self) -> bool {
        self.command.is_none()
            && !self.detached
            && self.accepted.is_none()
            && !self.listener_gone
            && self.inbound.is_empty()
            && self.report.is_none()
            && !self.timeout
    }
}

/// The loop's sources and state; see the module docs.
pub(crate) struct WsDriver<S: WsService> {
    pub svc: S,
    pub timer: Pin<Box<dyn AsyncTimer>>,
    pub runtime: Arc<dyn Runtime>,
    pub commands: Pin<Box<Receiver<Command<S::Command>>>>,
    /// `None` once the accept loop is gone.
    pub accepted: Option<Pin<Box<Receiver<Accepted>>>>,
    pub inbound: Pin<Box<Receiver<Inbound<S::Request>>>>,
    /// `None` for a service with no reports, or once their sender is gone.
    pub reports: Option<Pin<Box<Receiver<S::Report>>>>,
    /// Cloned into every connection task (it holds the inbound queue's sender).
    pub wiring: Wiring<S::Request>,
    /// Every connection the loop has not let go of, upgraded or still in its HTTP request.
    pub links: BTreeMap<ConnectionId, Arc<Link>>,
    /// The connections still in their HTTP request, bounded.
    pub pending: PendingRequests,
    pub next_conn: u64,
    pub send_queue_bytes: usize,
    /// A fan-out's buffer is checked for UTF-8 once.
    pub texts: TextCache,
    pub counters: LoopCounters,
    /// Dropped when the loop ends, which stops the accept loop.
    pub _alive: Sender<()>,
}

impl<S: WsService> WsDriver<S> {
    pub async fn run(mut self) {
        let mut inbound = Vec::with_capacity(INBOUND_BATCH);
        loop {
            let mut work = poll_fn(|cx| self.poll_work(cx, &mut inbound)).await;
            let now = Instant::now();
            match work.command.take() {
                Some(Command::Reset { reply }) => {
                    self.svc.reset(now);
                    self.drain(now);
                    // The handle may have stopped waiting; nothing to do then.
                    let _ = reply.try_send(());
                }
                Some(Command::Shutdown { reply }) => {
                    self.stop(now).await;
                    let _ = reply.try_send(());
                    return;
                }
                Some(Command::Service(command)) => self.svc.command(now, command),
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
            if let Some(report) = work.report.take() {
                self.svc.report(now, report);
            }
            let busy = work.inbound.len() == INBOUND_BATCH;
            for message in work.inbound.drain(..) {
                self.inbound(now, message);
            }
            inbound = work.inbound;
            // Also when the timer has not been polled: a busy loop must not starve timeouts.
            if work.timeout || self.svc.poll_timeout().is_some_and(|due| due <= now) {
                self.svc.timeout(now);
            }
            self.drain(now);
            if busy {
                // Let the runtime's other tasks (connection tasks, signals) run between batches.
                self.runtime.yield_now().await;
            }
        }
    }

    fn poll_work(
        &mut self,
        cx: &mut Context<'_>,
        inbound: &mut Vec<Inbound<S::Request>>,
    ) -> Poll<Work<S>> {
        let mut work = Work::new(std::mem::take(inbound));
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
        if let Some(reports) = &mut self.reports {
            match reports.as_mut().poll_next(cx) {
                Poll::Ready(Some(report)) => work.report = Some(report),
                Poll::Ready(None) => self.reports = None,
                Poll::Pending => {}
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

    /// A new TCP connection: numbered and given a task, which reads and routes its request head.
    /// The service hears of it only if it asks to upgrade or for an answer.
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
            self.wiring.clone(),
        );
        self.runtime.spawn(Box::pin(task.run()));
    }

    fn inbound(&mut self, now: Instant, message: Inbound<S::Request>) {
        if let Inbound::Request { conn, .. }
        | Inbound::Upgrade { conn, .. }
        | Inbound::Closed { conn } = &message
        {
            self.pending.done(*conn);
        }
        // Messages of a connection the loop has already let go of are dropped.
        let conn = match &message {
            Inbound::Request { conn, .. }
            | Inbound::Upgrade { conn, .. }
            | Inbound::Text { conn, .. }
            | Inbound::Binary { conn, .. }
            | Inbound::Activity { conn }
            | Inbound::Oversized { conn, .. }
            | Inbound::Closed { conn } => *conn,
        };
        let Some(link) = self.links.get(&conn) else {
            return;
        };
        if matches!(
            message,
            Inbound::Text { .. }
                | Inbound::Binary { .. }
                | Inbound::Activity { .. }
                | Inbound::Oversized { .. }
        ) {
            link.release_message();
        }
        match message {
            Inbound::Request { request, .. } => {
                let _ = link.push(Outgoing::Raw(self.svc.answer(now, request)));
                link.close(None);
                self.links.remove(&conn);
            }
            Inbound::Upgrade { ip, .. } => match self.svc.upgrade(now, conn, ip) {
                Ok(()) => {
                    let _ = link.push(Outgoing::Upgraded);
                }
                Err(response) => {
                    let _ = link.push(Outgoing::Raw(response));
                    link.close(None);
                    self.links.remove(&conn);
                }
            },
            Inbound::Text { text, .. } => self.svc.text(now, conn, text.as_str()),
            Inbound::Binary { len, .. } => self.svc.binary(now, conn, len),
            Inbound::Activity { .. } => self.svc.activity(now, conn),
            Inbound::Oversized { size, .. } => self.svc.oversized(now, conn, size),
            Inbound::Closed { .. } => {
                self.links.remove(&conn);
                self.svc.closed(now, conn);
            }
        }
    }

    /// Moves the service's decisions out: messages and closes to the connections, the rest
    /// through [`WsService::flush`]; then re-arms the timer and publishes the counters.
    fn drain(&mut self, now: Instant) {
        while let Some((conn, action)) = self.svc.poll_transmit() {
            match action {
                Action::Text(bytes) => match self.texts.text(bytes) {
                    Ok(text) => self.queue(now, conn, Message::Text(text)),
                    Err(e) => {
                        tracing::error!(service = S::NAME, error = %e, "the service produced a text frame that is not UTF-8");
                    }
                },
                Action::Ping => self.queue(now, conn, Message::Ping(Bytes::new())),
                Action::Close(code) => {
                    if let Some(link) = self.links.remove(&conn) {
                        link.close(Some(code));
                    }
                }
            }
        }
        self.counters.events_dropped += self.svc.flush();
        let due = self
            .svc
            .poll_timeout()
            .unwrap_or_else(|| Instant::now() + IDLE_TIMER);
        self.timer.as_mut().reset(due);
        self.svc.publish(self.counters);
    }

    /// Queues one message for `conn`. A message that does not fit the connection's queue closes
    /// the connection with 1008 and the service hears that it closed, which tells its room it left
    /// (chat.md §7). Nobody else waits.
    fn queue(&mut self, now: Instant, conn: ConnectionId, message: Message) {
        let Some(link) = self.links.get(&conn) else {
            return;
        };
        if link.push(Outgoing::Message(message)).is_err() {
            link.drop_queue_and_close(Close::POLICY_VIOLATION);
            self.links.remove(&conn);
            self.counters.slow_clients_dropped += 1;
            tracing::warn!(
                service = S::NAME,
                conn = conn.0,
                limit = self.send_queue_bytes,
                "client too slow to read: connection closed"
            );
            self.svc.closed(now, conn);
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
            service = S::NAME,
            accepted = self.counters.connections_accepted,
            slow_clients_dropped = self.counters.slow_clients_dropped,
            "server stopped"
        );
    }
}
