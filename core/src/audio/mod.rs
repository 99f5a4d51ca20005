//! The `audio` service (seed 000): a UDP relay with JWT handshakes, channel membership, mute,
//! heartbeats and audio fan-out, as a sans-IO state machine.
//!
//! ```text
//! svc.handle_datagram(now, wall_unix, from, datagram);
//! svc.handle_timeout(now, wall_unix);            // when now >= svc.poll_timeout()
//! while let Some(t) = svc.poll_transmit() { … }  // send t.payload to t.dst
//! while let Some(e) = svc.poll_event() { … }
//! ```
//!
//! `now` is monotonic time; `wall_unix` is unix seconds, used for token expiry, header timestamps
//! and nothing else. Behaviour is specified in `conformance/spec/audio.md`.

mod config;
mod event;
mod replay;
mod session;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::net::SocketAddr;
use std::time::Instant;

use bytes::Bytes;

pub use crate::ConfigError;
pub use config::AudioConfig;
pub use event::{AudioError, AudioEvent, EndReason};
pub use replay::{ReplayVerdict, ReplayWindow};

use self::session::{Session, UserRecord};
use crate::Transmit;
use crate::auth::JwtValidator;
use crate::directory::{Directory, DirectoryChange, DirectoryError, Refusal};
use crate::limits::RateLimiter;
use crate::wire::audio::{
    Ack, AudioPacket, Body, ChannelId, ErrorBody, Handshake, Header, PacketType, UserId,
};

/// Counters in the shape of the seed's `get_stats()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AudioStats {
    /// Authenticated sessions (source addresses).
    pub auth_sessions: usize,
    /// Sessions that joined their channel.
    pub active_members: usize,
    pub total_channels: usize,
    /// Users remembered (with a session, or within the user timeout of their last one).
    pub total_users: usize,
}

/// Where an answer goes and what its header says.
#[derive(Debug, Clone, Copy)]
struct ReplyTo {
    addr: SocketAddr,
    user_id: UserId,
    channel_id: ChannelId,
    sequence: u32,
    /// The address has a session, so the no-amplification rule does not apply.
    authenticated: bool,
    request_len: usize,
}

impl ReplyTo {
    /// A message the server sends a session on its own initiative (timeouts, bans, shutdown).
    fn unprompted(addr: SocketAddr, session: &Session) -> Self {
        Self {
            addr,
            user_id: session.user_id,
            channel_id: session.channel_id,
            sequence: 0,
            authenticated: true,
            request_len: 0,
        }
    }
}

/// The audio relay's whole state. See the module docs for the calling pattern.
#[derive(Debug)]
pub struct AudioService {
    config: AudioConfig,
    jwt: JwtValidator,
    directory: Directory,
    sessions: BTreeMap<SocketAddr, Session>,
    /// Every session filed once under its `timer` instant.
    timers: BTreeSet<(Instant, SocketAddr)>,
    users: BTreeMap<(UserId, ChannelId), UserRecord>,
    sessions_per_user: BTreeMap<UserId, usize>,
    /// Joined sessions by channel: the fan-out lists.
    members: BTreeMap<ChannelId, BTreeMap<SocketAddr, UserId>>,
    unauthenticated_replies: RateLimiter,
    next_cleanup: Instant,
    transmits: VecDeque<Transmit>,
    events: VecDeque<AudioEvent>,
}

impl AudioService {
    pub fn new(
        config: AudioConfig,
        directory: Directory,
        now: Instant,
    ) -> Result<Self, ConfigError> {
        config.validate()?;
        Ok(Self {
            jwt: JwtValidator::new(&config.jwt),
            directory,
            sessions: BTreeMap::new(),
            timers: BTreeSet::new(),
            users: BTreeMap::new(),
            sessions_per_user: BTreeMap::new(),
            members: BTreeMap::new(),
            unauthenticated_replies: RateLimiter::new(config.unauthenticated_reply_rate, now),
            next_cleanup: now + config.cleanup_interval,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            config,
        })
    }

    pub fn config(&self) -> &AudioConfig {
        &self.config
    }

    pub fn directory(&self) -> &Directory {
        &self.directory
    }

    pub fn stats(&self) -> AudioStats {
        AudioStats {
            auth_sessions: self.sessions.len(),
            active_members: self.members.values().map(BTreeMap::len).sum(),
            total_channels: self.directory.len(),
            total_users: self.users.len(),
        }
    }

    /// The next datagram to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next thing that happened.
    pub fn poll_event(&mut self) -> Option<AudioEvent> {
        self.events.pop_front()
    }

    /// When [`AudioService::handle_timeout`] must next be called.
    pub fn poll_timeout(&self) -> Instant {
        match self.timers.first() {
            Some(&(due, _)) => due.min(self.next_cleanup),
            None => self.next_cleanup,
        }
    }

    /// Handles one received datagram from `from`.
    pub fn handle_datagram(
        &mut self,
        now: Instant,
        wall_unix: u64,
        from: SocketAddr,
        datagram: Bytes,
    ) {
        // Deadlines due at this instant come first: a packet arriving at a session's deadline
        // is too late (audio.md §8), whatever order the driver calls things in.
        self.handle_timeout(now, wall_unix);
        let session = self.sessions.get(&from);
        let packet = match AudioPacket::parse(&datagram, self.config.max_packet_size) {
            Ok(packet) => packet,
            Err(error) => {
                let reply = ReplyTo {
                    addr: from,
                    user_id: session.map_or(UserId::EMPTY, |s| s.user_id),
                    channel_id: session.map_or(ChannelId::EMPTY, |s| s.channel_id),
                    sequence: 0,
                    authenticated: session.is_some(),
                    request_len: datagram.len(),
                };
                self.refuse(now, wall_unix, reply, AudioError::Malformed(error));
                return;
            }
        };
        let header = packet.header;
        let reply = ReplyTo {
            addr: from,
            user_id: header.user_id,
            channel_id: header.channel_id,
            sequence: header.sequence,
            authenticated: session.is_some(),
            request_len: datagram.len(),
        };
        match packet.body {
            Body::Error(_) | Body::Ack(_) => {
                let error = AudioError::UnexpectedPacketType(packet.body.packet_type());
                self.refuse(now, wall_unix, reply, error);
            }
            Body::Handshake(handshake) => {
                if let Some(session) = self.sessions.get_mut(&from)
                    && !session.rate.try_acquire(now)
                {
                    self.refuse(now, wall_unix, reply, AudioError::RateLimited);
                    return;
                }
                if let Err(error) = self.handshake(now, wall_unix, reply, &header, &handshake) {
                    self.refuse(now, wall_unix, reply, error);
                }
            }
            body => {
                let is_audio = matches!(body, Body::Audio(_));
                if let Err(error) =
                    self.session_packet(now, wall_unix, reply, header, body, &datagram)
                {
                    // Faults inside an authenticated audio stream are never answered: a reply per
                    // packet would double the traffic of a misbehaving client.
                    if is_audio && reply.authenticated {
                        self.events.push_back(AudioEvent::Error {
                            socket_addr: from,
                            error,
                        });
                    } else {
                        self.refuse(now, wall_unix, reply, error);
                    }
                }
            }
        }
    }

    /// Expires sessions whose time is up and sweeps forgotten users.
    pub fn handle_timeout(&mut self, now: Instant, wall_unix: u64) {
        while let Some(&(due, addr)) = self.timers.first() {
            if due > now {
                break;
            }
            self.timers.pop_first();
            let Some(session) = self.sessions.get_mut(&addr) else {
                continue;
            };
            let real_due = session.due(&self.config);
            if real_due > now {
                session.timer = real_due;
                self.timers.insert((real_due, addr));
                continue;
            }
            let (error, reason) = if session.confirmed {
                (AudioError::SessionExpired, EndReason::Expired)
            } else {
                (AudioError::HandshakeTimeout, EndReason::HandshakeTimeout)
            };
            let reply = ReplyTo::unprompted(addr, session);
            self.refuse(now, wall_unix, reply, error);
            self.end_session(now, addr, reason);
        }
        if now >= self.next_cleanup {
            let user_timeout = self.config.user_timeout;
            self.users.retain(|_, user| {
                user.sessions > 0 || now.saturating_duration_since(user.last_seen) < user_timeout
            });
            self.next_cleanup = now + self.config.cleanup_interval;
        }
    }

    /// Applies an operator's change to the directory, then ends every session it no longer
    /// admits (a ban takes effect at once), telling each client why.
    pub fn apply_directory_change(
        &mut self,
        now: Instant,
        wall_unix: u64,
        change: DirectoryChange,
    ) -> Result<(), DirectoryError> {
        self.handle_timeout(now, wall_unix);
        self.directory.apply(change)?;
        let refused: Vec<(SocketAddr, Session, Refusal)> = self
            .sessions
            .iter()
            .filter_map(|(addr, s)| {
                let refusal = self
                    .directory
                    .admit(s.channel_id.as_str(), s.user_id.as_str())
                    .err()?;
                Some((*addr, s.clone(), refusal))
            })
            .collect();
        for (addr, session, refusal) in refused {
            let reply = ReplyTo::unprompted(addr, &session);
            let error = AudioError::Refused {
                channel_id: session.channel_id,
                refusal,
            };
            self.refuse(now, wall_unix, reply, error);
            let reason = match refusal {
                Refusal::ChannelNotFound => EndReason::ChannelRemoved,
                Refusal::NotAMember => EndReason::NotAMember,
                Refusal::Banned => EndReason::Banned,
            };
            self.end_session(now, addr, reason);
        }
        Ok(())
    }

    /// Ends every session, telling each client `server_closing`, forgets remembered users and
    /// restores the rate-limit budgets: afterwards the service is as freshly started (the
    /// directory excepted). Drivers call it on shutdown; the admin `reset` command uses it too.
    pub fn reset(&mut self, now: Instant, wall_unix: u64) {
        let addrs: Vec<SocketAddr> = self.sessions.keys().copied().collect();
        for addr in addrs {
            if let Some(session) = self.sessions.get(&addr) {
                let reply = ReplyTo::unprompted(addr, session);
                self.refuse(now, wall_unix, reply, AudioError::ServerClosing);
            }
            self.end_session(now, addr, EndReason::ServerClosing);
        }
        self.users.clear();
        self.unauthenticated_replies =
            RateLimiter::new(self.config.unauthenticated_reply_rate, now);
        self.next_cleanup = now + self.config.cleanup_interval;
    }

    /// Sends `datagram` to every active member of `channel_id` except the sessions of
    /// `exclude_user`, sharing one buffer; returns how many destinations it queued. This is the
    /// host's own broadcast (the seed's `broadcast_to_channel`); the bytes are not checked.
    pub fn send_to_channel(
        &mut self,
        channel_id: ChannelId,
        exclude_user: Option<UserId>,
        datagram: Bytes,
    ) -> usize {
        let before = self.transmits.len();
        let Some(members) = self.members.get(&channel_id) else {
            return 0;
        };
        self.transmits.extend(
            members
                .iter()
                .filter(|(_, user)| Some(**user) != exclude_user)
                .map(|(addr, _)| Transmit {
                    dst: *addr,
                    payload: datagram.clone(),
                }),
        );
        self.transmits.len() - before
    }

    /// The seed's handshake order: token, channel, membership, ban; then capacity, then the
    /// session and its Ack.
    fn handshake(
        &mut self,
        now: Instant,
        wall_unix: u64,
        reply: ReplyTo,
        header: &Header,
        handshake: &Handshake,
    ) -> Result<(), AudioError> {
        self.check_clock(header, wall_unix)?;
        if let Some(channel) = handshake.channel_id()
            && channel != header.channel_id.as_str()
        {
            return Err(AudioError::HandshakeChannelMismatch {
                handshake: channel.to_owned(),
                header: header.channel_id,
            });
        }
        let token = self
            .jwt
            .verify(handshake.token(), wall_unix)
            .map_err(AudioError::InvalidToken)?;
        if token.subject != header.user_id.as_str() {
            return Err(AudioError::SubjectMismatch {
                subject: token.subject,
                user_id: header.user_id,
            });
        }
        self.directory
            .admit(header.channel_id.as_str(), header.user_id.as_str())
            .map_err(|refusal| AudioError::Refused {
                channel_id: header.channel_id,
                refusal,
            })?;

        let addr = reply.addr;
        if let Some(session) = self.sessions.get_mut(&addr)
            && session.user_id == header.user_id
            && session.channel_id == header.channel_id
        {
            // The same client renewing its token: keep its membership and state.
            session.last_seen = now;
            self.ack(wall_unix, reply, PacketType::Handshake);
            return Ok(());
        }
        let replaced = self.sessions.get(&addr).map(|s| (s.user_id, s.channel_id));
        let replaced_user = replaced.map(|(user, _)| user);
        let user_sessions = self
            .sessions_per_user
            .get(&header.user_id)
            .copied()
            .unwrap_or(0)
            .saturating_sub(usize::from(replaced_user == Some(header.user_id)));
        if user_sessions >= self.config.max_sessions_per_user {
            return Err(AudioError::TooManySessionsForUser(header.user_id));
        }
        if self.sessions.len() - usize::from(replaced.is_some()) >= self.config.max_sessions {
            return Err(AudioError::ServerFull);
        }
        let key = (header.user_id, header.channel_id);
        let needs_record = !self.users.contains_key(&key);
        if needs_record && !self.has_room_for_user(replaced) {
            return Err(AudioError::ServerFull);
        }
        if replaced.is_some() {
            self.end_session(now, addr, EndReason::Replaced);
        }
        if needs_record {
            self.make_room_for_user();
        }

        let session = Session::new(header.user_id, header.channel_id, now, &self.config);
        self.timers.insert((session.timer, addr));
        self.sessions.insert(addr, session);
        *self.sessions_per_user.entry(header.user_id).or_default() += 1;
        let user = self.users.entry(key).or_insert(UserRecord {
            muted: false,
            sessions: 0,
            last_seen: now,
        });
        user.sessions += 1;
        user.last_seen = now;
        self.events.push_back(AudioEvent::SessionStarted {
            user_id: header.user_id,
            channel_id: header.channel_id,
            addr,
        });
        self.ack(wall_unix, reply, PacketType::Handshake);
        Ok(())
    }

    /// Whether a new user record fits, counting the record that ending the `replaced` session
    /// would leave without a session.
    fn has_room_for_user(&self, replaced: Option<(UserId, ChannelId)>) -> bool {
        self.users.len() < self.config.max_user_records
            || self.users.values().any(|user| user.sessions == 0)
            || replaced
                .and_then(|key| self.users.get(&key))
                .is_some_and(|user| user.sessions == 1)
    }

    /// Evicts the longest-idle user without a session when the user table is full.
    fn make_room_for_user(&mut self) {
        if self.users.len() < self.config.max_user_records {
            return;
        }
        let oldest = self
            .users
            .iter()
            .filter(|(_, user)| user.sessions == 0)
            .min_by_key(|(_, user)| user.last_seen)
            .map(|(key, _)| *key);
        if let Some(key) = oldest {
            self.users.remove(&key);
        }
    }

    /// Every packet type but Handshake, Error and Ack: it must come from a session's address.
    fn session_packet(
        &mut self,
        now: Instant,
        wall_unix: u64,
        reply: ReplyTo,
        header: Header,
        body: Body,
        datagram: &Bytes,
    ) -> Result<(), AudioError> {
        let Some(session) = self.sessions.get_mut(&reply.addr) else {
            return Err(AudioError::NotAuthenticated);
        };
        if header.user_id != session.user_id {
            return Err(AudioError::UserMismatch {
                session: session.user_id,
                header: header.user_id,
            });
        }
        if !session.rate.try_acquire(now) {
            return Err(AudioError::RateLimited);
        }
        if header.channel_id != session.channel_id {
            return Err(AudioError::ChannelMismatch {
                session: session.channel_id,
                header: header.channel_id,
            });
        }
        self.check_clock(&header, wall_unix)?;
        let session = self
            .sessions
            .get_mut(&reply.addr)
            .ok_or(AudioError::NotAuthenticated)?;
        session.last_seen = now;
        session.confirmed = true;
        let joined = session.joined;
        let key = (header.user_id, header.channel_id);
        let muted = match self.users.get_mut(&key) {
            Some(user) => {
                user.last_seen = now;
                user.muted
            }
            None => false,
        };

        match body {
            Body::Audio(data) => {
                if !joined {
                    return Err(AudioError::NotJoined);
                }
                if muted {
                    return Err(AudioError::SenderMuted);
                }
                let session = self
                    .sessions
                    .get_mut(&reply.addr)
                    .ok_or(AudioError::NotAuthenticated)?;
                match session.replay.check(header.sequence) {
                    ReplayVerdict::Fresh => {}
                    ReplayVerdict::Duplicate => {
                        return Err(AudioError::DuplicateSequence(header.sequence));
                    }
                    ReplayVerdict::Stale => return Err(AudioError::StaleSequence(header.sequence)),
                }
                self.fan_out(header.channel_id, header.user_id, datagram);
                self.events.push_back(AudioEvent::AudioPacket {
                    from_user_id: header.user_id,
                    channel_id: header.channel_id,
                    sequence: header.sequence,
                    data: data.as_bytes().clone(),
                });
            }
            Body::JoinChannel => {
                if !joined {
                    self.join(reply.addr, header)?;
                }
                self.ack(wall_unix, reply, PacketType::JoinChannel);
            }
            Body::LeaveChannel => {
                if joined {
                    self.leave(
                        reply.addr,
                        header.user_id,
                        header.channel_id,
                        EndReason::Left,
                    );
                }
                self.ack(wall_unix, reply, PacketType::LeaveChannel);
            }
            Body::SetMute { muted: wanted } => {
                if wanted != muted {
                    if let Some(user) = self.users.get_mut(&key) {
                        user.muted = wanted;
                    }
                    self.events.push_back(AudioEvent::UserMuted {
                        user_id: header.user_id,
                        channel_id: header.channel_id,
                        muted: wanted,
                    });
                    if joined {
                        self.fan_out(header.channel_id, header.user_id, datagram);
                    }
                }
                self.ack(wall_unix, reply, PacketType::SetMute);
            }
            Body::Heartbeat => self.ack(wall_unix, reply, PacketType::Heartbeat),
            Body::Handshake(_) | Body::Error(_) | Body::Ack(_) => {
                return Err(AudioError::UnexpectedPacketType(body.packet_type()));
            }
        }
        Ok(())
    }

    fn join(&mut self, addr: SocketAddr, header: Header) -> Result<(), AudioError> {
        let channel = self
            .directory
            .admit(header.channel_id.as_str(), header.user_id.as_str())
            .map_err(|refusal| AudioError::Refused {
                channel_id: header.channel_id,
                refusal,
            })?;
        let max_users = channel
            .max_users()
            .unwrap_or(self.config.default_max_users_per_channel);
        let members = self.members.entry(header.channel_id).or_default();
        if members.len() >= usize::try_from(max_users).unwrap_or(usize::MAX) {
            if members.is_empty() {
                self.members.remove(&header.channel_id);
            }
            return Err(AudioError::ChannelFull(header.channel_id));
        }
        members.insert(addr, header.user_id);
        if let Some(session) = self.sessions.get_mut(&addr) {
            session.joined = true;
        }
        self.events.push_back(AudioEvent::UserJoined {
            user_id: header.user_id,
            channel_id: header.channel_id,
            socket_addr: addr,
        });
        Ok(())
    }

    fn leave(
        &mut self,
        addr: SocketAddr,
        user_id: UserId,
        channel_id: ChannelId,
        reason: EndReason,
    ) {
        if let Some(members) = self.members.get_mut(&channel_id) {
            members.remove(&addr);
            if members.is_empty() {
                self.members.remove(&channel_id);
            }
        }
        if let Some(session) = self.sessions.get_mut(&addr) {
            session.joined = false;
        }
        self.events.push_back(AudioEvent::UserLeft {
            user_id,
            channel_id,
            socket_addr: addr,
            reason,
        });
    }

    fn end_session(&mut self, now: Instant, addr: SocketAddr, reason: EndReason) {
        let Some(session) = self.sessions.get(&addr) else {
            return;
        };
        let (user_id, channel_id) = (session.user_id, session.channel_id);
        if session.joined {
            self.leave(addr, user_id, channel_id, reason);
        }
        if let Some(session) = self.sessions.remove(&addr) {
            self.timers.remove(&(session.timer, addr));
        }
        if let Some(count) = self.sessions_per_user.get_mut(&user_id) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                self.sessions_per_user.remove(&user_id);
            }
        }
        if let Some(user) = self.users.get_mut(&(user_id, channel_id)) {
            user.sessions = user.sessions.saturating_sub(1);
            user.last_seen = now;
        }
        self.events.push_back(AudioEvent::SessionEnded {
            user_id,
            channel_id,
            addr,
            reason,
        });
    }

    /// Queues `datagram` once per other joined member of `channel_id`: every transmit shares the
    /// one buffer. Sessions of the sending user itself are skipped (no echo to a second device).
    fn fan_out(&mut self, channel_id: ChannelId, sender: UserId, datagram: &Bytes) {
        let Some(members) = self.members.get(&channel_id) else {
            return;
        };
        self.transmits
            .extend(
                members
                    .iter()
                    .filter(|(_, user)| **user != sender)
                    .map(|(addr, _)| Transmit {
                        dst: *addr,
                        payload: datagram.clone(),
                    }),
            );
    }

    fn check_clock(&self, header: &Header, wall_unix: u64) -> Result<(), AudioError> {
        let skew = i128::from(header.timestamp).abs_diff(i128::from(wall_unix));
        if skew > u128::from(self.config.max_clock_skew.as_secs()) {
            return Err(AudioError::ClockSkew {
                timestamp: header.timestamp,
                now: wall_unix,
            });
        }
        Ok(())
    }

    fn reply_header(reply: ReplyTo, wall_unix: u64) -> Header {
        Header {
            sequence: reply.sequence,
            user_id: reply.user_id,
            channel_id: reply.channel_id,
            timestamp: u32::try_from(wall_unix).unwrap_or(u32::MAX),
        }
    }

    fn ack(&mut self, wall_unix: u64, reply: ReplyTo, acked_type: PacketType) {
        let body = Body::Ack(Ack {
            acked_type,
            acked_sequence: reply.sequence,
        });
        let packet = AudioPacket::new(Self::reply_header(reply, wall_unix), body);
        self.transmits.push_back(Transmit {
            dst: reply.addr,
            payload: packet.encode(),
        });
    }

    /// Records `error` and answers it with an Error packet when its kind is answered. Addresses
    /// without a session get an answer no larger than what they sent, within a server-wide rate.
    fn refuse(&mut self, now: Instant, wall_unix: u64, reply: ReplyTo, error: AudioError) {
        if let Some((code, action, message)) = error.reply() {
            let body = ErrorBody::new(code, action, message);
            let body = if reply.authenticated {
                Some(body)
            } else {
                body.fitted(reply.request_len)
                    .filter(|_| self.unauthenticated_replies.try_acquire(now))
            };
            if let Some(body) = body {
                let packet =
                    AudioPacket::new(Self::reply_header(reply, wall_unix), Body::Error(body));
                self.transmits.push_back(Transmit {
                    dst: reply.addr,
                    payload: packet.encode(),
                });
            }
        }
        self.events.push_back(AudioEvent::Error {
            socket_addr: reply.addr,
            error,
        });
    }
}
