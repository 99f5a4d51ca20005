//! A reference model of what the `audio` service shows from outside (sessions, channel members,
//! mute, the replay window, the directory) and the rules of `conformance/spec/audio.md` checked
//! against it after every step of an arbitrary interaction.
//!
//! Shared by `core/tests/service_properties.rs` (quickcheck) and the `audio_service` fuzz target
//! (`fuzz/src/lib.rs` includes this file, and `model_common.rs` beside it), so that both hold the
//! service to the same rules. Each front end only generates [`Action`]s; [`Harness::step`] turns
//! them into datagrams, clock steps and directory changes, drives [`AudioService`], and returns
//! `Err` with a description of the first broken rule.
//!
//! The model learns state only from the service's events (`SessionStarted`, `UserJoined`,
//! `UserLeft`, `SessionEnded`, `UserMuted`, `AudioPacket`) and its own copy of the directory; it
//! checks every transmit against what it knew *before* the step:
//!
//! - (a) relayed datagrams (Audio 0x02, SetMute 0x05) go only to joined members of the sender's
//!   channel, and reach all of them;
//! - (b) never to the sender's address nor any session of the sending user;
//! - (c) no audio is relayed from a user the model knows to be muted;
//! - (d) never to or from a user the directory does not admit (a banned user, a removed member);
//! - (e) a reply to an address without a session is never larger than the datagram it answers,
//!   and such replies stay within the server-wide rate;
//! - (f) relayed bytes are the received datagram, unchanged;
//! - (g) `stats()` agree with the model; session, per-user, user-record and channel limits hold.
//!
//! and the rest of §7–§8: which packets are answered and how (Ack naming the request, reply
//! headers, silent drops), the replay verdict of every audio packet, the outcome §7.2 gives each
//! structured handshake, the effect of joins, leaves and mutes, sessions ending at their deadline
//! and exactly when the directory stops admitting them, and events in a possible order.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use bytes::Bytes;
use hark_core::Transmit;
use hark_core::audio::{AudioConfig, AudioEvent, AudioService, EndReason};
use hark_core::directory::{ChannelConfig, Directory, DirectoryChange, Refusal};
use hark_core::limits::RateLimit;
use hark_core::wire::audio::{
    Ack, AudioData, AudioPacket, Body, ChannelId, ErrorBody, ErrorCode, Handshake, Header,
    PacketType, SuggestedAction, UserId,
};

use crate::model_common::{Cast, Tokens, check_rate, ensure, run_each, udp_addr, wall_clock};
pub use crate::model_common::{Change, TokenKind};

/// The HS256 secret the service is configured with.
const SECRET: &[u8] = b"hark-model-secret";
/// Users the actions can name. `mallory` is banned from `open` and not a member of `team`.
pub const USERS: [&str; 4] = ["alice", "bob", "carol", "mallory"];
/// Channels the actions can name: `open` admits everyone but mallory, `team` only alice and bob
/// and two at a time, `nope` does not exist (until an action adds it).
pub const CHANNELS: [&str; 3] = ["open", "team", "nope"];
/// Source addresses the actions can send from.
pub const CLIENTS: usize = 5;
/// How far below the highest audio sequence a late packet is still accepted (§7.4).
const REPLAY_WINDOW: u32 = 64;
/// The cast the actions name: `open` is the open channel, `team` the restricted one.
pub const CAST: Cast = Cast {
    users: &USERS,
    channels: &CHANNELS,
    banned: &["mallory"],
    members: &["alice", "bob"],
};

/// What one step of an interaction does. Indices (`client`, `user`, `channel`) are taken modulo
/// the length of their list, so any generated number is valid.
#[derive(Debug, Clone)]
pub enum Action {
    /// `client` sends `packet`.
    Send { client: usize, packet: Packet },
    /// `client` sends `packet` after `edit` damaged its encoding.
    SendEdited {
        client: usize,
        packet: Packet,
        edit: Edit,
    },
    /// The clock moves forward; `handle_timeout` runs if a deadline passed.
    Advance { millis: u64 },
    /// The operator changes the directory.
    Directory(Change),
}

/// A datagram a client can send, described by intent.
#[derive(Debug, Clone)]
pub enum Packet {
    Handshake {
        user: usize,
        channel: usize,
        token: TokenKind,
        format: Format,
        skew: i64,
    },
    Control {
        ids: Ids,
        control: Control,
        skew: i64,
    },
    Audio {
        ids: Ids,
        sequence: Sequence,
        len: usize,
        skew: i64,
    },
    /// An Ack or an Error, which only the server sends: clients' ones must be ignored.
    ServerOnly { ids: Ids, ack: bool },
    /// Bytes as they come; most do not parse.
    Raw(Vec<u8>),
    /// A datagram `extra + 1` bytes over the service's `max_packet_size`.
    Oversize { extra: usize },
}

#[derive(Debug, Clone, Copy)]
pub enum Control {
    Join,
    Leave,
    Mute(bool),
    Heartbeat,
}

/// Which header ids a session packet carries.
#[derive(Debug, Clone, Copy)]
pub enum Ids {
    /// Those of the client's last handshake: what an honest client sends.
    Own,
    /// Any user and channel: spoofing, or a channel mismatch, when they are not the session's.
    As { user: usize, channel: usize },
}

#[derive(Debug, Clone, Copy)]
pub enum Format {
    Json,
    /// JSON whose `channel_id` is `CHANNELS[channel]`, whatever the header says.
    JsonFor {
        channel: usize,
    },
    Legacy,
}

/// The audio sequence number, relative to the client's highest so far.
#[derive(Debug, Clone, Copy)]
pub enum Sequence {
    Next,
    Repeat,
    Back(u32),
    Exactly(u32),
}

/// Damage done to an encoded datagram (`at` is taken modulo its length).
#[derive(Debug, Clone, Copy)]
pub enum Edit {
    Xor { at: usize, mask: u8 },
    Insert { at: usize, byte: u8 },
    Remove { at: usize },
    Truncate { len: usize },
}

/// The seed's defaults, with the model's secret.
pub fn default_config() -> AudioConfig {
    AudioConfig::new(SECRET)
}

/// Small limits that a short interaction can reach: few sessions and user records, a slow session
/// rate, short timers and a small packet size.
pub fn tight_config() -> AudioConfig {
    let mut config = AudioConfig::new(SECRET);
    config.max_packet_size = 300;
    config.handshake_timeout = Duration::from_secs(2);
    config.session_timeout = Duration::from_secs(10);
    config.user_timeout = Duration::from_secs(20);
    config.cleanup_interval = Duration::from_secs(5);
    config.session_rate = RateLimit::new(5, 3);
    config.unauthenticated_reply_rate = RateLimit::new(2, 2);
    config.max_sessions = 3;
    config.max_sessions_per_user = 2;
    config.default_max_users_per_channel = 2;
    // As few as `validate` accepts: every record can belong to a live session.
    config.max_user_records = 3;
    config
}

fn tokens() -> &'static Tokens {
    static TOKENS: OnceLock<Tokens> = OnceLock::new();
    TOKENS.get_or_init(|| Tokens::mint(SECRET, &CAST))
}

fn user_id(index: usize) -> UserId {
    UserId::new(CAST.user(index)).expect("model user names are valid ids")
}

fn channel_id(index: usize) -> ChannelId {
    ChannelId::new(CAST.channel(index)).expect("model channel names are valid ids")
}

/// One channel as the model understands the directory.
#[derive(Debug, Clone)]
struct ChannelModel {
    members: Option<BTreeSet<String>>,
    banned: BTreeSet<String>,
    max_users: Option<u32>,
}

impl ChannelModel {
    fn from_config(config: &ChannelConfig) -> Self {
        Self {
            members: config.members.as_ref().map(|m| m.iter().cloned().collect()),
            banned: config.banned.iter().cloned().collect(),
            max_users: config.max_users,
        }
    }
}

/// One session as the service's events described it.
#[derive(Debug, Clone)]
struct SessionModel {
    user: UserId,
    channel: ChannelId,
    joined: bool,
    confirmed: bool,
    created: Instant,
    last_seen: Instant,
    /// Audio sequences this session had forwarded: the replay window's oracle (§7.4).
    accepted: BTreeSet<u32>,
}

impl SessionModel {
    /// §7.4 without the bitmap: seen before, or 64 or more below the highest seen.
    fn replay_verdict(&self, sequence: u32) -> Option<&'static str> {
        let highest = self.accepted.last()?;
        if *highest >= sequence && highest - sequence >= REPLAY_WINDOW {
            Some("stale_sequence")
        } else if self.accepted.contains(&sequence) {
            Some("duplicate_sequence")
        } else {
            None
        }
    }
}

/// What the model knows about a user in a channel across sessions.
#[derive(Debug, Clone, Default)]
struct UserModel {
    /// `None` once the service may have forgotten the user (mute then reads either way).
    muted: Option<bool>,
    sessions: usize,
    last_session_end: Option<Instant>,
}

#[derive(Debug, Clone)]
struct Model {
    channels: BTreeMap<String, ChannelModel>,
    sessions: BTreeMap<SocketAddr, SessionModel>,
    users: BTreeMap<(UserId, ChannelId), UserModel>,
}

impl Model {
    /// The directory's decision, in the seed's order (§7.2 step 5).
    fn admit(&self, channel: ChannelId, user: UserId) -> Result<&ChannelModel, Refusal> {
        let found = self
            .channels
            .get(channel.as_str())
            .ok_or(Refusal::ChannelNotFound)?;
        if found
            .members
            .as_ref()
            .is_some_and(|m| !m.contains(user.as_str()))
        {
            return Err(Refusal::NotAMember);
        }
        if found.banned.contains(user.as_str()) {
            return Err(Refusal::Banned);
        }
        Ok(found)
    }

    /// Mirrors `Directory::apply`; `None` when the directory must refuse the change.
    fn apply(&mut self, change: &DirectoryChange) -> Option<()> {
        match change {
            DirectoryChange::AddChannel(config) => {
                if self.channels.contains_key(&config.id) {
                    return None;
                }
                self.channels
                    .insert(config.id.clone(), ChannelModel::from_config(config));
            }
            DirectoryChange::RemoveChannel { channel } => {
                self.channels.remove(channel)?;
            }
            DirectoryChange::Ban { channel, user } => {
                self.channels.get_mut(channel)?.banned.insert(user.clone());
            }
            DirectoryChange::Unban { channel, user } => {
                self.channels.get_mut(channel)?.banned.remove(user);
            }
            DirectoryChange::AddMember { channel, user } => {
                self.channels
                    .get_mut(channel)?
                    .members
                    .get_or_insert_default()
                    .insert(user.clone());
            }
            DirectoryChange::RemoveMember { channel, user } => {
                if let Some(members) = &mut self.channels.get_mut(channel)?.members {
                    members.remove(user);
                }
            }
        }
        Some(())
    }

    fn joined_in(&self, channel: ChannelId) -> impl Iterator<Item = (&SocketAddr, &SessionModel)> {
        self.sessions
            .iter()
            .filter(move |(_, s)| s.joined && s.channel == channel)
    }

    fn due(session: &SessionModel, config: &AudioConfig) -> Instant {
        if session.confirmed {
            session.last_seen + config.session_timeout
        } else {
            session.created + config.handshake_timeout
        }
    }
}

/// How far an interaction got: generators are only as good as the states they reach.
#[derive(Debug, Clone, Copy, Default)]
pub struct Coverage {
    pub sessions_started: usize,
    pub joins: usize,
    /// Audio datagrams relayed to at least one member.
    pub audio_relayed: usize,
    /// SetMute datagrams relayed to at least one member.
    pub mute_relayed: usize,
    pub ended_by_directory: usize,
    pub ended_by_timeout: usize,
}

impl Coverage {
    pub fn add(&mut self, other: &Coverage) {
        self.sessions_started += other.sessions_started;
        self.joins += other.joins;
        self.audio_relayed += other.audio_relayed;
        self.mute_relayed += other.mute_relayed;
        self.ended_by_directory += other.ended_by_directory;
        self.ended_by_timeout += other.ended_by_timeout;
    }
}

/// What a handshake must get.
#[derive(Debug, Clone, Copy)]
enum Verdict {
    /// An Ack: a new session, a replacement or a renewal.
    Accept,
    /// An Error with this code (when one is sent at all).
    Refuse(ErrorCode),
}

/// Which kind of step produced the events being applied: each allows different ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StepKind {
    Datagram,
    Timeout,
    Directory,
}

/// An [`AudioService`] under test, the model beside it, and the simulated clients' state.
#[derive(Debug)]
pub struct Harness {
    svc: AudioService,
    config: AudioConfig,
    start: Instant,
    now: Instant,
    model: Model,
    /// The (user, channel) of each client's last handshake: what `Ids::Own` sends.
    identity: [(usize, usize); CLIENTS],
    /// Each client's highest audio sequence so far.
    sequence: [u32; CLIENTS],
    /// When each Error to an address without a session was sent.
    unauthenticated_replies: Vec<Instant>,
    coverage: Coverage,
}

impl Harness {
    pub fn new(config: AudioConfig) -> Self {
        let configs = CAST.initial_channels();
        let directory = Directory::new(configs.clone()).expect("the model directory is valid");
        let start = Instant::now();
        let svc = AudioService::new(config.clone(), directory, start)
            .expect("model configurations are valid");
        let model = Model {
            channels: configs
                .iter()
                .map(|c| (c.id.clone(), ChannelModel::from_config(c)))
                .collect(),
            sessions: BTreeMap::new(),
            users: BTreeMap::new(),
        };
        Self {
            svc,
            config,
            start,
            now: start,
            model,
            identity: std::array::from_fn(|client| (client, 0)),
            sequence: [0; CLIENTS],
            unauthenticated_replies: Vec::new(),
            coverage: Coverage::default(),
        }
    }

    pub fn coverage(&self) -> Coverage {
        self.coverage
    }

    /// Runs `actions` in order, stopping at the first broken invariant.
    pub fn run(&mut self, actions: &[Action]) -> Result<(), String> {
        run_each(actions, |action| self.step(action))
    }

    /// Performs one action and checks every invariant.
    pub fn step(&mut self, action: &Action) -> Result<(), String> {
        match action {
            Action::Send { client, packet } => {
                let verdict = self.handshake_verdict(*client, packet);
                let datagram = self.datagram(*client, packet);
                self.receive(*client, datagram, verdict)?;
            }
            Action::SendEdited {
                client,
                packet,
                edit,
            } => {
                let mut bytes = self.datagram(*client, packet).to_vec();
                apply_edit(&mut bytes, *edit);
                self.receive(*client, Bytes::from(bytes), None)?;
            }
            Action::Advance { millis } => self.advance(*millis)?,
            Action::Directory(change) => self.change_directory(*change)?,
        }
        self.check_state()
    }

    fn wall(&self) -> u64 {
        wall_clock(self.start, self.now)
    }

    fn timestamp(&self, skew: i64) -> u32 {
        let wall = i64::try_from(self.wall()).unwrap_or(i64::MAX);
        u32::try_from(wall.saturating_add(skew).clamp(0, i64::from(u32::MAX))).unwrap_or_default()
    }

    fn header(&self, client: usize, ids: Ids, sequence: u32, skew: i64) -> Header {
        let (user, channel) = match ids {
            Ids::Own => self.identity[client % CLIENTS],
            Ids::As { user, channel } => (user, channel),
        };
        Header {
            sequence,
            user_id: user_id(user),
            channel_id: channel_id(channel),
            timestamp: self.timestamp(skew),
        }
    }

    /// Encodes what `client` means to send, updating its identity and sequence counter.
    fn datagram(&mut self, client: usize, packet: &Packet) -> Bytes {
        let client = client % CLIENTS;
        match *packet {
            Packet::Handshake {
                user,
                channel,
                token,
                format,
                skew,
            } => {
                self.identity[client] = (user % USERS.len(), channel % CHANNELS.len());
                let token = tokens().get(token, user);
                let handshake = match format {
                    Format::Json => Handshake::json(token, CAST.channel(channel)),
                    Format::JsonFor { channel } => Handshake::json(token, CAST.channel(channel)),
                    Format::Legacy => Handshake::legacy(token),
                }
                .expect("minted tokens are in the JWT alphabet");
                let header = self.header(client, Ids::As { user, channel }, 0, skew);
                AudioPacket::new(header, Body::Handshake(handshake)).encode()
            }
            Packet::Control { ids, control, skew } => {
                let body = match control {
                    Control::Join => Body::JoinChannel,
                    Control::Leave => Body::LeaveChannel,
                    Control::Mute(muted) => Body::SetMute { muted },
                    Control::Heartbeat => Body::Heartbeat,
                };
                AudioPacket::new(self.header(client, ids, 0, skew), body).encode()
            }
            Packet::Audio {
                ids,
                sequence,
                len,
                skew,
            } => {
                let highest = &mut self.sequence[client];
                let sequence = match sequence {
                    Sequence::Next => {
                        *highest = highest.wrapping_add(1);
                        *highest
                    }
                    Sequence::Repeat => *highest,
                    Sequence::Back(by) => highest.wrapping_sub(by),
                    Sequence::Exactly(sequence) => sequence,
                };
                // Recognisable bytes: the client and the sequence, repeated.
                let data: Vec<u8> = sequence
                    .to_be_bytes()
                    .into_iter()
                    .chain([u8::try_from(client).unwrap_or_default()])
                    .cycle()
                    .take(len % 400)
                    .collect();
                let data = AudioData::new(Bytes::from(data)).expect("under 64 KiB");
                AudioPacket::new(self.header(client, ids, sequence, skew), Body::Audio(data))
                    .encode()
            }
            Packet::ServerOnly { ids, ack } => {
                let body = if ack {
                    Body::Ack(Ack {
                        acked_type: PacketType::Heartbeat,
                        acked_sequence: 0,
                    })
                } else {
                    Body::Error(ErrorBody::new(
                        ErrorCode::MalformedPacket,
                        SuggestedAction::FixClient,
                        "malformed packet",
                    ))
                };
                AudioPacket::new(self.header(client, ids, 0, 0), body).encode()
            }
            Packet::Raw(ref bytes) => Bytes::copy_from_slice(bytes),
            Packet::Oversize { extra } => {
                Bytes::from(vec![0x02; self.config.max_packet_size + 1 + extra % 64])
            }
        }
    }

    /// What §7.2 says `packet` must get when it is a handshake, in the order the checks run;
    /// `None` for other packets, and where the spec does not decide (a user-record table full
    /// of users with live sessions).
    fn handshake_verdict(&self, client: usize, packet: &Packet) -> Option<Verdict> {
        let Packet::Handshake {
            user,
            channel,
            token,
            format,
            skew,
        } = *packet
        else {
            return None;
        };
        let refuse = |code| Some(Verdict::Refuse(code));
        if skew.unsigned_abs() > self.config.max_clock_skew.as_secs() {
            return refuse(ErrorCode::ClockSkew);
        }
        if let Format::JsonFor { channel: json } = format
            && CAST.channel(json) != CAST.channel(channel)
        {
            return refuse(ErrorCode::ChannelMismatch);
        }
        match token {
            TokenKind::Expired => return refuse(ErrorCode::TokenExpired),
            TokenKind::Forged => return refuse(ErrorCode::InvalidToken),
            TokenKind::Of { user: subject } if CAST.user(subject) != CAST.user(user) => {
                return refuse(ErrorCode::InvalidToken);
            }
            TokenKind::Of { .. } | TokenKind::Valid => {}
        }
        let (user, channel) = (user_id(user), channel_id(channel));
        match self.model.admit(channel, user) {
            Err(Refusal::ChannelNotFound) => return refuse(ErrorCode::ChannelNotFound),
            Err(Refusal::NotAMember) => return refuse(ErrorCode::NotAMember),
            Err(Refusal::Banned) => return refuse(ErrorCode::Banned),
            Ok(_) => {}
        }
        let from = udp_addr(client, CLIENTS);
        let old = self.model.sessions.get(&from);
        if old.is_some_and(|s| (s.user, s.channel) == (user, channel)) {
            return Some(Verdict::Accept); // a renewal
        }
        // Step 6, not counting the session this handshake replaces.
        let others = || {
            self.model
                .sessions
                .iter()
                .filter(|(addr, _)| **addr != from)
                .map(|(_, s)| s)
        };
        if others().filter(|s| s.user == user).count() >= self.config.max_sessions_per_user
            || others().count() >= self.config.max_sessions
        {
            return refuse(ErrorCode::TooManySessions);
        }
        // §9: a full user table forgets a user without a session, so there is room unless every
        // remembered user would still have one.
        let mut live: BTreeSet<(UserId, ChannelId)> =
            others().map(|s| (s.user, s.channel)).collect();
        live.insert((user, channel));
        (live.len() <= self.config.max_user_records).then_some(Verdict::Accept)
    }

    /// The handshake got what [`Harness::handshake_verdict`] said, unless the session's rate
    /// limit dropped it.
    fn check_verdict(
        &self,
        verdict: Verdict,
        had_session: bool,
        transmits: &[Transmit],
        events: &[AudioEvent],
    ) -> Result<(), String> {
        let rate_limited = events.iter().any(
            |e| matches!(e, AudioEvent::Error { error, .. } if error.kind() == "rate_limited"),
        );
        if rate_limited {
            return Ok(());
        }
        let reply = transmits.iter().find(|t| !is_relay(t));
        match verdict {
            Verdict::Accept => ensure!(
                reply
                    .and_then(ack_of)
                    .is_some_and(|a| a.acked_type == PacketType::Handshake),
                "a handshake §7.2 admits was refused: {events:?}"
            ),
            Verdict::Refuse(code) => match reply {
                // Replies to addresses without a session may be cut or rate-limited away.
                None => ensure!(!had_session, "a refused handshake got no {code:?} reply"),
                Some(reply) => {
                    let packet = self.parse_own(reply)?;
                    ensure!(
                        matches!(&packet.body, Body::Error(e) if e.code() == code),
                        "a handshake that §7.2 refuses with {code:?} got {:?}",
                        packet.body
                    );
                }
            },
        }
        Ok(())
    }

    /// Delivers one datagram from `client` and checks the transmits and events it caused;
    /// `verdict` is what §7.2 says a structured handshake must get.
    fn receive(
        &mut self,
        client: usize,
        datagram: Bytes,
        verdict: Option<Verdict>,
    ) -> Result<(), String> {
        let from = udp_addr(client, CLIENTS);
        let before = self.model.clone();
        self.svc
            .handle_datagram(self.now, self.wall(), from, datagram.clone());
        let (transmits, events) = self.drain();
        let request = AudioPacket::parse(&datagram, self.config.max_packet_size).ok();

        self.check_relays(
            &before,
            from,
            &datagram,
            request.as_ref(),
            &transmits,
            &events,
        )?;
        self.check_replay(&before, from, request.as_ref(), &events)?;
        if let Some(verdict) = verdict {
            let had_session = before.sessions.contains_key(&from);
            self.check_verdict(verdict, had_session, &transmits, &events)?;
        }
        self.check_control_effects(&before, from, request.as_ref(), &events)?;
        self.check_replies(
            &before,
            from,
            &datagram,
            request.as_ref(),
            &transmits,
            &events,
        )?;
        self.apply_events(StepKind::Datagram, &events)?;
        for event in &events {
            if let AudioEvent::SessionStarted { addr, .. } = event {
                ensure!(
                    *addr == from,
                    "a datagram from {from} started a session at {addr}"
                );
                let acked = transmits.iter().any(|t| {
                    t.dst == *addr
                        && ack_of(t).is_some_and(|a| a.acked_type == PacketType::Handshake)
                });
                ensure!(acked, "a session started at {addr} without a handshake Ack");
            }
        }
        self.refresh_liveness(&before, from, request.as_ref(), &transmits, &events);
        Ok(())
    }

    /// (a)–(d), (f): every relayed datagram, and completeness of the fan-out.
    fn check_relays(
        &mut self,
        before: &Model,
        from: SocketAddr,
        datagram: &Bytes,
        request: Option<&AudioPacket>,
        transmits: &[Transmit],
        events: &[AudioEvent],
    ) -> Result<(), String> {
        let relays: Vec<&Transmit> = transmits.iter().filter(|t| is_relay(t)).collect();
        let forwarded_audio = events
            .iter()
            .find(|e| matches!(e, AudioEvent::AudioPacket { .. }));
        let mute_changed = events
            .iter()
            .any(|e| matches!(e, AudioEvent::UserMuted { .. }));
        // A member's mute change is relayed like audio (§7.3); a non-member's is not.
        let member_mute_changed =
            mute_changed && before.sessions.get(&from).is_some_and(|s| s.joined);
        if relays.is_empty() && forwarded_audio.is_none() && !member_mute_changed {
            return Ok(());
        }

        // The sender: a joined session, speaking under its own ids, allowed in its channel.
        let Some(request) = request else {
            return Err("relayed a datagram that does not parse".to_owned());
        };
        let Some(sender) = before.sessions.get(&from) else {
            return Err(format!("(a) relayed from {from}, which has no session"));
        };
        let is_audio = request.packet_type() == PacketType::Audio;
        ensure!(
            is_audio || request.packet_type() == PacketType::SetMute,
            "relayed a {:?} packet",
            request.packet_type()
        );
        ensure!(
            request.header.user_id == sender.user && request.header.channel_id == sender.channel,
            "relayed {}/{} from the session of {}/{} (spoofed ids)",
            request.header.user_id,
            request.header.channel_id,
            sender.user,
            sender.channel
        );
        ensure!(
            sender.joined,
            "(a) relayed from {from}, which has not joined"
        );
        ensure!(
            before.admit(sender.channel, sender.user).is_ok(),
            "(d) relayed from {} whom {} does not admit",
            sender.user,
            sender.channel
        );
        let muted = before
            .users
            .get(&(sender.user, sender.channel))
            .and_then(|u| u.muted);
        ensure!(
            !(is_audio && muted == Some(true)),
            "(c) relayed audio from muted {}",
            sender.user
        );
        if is_audio {
            ensure!(
                forwarded_audio.is_some(),
                "audio relayed without an AudioPacket event"
            );
        } else {
            ensure!(mute_changed, "SetMute relayed without a UserMuted event");
        }
        if let Some(AudioEvent::AudioPacket {
            from_user_id,
            channel_id,
            sequence,
            data,
        }) = forwarded_audio
        {
            let Body::Audio(sent) = &request.body else {
                return Err("AudioPacket event for a non-audio datagram".to_owned());
            };
            ensure!(
                *from_user_id == sender.user
                    && *channel_id == sender.channel
                    && *sequence == request.header.sequence
                    && data == sent.as_bytes(),
                "AudioPacket event does not describe the datagram"
            );
        }

        // Each destination: another user's joined session in the sender's channel, once.
        let mut destinations = BTreeSet::new();
        for relay in &relays {
            ensure!(
                relay.payload == *datagram,
                "(f) relayed bytes differ from the datagram"
            );
            ensure!(relay.dst != from, "(b) relayed back to the sender {from}");
            ensure!(
                destinations.insert(relay.dst),
                "relayed twice to {}",
                relay.dst
            );
            let Some(dst) = before.sessions.get(&relay.dst) else {
                return Err(format!(
                    "(a) relayed to {}, which has no session",
                    relay.dst
                ));
            };
            ensure!(
                dst.joined && dst.channel == sender.channel,
                "(a) relayed to {}, not a joined member of {}",
                relay.dst,
                sender.channel
            );
            ensure!(
                dst.user != sender.user,
                "(b) relayed to {}, a session of the sender {}",
                relay.dst,
                sender.user
            );
            ensure!(
                before.admit(sender.channel, dst.user).is_ok(),
                "(d) relayed to {} whom {} does not admit",
                dst.user,
                sender.channel
            );
        }
        if !destinations.is_empty() {
            if is_audio {
                self.coverage.audio_relayed += 1;
            } else {
                self.coverage.mute_relayed += 1;
            }
        }
        let expected: BTreeSet<SocketAddr> = before
            .joined_in(sender.channel)
            .filter(|(_, s)| s.user != sender.user)
            .map(|(addr, _)| *addr)
            .collect();
        ensure!(
            destinations == expected,
            "(a) relayed to {destinations:?}, the other members are {expected:?}"
        );
        Ok(())
    }

    /// §7.3–§7.4: an audio datagram from a session is either forwarded or dropped with a reason
    /// (never silently lost), and the replay verdict is the one the sequences seen so far give.
    fn check_replay(
        &mut self,
        before: &Model,
        from: SocketAddr,
        request: Option<&AudioPacket>,
        events: &[AudioEvent],
    ) -> Result<(), String> {
        let (Some(request), Some(session)) = (request, before.sessions.get(&from)) else {
            return Ok(());
        };
        if request.packet_type() != PacketType::Audio {
            return Ok(());
        }
        let sequence = request.header.sequence;
        let forwarded = events
            .iter()
            .any(|e| matches!(e, AudioEvent::AudioPacket { .. }));
        let dropped: Vec<&'static str> = events
            .iter()
            .filter_map(|e| match e {
                AudioEvent::Error { socket_addr, error } if *socket_addr == from => {
                    Some(error.kind())
                }
                _ => None,
            })
            .collect();
        ensure!(
            usize::from(forwarded) + dropped.len() == 1,
            "audio {sequence} gave {} forwards and drops {dropped:?}",
            usize::from(forwarded)
        );
        let verdict = session.replay_verdict(sequence);
        if forwarded {
            ensure!(
                verdict.is_none(),
                "forwarded audio {sequence}, a {verdict:?} (seen {:?})",
                session.accepted
            );
            if let Some(session) = self.model.sessions.get_mut(&from) {
                session.accepted.insert(sequence);
            }
        } else if let [kind @ ("duplicate_sequence" | "stale_sequence")] = dropped.as_slice() {
            ensure!(
                verdict == Some(*kind),
                "dropped audio {sequence} as {kind}, expected {verdict:?} (seen {:?})",
                session.accepted
            );
        }
        Ok(())
    }

    /// §7.3: a JoinChannel, LeaveChannel or SetMute that passed the session checks has the effect
    /// the model predicts: a join while there is room, `channel_full` when there is none, a
    /// leave, a mute change.
    fn check_control_effects(
        &self,
        before: &Model,
        from: SocketAddr,
        request: Option<&AudioPacket>,
        events: &[AudioEvent],
    ) -> Result<(), String> {
        let (Some(request), Some(session)) = (request, before.sessions.get(&from)) else {
            return Ok(());
        };
        let kinds: Vec<&str> = events
            .iter()
            .filter_map(|e| match e {
                AudioEvent::Error { error, .. } => Some(error.kind()),
                _ => None,
            })
            .collect();
        let stopped_early = kinds.iter().any(|k| {
            matches!(
                *k,
                "user_mismatch" | "rate_limited" | "channel_mismatch" | "clock_skew"
            )
        });
        if stopped_early {
            return Ok(());
        }
        let has = |wanted: fn(&AudioEvent) -> bool| events.iter().any(wanted);
        match request.body {
            Body::JoinChannel if !session.joined => {
                let max_users = before
                    .admit(session.channel, session.user)
                    .map_err(|refusal| format!("a refused session sent a join: {refusal}"))?
                    .max_users
                    .unwrap_or(self.config.default_max_users_per_channel);
                let members = before.joined_in(session.channel).count();
                if u32::try_from(members).is_ok_and(|m| m < max_users) {
                    ensure!(
                        has(|e| matches!(e, AudioEvent::UserJoined { .. })),
                        "a join with {members} of {max_users} members did not join: {kinds:?}"
                    );
                } else {
                    ensure!(
                        kinds == ["channel_full"],
                        "a join to a full channel gave {kinds:?}"
                    );
                }
            }
            Body::LeaveChannel if session.joined => ensure!(
                has(|e| matches!(e, AudioEvent::UserLeft { .. })),
                "a joined session's leave did not leave"
            ),
            Body::SetMute { muted } => {
                let known = before
                    .users
                    .get(&(session.user, session.channel))
                    .and_then(|u| u.muted);
                if known.is_some_and(|was| was != muted) {
                    ensure!(
                        has(|e| matches!(e, AudioEvent::UserMuted { .. })),
                        "SetMute({muted}) did not change the mute state"
                    );
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// (e) and §7.3–§7.5: what the service sends back to the datagram's source, and what it must
    /// leave unanswered.
    fn check_replies(
        &mut self,
        before: &Model,
        from: SocketAddr,
        datagram: &Bytes,
        request: Option<&AudioPacket>,
        transmits: &[Transmit],
        events: &[AudioEvent],
    ) -> Result<(), String> {
        let session = before.sessions.get(&from);
        let replies: Vec<&Transmit> = transmits.iter().filter(|t| !is_relay(t)).collect();
        let request_type = request.map(AudioPacket::packet_type);
        let dropped_silently = events.iter().any(|e| {
            matches!(e, AudioEvent::Error { error, .. }
                if matches!(error.kind(), "user_mismatch" | "rate_limited"))
        });
        // Spoofed and rate-limited packets, clients' Errors and Acks, and audio from a session
        // (forwarded or not) are never answered (§7.3, §7.5).
        let unanswered = dropped_silently
            || matches!(request_type, Some(PacketType::Error | PacketType::Ack))
            || (request_type == Some(PacketType::Audio) && session.is_some());
        ensure!(
            !unanswered || replies.is_empty(),
            "answered a {request_type:?} that must be dropped silently"
        );
        let control = matches!(
            request_type,
            Some(
                PacketType::JoinChannel
                    | PacketType::LeaveChannel
                    | PacketType::SetMute
                    | PacketType::Heartbeat
            )
        );
        if control && session.is_some() && !dropped_silently {
            ensure!(
                replies.len() == 1,
                "a {request_type:?} from a session got {} replies",
                replies.len()
            );
        }
        ensure!(
            replies.len() <= 1,
            "{} replies to one datagram",
            replies.len()
        );
        if request_type == Some(PacketType::Handshake)
            && !replies.iter().any(|t| ack_of(t).is_some())
        {
            // A refused handshake changes nothing (§7.2).
            ensure!(
                events.iter().all(|e| matches!(e, AudioEvent::Error { .. })),
                "a refused handshake changed state: {events:?}"
            );
        }

        for reply in replies {
            ensure!(
                reply.dst == from,
                "a reply to a datagram from {from} went to {}",
                reply.dst
            );
            ensure!(
                session.is_some() || reply.payload.len() <= datagram.len(),
                "(e) {} bytes sent to {from}, which has no session, for a {}-byte datagram",
                reply.payload.len(),
                datagram.len()
            );
            let packet = self.parse_own(reply)?;
            let expected = match request {
                Some(request) => (
                    request.header.sequence,
                    request.header.user_id,
                    request.header.channel_id,
                ),
                None => (
                    0,
                    session.map_or(UserId::EMPTY, |s| s.user),
                    session.map_or(ChannelId::EMPTY, |s| s.channel),
                ),
            };
            let header = packet.header;
            ensure!(
                (header.sequence, header.user_id, header.channel_id) == expected,
                "reply header {header:?} does not answer the request {expected:?}"
            );
            match (&packet.body, request) {
                (Body::Ack(ack), Some(request)) => ensure!(
                    ack.acked_type == request.packet_type()
                        && ack.acked_sequence == request.header.sequence,
                    "{ack:?} does not acknowledge the request"
                ),
                (Body::Ack(ack), None) => {
                    return Err(format!("{ack:?} answers a datagram that does not parse"));
                }
                (Body::Error(_), _) if session.is_none() => {
                    self.unauthenticated_replies.push(self.now);
                    // §7.5: server-wide.
                    check_rate(
                        self.config.unauthenticated_reply_rate,
                        &self.unauthenticated_replies,
                        self.now,
                        "unauthenticated replies",
                    )?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Parses a packet the service originated (an Error or an Ack), which must be well-formed,
    /// within the service's own size limit, and stamped with the server's clock.
    fn parse_own(&self, transmit: &Transmit) -> Result<AudioPacket, String> {
        let packet = AudioPacket::parse(&transmit.payload, self.config.max_packet_size)
            .map_err(|e| format!("the service sent a malformed packet ({e})"))?;
        ensure!(
            matches!(packet.body, Body::Error(_) | Body::Ack(_)),
            "the service originated a {:?} packet",
            packet.packet_type()
        );
        ensure!(
            u64::from(packet.header.timestamp) == self.wall(),
            "reply timestamp {} is not the server clock {}",
            packet.header.timestamp,
            self.wall()
        );
        Ok(packet)
    }

    /// §7.3: a session packet that passed the spoofing, rate, channel and clock checks keeps its
    /// session alive and confirms it; a renewed handshake keeps it alive.
    fn refresh_liveness(
        &mut self,
        before: &Model,
        from: SocketAddr,
        request: Option<&AudioPacket>,
        transmits: &[Transmit],
        events: &[AudioEvent],
    ) {
        let (Some(request), Some(old)) = (request, before.sessions.get(&from)) else {
            return;
        };
        let Some(session) = self.model.sessions.get_mut(&from) else {
            return;
        };
        match request.packet_type() {
            PacketType::Audio
            | PacketType::JoinChannel
            | PacketType::LeaveChannel
            | PacketType::SetMute
            | PacketType::Heartbeat => {
                let stopped_early = events.iter().any(|e| {
                    matches!(e, AudioEvent::Error { error, .. } if matches!(
                        error.kind(),
                        "user_mismatch" | "rate_limited" | "channel_mismatch" | "clock_skew"
                    ))
                });
                if !stopped_early {
                    session.last_seen = self.now;
                    session.confirmed = true;
                }
            }
            PacketType::Handshake => {
                let renewed = (session.user, session.channel) == (old.user, old.channel)
                    && !events
                        .iter()
                        .any(|e| matches!(e, AudioEvent::SessionStarted { .. }))
                    && transmits
                        .iter()
                        .any(|t| ack_of(t).is_some_and(|a| a.acked_type == PacketType::Handshake));
                if renewed {
                    session.last_seen = self.now;
                }
            }
            PacketType::Error | PacketType::Ack => {}
        }
    }

    /// Moves the clock, runs `handle_timeout` when the service asked for it, and checks that only
    /// sessions past their deadline ended, each told why.
    fn advance(&mut self, millis: u64) -> Result<(), String> {
        self.now += Duration::from_millis(millis);
        let now = self.now;
        // The service may forget a user this long after its last session (§8 `user_timeout`).
        for user in self.model.users.values_mut() {
            if user.sessions == 0
                && user
                    .last_session_end
                    .is_some_and(|end| end + self.config.user_timeout <= now)
            {
                user.muted = None;
            }
        }
        let before = self.model.clone();
        if now >= self.svc.poll_timeout() {
            self.svc.handle_timeout(now, self.wall());
        }
        let (transmits, events) = self.drain();
        for event in &events {
            if let AudioEvent::SessionEnded { addr, reason, .. } = event {
                let Some(session) = before.sessions.get(addr) else {
                    return Err(format!("timeout ended {addr}, which has no session"));
                };
                let due = Model::due(session, &self.config);
                let expected = if session.confirmed {
                    EndReason::Expired
                } else {
                    EndReason::HandshakeTimeout
                };
                ensure!(
                    due <= now && *reason == expected,
                    "{addr} ended as {reason:?} {:?} before its deadline",
                    due.saturating_duration_since(now)
                );
                let code = if session.confirmed {
                    ErrorCode::SessionExpired
                } else {
                    ErrorCode::HandshakeTimeout
                };
                self.expect_error(addr, session, code, &transmits)?;
            }
        }
        let ended = events
            .iter()
            .filter(|e| matches!(e, AudioEvent::SessionEnded { .. }))
            .count();
        ensure!(
            transmits.len() == ended,
            "timeouts sent {} datagrams for {ended} ended sessions",
            transmits.len()
        );
        self.coverage.ended_by_timeout += ended;
        self.apply_events(StepKind::Timeout, &events)?;
        for (addr, session) in &self.model.sessions {
            ensure!(
                Model::due(session, &self.config) > now,
                "{addr} outlived its deadline"
            );
        }
        Ok(())
    }

    /// Applies an operator change to the service and the model; sessions the directory no longer
    /// admits must end at once, each told why (§7.6).
    fn change_directory(&mut self, change: Change) -> Result<(), String> {
        let change = CAST.directory_change(change);
        let accepted = self.model.apply(&change).is_some();
        let result = self
            .svc
            .apply_directory_change(self.now, self.wall(), change.clone());
        ensure!(
            result.is_ok() == accepted,
            "directory change {change:?} gave {result:?}"
        );
        // The new directory, and the sessions as they were before it took effect.
        let changed = self.model.clone();
        let (transmits, events) = self.drain();
        for event in &events {
            if let AudioEvent::SessionEnded { addr, reason, .. } = event {
                let Some(session) = changed.sessions.get(addr) else {
                    return Err(format!(
                        "directory change ended {addr}, which has no session"
                    ));
                };
                let (expected, code) = match changed.admit(session.channel, session.user) {
                    Ok(_) => return Err(format!("ended {addr}, which is still admitted")),
                    Err(Refusal::ChannelNotFound) => {
                        (EndReason::ChannelRemoved, ErrorCode::ChannelNotFound)
                    }
                    Err(Refusal::NotAMember) => (EndReason::NotAMember, ErrorCode::NotAMember),
                    Err(Refusal::Banned) => (EndReason::Banned, ErrorCode::Banned),
                };
                ensure!(
                    *reason == expected,
                    "{addr} ended as {reason:?}, not {expected:?}"
                );
                self.expect_error(addr, session, code, &transmits)?;
            }
        }
        let ended = events
            .iter()
            .filter(|e| matches!(e, AudioEvent::SessionEnded { .. }))
            .count();
        ensure!(
            transmits.len() == ended,
            "a directory change sent {} datagrams for {ended} ended sessions",
            transmits.len()
        );
        self.coverage.ended_by_directory += ended;
        self.apply_events(StepKind::Directory, &events)
    }

    /// Exactly one Error with `code` went to `addr`, carrying the session's ids.
    fn expect_error(
        &self,
        addr: &SocketAddr,
        session: &SessionModel,
        code: ErrorCode,
        transmits: &[Transmit],
    ) -> Result<(), String> {
        let mut sent = transmits.iter().filter(|t| t.dst == *addr);
        let (Some(transmit), None) = (sent.next(), sent.next()) else {
            return Err(format!(
                "{addr} was not sent exactly one datagram as it ended"
            ));
        };
        let packet = self.parse_own(transmit)?;
        let Body::Error(error) = &packet.body else {
            return Err(format!("{addr} was sent {:?} as it ended", packet.body));
        };
        ensure!(
            error.code() == code
                && packet.header.user_id == session.user
                && packet.header.channel_id == session.channel,
            "{addr} was sent {packet:?} as it ended, expected {code:?}"
        );
        Ok(())
    }

    /// Updates the model from the service's events, checking each is possible.
    fn apply_events(&mut self, kind: StepKind, events: &[AudioEvent]) -> Result<(), String> {
        let config = &self.config;
        let model = &mut self.model;
        for event in events {
            match event {
                AudioEvent::SessionStarted {
                    user_id,
                    channel_id,
                    addr,
                } => {
                    ensure!(
                        kind == StepKind::Datagram,
                        "a session started in a {kind:?} step"
                    );
                    ensure!(
                        !model.sessions.contains_key(addr),
                        "a session started at {addr} over a live one"
                    );
                    ensure!(
                        model.admit(*channel_id, *user_id).is_ok(),
                        "a session started for {user_id} in {channel_id}, which refuses them"
                    );
                    let key = (*user_id, *channel_id);
                    let is_new = model.users.get(&key).is_none_or(|u| u.sessions == 0);
                    if is_new && model.users.len() >= config.max_user_records {
                        // The service may have evicted any user without a session to make room.
                        for user in model.users.values_mut().filter(|u| u.sessions == 0) {
                            user.muted = None;
                        }
                    }
                    let user = model.users.entry(key).or_insert(UserModel {
                        muted: Some(false),
                        ..UserModel::default()
                    });
                    user.sessions += 1;
                    self.coverage.sessions_started += 1;
                    model.sessions.insert(
                        *addr,
                        SessionModel {
                            user: *user_id,
                            channel: *channel_id,
                            joined: false,
                            confirmed: false,
                            created: self.now,
                            last_seen: self.now,
                            accepted: BTreeSet::new(),
                        },
                    );
                }
                AudioEvent::SessionEnded {
                    user_id,
                    channel_id,
                    addr,
                    reason,
                } => {
                    let Some(session) = model.sessions.remove(addr) else {
                        return Err(format!("SessionEnded for {addr}, which has no session"));
                    };
                    ensure!(
                        (session.user, session.channel) == (*user_id, *channel_id),
                        "SessionEnded names {user_id}/{channel_id} for a session of {}/{}",
                        session.user,
                        session.channel
                    );
                    ensure!(
                        !session.joined,
                        "{addr} ended ({reason:?}) while still a member: no UserLeft"
                    );
                    ensure!(
                        kind != StepKind::Datagram || *reason == EndReason::Replaced,
                        "a datagram ended a session as {reason:?}"
                    );
                    if let Some(user) = model.users.get_mut(&(*user_id, *channel_id)) {
                        user.sessions -= 1;
                        if user.sessions == 0 {
                            user.last_session_end = Some(self.now);
                        }
                    }
                }
                AudioEvent::UserJoined {
                    user_id,
                    channel_id,
                    socket_addr,
                } => {
                    ensure!(
                        kind == StepKind::Datagram,
                        "a user joined in a {kind:?} step"
                    );
                    let max_users = match model.admit(*channel_id, *user_id) {
                        Ok(channel) => channel
                            .max_users
                            .unwrap_or(config.default_max_users_per_channel),
                        Err(refusal) => {
                            return Err(format!("{user_id} joined {channel_id}: {refusal}"));
                        }
                    };
                    let members = model.joined_in(*channel_id).count();
                    ensure!(
                        u32::try_from(members).is_ok_and(|m| m < max_users),
                        "{user_id} joined {channel_id}, which has {members} of {max_users}"
                    );
                    let Some(session) = model.sessions.get_mut(socket_addr) else {
                        return Err(format!(
                            "UserJoined for {socket_addr}, which has no session"
                        ));
                    };
                    ensure!(
                        (session.user, session.channel) == (*user_id, *channel_id)
                            && !session.joined,
                        "UserJoined for {user_id}/{channel_id} at {socket_addr}: {session:?}"
                    );
                    session.joined = true;
                    self.coverage.joins += 1;
                }
                AudioEvent::UserLeft {
                    user_id,
                    channel_id,
                    socket_addr,
                    ..
                } => {
                    let Some(session) = model.sessions.get_mut(socket_addr) else {
                        return Err(format!("UserLeft for {socket_addr}, which has no session"));
                    };
                    ensure!(
                        (session.user, session.channel) == (*user_id, *channel_id)
                            && session.joined,
                        "UserLeft for {user_id}/{channel_id} at {socket_addr}: {session:?}"
                    );
                    session.joined = false;
                }
                AudioEvent::UserMuted {
                    user_id,
                    channel_id,
                    muted,
                } => {
                    let Some(user) = model.users.get_mut(&(*user_id, *channel_id)) else {
                        return Err(format!("UserMuted for unknown {user_id}/{channel_id}"));
                    };
                    ensure!(
                        user.muted != Some(*muted),
                        "UserMuted({muted}) for {user_id}/{channel_id}, which was already"
                    );
                    user.muted = Some(*muted);
                }
                AudioEvent::AudioPacket { .. } | AudioEvent::Error { .. } => {}
            }
        }
        Ok(())
    }

    /// (g) and the bounds of §9, after every step.
    fn check_state(&self) -> Result<(), String> {
        let stats = self.svc.stats();
        let model = &self.model;
        let joined = model.sessions.values().filter(|s| s.joined).count();
        ensure!(
            stats.auth_sessions == model.sessions.len(),
            "(g) stats report {} sessions, the model {}",
            stats.auth_sessions,
            model.sessions.len()
        );
        ensure!(
            stats.active_members == joined,
            "(g) stats report {} members, the model {joined}",
            stats.active_members
        );
        ensure!(
            stats.total_channels == model.channels.len(),
            "(g) stats report {} channels, the model {}",
            stats.total_channels,
            model.channels.len()
        );
        ensure!(
            stats.total_users <= self.config.max_user_records,
            "{} user records, over the limit",
            stats.total_users
        );
        ensure!(
            model.sessions.len() <= self.config.max_sessions,
            "{} sessions, over the limit",
            model.sessions.len()
        );
        let mut per_user: BTreeMap<UserId, usize> = BTreeMap::new();
        for (addr, session) in &model.sessions {
            ensure!(
                model.admit(session.channel, session.user).is_ok(),
                "(d) {addr} keeps a session for {}/{}, which the directory refuses",
                session.user,
                session.channel
            );
            *per_user.entry(session.user).or_default() += 1;
        }
        for (user, count) in per_user {
            ensure!(
                count <= self.config.max_sessions_per_user,
                "{user} has {count} sessions"
            );
        }
        ensure!(
            self.svc.poll_timeout() > self.now,
            "poll_timeout() is already past after the step"
        );
        Ok(())
    }

    fn drain(&mut self) -> (Vec<Transmit>, Vec<AudioEvent>) {
        let transmits = std::iter::from_fn(|| self.svc.poll_transmit()).collect();
        let events = std::iter::from_fn(|| self.svc.poll_event()).collect();
        (transmits, events)
    }
}

fn is_relay(transmit: &Transmit) -> bool {
    matches!(
        transmit.payload.first(),
        Some(&b) if b == PacketType::Audio.to_wire() || b == PacketType::SetMute.to_wire()
    )
}

fn ack_of(transmit: &Transmit) -> Option<Ack> {
    match AudioPacket::parse(&transmit.payload, usize::MAX).ok()?.body {
        Body::Ack(ack) => Some(ack),
        _ => None,
    }
}

fn apply_edit(bytes: &mut Vec<u8>, edit: Edit) {
    let len = bytes.len();
    match edit {
        Edit::Xor { at, mask } => {
            if let Some(byte) = bytes.get_mut(at % len.max(1)) {
                *byte ^= mask;
            }
        }
        Edit::Insert { at, byte } => bytes.insert(at % (len + 1), byte),
        Edit::Remove { at } => {
            if len > 0 {
                bytes.remove(at % len);
            }
        }
        Edit::Truncate { len: keep } => bytes.truncate(keep % (len + 1)),
    }
}
