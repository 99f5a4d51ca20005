//! A model of what the `voice` service shows from outside, learned only from its outputs (events,
//! stream transmits, datagrams), and the rules of `conformance/spec/voice.md` checked against it
//! after every step of an arbitrary interaction.
//!
//! Shared by `core/tests/voice_service_properties.rs` (quickcheck) and the `voice_service` fuzz
//! target (`fuzz/src/lib.rs` includes this file, and `model_common.rs` beside it), so that both
//! hold the service to the same rules. Each front end only generates [`Step`]s;
//! [`Harness::step`] turns them into connections, bytes (split wherever a step says), datagrams,
//! clock steps and directory changes, drives [`VoiceService`], and returns `Err` naming the first
//! broken rule:
//!
//! - **relay** (§6.2): voice is relayed, byte for byte, only from a bound address speaking under
//!   its own user id, in a channel and unmuted, and then to exactly the other members of that
//!   channel with a bound address (never back to the sender, never to an unbound address), or
//!   dropped with the reason §6.2 gives; a bound address's keepalive is echoed;
//! - **auth** (§6.1, §6.3): a `VoiceAuthRequest` gets the outcome §6.1 gives from the tokens the
//!   `LoginResponse`s handed out (a closed login's token is unknown); replies go only to the
//!   address that sent the datagram; a refusal is never larger than the request and refusals stay
//!   within the server-wide budget; no datagram leaves in a step that received none;
//! - **streams** (§5, §10): output only to open connections (and to a refused one), in whole
//!   frames; every Error frame has its `ManagementError` event; a fatal Error is followed by Close,
//!   nothing follows a Close, and a connection ends exactly when its output ends with Close (or its
//!   peer closed it); chat reaches only members of its channel, presence only logged-in users;
//! - **state** (§5.2, §5.3, §7, §8, §9), after every step: logins only with a valid token for the
//!   username, usernames unique; no channel member the directory does not admit; no channel over
//!   its `max_users`; no connection or binding past its deadline, none ended before it; `stats()`
//!   agree with the model; `poll_timeout()` is `None` exactly when no connection and no binding
//!   exists.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use bytes::Bytes;
use hark_core::Transmit;
use hark_core::directory::Directory;
use hark_core::limits::RateLimit;
use hark_core::voice::{
    ConnectionId, LeaveReason, ManagementError, StreamAction, StreamTransmit, UnbindReason,
    VoiceConfig, VoiceEvent, VoiceService,
};
use hark_core::wire::voice::{
    AuthStatus, ErrorCode, Frame, FrameDecoder, PROTOCOL_VERSION, VoicePacket, VoiceToken,
    parse_datagram, parse_frame,
};

use crate::model_common::{Cast, Tokens, check_rate, ensure, run_each, udp_addr, wall_clock};
pub use crate::model_common::{Change, TokenKind};

/// The HS256 secret the service is configured with.
const SECRET: &[u8] = b"hark-voice-model-secret";
/// Names logins can claim: `dave` is not a member of `duo`, `mallory` is banned from `main` and
/// not a member of `duo`; the last is not a valid username (§5.2).
pub const USERS: [&str; 6] = ["alice", "bob", "carol", "dave", "mallory", "no one"];
/// `main` is open to all but mallory, `duo` admits alice, bob and carol two at a time, `gone` does
/// not exist until a step adds it.
pub const CHANNELS: [&str; 3] = ["main", "duo", "gone"];
/// Management connection ids the steps can use.
pub const CONNS: usize = 5;
/// UDP source addresses the steps can send from.
pub const ADDRS: usize = 5;
/// The cast the steps name: `main` is the open channel, `duo` the restricted one.
pub const CAST: Cast = Cast {
    users: &USERS,
    channels: &CHANNELS,
    banned: &["mallory"],
    members: &["alice", "bob", "carol"],
};
/// The largest body a server frame may have (§3).
const SERVER_MAX_FRAME_LEN: usize = 65_535;

/// One step of an interaction. Indices are taken modulo their list's length, so any number is
/// valid.
#[derive(Debug, Clone)]
pub enum Step {
    /// The driver accepts a connection numbered `conn`.
    Connect {
        conn: usize,
    },
    /// `conn`'s client writes `msg` after whatever it held back, and holds back the last
    /// `hold % (len + 1)` bytes: frames reach the service split at arbitrary points.
    Write {
        conn: usize,
        msg: Msg,
        hold: usize,
    },
    /// The peer closes `conn`.
    Close {
        conn: usize,
    },
    Datagram {
        addr: usize,
        dgram: Dgram,
    },
    /// The clock moves forward; `handle_timeout` runs if a deadline passed.
    Advance {
        millis: u64,
    },
    /// The operator changes the directory.
    Directory(Change),
    /// The operator resets the service (§5.6).
    Reset,
}

/// What a client writes on its management connection.
#[derive(Debug, Clone)]
pub enum Msg {
    Login {
        user: usize,
        token: TokenKind,
        version: u8,
    },
    Join {
        channel: usize,
    },
    Leave,
    Mute(bool),
    Chat(ChatLen),
    Ping(u64),
    /// A frame only the server may send (§5.1 step 2).
    ServerOnly,
    /// Bytes as they come.
    Raw(Vec<u8>),
    /// A length prefix `extra % 100 + 1` over `max_frame_len`, and a type byte.
    Oversize {
        extra: u16,
    },
}

#[derive(Debug, Clone, Copy)]
pub enum ChatLen {
    Empty,
    /// `1 + n % 16` bytes: within every configuration's `max_chat_len`.
    Short(u8),
    /// `max_chat_len + 1` bytes.
    TooLong,
}

/// A datagram a client can send, described by intent.
#[derive(Debug, Clone)]
pub enum Dgram {
    Auth(TokenPick),
    Voice {
        claim: Claim,
        len: usize,
    },
    Keepalive(u64),
    /// A packet only the server sends (§6.2: ignored).
    AuthResponse,
    Raw(Vec<u8>),
    /// `extra % 64 + 1` bytes over `max_datagram_size`.
    Oversize {
        extra: usize,
    },
}

/// Which voice token a `VoiceAuthRequest` carries.
#[derive(Debug, Clone, Copy)]
pub enum TokenPick {
    /// The one connection `conn`'s `LoginResponse` gave, if it is logged in.
    Live { conn: usize },
    /// One of a closed login, if there was one.
    Revoked { index: usize },
    /// Sixteen copies of this byte.
    Random(u8),
}

/// The sender id a VoiceData datagram claims.
#[derive(Debug, Clone, Copy)]
pub enum Claim {
    /// The user bound to the sending address (else the user of the same-numbered connection).
    Own,
    Id(u32),
}

/// The spec's defaults, with the model's secret.
pub fn default_config() -> VoiceConfig {
    VoiceConfig::new(SECRET)
}

/// Limits a short interaction reaches: three connections, small frames and datagrams, short
/// timers, slow rates, two voice members per channel.
pub fn tight_config() -> VoiceConfig {
    let mut config = VoiceConfig::new(SECRET);
    config.max_frame_len = 256;
    config.max_datagram_size = 64;
    config.max_connections = 3;
    config.login_timeout = Duration::from_secs(2);
    config.idle_timeout = Duration::from_secs(5);
    config.udp_timeout = Duration::from_secs(4);
    config.max_chat_len = 16;
    config.frame_rate = RateLimit::new(5, 10);
    config.chat_rate = RateLimit::new(1, 2);
    config.voice_rate = RateLimit::new(2, 3);
    config.unauthenticated_reply_rate = RateLimit::new(2, 2);
    config.default_max_users_per_channel = 2;
    config
}

fn tokens() -> &'static Tokens {
    static TOKENS: OnceLock<Tokens> = OnceLock::new();
    TOKENS.get_or_init(|| Tokens::mint(SECRET, &CAST))
}

fn conn_id(conn: usize) -> ConnectionId {
    ConnectionId(u64::try_from(conn % CONNS).unwrap_or_default())
}

fn peer_addr(conn: usize) -> SocketAddr {
    let port = 50_000 + u16::try_from(conn % CONNS).unwrap_or_default();
    SocketAddr::from((Ipv4Addr::new(198, 51, 100, 1), port))
}

/// §5.2's username rule, restated.
fn is_valid_username(name: &str) -> bool {
    (1..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

fn is_fatal(code: u16) -> bool {
    ErrorCode::from_code(code).is_some_and(ErrorCode::is_fatal)
}

/// An open management connection, as the events told it.
#[derive(Debug, Clone)]
struct Conn {
    user_id: u32,
    opened: Instant,
    /// When the last complete frame arrived: the idle timer's start (§8).
    last_frame: Instant,
    /// Usernames its client wrote a LoginRequest with valid credentials for.
    credentials: BTreeSet<String>,
}

/// A logged-in user, as the events told it.
#[derive(Debug, Clone)]
struct Login {
    conn: ConnectionId,
    username: String,
    muted: bool,
    channel: Option<String>,
    addr: Option<SocketAddr>,
    /// Learned from its `LoginResponse`.
    token: Option<VoiceToken>,
}

#[derive(Debug, Clone)]
struct Binding {
    user_id: u32,
    last_seen: Instant,
}

#[derive(Debug, Clone, Default)]
struct Model {
    conns: BTreeMap<ConnectionId, Conn>,
    logins: BTreeMap<u32, Login>,
    bindings: BTreeMap<SocketAddr, Binding>,
    /// Live voice tokens and their users.
    tokens: BTreeMap<VoiceToken, u32>,
}

impl Model {
    fn login_of(&self, conn: ConnectionId) -> Option<(u32, &Login)> {
        let user_id = self.conns.get(&conn)?.user_id;
        Some((user_id, self.logins.get(&user_id)?))
    }
}

/// What §6 says a datagram must get, from the state before it arrived.
#[derive(Debug)]
enum Expect {
    /// Dropped silently, reported with this kind.
    Drop(&'static str),
    /// Refused with this status (when the reply budget allows), reported with this kind.
    Refuse(AuthStatus, &'static str),
    /// The address is (or stays) bound to this user.
    Bind(u32),
    Echo,
    /// Relayed to the other bound members of the channel, unless rate-limited.
    Relay {
        sender: u32,
        channel: String,
    },
}

/// How far an interaction got: generators are only as good as the states they reach.
#[derive(Debug, Clone, Copy, Default)]
pub struct Coverage {
    pub logins: usize,
    pub binds: usize,
    pub joins: usize,
    /// Voice datagrams relayed to at least one member.
    pub relays: usize,
    pub chats: usize,
    /// Members removed from a channel by a directory change.
    pub removals: usize,
    /// Connections timed out and bindings expired.
    pub timeouts: usize,
    /// Refusals answered with a `VoiceAuthResponse`.
    pub refusals: usize,
    /// Connections closed after a fatal Error.
    pub fatal_closes: usize,
}

impl Coverage {
    pub fn add(&mut self, other: &Coverage) {
        self.logins += other.logins;
        self.binds += other.binds;
        self.joins += other.joins;
        self.relays += other.relays;
        self.chats += other.chats;
        self.removals += other.removals;
        self.timeouts += other.timeouts;
        self.refusals += other.refusals;
        self.fatal_closes += other.fatal_closes;
    }
}

/// One simulated client's side of its management connection.
#[derive(Debug)]
struct Client {
    /// Written but not yet delivered.
    held: Vec<u8>,
    /// The delivered bytes, reassembled: tells when a frame completed.
    delivered: FrameDecoder,
}

impl Client {
    fn new(config: &VoiceConfig) -> Self {
        Self {
            held: Vec::new(),
            delivered: FrameDecoder::new(config.max_frame_len),
        }
    }
}

/// A [`VoiceService`] under test, the model beside it, and the simulated clients.
#[derive(Debug)]
pub struct Harness {
    svc: VoiceService,
    config: VoiceConfig,
    /// The model's copy of the directory, changed by the same steps.
    directory: Directory,
    start: Instant,
    now: Instant,
    model: Model,
    /// Tokens of logins that ended, for `TokenPick::Revoked`.
    revoked: Vec<VoiceToken>,
    clients: Vec<Client>,
    sequence: [u32; ADDRS],
    /// When each refusal (a non-ok `VoiceAuthResponse`) was sent.
    refusals: Vec<Instant>,
    coverage: Coverage,
}

impl Harness {
    pub fn new(config: VoiceConfig) -> Self {
        let directory =
            Directory::new(CAST.initial_channels()).expect("the model directory is valid");
        let start = Instant::now();
        let svc = VoiceService::new(config.clone(), directory.clone(), [9; 32], start)
            .expect("model configurations are valid");
        Self {
            svc,
            clients: (0..CONNS).map(|_| Client::new(&config)).collect(),
            config,
            directory,
            start,
            now: start,
            model: Model::default(),
            revoked: Vec::new(),
            sequence: [0; ADDRS],
            refusals: Vec::new(),
            coverage: Coverage::default(),
        }
    }

    pub fn coverage(&self) -> Coverage {
        self.coverage
    }

    /// Runs `steps` in order, stopping at the first broken rule.
    pub fn run(&mut self, steps: &[Step]) -> Result<(), String> {
        run_each(steps, |step| self.step(step))
    }

    /// Performs one step and checks every rule.
    pub fn step(&mut self, step: &Step) -> Result<(), String> {
        let before = self.model.clone();
        let mut received = None;
        let (now, wall) = (self.now, self.wall());
        match step {
            Step::Connect { conn } => {
                if !self.model.conns.contains_key(&conn_id(*conn)) {
                    self.clients[*conn % CONNS] = Client::new(&self.config);
                }
                self.svc
                    .handle_connect(now, wall, conn_id(*conn), peer_addr(*conn));
            }
            Step::Write { conn, msg, hold } => self.write(*conn, msg, *hold),
            Step::Close { conn } => {
                self.clients[*conn % CONNS].held.clear();
                self.svc.handle_stream_closed(now, wall, conn_id(*conn));
            }
            Step::Datagram { addr, dgram } => {
                let (from, datagram) = (udp_addr(*addr, ADDRS), self.datagram(*addr, dgram));
                self.svc.handle_datagram(now, wall, from, datagram.clone());
                received = Some((from, datagram));
            }
            Step::Advance { millis } => {
                self.now += Duration::from_millis(*millis);
                if self.svc.poll_timeout().is_some_and(|due| due <= self.now) {
                    self.svc.handle_timeout(self.now, self.wall());
                }
            }
            Step::Directory(change) => self.change_directory(*change)?,
            Step::Reset => self.svc.reset(now, wall),
        }
        let streams: Vec<StreamTransmit> = std::iter::from_fn(|| self.svc.poll_stream()).collect();
        let transmits: Vec<Transmit> = std::iter::from_fn(|| self.svc.poll_transmit()).collect();
        let events: Vec<VoiceEvent> = std::iter::from_fn(|| self.svc.poll_event()).collect();

        self.apply_events(step, &events)?;
        self.check_streams(step, &before, &streams, &events)?;
        match received {
            Some((from, datagram)) => {
                self.check_datagram(&before, from, &datagram, &transmits, &events)?;
            }
            None => ensure!(
                transmits.is_empty(),
                "{} datagrams sent in a step that received none",
                transmits.len()
            ),
        }
        if matches!(step, Step::Reset) {
            ensure!(
                self.model.conns.is_empty(),
                "connections survived a reset: {:?}",
                self.model.conns.keys()
            );
        }
        self.check_state()
    }

    fn wall(&self) -> u64 {
        wall_clock(self.start, self.now)
    }

    /// Delivers what `conn`'s client has written, holding back the tail `hold` asks for.
    fn write(&mut self, conn: usize, msg: &Msg, hold: usize) {
        let id = conn_id(conn);
        let encoded = self.encode(msg);
        let client = &mut self.clients[conn % CONNS];
        let mut bytes = std::mem::take(&mut client.held);
        bytes.extend(encoded);
        let keep = hold % (bytes.len() + 1);
        client.held = bytes.split_off(bytes.len() - keep);
        if let Some(open) = self.model.conns.get_mut(&id) {
            if let Some(name) = credentials(msg) {
                open.credentials.insert(name.to_owned());
            }
            client.delivered.push(&bytes);
            let mut completed = false;
            while let Ok(Some(_)) = client.delivered.next_frame() {
                completed = true;
            }
            if completed {
                open.last_frame = self.now;
            }
        }
        self.svc
            .handle_stream_data(self.now, self.wall(), id, &bytes);
    }

    fn encode(&self, msg: &Msg) -> Vec<u8> {
        let frame = match msg {
            Msg::Login {
                user,
                token,
                version,
            } => {
                let token = tokens().get(*token, *user);
                Frame::LoginRequest {
                    version: *version,
                    username: CAST.user(*user).to_owned(),
                    token: token.to_owned(),
                }
            }
            Msg::Join { channel } => Frame::JoinVoice {
                channel: CAST.channel(*channel).to_owned(),
            },
            Msg::Leave => Frame::LeaveVoice,
            Msg::Mute(muted) => Frame::SetMute { muted: *muted },
            Msg::Chat(len) => Frame::ChatSend {
                text: "x".repeat(match len {
                    ChatLen::Empty => 0,
                    ChatLen::Short(n) => 1 + usize::from(n % 16),
                    ChatLen::TooLong => self.config.max_chat_len + 1,
                }),
            },
            Msg::Ping(nonce) => Frame::Ping { nonce: *nonce },
            Msg::ServerOnly => Frame::Pong { nonce: 0 },
            Msg::Raw(bytes) => return bytes.clone(),
            Msg::Oversize { extra } => {
                let len = self.config.max_frame_len + 1 + usize::from(extra % 100);
                let mut bytes = u16::try_from(len)
                    .unwrap_or(u16::MAX)
                    .to_be_bytes()
                    .to_vec();
                bytes.push(0x06);
                return bytes;
            }
        };
        frame.encode().map(|b| b.to_vec()).unwrap_or_default()
    }

    fn datagram(&mut self, addr: usize, dgram: &Dgram) -> Bytes {
        match dgram {
            Dgram::Auth(token) => VoicePacket::AuthRequest {
                token: self.token(*token),
            }
            .encode(),
            Dgram::Voice { claim, len } => {
                let user_id = match claim {
                    Claim::Own => self.own_id(addr),
                    Claim::Id(id) => *id,
                };
                let sequence = &mut self.sequence[addr % ADDRS];
                *sequence = sequence.wrapping_add(1);
                let fill = u8::try_from(addr % ADDRS).unwrap_or_default();
                VoicePacket::VoiceData {
                    user_id,
                    sequence: *sequence,
                    payload: Bytes::from(vec![fill; len % 200]),
                }
                .encode()
            }
            Dgram::Keepalive(nonce) => VoicePacket::Keepalive { nonce: *nonce }.encode(),
            Dgram::AuthResponse => VoicePacket::AuthResponse {
                status: AuthStatus::OK,
                user_id: 1,
            }
            .encode(),
            Dgram::Raw(bytes) => Bytes::copy_from_slice(bytes),
            Dgram::Oversize { extra } => {
                Bytes::from(vec![0x03; self.config.max_datagram_size + 1 + extra % 64])
            }
        }
    }

    fn token(&self, pick: TokenPick) -> VoiceToken {
        let token = match pick {
            TokenPick::Live { conn } => self
                .model
                .login_of(conn_id(conn))
                .and_then(|(_, login)| login.token),
            TokenPick::Revoked { index } => {
                self.revoked.get(index % self.revoked.len().max(1)).copied()
            }
            TokenPick::Random(byte) => Some(VoiceToken([byte; 16])),
        };
        token.unwrap_or(VoiceToken([0xA5; 16]))
    }

    /// The id an honest client at `addr` puts in its voice: its bound user's.
    fn own_id(&self, addr: usize) -> u32 {
        match self.model.bindings.get(&udp_addr(addr, ADDRS)) {
            Some(binding) => binding.user_id,
            None => self
                .model
                .conns
                .get(&conn_id(addr))
                .map_or(1, |c| c.user_id),
        }
    }

    /// Applies an operator change to the service and the model's directory: both must agree.
    fn change_directory(&mut self, change: Change) -> Result<(), String> {
        let change = CAST.directory_change(change);
        let expected = self.directory.apply(change.clone());
        let got = self
            .svc
            .apply_directory_change(self.now, self.wall(), change);
        ensure!(
            got == expected,
            "the service answered {got:?}, the directory {expected:?}"
        );
        Ok(())
    }

    /// Updates the model from the service's events, checking each is possible when it happens.
    fn apply_events(&mut self, step: &Step, events: &[VoiceEvent]) -> Result<(), String> {
        let config = &self.config;
        let now = self.now;
        let model = &mut self.model;
        let refused: BTreeSet<(ConnectionId, u16)> = events
            .iter()
            .filter_map(|event| match event {
                VoiceEvent::ManagementError { conn, error } => Some((*conn, error.code().code())),
                _ => None,
            })
            .collect();
        for event in events {
            match event {
                VoiceEvent::ConnectionOpened { conn, user_id, .. } => {
                    ensure!(
                        matches!(step, Step::Connect { .. }),
                        "a connection opened without a connect"
                    );
                    ensure!(
                        *user_id != 0 && model.conns.values().all(|c| c.user_id != *user_id),
                        "{conn:?} was given user id {user_id}, which is 0 or in use"
                    );
                    let opened = Conn {
                        user_id: *user_id,
                        opened: now,
                        last_frame: now,
                        credentials: BTreeSet::new(),
                    };
                    ensure!(
                        model.conns.insert(*conn, opened).is_none(),
                        "{conn:?} opened while open"
                    );
                }
                VoiceEvent::ConnectionClosed { conn, user_id, .. } => {
                    let Some(closed) = model.conns.remove(conn) else {
                        return Err(format!("{conn:?} closed, which is not open"));
                    };
                    ensure!(
                        closed.user_id == *user_id,
                        "{conn:?} of user {} closed as user {user_id}",
                        closed.user_id
                    );
                    if let Some(login) = model.logins.remove(user_id) {
                        ensure!(
                            login.channel.is_none() && login.addr.is_none(),
                            "{conn:?} closed still in {:?}, bound to {:?}: no VoiceLeft or \
                             VoiceUnbound",
                            login.channel,
                            login.addr
                        );
                        if let Some(token) = login.token {
                            model.tokens.remove(&token);
                            self.revoked.push(token);
                        }
                    }
                }
                VoiceEvent::LoggedIn {
                    conn,
                    user_id,
                    username,
                } => {
                    let Some(open) = model.conns.get(conn) else {
                        return Err(format!("{conn:?} logged in, which is not open"));
                    };
                    ensure!(
                        open.user_id == *user_id && !model.logins.contains_key(user_id),
                        "{conn:?} (user {}) logged in again, or as user {user_id}",
                        open.user_id
                    );
                    ensure!(
                        open.credentials.contains(username),
                        "{username} logged in on {conn:?} without a valid token for that name"
                    );
                    ensure!(
                        model.logins.values().all(|l| l.username != *username),
                        "{username} logged in twice"
                    );
                    let login = Login {
                        conn: *conn,
                        username: username.clone(),
                        muted: false,
                        channel: None,
                        addr: None,
                        token: None,
                    };
                    model.logins.insert(*user_id, login);
                    self.coverage.logins += 1;
                }
                VoiceEvent::VoiceBound { user_id, addr } => {
                    ensure!(
                        matches!(step, Step::Datagram { .. }),
                        "an address was bound without a datagram"
                    );
                    let Some(login) = model.logins.get_mut(user_id) else {
                        return Err(format!("{addr} bound to {user_id}, who is not logged in"));
                    };
                    ensure!(
                        login.addr.is_none() && !model.bindings.contains_key(addr),
                        "{addr} bound to {user_id}, already bound to {:?}",
                        login.addr
                    );
                    login.addr = Some(*addr);
                    let binding = Binding {
                        user_id: *user_id,
                        last_seen: now,
                    };
                    model.bindings.insert(*addr, binding);
                    self.coverage.binds += 1;
                }
                VoiceEvent::VoiceUnbound {
                    user_id,
                    addr,
                    reason,
                } => {
                    let Some(binding) = model.bindings.remove(addr) else {
                        return Err(format!("{addr} unbound, which is not bound"));
                    };
                    ensure!(
                        binding.user_id == *user_id,
                        "{addr} of user {} unbound as user {user_id}",
                        binding.user_id
                    );
                    if *reason == UnbindReason::Expired {
                        ensure!(
                            binding.last_seen + config.udp_timeout <= now,
                            "{addr} expired before udp_timeout"
                        );
                        self.coverage.timeouts += 1;
                    }
                    if let Some(login) = model.logins.get_mut(user_id) {
                        login.addr = None;
                    }
                }
                VoiceEvent::VoiceJoined { user_id, channel } => {
                    let members = model
                        .logins
                        .values()
                        .filter(|l| l.channel.as_deref() == Some(&**channel))
                        .count();
                    let Some(login) = model.logins.get_mut(user_id) else {
                        return Err(format!("{user_id} joined {channel}, not logged in"));
                    };
                    let limit = match self.directory.admit(channel, &login.username) {
                        Ok(admitted) => admitted
                            .max_users()
                            .unwrap_or(config.default_max_users_per_channel),
                        Err(refusal) => {
                            return Err(format!("{user_id} joined {channel}: {refusal}"));
                        }
                    };
                    ensure!(
                        u32::try_from(members).is_ok_and(|m| m < limit),
                        "{user_id} joined {channel}, which had {members} of {limit}"
                    );
                    ensure!(
                        login.channel.is_none(),
                        "{user_id} joined {channel} while in {:?}",
                        login.channel
                    );
                    login.channel = Some(channel.to_string());
                    self.coverage.joins += 1;
                }
                VoiceEvent::VoiceLeft {
                    user_id,
                    channel,
                    reason,
                } => {
                    let Some(login) = model.logins.get_mut(user_id) else {
                        return Err(format!("{user_id} left {channel}, not logged in"));
                    };
                    ensure!(
                        login.channel.as_deref() == Some(&**channel),
                        "{user_id} left {channel} while in {:?}",
                        login.channel
                    );
                    login.channel = None;
                    // §7: a member the directory no longer admits is told why.
                    let told = match reason {
                        LeaveReason::Banned => Some(ErrorCode::Banned),
                        LeaveReason::NotAMember => Some(ErrorCode::NotAMember),
                        LeaveReason::ChannelRemoved => Some(ErrorCode::ChannelNotFound),
                        LeaveReason::Left | LeaveReason::Switched | LeaveReason::LoggedOut => None,
                    };
                    if let Some(code) = told {
                        ensure!(
                            matches!(step, Step::Directory(_))
                                && refused.contains(&(login.conn, code.code())),
                            "{user_id} was removed from {channel} ({reason:?}) without {code:?}"
                        );
                        self.coverage.removals += 1;
                    }
                }
                VoiceEvent::UserMuted { user_id, muted } => {
                    let Some(login) = model.logins.get_mut(user_id) else {
                        return Err(format!("{user_id} muted, not logged in"));
                    };
                    ensure!(login.muted != *muted, "UserMuted({muted}) without a change");
                    login.muted = *muted;
                }
                VoiceEvent::ManagementError { conn, error } => {
                    let open = model.conns.get(conn);
                    let early = match error {
                        ManagementError::LoginTimeout => {
                            open.is_none_or(|c| c.opened + config.login_timeout > now)
                        }
                        ManagementError::IdleTimeout => {
                            open.is_none_or(|c| c.last_frame + config.idle_timeout > now)
                        }
                        _ => false,
                    };
                    ensure!(!early, "{conn:?} got {error:?} before its deadline");
                    if matches!(
                        error,
                        ManagementError::LoginTimeout | ManagementError::IdleTimeout
                    ) {
                        self.coverage.timeouts += 1;
                    }
                    if error.code().is_fatal() {
                        self.coverage.fatal_closes += 1;
                    }
                }
                VoiceEvent::ChatMessage { .. } => self.coverage.chats += 1,
                VoiceEvent::VoiceData { .. } | VoiceEvent::RelayError { .. } => {}
            }
        }
        Ok(())
    }

    /// The management output of one step, connection by connection.
    fn check_streams(
        &mut self,
        step: &Step,
        before: &Model,
        streams: &[StreamTransmit],
        events: &[VoiceEvent],
    ) -> Result<(), String> {
        // Per connection, in order: `Some(frame)` sent, `None` for Close.
        let mut outputs: BTreeMap<ConnectionId, Vec<Option<Frame>>> = BTreeMap::new();
        for transmit in streams {
            let list = outputs.entry(transmit.conn).or_default();
            let StreamAction::Send(bytes) = &transmit.action else {
                list.push(None);
                continue;
            };
            let mut rest: &[u8] = bytes;
            ensure!(!rest.is_empty(), "an empty Send to {:?}", transmit.conn);
            while !rest.is_empty() {
                let Ok(Some((frame, used))) = parse_frame(rest, SERVER_MAX_FRAME_LEN) else {
                    return Err(format!("{:?} was sent a broken frame", transmit.conn));
                };
                list.push(Some(frame));
                rest = rest.get(used..).unwrap_or_default();
            }
        }
        let mut reported: BTreeMap<ConnectionId, Vec<u16>> = BTreeMap::new();
        let mut opened = BTreeSet::new();
        let mut logged_in = BTreeSet::new();
        let mut closed = BTreeSet::new();
        let mut joined = BTreeSet::new();
        // What presence frames may announce: what happened in this step.
        let mut happened = Vec::new();
        for event in events {
            match event {
                VoiceEvent::ManagementError { conn, error } => {
                    reported.entry(*conn).or_default().push(error.code().code());
                }
                VoiceEvent::ConnectionOpened { conn, .. } => {
                    opened.insert(*conn);
                }
                VoiceEvent::LoggedIn {
                    conn,
                    user_id,
                    username,
                } => {
                    logged_in.insert(*conn);
                    happened.push(Frame::UserJoined {
                        user_id: *user_id,
                        username: username.clone(),
                    });
                }
                VoiceEvent::ConnectionClosed { conn, user_id, .. } => {
                    closed.insert(*conn);
                    happened.push(Frame::UserLeft { user_id: *user_id });
                }
                VoiceEvent::VoiceJoined { user_id, channel } => {
                    joined.insert((*user_id, channel.to_string()));
                    happened.push(Frame::UserJoinedVoice {
                        user_id: *user_id,
                        channel: channel.to_string(),
                    });
                }
                VoiceEvent::VoiceLeft {
                    user_id, channel, ..
                } => happened.push(Frame::UserLeftVoice {
                    user_id: *user_id,
                    channel: channel.to_string(),
                }),
                _ => {}
            }
        }
        let member = |user_id: u32, channel: &str| {
            before
                .logins
                .get(&user_id)
                .is_some_and(|l| l.channel.as_deref() == Some(channel))
                || joined.contains(&(user_id, channel.to_owned()))
        };
        for (conn, outs) in &outputs {
            let refused_connect = matches!(step, Step::Connect { conn: c } if conn_id(*c) == *conn);
            ensure!(
                before.conns.contains_key(conn) || opened.contains(conn) || refused_connect,
                "{conn:?} was sent {outs:?}, and it is not open"
            );
            let codes: Vec<u16> = outs
                .iter()
                .filter_map(|out| match out {
                    Some(Frame::Error { code, .. }) => Some(*code),
                    _ => None,
                })
                .collect();
            let events_say = reported.remove(conn).unwrap_or_default();
            ensure!(
                codes == events_say,
                "{conn:?} was sent errors {codes:?}, the events report {events_say:?}"
            );
            ensure!(
                !matches!(step, Step::Reset) || outs.len() == 2,
                "a reset sent {conn:?} {outs:?}, not server_closing and Close"
            );
            for (index, out) in outs.iter().enumerate() {
                let next = outs.get(index + 1);
                let previous = index.checked_sub(1).and_then(|i| outs.get(i));
                match out {
                    None => ensure!(
                        next.is_none()
                            && matches!(previous, Some(Some(Frame::Error { code, .. })) if is_fatal(*code)),
                        "{conn:?} was sent {outs:?}: Close must end it, right after a fatal Error"
                    ),
                    Some(Frame::Error { code, .. }) if is_fatal(*code) => ensure!(
                        matches!(next, Some(None)),
                        "{conn:?} was sent {outs:?}: a fatal Error must be followed by Close"
                    ),
                    Some(Frame::Error { .. } | Frame::Pong { .. }) => {}
                    Some(Frame::LoginResponse {
                        user_id,
                        voice_token,
                        ..
                    }) => {
                        ensure!(
                            logged_in.contains(conn)
                                && before
                                    .conns
                                    .get(conn)
                                    .is_some_and(|c| c.user_id == *user_id),
                            "{conn:?} was sent a LoginResponse for {user_id} without logging in"
                        );
                        self.learn_token(*conn, *user_id, *voice_token)?;
                    }
                    Some(Frame::ChatMessage {
                        user_id: sender,
                        channel,
                        ..
                    }) => {
                        let recipient = before.conns.get(conn).map_or(0, |c| c.user_id);
                        ensure!(
                            member(*sender, channel) && member(recipient, channel),
                            "chat of {sender} in {channel} reached {recipient}, not both members"
                        );
                    }
                    Some(frame) => {
                        let recipient = before.login_of(*conn).map(|(id, _)| id);
                        ensure!(
                            recipient.is_some() || logged_in.contains(conn),
                            "{conn:?} was sent {frame:?} without being logged in"
                        );
                        let subject = match frame {
                            Frame::UserJoined { user_id, .. }
                            | Frame::UserLeft { user_id }
                            | Frame::UserJoinedVoice { user_id, .. } => Some(*user_id),
                            _ => None,
                        };
                        ensure!(
                            subject.is_none() || (subject != recipient && happened.contains(frame)),
                            "{conn:?} was sent {frame:?}, which did not happen to another user"
                        );
                        ensure!(
                            !matches!(frame, Frame::UserLeftVoice { .. })
                                || happened.contains(frame),
                            "{conn:?} was sent {frame:?}, which did not happen"
                        );
                    }
                }
            }
            let closes = matches!(outs.last(), Some(None));
            ensure!(
                closes != self.model.conns.contains_key(conn),
                "{conn:?} was sent {outs:?} and is {}open after it",
                if closes { "still " } else { "not " }
            );
        }
        ensure!(
            reported.values().all(Vec::is_empty),
            "Errors reported but not sent: {reported:?}"
        );
        let peer_closed = match step {
            Step::Close { conn } => Some(conn_id(*conn)),
            _ => None,
        };
        for conn in closed {
            ensure!(
                Some(conn) == peer_closed || outputs.contains_key(&conn),
                "{conn:?} closed without a fatal Error"
            );
        }
        Ok(())
    }

    /// Records the voice token a `LoginResponse` handed out; it must be fresh.
    fn learn_token(
        &mut self,
        conn: ConnectionId,
        user_id: u32,
        token: VoiceToken,
    ) -> Result<(), String> {
        ensure!(
            !self.model.tokens.contains_key(&token) && !self.revoked.contains(&token),
            "{conn:?} was given a voice token issued before"
        );
        match self.model.logins.get_mut(&user_id) {
            Some(login) if login.conn == conn => {
                login.token = Some(token);
                self.model.tokens.insert(token, user_id);
            }
            // The login ended in the same step.
            _ => self.revoked.push(token),
        }
        Ok(())
    }

    /// What §6 says `datagram` from `from` must get, from the state before it arrived.
    fn expect(&self, before: &Model, from: SocketAddr, datagram: &Bytes) -> Result<Expect, String> {
        let Ok(packet) = parse_datagram(datagram, self.config.max_datagram_size) else {
            return Ok(Expect::Drop("malformed_datagram"));
        };
        let bound = before.bindings.get(&from).map(|b| b.user_id);
        Ok(match (packet, bound) {
            (VoicePacket::AuthResponse { .. }, _) => Expect::Drop("unexpected_packet"),
            (VoicePacket::AuthRequest { token }, _) => match before.tokens.get(&token) {
                None => Expect::Refuse(AuthStatus::UNKNOWN_TOKEN, "unknown_token"),
                Some(&user) => {
                    let current = before.logins.get(&user).and_then(|l| l.addr);
                    if current.is_some_and(|addr| addr != from) {
                        Expect::Refuse(AuthStatus::TOKEN_IN_USE, "token_in_use")
                    } else if bound.is_some_and(|b| b != user) {
                        Expect::Refuse(AuthStatus::ADDRESS_IN_USE, "address_in_use")
                    } else {
                        Expect::Bind(user)
                    }
                }
            },
            (VoicePacket::Keepalive { .. } | VoicePacket::VoiceData { .. }, None) => {
                Expect::Refuse(AuthStatus::NOT_AUTHENTICATED, "not_authenticated")
            }
            (VoicePacket::Keepalive { .. }, Some(_)) => Expect::Echo,
            (VoicePacket::VoiceData { user_id, .. }, Some(sender)) => {
                let Some(login) = before.logins.get(&sender) else {
                    return Err(format!("{from} is bound to {sender}, who is not logged in"));
                };
                match &login.channel {
                    _ if user_id != sender => Expect::Drop("user_mismatch"),
                    None => Expect::Drop("not_in_voice"),
                    Some(_) if login.muted => Expect::Drop("sender_muted"),
                    Some(channel) => Expect::Relay {
                        sender,
                        channel: channel.clone(),
                    },
                }
            }
        })
    }

    /// The datagrams and relay events one received datagram caused.
    fn check_datagram(
        &mut self,
        before: &Model,
        from: SocketAddr,
        datagram: &Bytes,
        transmits: &[Transmit],
        events: &[VoiceEvent],
    ) -> Result<(), String> {
        let mut dropped = Vec::new();
        let mut relayed = false;
        for event in events {
            match event {
                VoiceEvent::RelayError { addr, error } => {
                    ensure!(*addr == from, "a datagram from {from} reported {addr}");
                    dropped.push(error.kind());
                }
                VoiceEvent::VoiceData { .. } => relayed = true,
                _ => {}
            }
        }
        let expect = self.expect(before, from, datagram)?;
        let outcome = format!("{transmits:?}, {dropped:?}");
        match expect {
            Expect::Drop(kind) => ensure!(
                transmits.is_empty() && dropped == [kind] && !relayed,
                "expected a silent {kind} drop, got {outcome}"
            ),
            Expect::Refuse(status, kind) => {
                ensure!(
                    dropped == [kind] && !relayed,
                    "expected {kind}, got {outcome}"
                );
                let reply = VoicePacket::AuthResponse { status, user_id: 0 }.encode();
                match transmits {
                    [] => {}
                    [sent] => {
                        ensure!(
                            sent.dst == from && sent.payload == reply,
                            "expected {kind} to {from}, got {outcome}"
                        );
                        ensure!(
                            sent.payload.len() <= datagram.len(),
                            "a {}-byte refusal answers a {}-byte datagram",
                            sent.payload.len(),
                            datagram.len()
                        );
                        self.refusals.push(self.now);
                        // §6.3: refusals stay within the server-wide budget.
                        check_rate(
                            self.config.unauthenticated_reply_rate,
                            &self.refusals,
                            self.now,
                            "refusals",
                        )?;
                        self.coverage.refusals += 1;
                    }
                    _ => return Err(format!("expected at most one {kind}, got {outcome}")),
                }
            }
            Expect::Bind(user) => {
                let reply = VoicePacket::AuthResponse {
                    status: AuthStatus::OK,
                    user_id: user,
                }
                .encode();
                ensure!(
                    dropped.is_empty()
                        && matches!(transmits, [sent] if sent.dst == from && sent.payload == reply),
                    "expected ok for user {user}, got {outcome}"
                );
                ensure!(
                    self.model
                        .bindings
                        .get(&from)
                        .is_some_and(|b| b.user_id == user),
                    "{from} was answered ok for {user} and is not bound to it"
                );
            }
            Expect::Echo => ensure!(
                dropped.is_empty()
                    && matches!(transmits, [sent] if sent.dst == from && sent.payload == datagram),
                "expected the keepalive echoed, got {outcome}"
            ),
            Expect::Relay { sender, channel } => {
                if dropped == ["rate_limited"] {
                    ensure!(
                        transmits.is_empty() && !relayed,
                        "rate-limited voice was relayed"
                    );
                } else {
                    ensure!(
                        dropped.is_empty() && relayed,
                        "voice of {sender} in {channel} was not relayed: {outcome}"
                    );
                    let mut expected: Vec<SocketAddr> = before
                        .logins
                        .iter()
                        .filter(|(id, l)| **id != sender && l.channel.as_ref() == Some(&channel))
                        .filter_map(|(_, l)| l.addr)
                        .collect();
                    let mut got: Vec<SocketAddr> = transmits.iter().map(|t| t.dst).collect();
                    expected.sort();
                    got.sort();
                    ensure!(
                        got == expected,
                        "voice of {sender} in {channel} went to {got:?}, the other bound members \
                         are at {expected:?}"
                    );
                    ensure!(
                        transmits.iter().all(|t| t.payload == datagram),
                        "relayed bytes differ from the datagram"
                    );
                    if !got.is_empty() {
                        self.coverage.relays += 1;
                    }
                }
            }
        }
        // §6.2: every datagram from a bound address that parses refreshes the binding.
        let parses = parse_datagram(datagram, self.config.max_datagram_size).is_ok();
        if let Some(binding) = self.model.bindings.get_mut(&from)
            && parses
        {
            binding.last_seen = self.now;
        }
        Ok(())
    }

    /// The state rules, after every step.
    fn check_state(&self) -> Result<(), String> {
        let model = &self.model;
        let config = &self.config;
        let stats = self.svc.stats();
        let members = model
            .logins
            .values()
            .filter(|l| l.channel.is_some())
            .count();
        ensure!(
            (
                stats.connections,
                stats.logged_in,
                stats.voice_bound,
                stats.voice_members
            ) == (
                model.conns.len(),
                model.logins.len(),
                model.bindings.len(),
                members
            ),
            "{stats:?} disagree with the model: {} connections, {} logins, {} bindings, {members} \
             members",
            model.conns.len(),
            model.logins.len(),
            model.bindings.len()
        );
        ensure!(
            model.conns.len() <= config.max_connections,
            "{} connections, over the limit",
            model.conns.len()
        );
        let idle = model.conns.is_empty() && model.bindings.is_empty();
        match self.svc.poll_timeout() {
            None => ensure!(idle, "poll_timeout() is None with connections or bindings"),
            Some(due) => ensure!(
                !idle && due > self.now,
                "poll_timeout() is {:?} from the start, now {:?}, with {} connections and {} \
                 bindings",
                due.duration_since(self.start),
                self.now.duration_since(self.start),
                model.conns.len(),
                model.bindings.len()
            ),
        }
        for (conn, open) in &model.conns {
            let due = if model.logins.contains_key(&open.user_id) {
                open.last_frame + config.idle_timeout
            } else {
                open.opened + config.login_timeout
            };
            ensure!(due > self.now, "{conn:?} outlived its deadline");
        }
        for (addr, binding) in &model.bindings {
            ensure!(
                binding.last_seen + config.udp_timeout > self.now,
                "the binding of {addr} outlived udp_timeout"
            );
        }
        let mut per_channel: BTreeMap<&str, u32> = BTreeMap::new();
        let mut names = BTreeSet::new();
        for login in model.logins.values() {
            ensure!(
                names.insert(login.username.as_str()),
                "two logins are named {}",
                login.username
            );
            let Some(channel) = &login.channel else {
                continue;
            };
            let limit = match self.directory.admit(channel, &login.username) {
                Ok(admitted) => admitted
                    .max_users()
                    .unwrap_or(config.default_max_users_per_channel),
                Err(refusal) => {
                    return Err(format!(
                        "{} is still in {channel}: {refusal}",
                        login.username
                    ));
                }
            };
            let count = per_channel.entry(channel).or_default();
            *count += 1;
            ensure!(*count <= limit, "{channel} has over {limit} members");
        }
        Ok(())
    }
}

/// The username of a LoginRequest that §5.2 accepts (short of `username_taken`).
fn credentials(msg: &Msg) -> Option<&'static str> {
    let Msg::Login {
        user,
        token,
        version,
    } = msg
    else {
        return None;
    };
    let name = CAST.user(*user);
    let signed_for = match token {
        TokenKind::Valid => name,
        TokenKind::Of { user } => CAST.user(*user),
        TokenKind::Expired | TokenKind::Forged => return None,
    };
    (*version == PROTOCOL_VERSION && is_valid_username(name) && signed_for == name).then_some(name)
}
