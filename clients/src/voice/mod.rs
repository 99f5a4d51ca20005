//! A client of the `voice` service (`conformance/spec/voice.md`) as a sans-IO state machine: a
//! management stream (login with a JWT, presence, voice channels, mute, chat, pings) and a UDP
//! socket (authentication with the 128-bit voice token the login hands out, keepalives, voice
//! out, and voice in through the same jitter buffer as the `audio` client).
//!
//! ```text
//! let mut client = VoiceClient::new(VoiceClientConfig::new("alice"))?;
//! client.login(now, &jwt)?;                       // once the TCP connection is open
//! client.handle_stream_data(now, &bytes);         // TCP bytes, split anyhow
//! client.handle_stream_closed(now);               // the TCP connection ended
//! client.handle_datagram(now, bytes);             // a UDP datagram from the relay
//! client.handle_timeout(now);                     // when now >= client.poll_timeout()
//! while let Some(s) = client.poll_stream() { … }  // TCP: write the bytes, or close
//! while let Some(d) = client.poll_transmit() { … }// UDP: send to the relay
//! while let Some(e) = client.poll_event() { … }
//! ```
//!
//! The UDP side needs no command: the login's voice token is sent in a VoiceAuthRequest at once
//! (§6.1), resent until answered, and sent again whenever the relay says the binding expired
//! (§6.3).

mod config;
mod event;
mod presence;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::Bytes;
use hark_core::wire::voice::{
    AuthStatus, ErrorCode, FRAME_HEADER_LEN, Frame, FrameDecoder, PROTOCOL_VERSION, Participant,
    VoicePacket, VoiceToken, parse_datagram,
};

pub use config::VoiceClientConfig;
pub use event::{VoiceClientError, VoiceEvent};

use crate::ConfigError;
use crate::jitter::{JitterBuffer, JitterStats, Playout};
use crate::retry::{Retry, RetryStep};

use self::presence::Presence;

/// The largest frame body a server may send (its u16 length field, §3).
const MAX_SERVER_FRAME_LEN: usize = u16::MAX as usize;
/// type (1) + user id (4) + sequence (4).
const VOICE_DATA_HEADER_LEN: usize = 9;

/// What the wrapper must do with the management connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamOutput {
    /// Write these bytes (whole frames), after everything before them.
    Send(Bytes),
    /// Close the connection once everything before is written.
    Close,
}

/// Where the management connection is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoiceState {
    /// Connected, nothing sent: call [`VoiceClient::login`].
    Idle,
    /// The LoginRequest is out.
    LoggingIn,
    LoggedIn,
    /// The connection is over (closed by either side, or a fatal error).
    Closed,
}

/// Where the UDP address is (§6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Udp {
    Unbound,
    Authenticating(Retry),
    Bound,
}

/// Counters since the client was made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VoiceClientStats {
    pub voice_sent: u64,
    pub voice_received: u64,
    /// Datagrams that did not parse.
    pub malformed: u64,
    /// Frames and datagrams that parsed but meant nothing here (client-only types, our own
    /// voice echoed back).
    pub ignored: u64,
    pub jitter: JitterStats,
}

/// What the login gave us.
#[derive(Debug, Clone, Copy)]
struct Login {
    user_id: u32,
    token: VoiceToken,
}

/// The `voice` client. See the module docs for the calling pattern.
#[derive(Debug)]
pub struct VoiceClient {
    config: VoiceClientConfig,
    state: VoiceState,
    decoder: FrameDecoder,
    login: Option<Login>,
    udp: Udp,
    channel: Option<String>,
    muted: bool,
    /// Every other logged-in user.
    presence: Presence,
    voice_sequence: u32,
    ping_nonce: u64,
    next_ping: Option<Instant>,
    next_keepalive: Option<Instant>,
    keepalive_nonce: u64,
    jitter: JitterBuffer<u32, Bytes>,
    stream: VecDeque<StreamOutput>,
    transmits: VecDeque<Bytes>,
    events: VecDeque<VoiceEvent>,
    stats: VoiceClientStats,
}

impl VoiceClient {
    pub fn new(config: VoiceClientConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        Ok(Self {
            jitter: JitterBuffer::new(config.jitter)?,
            presence: Presence::new(config.max_participants),
            config,
            state: VoiceState::Idle,
            decoder: FrameDecoder::new(MAX_SERVER_FRAME_LEN),
            login: None,
            udp: Udp::Unbound,
            channel: None,
            muted: false,
            voice_sequence: 0,
            ping_nonce: 0,
            next_ping: None,
            next_keepalive: None,
            keepalive_nonce: 0,
            stream: VecDeque::new(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            stats: VoiceClientStats::default(),
        })
    }

    pub fn config(&self) -> &VoiceClientConfig {
        &self.config
    }

    pub fn state(&self) -> VoiceState {
        self.state
    }

    /// Our user id, once logged in.
    pub fn user_id(&self) -> Option<u32> {
        self.login.map(|login| login.user_id)
    }

    /// Whether the relay has bound our UDP address.
    pub fn is_bound(&self) -> bool {
        self.udp == Udp::Bound
    }

    /// The voice channel we are in.
    pub fn channel(&self) -> Option<&str> {
        self.channel.as_deref()
    }

    /// Our mute state as the server last reported it.
    pub fn is_muted(&self) -> bool {
        self.muted
    }

    /// The other logged-in users, by user id.
    pub fn participants(&self) -> impl Iterator<Item = &Participant> {
        self.presence.iter()
    }

    /// `sender`'s interarrival jitter, while the jitter buffer tracks it.
    pub fn interarrival_jitter(&self, sender: u32) -> Option<Duration> {
        self.jitter.interarrival_jitter(&sender)
    }

    pub fn stats(&self) -> VoiceClientStats {
        VoiceClientStats {
            jitter: self.jitter.stats(),
            ..self.stats
        }
    }

    /// Sends the LoginRequest with `token` (a JWT for our username; the client does not mint
    /// tokens).
    pub fn login(&mut self, now: Instant, token: &str) -> Result<(), VoiceClientError> {
        match self.state {
            VoiceState::Idle => {}
            VoiceState::LoggingIn | VoiceState::LoggedIn => {
                return Err(VoiceClientError::AlreadyLoggedIn);
            }
            VoiceState::Closed => return Err(VoiceClientError::Closed),
        }
        self.send_frame(&Frame::LoginRequest {
            version: PROTOCOL_VERSION,
            username: self.config.username.clone(),
            token: token.to_owned(),
        })?;
        self.state = VoiceState::LoggingIn;
        self.next_ping = Some(now + self.config.ping_interval);
        Ok(())
    }

    /// Joins (or switches to) a voice channel.
    pub fn join_voice(&mut self, channel: &str) -> Result<(), VoiceClientError> {
        self.require_login()?;
        self.send_frame(&Frame::JoinVoice {
            channel: channel.to_owned(),
        })
    }

    pub fn leave_voice(&mut self) -> Result<(), VoiceClientError> {
        self.require_login()?;
        self.send_frame(&Frame::LeaveVoice)
    }

    pub fn set_mute(&mut self, muted: bool) -> Result<(), VoiceClientError> {
        self.require_login()?;
        self.send_frame(&Frame::SetMute { muted })
    }

    /// Sends a chat message to our voice channel's members (§5.5).
    pub fn send_chat(&mut self, text: &str) -> Result<(), VoiceClientError> {
        self.require_login()?;
        self.send_frame(&Frame::ChatSend {
            text: text.to_owned(),
        })
    }

    /// Sends (again) the VoiceAuthRequest: after [`VoiceEvent::AuthRefused`] or
    /// [`VoiceEvent::AuthNoAnswer`], when the caller thinks it worth another try.
    pub fn authenticate(&mut self, now: Instant) -> Result<(), VoiceClientError> {
        self.require_login()?;
        self.start_auth(now);
        Ok(())
    }

    /// Sends one voice frame under the next sequence number; returns that number.
    pub fn send_voice(&mut self, payload: Bytes) -> Result<u32, VoiceClientError> {
        let login = self.login.ok_or(VoiceClientError::NotLoggedIn)?;
        if self.state != VoiceState::LoggedIn {
            return Err(VoiceClientError::NotLoggedIn);
        }
        if self.udp != Udp::Bound {
            return Err(VoiceClientError::NotBound);
        }
        if self.channel.is_none() {
            return Err(VoiceClientError::NotInVoice);
        }
        let max = self.config.max_datagram_size;
        let len = payload.len();
        if VOICE_DATA_HEADER_LEN + len > max {
            return Err(VoiceClientError::PayloadTooLarge { len, max });
        }
        let sequence = self.voice_sequence.wrapping_add(1);
        self.voice_sequence = sequence;
        self.stats.voice_sent += 1;
        self.transmits.push_back(
            VoicePacket::VoiceData {
                user_id: login.user_id,
                sequence,
                payload,
            }
            .encode(),
        );
        Ok(sequence)
    }

    /// Ends the session from our side: the connection is closed (the server then logs us out,
    /// §5.6).
    pub fn close(&mut self) {
        if self.state != VoiceState::Closed {
            self.stream.push_back(StreamOutput::Close);
            self.shut();
        }
    }

    /// Handles bytes read from the management connection.
    pub fn handle_stream_data(&mut self, now: Instant, data: &[u8]) {
        self.handle_timeout(now);
        if self.state == VoiceState::Closed {
            return;
        }
        self.decoder.push(data);
        loop {
            match self.decoder.next_frame() {
                Ok(Some(frame)) => self.on_frame(now, frame),
                Ok(None) => break,
                Err(error) => {
                    self.events.push_back(VoiceEvent::ProtocolError(error));
                    self.close();
                    break;
                }
            }
            if self.state == VoiceState::Closed {
                break;
            }
        }
    }

    /// The management connection ended (the server closed it, or it failed).
    pub fn handle_stream_closed(&mut self, now: Instant) {
        self.handle_timeout(now);
        if self.state != VoiceState::Closed {
            self.shut();
        }
    }

    /// Handles one datagram received from the relay.
    pub fn handle_datagram(&mut self, now: Instant, datagram: Bytes) {
        self.handle_timeout(now);
        let packet = match parse_datagram(&datagram, self.config.max_datagram_size) {
            Ok(packet) => packet,
            Err(error) => {
                self.stats.malformed += 1;
                self.events.push_back(VoiceEvent::MalformedDatagram(error));
                return;
            }
        };
        let Some(login) = self.login.filter(|_| self.state == VoiceState::LoggedIn) else {
            self.stats.ignored += 1;
            return;
        };
        match packet {
            VoicePacket::AuthResponse { status, user_id } => {
                self.on_auth_response(now, login, status, user_id);
            }
            VoicePacket::VoiceData {
                user_id,
                sequence,
                payload,
            } if user_id != login.user_id => {
                self.stats.voice_received += 1;
                self.jitter.push(now, user_id, sequence, payload);
                self.drain_jitter();
            }
            VoicePacket::VoiceData { .. }
            | VoicePacket::Keepalive { .. }
            | VoicePacket::AuthRequest { .. } => self.stats.ignored += 1,
        }
    }

    /// Pings, keepalives, authentication retries and playout due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.state == VoiceState::Closed {
            return;
        }
        if self.next_ping.is_some_and(|due| due <= now) {
            self.ping_nonce = self.ping_nonce.wrapping_add(1);
            let ping = Frame::Ping {
                nonce: self.ping_nonce,
            };
            // A Ping always encodes: it has no variable-length field.
            if self.send_frame(&ping).is_ok() {
                self.next_ping = Some(now + self.config.ping_interval);
            }
        }
        if self.udp == Udp::Bound && self.next_keepalive.is_some_and(|due| due <= now) {
            self.keepalive_nonce = self.keepalive_nonce.wrapping_add(1);
            self.transmits.push_back(
                VoicePacket::Keepalive {
                    nonce: self.keepalive_nonce,
                }
                .encode(),
            );
            self.next_keepalive = Some(now + self.config.keepalive_interval);
        }
        if let Udp::Authenticating(mut retry) = self.udp
            && retry.due() <= now
        {
            match retry.fire(now, &self.config.auth_retry) {
                RetryStep::Resend => {
                    self.udp = Udp::Authenticating(retry);
                    self.send_auth_request();
                }
                RetryStep::GiveUp => {
                    self.udp = Udp::Unbound;
                    self.events.push_back(VoiceEvent::AuthNoAnswer);
                }
            }
        }
        self.jitter.handle_timeout(now);
        self.drain_jitter();
    }

    /// When [`VoiceClient::handle_timeout`] must next be called; `None` when nothing is timed.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.state == VoiceState::Closed {
            return None;
        }
        let auth = match self.udp {
            Udp::Authenticating(retry) => Some(retry.due()),
            Udp::Unbound | Udp::Bound => None,
        };
        let keepalive = self.next_keepalive.filter(|_| self.udp == Udp::Bound);
        [self.next_ping, keepalive, auth, self.jitter.poll_timeout()]
            .into_iter()
            .flatten()
            .min()
    }

    /// The next thing to do on the management connection.
    pub fn poll_stream(&mut self) -> Option<StreamOutput> {
        self.stream.pop_front()
    }

    /// The next datagram to send to the relay.
    pub fn poll_transmit(&mut self) -> Option<Bytes> {
        self.transmits.pop_front()
    }

    /// The next thing that happened.
    pub fn poll_event(&mut self) -> Option<VoiceEvent> {
        self.events.pop_front()
    }

    fn require_login(&self) -> Result<(), VoiceClientError> {
        match self.state {
            VoiceState::LoggedIn => Ok(()),
            VoiceState::Closed => Err(VoiceClientError::Closed),
            VoiceState::Idle | VoiceState::LoggingIn => Err(VoiceClientError::NotLoggedIn),
        }
    }

    /// Queues a frame, refusing one whose body exceeds the server's `max_frame_len` (§3): the
    /// server would close the connection over it (`frame_too_large`).
    fn send_frame(&mut self, frame: &Frame) -> Result<(), VoiceClientError> {
        let bytes = frame.encode()?;
        let len = bytes.len().saturating_sub(FRAME_HEADER_LEN);
        let max = self.config.max_frame_len;
        if len > max {
            return Err(VoiceClientError::FrameTooLarge { len, max });
        }
        self.stream.push_back(StreamOutput::Send(bytes));
        Ok(())
    }

    /// The connection is over: nothing is timed, nothing more is sent.
    fn shut(&mut self) {
        self.state = VoiceState::Closed;
        self.udp = Udp::Unbound;
        self.channel = None;
        self.presence.clear();
        self.next_ping = None;
        self.next_keepalive = None;
        self.jitter.clear();
        self.events.push_back(VoiceEvent::Closed);
    }

    fn start_auth(&mut self, now: Instant) {
        self.udp = Udp::Authenticating(Retry::start(now, &self.config.auth_retry));
        self.send_auth_request();
    }

    fn send_auth_request(&mut self) {
        if let Some(login) = self.login {
            self.transmits
                .push_back(VoicePacket::AuthRequest { token: login.token }.encode());
        }
    }

    fn on_auth_response(&mut self, now: Instant, login: Login, status: AuthStatus, user_id: u32) {
        match (self.udp, status) {
            (Udp::Authenticating(_), AuthStatus::OK) => {
                // The relay binds the token's user (§6.1), which is ours: anything else is not
                // an answer to our request.
                if user_id != login.user_id {
                    self.stats.ignored += 1;
                    return;
                }
                self.udp = Udp::Bound;
                self.next_keepalive = Some(now + self.config.keepalive_interval);
                self.events.push_back(VoiceEvent::VoiceBound);
            }
            // §6.3: a VoiceAuthRequest is never answered `not_authenticated`; this answers an
            // earlier datagram.
            (Udp::Authenticating(_), AuthStatus::NOT_AUTHENTICATED) => {}
            (Udp::Authenticating(_), status) => {
                self.udp = Udp::Unbound;
                self.events.push_back(VoiceEvent::AuthRefused { status });
            }
            (Udp::Bound, AuthStatus::NOT_AUTHENTICATED) => {
                self.next_keepalive = None;
                self.events.push_back(VoiceEvent::BindingExpired);
                self.start_auth(now);
            }
            (Udp::Bound | Udp::Unbound, _) => self.stats.ignored += 1,
        }
    }

    fn on_frame(&mut self, now: Instant, frame: Frame) {
        match frame {
            Frame::LoginResponse {
                user_id,
                voice_token,
                participants,
            } if self.state == VoiceState::LoggingIn => {
                self.state = VoiceState::LoggedIn;
                self.login = Some(Login {
                    user_id,
                    token: voice_token,
                });
                for participant in &participants {
                    self.presence.remember(participant.clone());
                }
                self.events.push_back(VoiceEvent::LoggedIn {
                    user_id,
                    participants,
                });
                self.start_auth(now);
            }
            Frame::UserJoined { user_id, username } => {
                self.presence.joined(user_id, &username);
                self.events
                    .push_back(VoiceEvent::UserJoined { user_id, username });
            }
            Frame::UserLeft { user_id } => {
                self.presence.left(user_id);
                self.events.push_back(VoiceEvent::UserLeft { user_id });
            }
            Frame::UserMuted { user_id, muted } => {
                if self.user_id() == Some(user_id) {
                    self.muted = muted;
                } else {
                    self.presence.muted(user_id, muted);
                }
                self.events
                    .push_back(VoiceEvent::UserMuted { user_id, muted });
            }
            Frame::JoinVoiceResponse { channel, members } => {
                if self.channel.as_ref() != Some(&channel) {
                    self.jitter.clear();
                }
                self.channel = Some(channel.clone());
                self.events
                    .push_back(VoiceEvent::JoinedVoice { channel, members });
            }
            Frame::UserJoinedVoice { user_id, channel } => {
                self.presence.joined_voice(user_id, &channel);
                self.events
                    .push_back(VoiceEvent::UserJoinedVoice { user_id, channel });
            }
            Frame::UserLeftVoice { user_id, channel } => self.on_user_left_voice(user_id, channel),
            Frame::ChatMessage {
                user_id,
                channel,
                text,
            } => self.events.push_back(VoiceEvent::Chat {
                user_id,
                channel,
                text,
            }),
            Frame::Error { code, message } => {
                let kind = ErrorCode::from_code(code);
                self.events.push_back(VoiceEvent::Error {
                    code,
                    kind,
                    message,
                });
                if kind.is_some_and(ErrorCode::is_fatal) {
                    self.shut();
                }
            }
            Frame::Pong { .. } => {}
            _ => self.stats.ignored += 1,
        }
    }

    fn on_user_left_voice(&mut self, user_id: u32, channel: String) {
        if self.user_id() == Some(user_id) {
            if self.channel.as_ref() == Some(&channel) {
                self.channel = None;
                self.jitter.clear();
            }
            self.events.push_back(VoiceEvent::LeftVoice { channel });
            return;
        }
        self.presence.left_voice(user_id, &channel);
        self.events
            .push_back(VoiceEvent::UserLeftVoice { user_id, channel });
    }

    fn drain_jitter(&mut self) {
        while let Some(playout) = self.jitter.poll_playout() {
            self.events.push_back(match playout {
                Playout::Frame {
                    sender,
                    sequence,
                    frame,
                } => VoiceEvent::Voice {
                    sender,
                    sequence,
                    payload: frame,
                },
                Playout::Gap {
                    sender,
                    first_sequence,
                    count,
                } => VoiceEvent::Gap {
                    sender,
                    first_sequence,
                    count,
                },
            });
        }
    }
}
