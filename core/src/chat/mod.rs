//! The `chat` service (seed 003): a zero-knowledge relay for end-to-end-encrypted chat over
//! WebSocket. Clients join rooms; the relay fans their (already encrypted) messages, typing
//! indicators and reactions out to the room, and never reads `content` beyond checking it looks
//! like ciphertext. It decides admission, rate limits, IP blocks and the heartbeat; the driver
//! speaks HTTP and WebSocket and moves text frames.
//!
//! ```text
//! let route = chat::route(method, path, is_upgrade);      // the driver parsed a request head
//! svc.handle_connect(now, conn, ip)?;                     // admission, before the 101
//! svc.handle_text(now, wall_ms, conn, text);              // one complete text message
//! svc.handle_binary(now, conn, len);                      // one complete binary message
//! svc.handle_oversized(now, conn);                        // a message beyond the transport bound
//! svc.handle_activity(now, conn);                         // a ping or pong frame
//! svc.handle_closed(now, conn);                           // the connection is gone
//! svc.handle_timeout(now);                                // when now >= svc.poll_timeout()
//! while let Some(t) = svc.poll_transmit() { … }           // send t.action on t.conn
//! while let Some(e) = svc.poll_event() { … }
//! ```
//!
//! Every input first fires the timers due at its instant. Behaviour is specified in
//! `conformance/spec/chat.md`; section numbers below refer to it.

mod config;
mod connection;
mod event;
mod frames;
mod http;
mod output;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::net::IpAddr;
use std::time::Instant;

use bytes::Bytes;

pub use config::ChatConfig;
pub use event::{ChatEvent, CloseReason};
pub use http::{HttpRoute, route};
pub use output::{ChatAction, ChatStats, ChatTransmit, CloseCode};

use self::connection::{Connection, Member};
use self::output::{Health, HealthStats};
use crate::limits::{IpGuard, Refusal};
use crate::seeded::SeededStream;
use crate::wire::chat::{ErrorCode, ServerMessage, Timestamp};
use crate::{ConfigError, ConnectionId};

/// The domain of the message-id stream drawn from the service's seed.
const MESSAGE_ID_DOMAIN: &[u8] = b"hark chat message id";

/// A room: its members in join order (the order of `userList`).
#[derive(Debug, Default)]
struct Room {
    members: Vec<ConnectionId>,
}

/// The chat server's whole state. See the module docs for the calling pattern.
#[derive(Debug)]
pub struct ChatService {
    config: ChatConfig,
    message_ids: SeededStream,
    guard: IpGuard,
    connections: BTreeMap<ConnectionId, Connection>,
    rooms: BTreeMap<String, Room>,
    /// Every connection filed once under its `timer` instant.
    timers: BTreeSet<(Instant, ConnectionId)>,
    started: Instant,
    rate_limited: u64,
    transmits: VecDeque<ChatTransmit>,
    events: VecDeque<ChatEvent>,
}

impl ChatService {
    /// A service with no connections. `rng_seed` seeds the message ids: 32 bytes from the
    /// operating system's RNG in a server, a fixed value in tests and conformance runs.
    pub fn new(config: ChatConfig, rng_seed: [u8; 32], now: Instant) -> Result<Self, ConfigError> {
        config.validate()?;
        Ok(Self {
            message_ids: SeededStream::new(rng_seed, MESSAGE_ID_DOMAIN),
            guard: IpGuard::new(config.ip_guard),
            connections: BTreeMap::new(),
            rooms: BTreeMap::new(),
            timers: BTreeSet::new(),
            started: now,
            rate_limited: 0,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            config,
        })
    }

    pub fn config(&self) -> &ChatConfig {
        &self.config
    }

    pub fn stats(&self) -> ChatStats {
        let guard = self.guard.stats();
        ChatStats {
            active_connections: self.connections.len(),
            active_rooms: self.rooms.len(),
            total_users: self.rooms.values().map(|room| room.members.len()).sum(),
            rate_limited: self.rate_limited,
            violations: guard.violations,
            blocked_ips: guard.blocked_ips,
            refused_connections: guard.refused_connections,
        }
    }

    /// The body of `GET /` and `GET /health` (§8). `wall_ms` is the wall clock in unix
    /// milliseconds.
    pub fn health(&self, now: Instant, wall_ms: u64) -> String {
        let health = Health {
            status: "healthy",
            timestamp: Timestamp::from_unix_millis(wall_ms),
            stats: HealthStats {
                uptime_seconds: now.saturating_duration_since(self.started).as_secs(),
                counters: self.stats(),
            },
        };
        // Strings and integers only: serde_json cannot fail on them.
        serde_json::to_string(&health).unwrap_or_default()
    }

    /// The next thing to do on a connection.
    pub fn poll_transmit(&mut self) -> Option<ChatTransmit> {
        self.transmits.pop_front()
    }

    /// The next thing that happened.
    pub fn poll_event(&mut self) -> Option<ChatEvent> {
        self.events.pop_front()
    }

    /// When [`ChatService::handle_timeout`] must next be called; `None` while nothing waits.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let heartbeat = self.timers.first().map(|&(due, _)| due);
        match (heartbeat, self.guard.poll_timeout()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Runs the heartbeat (§7) and ends the IP blocks and records whose time is up.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.guard.handle_timeout(now);
        while let Some(&(filed, conn)) = self.timers.first() {
            if filed > now {
                break;
            }
            self.timers.pop_first();
            let Some(connection) = self.connections.get_mut(&conn) else {
                continue;
            };
            let due = connection.due(&self.config);
            if due > filed {
                // Filed early (frames came since): file it at its real instant, which keeps
                // the connections whose time has come in the order of their deadlines.
                self.file_timer(conn, due);
            } else if connection.is_dead(now, &self.config) {
                self.close(
                    now,
                    conn,
                    CloseCode::GoingAway,
                    CloseReason::HeartbeatTimeout,
                );
            } else {
                connection.pinged(now);
                let due = connection.due(&self.config);
                self.file_timer(conn, due);
                self.transmit(conn, ChatAction::Ping);
            }
        }
    }

    /// Decides on a WebSocket upgrade from `ip` before it is answered (§7). On `Err` the driver
    /// answers with the refusal's status and `{"error":"<code>"}`; the service keeps nothing.
    pub fn handle_connect(
        &mut self,
        now: Instant,
        conn: ConnectionId,
        ip: IpAddr,
    ) -> Result<(), Refusal> {
        self.handle_timeout(now);
        if let Err(refusal) = self.guard.admit(now, ip) {
            self.events
                .push_back(ChatEvent::ConnectionRefused { ip, refusal });
            return Err(refusal);
        }
        let connection = Connection::new(now, ip, &self.config);
        self.file_timer(conn, connection.timer);
        if let Some(replaced) = self.connections.insert(conn, connection) {
            // A driver reusing an open id would otherwise leak the old one's slot.
            self.guard.connection_closed(now, replaced.ip);
        }
        self.events
            .push_back(ChatEvent::ConnectionOpened { conn, ip });
        Ok(())
    }

    /// One complete binary message of `len` bytes: chat messages are text (§1).
    pub fn handle_binary(&mut self, now: Instant, conn: ConnectionId, len: usize) {
        if !self.heard(now, conn) {
            return;
        }
        let code = if len > self.config.max_message_size {
            ErrorCode::MessageTooLarge
        } else {
            ErrorCode::InvalidMessage
        };
        self.refuse(now, conn, code);
    }

    /// A message beyond the transport's bound, which the driver refused to buffer: answered
    /// `MESSAGE_TOO_LARGE`, counted as a violation, and the connection is closed with 1009,
    /// since the rest of that message cannot be skipped.
    pub fn handle_oversized(&mut self, now: Instant, conn: ConnectionId) {
        if !self.heard(now, conn) {
            return;
        }
        self.refuse(now, conn, ErrorCode::MessageTooLarge);
        if self.connections.contains_key(&conn) {
            self.close(now, conn, CloseCode::MessageTooBig, CloseReason::Oversized);
        }
    }

    /// A ping or pong frame arrived: the connection is alive (§7).
    pub fn handle_activity(&mut self, now: Instant, conn: ConnectionId) {
        self.heard(now, conn);
    }

    /// The connection is gone: the peer closed it, the transport failed, or the driver dropped
    /// a reader too slow for its queue. Its user leaves the room as with `leave`.
    pub fn handle_closed(&mut self, now: Instant, conn: ConnectionId) {
        self.handle_timeout(now);
        self.forget(now, conn, CloseReason::ClosedByPeer);
    }

    /// Shutdown: every connection is closed with 1001 and every room removed, without the
    /// `userLeft` messages nobody would read.
    pub fn close_all(&mut self, now: Instant) {
        self.handle_timeout(now);
        for connection in self.connections.values_mut() {
            connection.member = None;
        }
        for room in std::mem::take(&mut self.rooms).into_keys() {
            self.events.push_back(ChatEvent::RoomRemoved { room });
        }
        let conns: Vec<ConnectionId> = self.connections.keys().copied().collect();
        for conn in conns {
            self.close(now, conn, CloseCode::GoingAway, CloseReason::ServerClosing);
        }
    }

    /// An operator's reset: [`ChatService::close_all`], then IP records and counters start
    /// afresh, as in a newly started server. Message ids go on from the same stream.
    pub fn reset(&mut self, now: Instant) {
        self.close_all(now);
        self.guard = IpGuard::new(self.config.ip_guard);
        self.rate_limited = 0;
    }

    /// Fires due timers and records that `conn` was heard from; false if it is not open.
    fn heard(&mut self, now: Instant, conn: ConnectionId) -> bool {
        self.handle_timeout(now);
        match self.connections.get_mut(&conn) {
            Some(connection) => {
                connection.heard(now);
                true
            }
            None => false,
        }
    }

    fn file_timer(&mut self, conn: ConnectionId, due: Instant) {
        if let Some(connection) = self.connections.get_mut(&conn) {
            self.timers.remove(&(connection.timer, conn));
            connection.timer = due;
        }
        self.timers.insert((due, conn));
    }

    fn transmit(&mut self, conn: ConnectionId, action: ChatAction) {
        self.transmits.push_back(ChatTransmit { conn, action });
    }

    fn send(&mut self, conn: ConnectionId, message: &ServerMessage) {
        self.transmit(conn, ChatAction::Text(Bytes::from(message.encode())));
    }

    /// Sends `message` to every member of `room` but `except`, all sharing one buffer.
    fn broadcast(&mut self, room: &str, except: Option<ConnectionId>, message: &ServerMessage) {
        let Some(members) = self.rooms.get(room).map(|room| &room.members) else {
            return;
        };
        let payload = Bytes::from(message.encode());
        for &member in members.iter().filter(|&&member| Some(member) != except) {
            self.transmits.push_back(ChatTransmit {
                conn: member,
                action: ChatAction::Text(payload.clone()),
            });
        }
    }

    /// Answers with `error` (§6) and counts a violation against the IP when the code is one.
    fn refuse(&mut self, now: Instant, conn: ConnectionId, code: ErrorCode) {
        self.send_error(conn, code);
        if code.is_violation() {
            self.violation(now, conn);
        }
    }

    fn send_error(&mut self, conn: ConnectionId, code: ErrorCode) {
        self.send(conn, &ServerMessage::from(code));
        self.events.push_back(ChatEvent::Error { conn, code });
    }

    /// Counts a violation; when it starts a block, every connection of the IP is sent
    /// `IP_BLOCKED` and closed with 1008 (§7).
    fn violation(&mut self, now: Instant, conn: ConnectionId) {
        let Some(ip) = self.connections.get(&conn).map(|connection| connection.ip) else {
            return;
        };
        let Some(block) = self.guard.violation(now, ip) else {
            return;
        };
        self.events.push_back(ChatEvent::IpBlocked {
            ip,
            duration: block.duration,
        });
        let blocked: Vec<ConnectionId> = self
            .connections
            .iter()
            .filter(|(_, connection)| connection.ip == ip)
            .map(|(&conn, _)| conn)
            .collect();
        for conn in blocked {
            self.send_error(conn, ErrorCode::IpBlocked);
            self.close(
                now,
                conn,
                CloseCode::PolicyViolation,
                CloseReason::IpBlocked,
            );
        }
    }

    /// Forgets the connection and tells the driver to close it with `code`.
    fn close(&mut self, now: Instant, conn: ConnectionId, code: CloseCode, reason: CloseReason) {
        if self.forget(now, conn, reason) {
            self.transmit(conn, ChatAction::Close(code));
        }
    }

    /// Removes the connection, its room membership and its timer; false if it was not open.
    fn forget(&mut self, now: Instant, conn: ConnectionId, reason: CloseReason) -> bool {
        let Some(mut connection) = self.connections.remove(&conn) else {
            return false;
        };
        if let Some(member) = connection.member.take() {
            self.leave_room(conn, member);
        }
        self.timers.remove(&(connection.timer, conn));
        self.guard.connection_closed(now, connection.ip);
        self.events
            .push_back(ChatEvent::ConnectionClosed { conn, reason });
        true
    }

    /// Takes `conn` out of its room: the others hear `userLeft`, and a room left empty is
    /// removed (§5).
    fn leave_room(&mut self, conn: ConnectionId, member: Member) {
        let Member { room, user } = member;
        let emptied = match self.rooms.get_mut(&room) {
            Some(entry) => {
                entry.members.retain(|&other| other != conn);
                entry.members.is_empty()
            }
            None => false,
        };
        self.events.push_back(ChatEvent::Left {
            conn,
            room: room.clone(),
            user_id: user.id.clone(),
        });
        if emptied {
            self.rooms.remove(&room);
            self.events.push_back(ChatEvent::RoomRemoved { room });
        } else {
            self.broadcast(&room, None, &ServerMessage::UserLeft { user_id: user.id });
        }
    }
}
