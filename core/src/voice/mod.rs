//! The `voice` service (seed 001): a management protocol over TCP (login, presence, chat, mute,
//! voice channels) and a UDP relay that forwards voice only from addresses that proved, with a
//! token handed out at login, that they belong to a logged-in user. Both halves are one sans-IO
//! state machine, so the seed's "event channel" between them is a method call.
//!
//! ```text
//! svc.handle_connect(now, wall_unix, conn, peer);        // the driver accepted a connection
//! svc.handle_stream_data(now, wall_unix, conn, bytes);   // bytes read from it, split anyhow
//! svc.handle_stream_closed(now, wall_unix, conn);        // it closed (or the driver dropped it)
//! svc.handle_datagram(now, wall_unix, from, datagram);   // a UDP datagram
//! svc.handle_timeout(now, wall_unix);                    // when now >= svc.poll_timeout()
//! while let Some(t) = svc.poll_transmit() { … }          // UDP: send t.payload to t.dst
//! while let Some(s) = svc.poll_stream() { … }            // TCP: write s.action's bytes, or close
//! while let Some(e) = svc.poll_event() { … }
//! ```
//!
//! Every input first fires the timers due at its instant, so an input arriving at a deadline is
//! too late (§8) whatever order a driver calls things in.
//!
//! Behaviour is specified in `conformance/spec/voice.md`; section numbers below refer to it.

mod config;
mod event;
mod management;
mod relay;
mod state;
mod token;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;

pub use crate::ConnectionId;
pub use config::{MAX_CONNECTIONS_LIMIT, VoiceConfig};
pub use event::{CloseReason, LeaveReason, ManagementError, RelayError, UnbindReason, VoiceEvent};

use self::state::{Binding, Connection, TimerKey};
use self::token::TokenGenerator;
use crate::auth::JwtValidator;
use crate::directory::{Directory, DirectoryChange, DirectoryError, Refusal};
use crate::limits::RateLimiter;
use crate::wire::voice::{Frame, VoiceToken};
use crate::{ConfigError, Transmit};

/// What the driver must do with a management connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamAction {
    /// Write these bytes (one or more whole frames), after everything queued before them.
    Send(Bytes),
    /// Close the connection once everything queued before has been written. The service has
    /// already forgotten it.
    Close,
}

/// An output for one management connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamTransmit {
    pub conn: ConnectionId,
    pub action: StreamAction,
}

/// Counters for the host's stats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct VoiceStats {
    /// Open management connections.
    pub connections: usize,
    pub logged_in: usize,
    /// UDP addresses bound to a user.
    pub voice_bound: usize,
    /// Users in a voice channel.
    pub voice_members: usize,
}

/// The voice server's whole state. See the module docs for the calling pattern.
#[derive(Debug)]
pub struct VoiceService {
    config: VoiceConfig,
    jwt: JwtValidator,
    directory: Directory,
    token_generator: TokenGenerator,
    connections: BTreeMap<ConnectionId, Connection>,
    /// Every open connection by its user id; presence lists are in this order.
    users: BTreeMap<u32, ConnectionId>,
    /// Logged-in users by name (the directory's user id).
    usernames: BTreeMap<String, u32>,
    /// Live voice tokens.
    tokens: BTreeMap<VoiceToken, u32>,
    bindings: BTreeMap<SocketAddr, Binding>,
    /// Voice members by channel: the fan-out lists.
    channels: BTreeMap<String, BTreeSet<u32>>,
    /// Every connection and binding filed once under its `timer` instant, as in `audio`.
    timers: BTreeSet<(Instant, TimerKey)>,
    next_user_id: u32,
    unauthenticated_replies: RateLimiter,
    transmits: VecDeque<Transmit>,
    streams: VecDeque<StreamTransmit>,
    events: VecDeque<VoiceEvent>,
}

impl VoiceService {
    /// A service with no connections. `rng_seed` seeds the voice-token generator: 32 bytes from
    /// the operating system's RNG in a server, a fixed value in tests and conformance runs.
    pub fn new(
        config: VoiceConfig,
        directory: Directory,
        rng_seed: [u8; 32],
        now: Instant,
    ) -> Result<Self, ConfigError> {
        config.validate()?;
        Ok(Self {
            jwt: JwtValidator::new(&config.jwt),
            directory,
            token_generator: TokenGenerator::new(rng_seed),
            connections: BTreeMap::new(),
            users: BTreeMap::new(),
            usernames: BTreeMap::new(),
            tokens: BTreeMap::new(),
            bindings: BTreeMap::new(),
            channels: BTreeMap::new(),
            timers: BTreeSet::new(),
            next_user_id: 1,
            unauthenticated_replies: RateLimiter::new(config.unauthenticated_reply_rate, now),
            transmits: VecDeque::new(),
            streams: VecDeque::new(),
            events: VecDeque::new(),
            config,
        })
    }

    pub fn config(&self) -> &VoiceConfig {
        &self.config
    }

    pub fn directory(&self) -> &Directory {
        &self.directory
    }

    pub fn stats(&self) -> VoiceStats {
        VoiceStats {
            connections: self.connections.len(),
            logged_in: self.usernames.len(),
            voice_bound: self.bindings.len(),
            voice_members: self.channels.values().map(BTreeSet::len).sum(),
        }
    }

    /// The next datagram to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next thing to do on a management connection.
    pub fn poll_stream(&mut self) -> Option<StreamTransmit> {
        self.streams.pop_front()
    }

    /// The next thing that happened.
    pub fn poll_event(&mut self) -> Option<VoiceEvent> {
        self.events.pop_front()
    }

    /// When [`VoiceService::handle_timeout`] must next be called; `None` while nothing waits.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.first().map(|&(due, _)| due)
    }

    /// Closes connections and ends bindings whose time is up (§8).
    pub fn handle_timeout(&mut self, now: Instant, _wall_unix: u64) {
        while let Some(&(filed, key)) = self.timers.first() {
            if filed > now {
                break;
            }
            self.timers.pop_first();
            match key {
                TimerKey::Connection(conn) => self.connection_timer(now, conn),
                TimerKey::Binding(addr) => self.binding_timer(now, addr),
            }
        }
    }

    fn connection_timer(&mut self, now: Instant, conn: ConnectionId) {
        let Some(connection) = self.connections.get_mut(&conn) else {
            return;
        };
        let due = connection.due(&self.config);
        if due > now {
            connection.timer = due;
            self.timers.insert((due, TimerKey::Connection(conn)));
            return;
        }
        let error = match connection.login {
            None => ManagementError::LoginTimeout,
            Some(_) => ManagementError::IdleTimeout,
        };
        self.refuse(conn, error);
    }

    fn binding_timer(&mut self, now: Instant, addr: SocketAddr) {
        let Some(binding) = self.bindings.get_mut(&addr) else {
            return;
        };
        let due = binding.last_seen + self.config.udp_timeout;
        if due > now {
            binding.timer = due;
            self.timers.insert((due, TimerKey::Binding(addr)));
            return;
        }
        self.unbind(addr, UnbindReason::Expired);
    }

    /// Applies an operator's change to the shared directory, then removes from its voice channel
    /// every member the directory no longer admits there (§7).
    pub fn apply_directory_change(
        &mut self,
        now: Instant,
        wall_unix: u64,
        change: DirectoryChange,
    ) -> Result<(), DirectoryError> {
        self.handle_timeout(now, wall_unix);
        self.directory.apply(change)?;
        let mut removed: Vec<(u32, String, Refusal)> = Vec::new();
        for (channel, members) in &self.channels {
            for user_id in members {
                let Some(login) = self.login(*user_id) else {
                    continue;
                };
                if let Err(refusal) = self.directory.admit(channel, &login.username) {
                    removed.push((*user_id, channel.clone(), refusal));
                }
            }
        }
        for (user_id, channel, refusal) in removed {
            if let Some(&conn) = self.users.get(&user_id) {
                self.refuse(conn, ManagementError::Refused { channel, refusal });
            }
            self.leave_channel(user_id, LeaveReason::removed(refusal), true);
        }
        Ok(())
    }

    /// Closes every connection with `server_closing` and ends every binding (§5.6). Drivers
    /// call it on shutdown; an operator's reset calls it and then starts a fresh service.
    pub fn reset(&mut self, _now: Instant, _wall_unix: u64) {
        let conns: Vec<ConnectionId> = self.connections.keys().copied().collect();
        for &conn in &conns {
            self.send_error(conn, &ManagementError::ServerClosing);
            self.events.push_back(VoiceEvent::ManagementError {
                conn,
                error: ManagementError::ServerClosing,
            });
        }
        for conn in conns {
            self.forget_connection(conn, CloseReason::ServerClosing, false);
            self.streams.push_back(StreamTransmit {
                conn,
                action: StreamAction::Close,
            });
        }
    }

    /// The login of `user_id`, if that user is logged in.
    fn login(&self, user_id: u32) -> Option<&state::Login> {
        let conn = self.users.get(&user_id)?;
        self.connections.get(conn)?.login.as_ref()
    }

    fn login_mut(&mut self, user_id: u32) -> Option<&mut state::Login> {
        let conn = self.users.get(&user_id)?;
        self.connections.get_mut(conn)?.login.as_mut()
    }

    /// Queues `bytes` on a connection.
    fn send_bytes(&mut self, conn: ConnectionId, bytes: Bytes) {
        self.streams.push_back(StreamTransmit {
            conn,
            action: StreamAction::Send(bytes),
        });
    }

    fn send_frame(&mut self, conn: ConnectionId, frame: &Frame) {
        if let Some(bytes) = encode(frame) {
            self.send_bytes(conn, bytes);
        }
    }

    /// Sends one frame, encoded once, to every logged-in user but `except`.
    fn broadcast(&mut self, frame: &Frame, except: Option<u32>) {
        let Some(bytes) = encode(frame) else {
            return;
        };
        let recipients: Vec<ConnectionId> = self
            .users
            .iter()
            .filter(|(user_id, conn)| {
                Some(**user_id) != except
                    && self
                        .connections
                        .get(conn)
                        .is_some_and(|c| c.login.is_some())
            })
            .map(|(_, conn)| *conn)
            .collect();
        for conn in recipients {
            self.send_bytes(conn, bytes.clone());
        }
    }

    fn send_error(&mut self, conn: ConnectionId, error: &ManagementError) {
        self.send_frame(conn, &error.code().frame());
    }

    /// Answers a connection with the Error for `error`, reports it, and closes the connection
    /// if the error is fatal (§10).
    fn refuse(&mut self, conn: ConnectionId, error: ManagementError) {
        self.send_error(conn, &error);
        let fatal = error.code().is_fatal();
        self.events
            .push_back(VoiceEvent::ManagementError { conn, error });
        if fatal {
            self.forget_connection(conn, CloseReason::FatalError, true);
            self.streams.push_back(StreamTransmit {
                conn,
                action: StreamAction::Close,
            });
        }
    }

    /// Removes a connection and everything its login held (§5.6), telling the other users when
    /// `notify` is set.
    fn forget_connection(&mut self, conn: ConnectionId, reason: CloseReason, notify: bool) {
        let Some(mut connection) = self.connections.remove(&conn) else {
            return;
        };
        self.timers
            .remove(&(connection.timer, TimerKey::Connection(conn)));
        let user_id = connection.user_id;
        if let Some(login) = connection.login.take() {
            if let Some(channel) = login.channel {
                self.remove_member(user_id, &channel);
                self.events.push_back(VoiceEvent::VoiceLeft {
                    user_id,
                    channel: Arc::clone(&channel),
                    reason: LeaveReason::LoggedOut,
                });
                if notify {
                    let channel = channel.to_string();
                    self.broadcast(&Frame::UserLeftVoice { user_id, channel }, Some(user_id));
                }
            }
            if let Some(addr) = login.udp {
                self.drop_binding(addr, user_id, UnbindReason::LoggedOut);
            }
            self.tokens.remove(&login.token);
            self.usernames.remove(&login.username);
            if notify {
                self.broadcast(&Frame::UserLeft { user_id }, Some(user_id));
            }
        }
        self.users.remove(&user_id);
        self.events.push_back(VoiceEvent::ConnectionClosed {
            conn,
            user_id,
            reason,
        });
    }

    /// Takes `user_id` out of its voice channel, telling every logged-in user (the leaver too
    /// when `tell_leaver`).
    fn leave_channel(&mut self, user_id: u32, reason: LeaveReason, tell_leaver: bool) {
        let Some(channel) = self.login_mut(user_id).and_then(|l| l.channel.take()) else {
            return;
        };
        self.remove_member(user_id, &channel);
        self.events.push_back(VoiceEvent::VoiceLeft {
            user_id,
            channel: Arc::clone(&channel),
            reason,
        });
        let except = if tell_leaver { None } else { Some(user_id) };
        let channel = channel.to_string();
        self.broadcast(&Frame::UserLeftVoice { user_id, channel }, except);
    }

    fn remove_member(&mut self, user_id: u32, channel: &str) {
        if let Some(members) = self.channels.get_mut(channel) {
            members.remove(&user_id);
            if members.is_empty() {
                self.channels.remove(channel);
            }
        }
    }

    /// Ends the binding of `addr` (timeout).
    fn unbind(&mut self, addr: SocketAddr, reason: UnbindReason) {
        let Some(user_id) = self.bindings.get(&addr).map(|b| b.user_id) else {
            return;
        };
        if let Some(login) = self.login_mut(user_id) {
            login.udp = None;
        }
        self.drop_binding(addr, user_id, reason);
    }

    fn drop_binding(&mut self, addr: SocketAddr, user_id: u32, reason: UnbindReason) {
        if let Some(binding) = self.bindings.remove(&addr) {
            self.timers
                .remove(&(binding.timer, TimerKey::Binding(addr)));
            self.events.push_back(VoiceEvent::VoiceUnbound {
                user_id,
                addr,
                reason,
            });
        }
    }
}

/// Encodes a frame the server built. Every field of such a frame is bounded by validation
/// (usernames, channel ids, chat length, `max_connections`: §9), so encoding cannot fail; a frame
/// that somehow could not be encoded is not sent rather than sent truncated.
fn encode(frame: &Frame) -> Option<Bytes> {
    frame.encode().ok()
}
