//! What the shared WebSocket loop needs from one service: its core's inputs and outputs, behind
//! one trait, so that the loop (accepting, routing, queueing, slow readers, shutdown) is written
//! once for `chat` and `signal`. An implementation only translates: it calls its core and hands
//! back what the core decided.

use std::net::IpAddr;
use std::time::Instant;

use bytes::Bytes;
use hark_core::ConnectionId;

use super::link::Close;

/// What a service decided for one connection, in the loop's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    /// One text frame; the payload is UTF-8 (checked once per fan-out buffer).
    Text(Bytes),
    Ping,
    /// A close frame with this code, then close. The service has already forgotten the
    /// connection.
    Close(Close),
}

/// The loop's own counters, which each service publishes beside its core's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct LoopCounters {
    /// TCP connections accepted since start (HTTP requests included).
    pub connections_accepted: u64,
    /// Connections closed at once because too many were still sending their request head.
    pub pending_requests_dropped: u64,
    /// Connections closed (1008) because a frame did not fit their outgoing queue.
    pub slow_clients_dropped: u64,
    /// Events dropped because the library user's event receiver was not keeping up.
    pub events_dropped: u64,
}

/// One service's core as the loop drives it. Every method is called from the loop's task only.
pub(crate) trait WsService: Send + 'static {
    /// The service's name in the log.
    const NAME: &'static str;
    /// A request the router hands the loop to answer (health, debug pages).
    type Request: Send + 'static;
    /// A command from the service's handles beyond reset and shutdown.
    type Command: Send + 'static;
    /// A report from outside the WebSocket connections (the SFU link).
    type Report: Send + 'static;

    /// The whole HTTP response to `request`.
    fn answer(&mut self, now: Instant, request: Self::Request) -> Bytes;
    /// Admission of an upgrade the router accepted: `Err` with the whole HTTP refusal.
    fn upgrade(&mut self, now: Instant, conn: ConnectionId, ip: IpAddr) -> Result<(), Bytes>;
    fn text(&mut self, now: Instant, conn: ConnectionId, text: &str);
    fn binary(&mut self, now: Instant, conn: ConnectionId, len: usize);
    /// A ping or pong arrived.
    fn activity(&mut self, now: Instant, conn: ConnectionId);
    /// A message of `size` bytes beyond the transport's bound; the connection reads no more.
    fn oversized(&mut self, now: Instant, conn: ConnectionId, size: usize);
    fn closed(&mut self, now: Instant, conn: ConnectionId);
    fn command(&mut self, now: Instant, command: Self::Command);
    fn report(&mut self, now: Instant, report: Self::Report);
    fn timeout(&mut self, now: Instant);
    fn poll_timeout(&self) -> Option<Instant>;
    fn poll_transmit(&mut self) -> Option<(ConnectionId, Action)>;
    /// Moves the core's other outputs out (events to the log and the library user, …); returns
    /// how many events were dropped.
    fn flush(&mut self) -> u64;
    /// An operator's reset: every connection closed, the service as after start-up.
    fn reset(&mut self, now: Instant);
    /// Shutdown: every connection is told goodbye and closed.
    fn close_all(&mut self, now: Instant);
    /// Publishes the counters for the service's handles.
    fn publish(&mut self, counters: LoopCounters);
}
