//! The `signal` service (seed 002, the Gryt signaling server): Socket.IO v4 over WebSocket,
//! voice-channel rooms and users, and score-based rate limits, for one WebSocket connection per
//! Engine.IO session. The driver has already accepted the upgrade (`decide_handshake`, §1); the
//! service speaks Engine.IO and Socket.IO on the connection's text frames.
//!
//! ```text
//! svc.handle_connect(now, conn, ip)?;                 // the upgrade was accepted: open packet
//! svc.handle_text(now, unix_ms, conn, text);          // one complete text frame
//! svc.handle_binary(now, conn, len);                  // one complete binary frame
//! svc.handle_closed(now, conn);                       // the connection is gone
//! svc.handle_timeout(now);                            // when now >= svc.poll_timeout()
//! while let Some(t) = svc.poll_transmit() { … }       // send t.action on t.conn
//! while let Some(e) = svc.poll_event() { … }
//! while let Some(a) = svc.poll_sfu() { … }            // the SFU link (§8.7)
//! svc.handle_sfu_open(now, link);                     // and _text, _frame, _closed
//! ```
//!
//! Every input first fires the timers due at its instant. Behaviour is specified in
//! `conformance/spec/signal.md`; section numbers below refer to it.

mod admission;
mod config;
mod directory;
mod event;
mod link;
mod output;
mod rooms;
mod route;
mod session;
mod sfu;
mod sid;
mod views;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::net::IpAddr;
use std::time::Instant;

use bytes::Bytes;
use serde::Serialize;

pub use config::{SfuSettings, SignalConfig};
pub use event::{CloseReason, SignalEvent};
pub use link::{LinkId, SfuAction, SfuLinkState};
pub use output::{CloseCode, SignalAction, SignalStats, SignalTransmit};
pub use route::{HttpRequest, SignalRoute, route};
pub use session::ConnectionState;
pub use views::{DebugConnection, DebugRoom, DebugUser, Health};

use self::link::Link;
use self::session::{Due, Session};
use self::sid::SidGenerator;
use crate::auth::JwtValidator;
use crate::directory::Directory;
use crate::limits::ScoreLimiter;
use crate::wire::signal::events::ServerEvent;
use crate::wire::signal::sfu::ToSfu;
use crate::wire::signal::{
    EngineError, EngineFrame, EnginePacket, Namespace, OpenInfo, PacketKind, SocketPacket,
    decode_engine, decode_socket,
};
use crate::{ConfigError, ConnectionId};

/// The domains of the two id streams drawn from the service's seed.
const ENGINE_SID_DOMAIN: &[u8] = b"hark signal engine.io sid";
const SOCKET_SID_DOMAIN: &[u8] = b"hark signal socket.io sid";

/// A connection refused at [`SignalService::handle_connect`]: `max_connections` sessions are
/// open. The driver answers the upgrade as it answers any refusal; the service keeps nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the server is full")]
pub struct ServerFull;

/// A score limiter key: the rule with the IP (`SERVER_JOIN`) or the user id (§7.6).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum LimitKey {
    ServerJoin(IpAddr),
    Signal(String),
}

/// A room: its members in join order (the order of `users`).
#[derive(Debug, Default)]
struct Room {
    members: Vec<ConnectionId>,
}

/// The signaling server's whole state. See the module docs for the calling pattern.
#[derive(Debug)]
pub struct SignalService {
    config: SignalConfig,
    jwt: JwtValidator,
    directory: Directory,
    /// The directory as configured, which an operator's reset restores.
    configured_directory: Directory,
    engine_sids: SidGenerator,
    socket_sids: SidGenerator,
    limiter: ScoreLimiter<LimitKey>,
    /// At most `max_connections`.
    sessions: BTreeMap<ConnectionId, Session>,
    /// Keyed by room id; at most one per directory channel.
    rooms: BTreeMap<String, Room>,
    /// The admitted connections of each user; at most `max_connections` entries in all.
    users: BTreeMap<String, BTreeSet<ConnectionId>>,
    /// Every session filed once under its `timer` instant.
    timers: BTreeSet<(Instant, ConnectionId)>,
    rate_limited: u64,
    transmits: VecDeque<SignalTransmit>,
    events: VecDeque<SignalEvent>,
    /// Admitted connections by Socket.IO sid, the peer id on the SFU link (§8.3).
    peers: BTreeMap<String, ConnectionId>,
    /// Sessions opened so far: the next one's place in connection order.
    opened: u64,
    link: Link,
    sfu_actions: VecDeque<SfuAction>,
    sfu_malformed: u64,
    sfu_relayed_to: u64,
    sfu_relayed_from: u64,
}

impl SignalService {
    /// A service with no connections. `rng_seed` seeds the session ids: 32 bytes from the
    /// operating system's RNG in a server, a fixed value in tests and conformance runs. With
    /// `config.sfu` set, the first `Dial` of the SFU link is queued at once (§8.6); its handshake
    /// timeout runs from the first instant the service is given.
    pub fn new(
        config: SignalConfig,
        directory: Directory,
        rng_seed: [u8; 32],
    ) -> Result<Self, ConfigError> {
        config.validate()?;
        let (link, dial) = Link::new(config.sfu.clone());
        Ok(Self {
            peers: BTreeMap::new(),
            opened: 0,
            link,
            sfu_actions: dial.into_iter().collect(),
            sfu_malformed: 0,
            sfu_relayed_to: 0,
            sfu_relayed_from: 0,
            jwt: JwtValidator::new(&config.jwt),
            configured_directory: directory.clone(),
            directory,
            engine_sids: SidGenerator::new(rng_seed, ENGINE_SID_DOMAIN),
            socket_sids: SidGenerator::new(rng_seed, SOCKET_SID_DOMAIN),
            limiter: ScoreLimiter::new(config.limiter_max_keys),
            sessions: BTreeMap::new(),
            rooms: BTreeMap::new(),
            users: BTreeMap::new(),
            timers: BTreeSet::new(),
            rate_limited: 0,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            config,
        })
    }

    pub fn config(&self) -> &SignalConfig {
        &self.config
    }

    pub fn directory(&self) -> &Directory {
        &self.directory
    }

    pub fn stats(&self) -> SignalStats {
        SignalStats {
            connections: self.sessions.len(),
            admitted: self.users.values().map(BTreeSet::len).sum(),
            users: self.users.len(),
            rooms: self.rooms.len(),
            room_members: self.rooms.values().map(|room| room.members.len()).sum(),
            rate_limited: self.rate_limited,
            sfu: self.link.state(),
            sfu_malformed: self.sfu_malformed,
            sfu_relayed_to: self.sfu_relayed_to,
            sfu_relayed_from: self.sfu_relayed_from,
        }
    }

    /// The next thing to do on a connection.
    pub fn poll_transmit(&mut self) -> Option<SignalTransmit> {
        self.transmits.pop_front()
    }

    /// The next thing that happened.
    pub fn poll_event(&mut self) -> Option<SignalEvent> {
        self.events.pop_front()
    }

    /// When [`SignalService::handle_timeout`] must next be called; `None` while nothing waits.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let session = self.timers.first().map(|&(due, _)| due);
        [
            session,
            self.limiter.poll_timeout(),
            self.link.poll_timeout(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Runs the heartbeat (§2) and the CONNECT deadline (§3), and lets the limiter forget the
    /// keys with nothing left to remember (§7.6), and runs the SFU link's timers (§8.5, §8.6).
    pub fn handle_timeout(&mut self, now: Instant) {
        self.limiter.handle_timeout(now);
        self.sfu_timeout(now);
        while let Some(&(filed, conn)) = self.timers.first() {
            if filed > now {
                break;
            }
            self.timers.pop_first();
            let Some(session) = self.sessions.get_mut(&conn) else {
                continue;
            };
            match session.due_at(now) {
                Some(Due::ConnectTimeout) => {
                    self.close(conn, CloseCode::Normal, CloseReason::ConnectTimeout);
                }
                Some(Due::PingTimeout) => {
                    self.close(conn, CloseCode::Normal, CloseReason::PingTimeout);
                }
                Some(Due::Ping) => {
                    session.pinged(now, &self.config);
                    self.file_timer(conn);
                    self.send_frame(conn, &EnginePacket::Ping(None));
                }
                None => self.file_timer(conn),
            }
        }
    }

    /// The driver accepted a WebSocket upgrade from `ip` (§1): the session opens with the
    /// Engine.IO open packet (§2) and its heartbeat starts.
    pub fn handle_connect(
        &mut self,
        now: Instant,
        conn: ConnectionId,
        ip: IpAddr,
    ) -> Result<(), ServerFull> {
        self.handle_timeout(now);
        // A driver reusing an open id would otherwise leave the old session's room and timer.
        self.forget(conn, CloseReason::ClosedByPeer);
        if self.sessions.len() >= self.config.max_connections {
            self.events.push_back(SignalEvent::ConnectionRefused { ip });
            return Err(ServerFull);
        }
        let sid = self.engine_sids.next_sid();
        self.opened += 1;
        let session = Session::new(now, ip, sid.clone(), self.opened, &self.config);
        self.sessions.insert(conn, session);
        self.file_timer(conn);
        let open = EnginePacket::Open(OpenInfo {
            sid: sid.clone(),
            upgrades: Vec::new(),
            ping_interval: millis(self.config.ping_interval),
            ping_timeout: millis(self.config.ping_timeout),
            max_payload: u64::try_from(self.config.max_payload).unwrap_or(u64::MAX),
        });
        self.send_frame(conn, &open);
        self.events
            .push_back(SignalEvent::ConnectionOpened { conn, ip, sid });
        Ok(())
    }

    /// One complete text frame. `unix_ms` is the wall clock in milliseconds since the Unix
    /// epoch, for the JWT's `exp` and `nbf` and for `lastSeen` (§9.1).
    pub fn handle_text(&mut self, now: Instant, unix_ms: u64, conn: ConnectionId, text: &str) {
        self.handle_timeout(now);
        if !self.sessions.contains_key(&conn) {
            return;
        }
        match decode_engine(EngineFrame::Text(text), self.config.max_payload) {
            Err(error) => self.protocol_error(conn, &error),
            Ok(EnginePacket::Message(data)) => self.handle_packet(now, unix_ms, conn, &data),
            Ok(EnginePacket::Pong(_)) => {
                if let Some(session) = self.sessions.get_mut(&conn) {
                    session.ponged(now, &self.config);
                }
                self.file_timer(conn);
            }
            Ok(EnginePacket::Ping(_)) => self.close(
                conn,
                CloseCode::Normal,
                CloseReason::ProtocolError {
                    kind: "invalid_heartbeat_direction",
                },
            ),
            Ok(EnginePacket::Close) => {
                self.close(conn, CloseCode::Normal, CloseReason::ClosedByPeer);
            }
            Ok(EnginePacket::Open(_) | EnginePacket::Upgrade | EnginePacket::Noop) => {}
        }
    }

    /// One complete binary frame of `len` bytes: refused by §2 (`payload_too_large` beyond
    /// `maxPayload`, else `binary_message`), which closes the connection.
    pub fn handle_binary(&mut self, now: Instant, conn: ConnectionId, len: usize) {
        self.handle_timeout(now);
        if !self.sessions.contains_key(&conn) {
            return;
        }
        let error = if len > self.config.max_payload {
            EngineError::PayloadTooLarge {
                len,
                max: self.config.max_payload,
            }
        } else {
            EngineError::BinaryMessage
        };
        self.protocol_error(conn, &error);
    }

    /// The connection is gone; its user leaves the room as with `leave` (§6).
    pub fn handle_closed(&mut self, now: Instant, conn: ConnectionId) {
        self.handle_timeout(now);
        self.forget(conn, CloseReason::ClosedByPeer);
    }

    /// Shutdown: every session is sent Engine.IO `1` and closed with 1001, and every room
    /// removed, without the `user-left` events nobody would read; the SFU is sent `leave` for
    /// every member (§8.3).
    pub fn close_all(&mut self, now: Instant) {
        self.handle_timeout(now);
        let members: Vec<(String, String)> = self
            .rooms
            .iter()
            .flat_map(|(room, entry)| {
                entry.members.iter().filter_map(|&conn| {
                    self.user(conn).map(|user| (room.clone(), user.sid.clone()))
                })
            })
            .collect();
        for (room_id, peer_id) in members {
            self.send_to_sfu(&ToSfu::Leave { room_id, peer_id });
        }
        for session in self.sessions.values_mut() {
            if let Some(user) = session.user.as_mut() {
                user.channel = None;
            }
        }
        for room in std::mem::take(&mut self.rooms).into_keys() {
            self.events.push_back(SignalEvent::RoomRemoved { room });
        }
        let conns: Vec<ConnectionId> = self.sessions.keys().copied().collect();
        for conn in conns {
            self.send_frame(conn, &EnginePacket::Close);
            self.close(conn, CloseCode::GoingAway, CloseReason::ServerClosing);
        }
    }

    /// An operator's reset: [`SignalService::close_all`], then the directory is the configured
    /// one again (run-time changes are undone, as a restart would) and the limiter and counters
    /// start afresh. Session ids go on from the same streams, so no id is ever handed out twice.
    pub fn reset(&mut self, now: Instant) {
        self.close_all(now);
        self.directory = self.configured_directory.clone();
        self.limiter = ScoreLimiter::new(self.config.limiter_max_keys);
        self.rate_limited = 0;
    }

    /// One Socket.IO packet (§3), in the session's state.
    fn handle_packet(&mut self, now: Instant, unix_ms: u64, conn: ConnectionId, data: &str) {
        let packet = match decode_socket(data, self.config.max_payload) {
            Ok(packet) => packet,
            Err(error) => {
                let kind = error.kind();
                self.close(conn, CloseCode::Normal, CloseReason::ProtocolError { kind });
                return;
            }
        };
        let admitted = self
            .sessions
            .get(&conn)
            .is_some_and(|session| session.user.is_some());
        match packet.kind {
            PacketKind::BinaryEvent { .. } | PacketKind::BinaryAck { .. } => self.close(
                conn,
                CloseCode::Normal,
                CloseReason::ProtocolError {
                    kind: "binary_packet",
                },
            ),
            PacketKind::Connect if !admitted || !packet.namespace.is_main() => {
                self.connect(now, unix_ms, conn, packet);
            }
            PacketKind::Event if admitted && packet.namespace.is_main() => {
                self.event(now, unix_ms, conn, packet.ack_id, packet.data);
            }
            PacketKind::Disconnect if admitted && packet.namespace.is_main() => {
                self.close(conn, CloseCode::Normal, CloseReason::ClientDisconnect);
            }
            // The server never asks for an acknowledgement, so there is none to match, and
            // socket.io drops an ack with an unknown id.
            PacketKind::Ack if admitted && packet.namespace.is_main() => {}
            _ => self.close(
                conn,
                CloseCode::Normal,
                CloseReason::ProtocolError {
                    kind: "invalid_state",
                },
            ),
        }
    }

    /// Files the session under its next due instant.
    fn file_timer(&mut self, conn: ConnectionId) {
        let Some(session) = self.sessions.get_mut(&conn) else {
            return;
        };
        self.timers.remove(&(session.timer, conn));
        if let Some(due) = session.due() {
            session.timer = due;
            self.timers.insert((due, conn));
        }
    }

    fn protocol_error(&mut self, conn: ConnectionId, error: &EngineError) {
        let code = match error {
            EngineError::PayloadTooLarge { .. } => CloseCode::MessageTooBig,
            _ => CloseCode::Normal,
        };
        let kind = error.kind();
        self.close(conn, code, CloseReason::ProtocolError { kind });
    }

    fn transmit(&mut self, conn: ConnectionId, action: SignalAction) {
        self.transmits.push_back(SignalTransmit { conn, action });
    }

    fn send_frame(&mut self, conn: ConnectionId, packet: &EnginePacket) {
        self.transmit(conn, SignalAction::Text(Bytes::from(packet.encode())));
    }

    /// An Engine.IO message carrying the Socket.IO packet `text`.
    fn send_message(&mut self, conn: ConnectionId, text: &str) {
        let frame = message_frame(text);
        self.transmit(conn, SignalAction::Text(frame));
    }

    /// A main-namespace Socket.IO packet whose data is the JSON text `json`.
    fn send_socket(&mut self, conn: ConnectionId, kind: PacketKind, ack: Option<u64>, json: &str) {
        let text = SocketPacket::encode_with_json(kind, &Namespace::main(), ack, Some(json));
        self.send_message(conn, &text);
    }

    fn emit(&mut self, conn: ConnectionId, event: &ServerEvent) {
        self.send_socket(conn, PacketKind::Event, None, &event.encode());
    }

    /// Sends `event` to every member of `room` but `except`, all sharing one buffer.
    fn broadcast(&mut self, room: &str, except: Option<ConnectionId>, event: &ServerEvent) {
        let Some(members) = self.rooms.get(room).map(|room| &room.members) else {
            return;
        };
        let text = SocketPacket::encode_with_json(
            PacketKind::Event,
            &Namespace::main(),
            None,
            Some(&event.encode()),
        );
        let frame = message_frame(&text);
        for &member in members.iter().filter(|&&member| Some(member) != except) {
            self.transmits.push_back(SignalTransmit {
                conn: member,
                action: SignalAction::Text(frame.clone()),
            });
        }
    }

    /// Forgets the session and tells the driver to close it with `code`.
    fn close(&mut self, conn: ConnectionId, code: CloseCode, reason: CloseReason) {
        if self.forget(conn, reason) {
            self.transmit(conn, SignalAction::Close(code));
        }
    }

    /// Removes the session, its room membership and its timer; false if it was not open.
    fn forget(&mut self, conn: ConnectionId, reason: CloseReason) -> bool {
        if !self.sessions.contains_key(&conn) {
            return false;
        }
        self.leave_room(conn);
        let Some(session) = self.sessions.remove(&conn) else {
            return false;
        };
        self.timers.remove(&(session.timer, conn));
        if let Some(user) = &session.user {
            self.peers.remove(&user.sid);
        }
        if let Some(user) = session.user
            && let Some(conns) = self.users.get_mut(&user.id)
        {
            conns.remove(&conn);
            if conns.is_empty() {
                self.users.remove(&user.id);
            }
        }
        self.events
            .push_back(SignalEvent::ConnectionClosed { conn, reason });
        true
    }
}

fn message_frame(text: &str) -> Bytes {
    Bytes::from(EnginePacket::Message(text.to_owned()).encode())
}

/// Strings, booleans, integers and sequences of them: serde_json cannot fail on them, so the
/// empty fallback is never taken.
fn to_json(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

fn millis(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
