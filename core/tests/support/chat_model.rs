//! A reference model of the `chat` service (`conformance/spec/chat.md` §5–§7), written the naive
//! way — rooms as a list, rate limits as lists of instants, the heartbeat recomputed from each
//! connection's last frame — and a harness that drives `ChatService` and the model with the same
//! steps and compares, after every step, everything each connection was sent (in order) and the
//! health counters.
//!
//! Message ids are random, so both sides' `message` frames are compared with the id replaced by a
//! placeholder, once the service's id is checked to be a UUID v4. Decoding (`decode_client`),
//! encoding (`ServerMessage`) and the per-IP guard (`IpGuard`) are shared with the service: they
//! have their own vectors and properties; what the model checks is the relay.
//!
//! Included as `chat_model` by `core/tests/chat_service_properties.rs` and `fuzz/src/lib.rs`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use hark_core::ConnectionId;
use hark_core::chat::{ChatAction, ChatConfig, ChatService, ChatStats, CloseCode};
use hark_core::limits::{IpGuard, IpGuardConfig};
use hark_core::wire::chat::{
    ChatUser, ClientMessage, ErrorCode, MessageId, ServerMessage, Timestamp, decode_client,
};

/// Connection slots the steps name (modulo).
pub const CONNS: usize = 6;
/// Peer IPs the slots connect from (modulo).
pub const IPS: usize = 3;
/// Rooms and user ids the steps name (modulo).
pub const ROOMS: [&str; 3] = ["lobby", "dev", "x.y-z_1"];
pub const USERS: [&str; 3] = ["alice", "bob", "carol"];

/// The wall clock (unix milliseconds) at the start of every run.
const WALL_START_MS: u64 = 1_736_164_800_000;
/// Where the service's random message id stands in both sides' `message` frames.
const ID_PLACEHOLDER: &str = "00000000-0000-4000-8000-000000000000";

/// One thing a client or the clock does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The slot opens a connection from IP `ip` (nothing if the slot is open).
    Connect {
        conn: usize,
        ip: usize,
    },
    Text {
        conn: usize,
        msg: Msg,
    },
    Binary {
        conn: usize,
        len: usize,
    },
    Oversized {
        conn: usize,
    },
    /// A ping or pong frame.
    Activity {
        conn: usize,
    },
    Close {
        conn: usize,
    },
    Advance {
        millis: u64,
    },
    CloseAll,
    Reset,
}

/// A text frame's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Msg {
    Ping,
    Join {
        room: usize,
        user: usize,
    },
    Leave,
    Message {
        len: usize,
    },
    Typing(bool),
    Reaction,
    /// Any text: mostly refused by the decoder.
    Raw(String),
}

impl Msg {
    pub fn text(&self) -> String {
        match self {
            Msg::Ping => r#"{"type":"ping"}"#.into(),
            Msg::Join { room, user } => format!(
                r#"{{"type":"join","data":{{"room":"{}","user":{{"id":"{}","name":"N {}","avatar":null}}}}}}"#,
                ROOMS[room % ROOMS.len()],
                USERS[user % USERS.len()],
                user % USERS.len()
            ),
            Msg::Leave => r#"{"type":"leave"}"#.into(),
            Msg::Message { len } => {
                format!(
                    r#"{{"type":"message","data":{{"content":"{}"}}}}"#,
                    "A".repeat(*len)
                )
            }
            Msg::Typing(is_typing) => {
                format!(r#"{{"type":"typing","data":{{"isTyping":{is_typing}}}}}"#)
            }
            Msg::Reaction => {
                r#"{"type":"reaction","data":{"messageId":"m-1","emoji":"👍"}}"#.into()
            }
            Msg::Raw(text) => text.clone(),
        }
    }
}

/// The seed's limits.
pub fn default_config() -> ChatConfig {
    ChatConfig::default()
}

/// Limits a short script reaches: full rooms, a full server, rate limits, blocks, evictions and
/// heartbeat closes within seconds.
pub fn tight_config() -> ChatConfig {
    ChatConfig {
        max_message_size: 600,
        message_limit: 3,
        join_limit: 3,
        typing_limit: 2,
        max_rooms: 2,
        max_users_per_room: 3,
        heartbeat_interval: Duration::from_millis(1000),
        heartbeat_timeout: Duration::from_millis(2500),
        ip_guard: IpGuardConfig {
            connection_limit_per_ip: 2,
            max_connections: 5,
            block_threshold: 4,
            violation_window: Duration::from_secs(2),
            block_duration: Duration::from_secs(1),
            max_block_duration: Duration::from_secs(4),
            penalty_memory: Duration::from_secs(5),
            max_tracked_ips: 2,
        },
    }
}

fn ip(index: usize) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(
        10,
        0,
        0,
        u8::try_from(index % IPS).unwrap_or(0) + 1,
    ))
}

/// What a connection was sent, as compared: text (ids replaced), ping, or a close code.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Out {
    Text(String),
    Ping,
    Close(u16),
}

/// Which rules a run reached, so the properties can show they are not vacuous.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Coverage {
    pub messages: u32,
    pub errors: u32,
    pub blocks: u32,
    pub heartbeat_closes: u32,
    pub refusals: u32,
}

#[derive(Debug)]
struct ModelConn {
    id: ConnectionId,
    ip: IpAddr,
    room: Option<(String, ChatUser)>,
    messages: Vec<Instant>,
    joins: Vec<Instant>,
    typing: Vec<Instant>,
    last_heard: Instant,
    last_ping: Option<Instant>,
}

/// Whether an action at `now` fits under `limit` per minute; if so it is recorded.
fn within(window: &mut Vec<Instant>, now: Instant, limit: u32) -> bool {
    window.retain(|&at| now.duration_since(at) < Duration::from_secs(60));
    if window.len() >= limit as usize {
        return false;
    }
    window.push(now);
    true
}

/// The spec, naively.
#[derive(Debug)]
struct Model {
    config: ChatConfig,
    guard: IpGuard,
    /// Open connections by slot.
    conns: BTreeMap<usize, ModelConn>,
    /// Rooms in creation order, members in join order (slots).
    rooms: Vec<(String, Vec<usize>)>,
    rate_limited: u64,
    sent: BTreeMap<ConnectionId, Vec<Out>>,
    coverage: Coverage,
}

impl Model {
    fn new(config: ChatConfig) -> Self {
        Self {
            guard: IpGuard::new(config.ip_guard),
            config,
            conns: BTreeMap::new(),
            rooms: Vec::new(),
            rate_limited: 0,
            sent: BTreeMap::new(),
            coverage: Coverage::default(),
        }
    }

    fn out(&mut self, slot: usize, out: Out) {
        if let Some(conn) = self.conns.get(&slot) {
            self.sent.entry(conn.id).or_default().push(out);
        }
    }

    fn text(&mut self, slot: usize, message: &ServerMessage) {
        self.out(slot, Out::Text(normalize(&message.encode())));
    }

    fn members(&self, room: &str) -> Vec<usize> {
        self.rooms
            .iter()
            .find(|(name, _)| name == room)
            .map(|(_, members)| members.clone())
            .unwrap_or_default()
    }

    fn send_to_room(&mut self, room: &str, except: Option<usize>, message: &ServerMessage) {
        for slot in self.members(room) {
            if Some(slot) != except {
                self.text(slot, message);
            }
        }
    }

    /// Heartbeats due by `now`, earliest first (ties by connection id), after the guard's
    /// timers.
    fn timers(&mut self, now: Instant) {
        self.guard.handle_timeout(now);
        loop {
            let (interval, timeout) = (
                self.config.heartbeat_interval,
                self.config.heartbeat_timeout,
            );
            let due = self
                .conns
                .iter()
                .map(|(&slot, c)| {
                    let since = c.last_ping.map_or(c.last_heard, |p| p.max(c.last_heard));
                    ((since + interval).min(c.last_heard + timeout), c.id, slot)
                })
                .filter(|&(due, _, _)| due <= now)
                .min();
            let Some((_, _, slot)) = due else {
                return;
            };
            let Some(conn) = self.conns.get_mut(&slot) else {
                return;
            };
            if now >= conn.last_heard + timeout {
                self.coverage.heartbeat_closes += 1;
                self.close(now, slot, CloseCode::GoingAway.code());
            } else {
                conn.last_ping = Some(now);
                self.out(slot, Out::Ping);
            }
        }
    }

    fn heard(&mut self, now: Instant, slot: usize) -> bool {
        self.timers(now);
        match self.conns.get_mut(&slot) {
            Some(conn) => {
                conn.last_heard = now;
                true
            }
            None => false,
        }
    }

    fn connect(&mut self, now: Instant, slot: usize, id: ConnectionId, from: IpAddr) -> bool {
        self.timers(now);
        if self.guard.admit(now, from).is_err() {
            self.coverage.refusals += 1;
            return false;
        }
        self.conns.insert(
            slot,
            ModelConn {
                id,
                ip: from,
                room: None,
                messages: Vec::new(),
                joins: Vec::new(),
                typing: Vec::new(),
                last_heard: now,
                last_ping: None,
            },
        );
        true
    }

    fn refuse(&mut self, now: Instant, slot: usize, code: ErrorCode) {
        self.coverage.errors += 1;
        self.text(slot, &ServerMessage::from(code));
        if !code.is_violation() {
            return;
        }
        let Some(ip) = self.conns.get(&slot).map(|c| c.ip) else {
            return;
        };
        if self.guard.violation(now, ip).is_some() {
            self.coverage.blocks += 1;
            let mut blocked: Vec<(ConnectionId, usize)> = self
                .conns
                .iter()
                .filter(|(_, c)| c.ip == ip)
                .map(|(&slot, c)| (c.id, slot))
                .collect();
            blocked.sort();
            for (_, slot) in blocked {
                self.text(slot, &ServerMessage::from(ErrorCode::IpBlocked));
                self.close(now, slot, CloseCode::PolicyViolation.code());
            }
        }
    }

    fn close(&mut self, now: Instant, slot: usize, code: u16) {
        self.out(slot, Out::Close(code));
        self.forget(now, slot);
    }

    fn forget(&mut self, now: Instant, slot: usize) {
        self.leave_room(slot);
        if let Some(conn) = self.conns.remove(&slot) {
            self.guard.connection_closed(now, conn.ip);
        }
    }

    fn leave_room(&mut self, slot: usize) {
        let Some((room, user)) = self.conns.get_mut(&slot).and_then(|c| c.room.take()) else {
            return;
        };
        for (name, members) in &mut self.rooms {
            if *name == room {
                members.retain(|&member| member != slot);
            }
        }
        self.rooms.retain(|(_, members)| !members.is_empty());
        self.send_to_room(&room, None, &ServerMessage::UserLeft { user_id: user.id });
    }

    fn frame(&mut self, now: Instant, wall_ms: u64, slot: usize, text: &str) {
        if !self.heard(now, slot) {
            return;
        }
        match decode_client(text, self.config.max_message_size) {
            Err(error) => self.refuse(now, slot, error.code),
            Ok(ClientMessage::Ping) => self.text(slot, &ServerMessage::Pong),
            Ok(ClientMessage::Join { room, user }) => self.join(now, slot, room, user),
            Ok(ClientMessage::Leave) => {
                if self.conns.get(&slot).is_some_and(|c| c.room.is_some()) {
                    self.leave_room(slot);
                } else {
                    self.refuse(now, slot, ErrorCode::NotInRoom);
                }
            }
            Ok(ClientMessage::Message { content }) => {
                if let Some((room, user)) = self.limited(now, slot) {
                    self.coverage.messages += 1;
                    let message = ServerMessage::Message {
                        id: MessageId::from_random([0; 16]),
                        user,
                        content,
                        timestamp: Timestamp::from_unix_millis(wall_ms),
                    };
                    self.send_to_room(&room, None, &message);
                }
            }
            Ok(ClientMessage::Reaction { message_id, emoji }) => {
                if let Some((room, user)) = self.limited(now, slot) {
                    let reaction = ServerMessage::Reaction {
                        message_id,
                        user,
                        emoji,
                    };
                    self.send_to_room(&room, None, &reaction);
                }
            }
            Ok(ClientMessage::Typing { is_typing }) => {
                let typing_limit = self.config.typing_limit;
                let Some(conn) = self.conns.get_mut(&slot) else {
                    return;
                };
                let Some((room, user)) = conn.room.clone() else {
                    self.refuse(now, slot, ErrorCode::NotInRoom);
                    return;
                };
                if !within(&mut conn.typing, now, typing_limit) {
                    self.rate_limited += 1;
                    return;
                }
                self.send_to_room(
                    &room,
                    Some(slot),
                    &ServerMessage::UserTyping { user, is_typing },
                );
            }
        }
    }

    fn limited(&mut self, now: Instant, slot: usize) -> Option<(String, ChatUser)> {
        let limit = self.config.message_limit;
        let conn = self.conns.get_mut(&slot)?;
        let Some(member) = conn.room.clone() else {
            self.refuse(now, slot, ErrorCode::NotInRoom);
            return None;
        };
        if !within(&mut conn.messages, now, limit) {
            self.rate_limited += 1;
            self.refuse(now, slot, ErrorCode::RateLimited);
            return None;
        }
        Some(member)
    }

    fn join(&mut self, now: Instant, slot: usize, room: String, user: ChatUser) {
        let join_limit = self.config.join_limit;
        let Some(conn) = self.conns.get_mut(&slot) else {
            return;
        };
        if !within(&mut conn.joins, now, join_limit) {
            self.rate_limited += 1;
            self.refuse(now, slot, ErrorCode::JoinRateLimited);
            return;
        }
        let current = conn.room.as_ref().map(|(room, _)| room.clone());
        let exists = self.rooms.iter().any(|(name, _)| *name == room);
        let others: Vec<usize> = self
            .members(&room)
            .into_iter()
            .filter(|&member| member != slot)
            .collect();
        let refusal = if exists && others.len() >= self.config.max_users_per_room {
            Some(ErrorCode::RoomFull)
        } else if others.iter().any(|member| {
            self.conns
                .get(member)
                .and_then(|c| c.room.as_ref())
                .map(|(_, u)| u.id.as_str())
                == Some(user.id.as_str())
        }) {
            Some(ErrorCode::DuplicateUser)
        } else if !exists {
            let frees = current
                .as_ref()
                .is_some_and(|current| self.members(current).len() == 1);
            (self.rooms.len() - usize::from(frees) >= self.config.max_rooms)
                .then_some(ErrorCode::ServerFull)
        } else {
            None
        };
        if let Some(code) = refusal {
            self.refuse(now, slot, code);
            return;
        }
        self.leave_room(slot);
        self.send_to_room(
            &room,
            None,
            &ServerMessage::UserJoined { user: user.clone() },
        );
        match self.rooms.iter_mut().find(|(name, _)| *name == room) {
            Some((_, members)) => members.push(slot),
            None => self.rooms.push((room.clone(), vec![slot])),
        }
        let users = self
            .members(&room)
            .iter()
            .filter(|&&member| member != slot)
            .filter_map(|member| {
                self.conns
                    .get(member)?
                    .room
                    .as_ref()
                    .map(|(_, u)| u.clone())
            })
            .chain(std::iter::once(user.clone()))
            .collect();
        if let Some(conn) = self.conns.get_mut(&slot) {
            conn.room = Some((room, user));
        }
        self.text(slot, &ServerMessage::UserList { users });
    }

    fn close_all(&mut self, now: Instant) {
        self.timers(now);
        self.rooms.clear();
        let slots: Vec<(ConnectionId, usize)> =
            self.conns.iter().map(|(&slot, c)| (c.id, slot)).collect();
        for (_, slot) in slots {
            if let Some(conn) = self.conns.get_mut(&slot) {
                conn.room = None;
            }
            self.close(now, slot, CloseCode::GoingAway.code());
        }
    }

    fn stats(&self) -> (usize, usize, usize, u64) {
        (
            self.conns.len(),
            self.rooms.len(),
            self.rooms.iter().map(|(_, members)| members.len()).sum(),
            self.rate_limited,
        )
    }
}

/// Replaces a `message` frame's id with the placeholder.
fn normalize(text: &str) -> String {
    const PREFIX: &str = r#"{"type":"message","id":""#;
    match text.strip_prefix(PREFIX) {
        Some(rest) if rest.len() > 36 => format!("{PREFIX}{ID_PLACEHOLDER}{}", &rest[36..]),
        _ => text.to_owned(),
    }
}

/// Whether `text` is a lowercase UUID v4.
fn is_uuid_v4(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(index, &byte)| match index {
            8 | 13 | 18 | 23 => byte == b'-',
            14 => byte == b'4',
            19 => matches!(byte, b'8' | b'9' | b'a' | b'b'),
            _ => byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte),
        })
}

/// A [`ChatService`] under test and the model beside it.
#[derive(Debug)]
pub struct Harness {
    svc: ChatService,
    model: Model,
    start: Instant,
    now: Instant,
    /// The connection id each open slot has; a reconnected slot gets a fresh one.
    next_id: u64,
    ids: BTreeMap<usize, ConnectionId>,
}

impl Harness {
    pub fn new(config: ChatConfig) -> Self {
        let start = Instant::now();
        Self {
            svc: ChatService::new(config.clone(), [5; 32], start)
                .expect("model configurations are valid"),
            model: Model::new(config),
            start,
            now: start,
            next_id: 1,
            ids: BTreeMap::new(),
        }
    }

    pub fn coverage(&self) -> Coverage {
        self.model.coverage
    }

    /// Runs `steps` in order, stopping at the first difference from the model.
    pub fn run(&mut self, steps: &[Step]) -> Result<(), String> {
        for (index, step) in steps.iter().enumerate() {
            self.step(step)
                .map_err(|difference| format!("step {index} ({step:?}): {difference}"))?;
        }
        Ok(())
    }

    fn wall_ms(&self) -> u64 {
        let elapsed = self.now.duration_since(self.start).as_millis();
        WALL_START_MS + u64::try_from(elapsed).unwrap_or(u64::MAX / 2)
    }

    /// Performs one step on both and compares what each connection was sent.
    pub fn step(&mut self, step: &Step) -> Result<(), String> {
        let (now, wall_ms) = (self.now, self.wall_ms());
        let id =
            |slot: &usize, ids: &BTreeMap<usize, ConnectionId>| ids.get(&(slot % CONNS)).copied();
        match step {
            Step::Connect { conn, ip: from } => {
                let slot = conn % CONNS;
                if !self.model.conns.contains_key(&slot) {
                    let fresh = ConnectionId(self.next_id);
                    self.next_id += 1;
                    let admitted = self.svc.handle_connect(now, fresh, ip(*from)).is_ok();
                    let expected = self.model.connect(now, slot, fresh, ip(*from));
                    if admitted != expected {
                        return Err(format!("admitted {admitted}, the model says {expected}"));
                    }
                    if admitted {
                        self.ids.insert(slot, fresh);
                    }
                }
            }
            Step::Text { conn, msg } => {
                if let Some(id) = id(conn, &self.ids) {
                    let text = msg.text();
                    self.svc.handle_text(now, wall_ms, id, &text);
                    self.model.frame(now, wall_ms, conn % CONNS, &text);
                }
            }
            Step::Binary { conn, len } => {
                if let Some(id) = id(conn, &self.ids) {
                    self.svc.handle_binary(now, id, *len);
                    let slot = conn % CONNS;
                    if self.model.heard(now, slot) {
                        let code = if *len > self.model.config.max_message_size {
                            ErrorCode::MessageTooLarge
                        } else {
                            ErrorCode::InvalidMessage
                        };
                        self.model.refuse(now, slot, code);
                    }
                }
            }
            Step::Oversized { conn } => {
                if let Some(id) = id(conn, &self.ids) {
                    self.svc.handle_oversized(now, id);
                    let slot = conn % CONNS;
                    if self.model.heard(now, slot) {
                        self.model.refuse(now, slot, ErrorCode::MessageTooLarge);
                        if self.model.conns.contains_key(&slot) {
                            self.model.close(now, slot, CloseCode::MessageTooBig.code());
                        }
                    }
                }
            }
            Step::Activity { conn } => {
                if let Some(id) = id(conn, &self.ids) {
                    self.svc.handle_activity(now, id);
                    self.model.heard(now, conn % CONNS);
                }
            }
            Step::Close { conn } => {
                if let Some(id) = id(conn, &self.ids) {
                    self.svc.handle_closed(now, id);
                    self.model.timers(now);
                    self.model.forget(now, conn % CONNS);
                }
            }
            Step::Advance { millis } => {
                self.now += Duration::from_millis(*millis);
                self.svc.handle_timeout(self.now);
                self.model.timers(self.now);
            }
            Step::CloseAll => {
                self.svc.close_all(now);
                self.model.close_all(now);
            }
            Step::Reset => {
                self.svc.reset(now);
                self.model.close_all(now);
                self.model.guard = IpGuard::new(self.model.config.ip_guard);
                self.model.rate_limited = 0;
            }
        }
        self.ids
            .retain(|slot, _| self.model.conns.contains_key(slot));
        self.compare()
    }

    /// Everything the service sent during the step, per connection, against the model.
    fn compare(&mut self) -> Result<(), String> {
        let mut sent: BTreeMap<ConnectionId, Vec<Out>> = BTreeMap::new();
        while let Some(transmit) = self.svc.poll_transmit() {
            let out = match transmit.action {
                ChatAction::Text(bytes) => {
                    let text = std::str::from_utf8(&bytes)
                        .map_err(|_| "a text frame is not UTF-8".to_owned())?;
                    if let Some(rest) = text.strip_prefix(r#"{"type":"message","id":""#) {
                        let id = rest.get(..36).unwrap_or_default();
                        if !is_uuid_v4(id) {
                            return Err(format!("message id {id:?} is not a UUID v4"));
                        }
                    }
                    Out::Text(normalize(text))
                }
                ChatAction::Ping => Out::Ping,
                ChatAction::Close(code) => Out::Close(code.code()),
            };
            sent.entry(transmit.conn).or_default().push(out);
        }
        let expected = std::mem::take(&mut self.model.sent);
        if sent != expected {
            let mut report = String::new();
            for conn in sent.keys().chain(expected.keys()) {
                let (got, want) = (sent.get(conn), expected.get(conn));
                if got != want {
                    let _ = write!(
                        report,
                        "\n  conn {}: sent {got:?}\n  expected {want:?}",
                        conn.0
                    );
                }
            }
            return Err(format!("frames differ:{report}"));
        }
        let ChatStats {
            active_connections,
            active_rooms,
            total_users,
            rate_limited,
            ..
        } = self.svc.stats();
        let stats = (active_connections, active_rooms, total_users, rate_limited);
        if stats != self.model.stats() {
            return Err(format!(
                "stats (connections, rooms, users, rate_limited) {stats:?}, model {:?}",
                self.model.stats()
            ));
        }
        Ok(())
    }
}
