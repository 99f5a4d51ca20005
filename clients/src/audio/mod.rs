//! A client of the `audio` service (`conformance/spec/audio.md`) as a sans-IO state machine:
//! handshake in either format with retransmission, join, leave, mute, heartbeats, numbered audio
//! out, and audio in through a per-sender jitter buffer; a session that expires asks the caller
//! for a fresh token, then rejoins on its own.
//!
//! ```text
//! let mut client = AudioClient::new(AudioClientConfig::new(user, channel))?;
//! client.connect(now, wall_unix, &token)?;
//! client.join(now, wall_unix)?;                  // sent once the handshake is acknowledged
//! client.handle_datagram(now, wall_unix, bytes); // every datagram from the server
//! client.handle_timeout(now, wall_unix);         // when now >= client.poll_timeout()
//! while let Some(d) = client.poll_transmit() { … }
//! while let Some(e) = client.poll_event() { … }  // on SessionExpired: connect(…, fresh token)
//! ```
//!
//! Numbering follows the Python client's: control packets carry their own counter (1, 2, …), so
//! an Ack or an Error names the request it answers by its header sequence (§7.5); audio carries
//! another (1, 2, …), which the server's replay window (§7.4) and listeners' jitter buffers see.
//! Retransmissions repeat the sequence with a fresh timestamp.

mod config;
mod event;
mod requests;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::Bytes;
use hark_core::wire::audio::{
    Ack, AudioPacket, Body, ErrorBody, ErrorCode, HEADER_LEN, Handshake, Header, SuggestedAction,
    UserId, WireError,
};

pub use config::{AudioClientConfig, HandshakeFormat};
pub use event::{AudioClientError, AudioEvent, ExpiryCause, Request};

use crate::ConfigError;
use crate::jitter::{JitterBuffer, JitterStats, Playout};
use crate::retry::RetryStep;

use self::requests::Requests;

/// The largest datagram a server can send: a header and a full u16 length of audio.
const MAX_RECEIVED_PACKET: usize = HEADER_LEN + 2 + u16::MAX as usize;

/// Where the client is in its session's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudioState {
    /// No session and none asked for: before [`AudioClient::connect`], or after the server
    /// refused or ended the session for a reason a new token does not fix.
    Disconnected,
    /// A handshake is out, waiting for its Ack.
    Handshaking,
    /// The session exists.
    Connected,
    /// A handshake is needed with a new token (the session expired, or the token was refused):
    /// call [`AudioClient::connect`].
    AwaitingToken,
}

/// Counters since the client was made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AudioClientStats {
    pub audio_sent: u64,
    pub audio_received: u64,
    /// Datagrams that did not parse.
    pub malformed: u64,
    /// Datagrams that parsed but meant nothing here (our own audio, another channel's, audio
    /// while not joined, requests only clients send).
    pub ignored: u64,
    pub jitter: JitterStats,
}

/// A received frame waiting in the jitter buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
struct AudioFrame {
    timestamp: u32,
    payload: Bytes,
}

/// The `audio` client. See the module docs for the calling pattern.
#[derive(Debug)]
pub struct AudioClient {
    config: AudioClientConfig,
    state: AudioState,
    token: Option<String>,
    audio_sequence: u32,
    /// What the caller asked for; restored after a reconnect.
    want_joined: bool,
    want_muted: bool,
    /// What the server acknowledged.
    joined: bool,
    muted: bool,
    requests: Requests,
    next_heartbeat: Option<Instant>,
    unanswered_heartbeats: u32,
    jitter: JitterBuffer<UserId, AudioFrame>,
    transmits: VecDeque<Bytes>,
    events: VecDeque<AudioEvent>,
    stats: AudioClientStats,
}

impl AudioClient {
    pub fn new(config: AudioClientConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        Ok(Self {
            jitter: JitterBuffer::new(config.jitter)?,
            requests: Requests::new(config.retry),
            config,
            state: AudioState::Disconnected,
            token: None,
            audio_sequence: 0,
            want_joined: false,
            want_muted: false,
            joined: false,
            muted: false,
            next_heartbeat: None,
            unanswered_heartbeats: 0,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            stats: AudioClientStats::default(),
        })
    }

    pub fn config(&self) -> &AudioClientConfig {
        &self.config
    }

    pub fn state(&self) -> AudioState {
        self.state
    }

    /// Whether the server acknowledged our JoinChannel (and no Leave since).
    pub fn is_joined(&self) -> bool {
        self.joined
    }

    /// The mute state the server last acknowledged.
    pub fn is_muted(&self) -> bool {
        self.muted
    }

    /// `sender`'s interarrival jitter, while the jitter buffer tracks it.
    pub fn interarrival_jitter(&self, sender: &UserId) -> Option<Duration> {
        self.jitter.interarrival_jitter(sender)
    }

    pub fn stats(&self) -> AudioClientStats {
        AudioClientStats {
            jitter: self.jitter.stats(),
            ..self.stats
        }
    }

    /// Sends a handshake with `token` (the client does not mint tokens): starts a session; after
    /// [`AudioEvent::SessionExpired`] or a refused token, starts a new one; on a live session,
    /// renews it before its token expires (§7.1: membership and mute are kept). Either way the
    /// join and mute asked for are sent again once it is acknowledged.
    pub fn connect(
        &mut self,
        now: Instant,
        wall_unix: u64,
        token: &str,
    ) -> Result<(), AudioClientError> {
        let handshake = self
            .handshake_body(token)
            .map_err(AudioClientError::InvalidToken)?;
        let len = self
            .packet(wall_unix, 0, Body::Handshake(handshake))
            .encoded_len();
        let max = self.config.max_packet_size;
        if len > max {
            return Err(AudioClientError::HandshakeTooLarge { len, max });
        }
        self.token = Some(token.to_owned());
        self.end_session();
        self.state = AudioState::Handshaking;
        self.request(now, wall_unix, Request::Handshake);
        Ok(())
    }

    /// Joins the channel: now if connected, else as soon as the handshake is acknowledged.
    pub fn join(&mut self, now: Instant, wall_unix: u64) -> Result<(), AudioClientError> {
        self.require_session()?;
        self.want_joined = true;
        if self.state == AudioState::Connected {
            self.request(now, wall_unix, Request::Join);
        }
        Ok(())
    }

    /// Leaves the channel; the session stays.
    pub fn leave(&mut self, now: Instant, wall_unix: u64) -> Result<(), AudioClientError> {
        self.require_session()?;
        self.want_joined = false;
        if self.state == AudioState::Connected {
            self.request(now, wall_unix, Request::Leave);
        }
        Ok(())
    }

    /// Mutes or unmutes: now if connected, else as soon as the handshake is acknowledged.
    pub fn set_mute(
        &mut self,
        now: Instant,
        wall_unix: u64,
        muted: bool,
    ) -> Result<(), AudioClientError> {
        self.require_session()?;
        self.want_muted = muted;
        if self.state == AudioState::Connected {
            self.request(now, wall_unix, Request::SetMute { muted });
        }
        Ok(())
    }

    /// Sends one frame of audio under the next sequence number; returns that number.
    pub fn send_audio(&mut self, wall_unix: u64, payload: Bytes) -> Result<u32, AudioClientError> {
        if self.state != AudioState::Connected {
            return Err(AudioClientError::NotConnected);
        }
        if !self.joined {
            return Err(AudioClientError::NotJoined);
        }
        let max = self.config.max_packet_size;
        let len = payload.len();
        if HEADER_LEN + 2 + len > max {
            return Err(AudioClientError::PayloadTooLarge { len, max });
        }
        let sequence = self.audio_sequence.wrapping_add(1);
        let packet = AudioPacket::audio(
            sequence,
            self.config.user_id,
            self.config.channel_id,
            timestamp(wall_unix),
            payload,
        )
        .map_err(|_| AudioClientError::PayloadTooLarge { len, max })?;
        self.audio_sequence = sequence;
        self.stats.audio_sent += 1;
        self.transmits.push_back(packet.encode());
        Ok(sequence)
    }

    /// Handles one datagram received from the server.
    pub fn handle_datagram(&mut self, now: Instant, wall_unix: u64, datagram: Bytes) {
        self.handle_timeout(now, wall_unix);
        let packet = match AudioPacket::parse(&datagram, MAX_RECEIVED_PACKET) {
            Ok(packet) => packet,
            Err(error) => {
                self.stats.malformed += 1;
                self.events.push_back(AudioEvent::Malformed(error));
                return;
            }
        };
        self.unanswered_heartbeats = 0;
        let header = packet.header;
        match packet.body {
            Body::Ack(ack) => self.on_ack(now, wall_unix, ack),
            Body::Error(error) => self.on_error(header.sequence, error),
            Body::Audio(data) if self.is_from_peer(&header) => {
                self.stats.audio_received += 1;
                let frame = AudioFrame {
                    timestamp: header.timestamp,
                    payload: data.as_bytes().clone(),
                };
                self.jitter
                    .push(now, header.user_id, header.sequence, frame);
                self.drain_jitter();
            }
            Body::SetMute { muted } if self.is_from_peer(&header) => {
                self.events.push_back(AudioEvent::PeerMuted {
                    user: header.user_id,
                    muted,
                });
            }
            _ => self.stats.ignored += 1,
        }
    }

    /// Retransmits, gives up, heartbeats and plays out whatever is due at `now`.
    pub fn handle_timeout(&mut self, now: Instant, wall_unix: u64) {
        self.fire_retries(now, wall_unix);
        if self.state == AudioState::Connected && self.next_heartbeat.is_some_and(|due| due <= now)
        {
            if self.unanswered_heartbeats >= self.config.max_missed_heartbeats {
                self.expire(ExpiryCause::NoAnswer);
            } else {
                self.unanswered_heartbeats += 1;
                self.send_heartbeat(now, wall_unix);
            }
        }
        self.jitter.handle_timeout(now);
        self.drain_jitter();
    }

    /// When [`AudioClient::handle_timeout`] must next be called; `None` when nothing is timed.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let retries = self.requests.poll_timeout();
        let heartbeat = self
            .next_heartbeat
            .filter(|_| self.state == AudioState::Connected);
        [retries, heartbeat, self.jitter.poll_timeout()]
            .into_iter()
            .flatten()
            .min()
    }

    /// The next datagram to send to the server.
    pub fn poll_transmit(&mut self) -> Option<Bytes> {
        self.transmits.pop_front()
    }

    /// The next thing that happened.
    pub fn poll_event(&mut self) -> Option<AudioEvent> {
        self.events.pop_front()
    }

    fn require_session(&self) -> Result<(), AudioClientError> {
        match self.state {
            AudioState::Disconnected => Err(AudioClientError::NotConnected),
            AudioState::Handshaking | AudioState::Connected | AudioState::AwaitingToken => Ok(()),
        }
    }

    /// Audio and mute relayed from another member of our channel.
    fn is_from_peer(&self, header: &Header) -> bool {
        self.joined
            && header.user_id != self.config.user_id
            && header.channel_id == self.config.channel_id
    }

    fn handshake_body(&self, token: &str) -> Result<Handshake, WireError> {
        match self.config.format {
            HandshakeFormat::Json => Handshake::json(token, self.config.channel_id.as_str()),
            HandshakeFormat::Legacy => Handshake::legacy(token),
        }
    }

    /// Sends `request` under a new control sequence, replacing an unanswered one of its slot.
    fn request(&mut self, now: Instant, wall_unix: u64, request: Request) {
        let sequence = self.requests.start(now, request);
        self.send_request(wall_unix, request, sequence);
    }

    fn send_request(&mut self, wall_unix: u64, request: Request, sequence: u32) {
        let body = match request {
            Request::Handshake => {
                let token = self.token.as_deref().unwrap_or_default();
                match self.handshake_body(token) {
                    Ok(handshake) => Body::Handshake(handshake),
                    Err(_) => return,
                }
            }
            Request::Join => Body::JoinChannel,
            Request::Leave => Body::LeaveChannel,
            Request::SetMute { muted } => Body::SetMute { muted },
        };
        self.send(wall_unix, sequence, body);
    }

    fn send_heartbeat(&mut self, now: Instant, wall_unix: u64) {
        let sequence = self.requests.next_sequence();
        self.next_heartbeat = Some(now + self.config.heartbeat_interval);
        self.send(wall_unix, sequence, Body::Heartbeat);
    }

    fn send(&mut self, wall_unix: u64, sequence: u32, body: Body) {
        let packet = self.packet(wall_unix, sequence, body);
        self.transmits.push_back(packet.encode());
    }

    fn packet(&self, wall_unix: u64, sequence: u32, body: Body) -> AudioPacket {
        let header = Header {
            sequence,
            user_id: self.config.user_id,
            channel_id: self.config.channel_id,
            timestamp: timestamp(wall_unix),
        };
        AudioPacket::new(header, body)
    }

    fn fire_retries(&mut self, now: Instant, wall_unix: u64) {
        for due in self.requests.fire(now) {
            match due.step {
                RetryStep::Resend => self.send_request(wall_unix, due.request, due.sequence),
                RetryStep::GiveUp => {
                    if due.request == Request::Handshake {
                        self.disconnect();
                    }
                    self.events.push_back(AudioEvent::NoAnswer {
                        request: due.request,
                    });
                }
            }
        }
    }

    fn on_ack(&mut self, now: Instant, wall_unix: u64, ack: Ack) {
        let acked = ack.acked_type;
        let Some(request) = self
            .requests
            .take(ack.acked_sequence, |r| r.packet_type() == acked)
        else {
            return;
        };
        match request {
            Request::Handshake => self.on_connected(now, wall_unix),
            Request::Join => {
                self.joined = true;
                self.events.push_back(AudioEvent::Joined);
            }
            Request::Leave => {
                self.joined = false;
                self.jitter.clear();
                self.events.push_back(AudioEvent::Left);
            }
            Request::SetMute { muted } => {
                self.muted = muted;
                self.events.push_back(AudioEvent::Muted { muted });
            }
        }
    }

    /// The handshake's Ack: the session exists. The server keeps it *pending* until a packet
    /// follows (§7.2, §8: `handshake_timeout`, 5 s, shorter than any heartbeat interval), so
    /// something always goes out at once: the rejoin and re-mute the caller asked for, else a
    /// Heartbeat.
    fn on_connected(&mut self, now: Instant, wall_unix: u64) {
        self.state = AudioState::Connected;
        self.unanswered_heartbeats = 0;
        self.next_heartbeat = Some(now + self.config.heartbeat_interval);
        self.events.push_back(AudioEvent::Connected);
        let mut confirmed = false;
        if self.want_joined {
            self.request(now, wall_unix, Request::Join);
            confirmed = true;
        }
        if self.want_muted {
            self.request(now, wall_unix, Request::SetMute { muted: true });
            confirmed = true;
        }
        if !confirmed {
            self.send_heartbeat(now, wall_unix);
        }
    }

    fn on_error(&mut self, sequence: u32, error: ErrorBody) {
        let code = error.code();
        let action = error.action();
        if action == SuggestedAction::Reconnect {
            // These answer no request (§5: timers, or `not_authenticated` for audio sent without
            // a session, whose sequence is audio's, not a request's). While handshaking they
            // answer packets sent before the handshake and say nothing about it.
            if self.state == AudioState::Connected {
                self.expire(ExpiryCause::Server(code));
            }
            return;
        }
        let request = self.requests.take(sequence, |_| true);
        if request == Some(Request::Handshake) && action == SuggestedAction::RenewToken {
            self.end_session();
            self.state = AudioState::AwaitingToken;
        } else if request == Some(Request::Handshake) || session_ended(code) {
            self.disconnect();
        } else if code == ErrorCode::ChannelFull {
            self.want_joined = false;
        }
        self.events.push_back(AudioEvent::Error {
            request,
            code,
            action,
            message: error.message().to_owned(),
        });
    }

    /// The session is gone but the caller's wishes (joined, muted) stand: a new token brings
    /// them back.
    fn expire(&mut self, cause: ExpiryCause) {
        self.end_session();
        self.state = AudioState::AwaitingToken;
        self.events.push_back(AudioEvent::SessionExpired { cause });
    }

    /// No session, and no wish to rejoin or re-mute: a later [`AudioClient::connect`] starts
    /// afresh.
    fn disconnect(&mut self) {
        self.end_session();
        self.want_joined = false;
        self.want_muted = false;
        self.state = AudioState::Disconnected;
    }

    /// Forgets everything that belonged to the session.
    fn end_session(&mut self) {
        self.requests.clear();
        self.joined = false;
        self.next_heartbeat = None;
        self.unanswered_heartbeats = 0;
        self.jitter.clear();
    }

    fn drain_jitter(&mut self) {
        while let Some(playout) = self.jitter.poll_playout() {
            self.events.push_back(match playout {
                Playout::Frame {
                    sender,
                    sequence,
                    frame,
                } => AudioEvent::Audio {
                    sender,
                    sequence,
                    timestamp: frame.timestamp,
                    payload: frame.payload,
                },
                Playout::Gap {
                    sender,
                    first_sequence,
                    count,
                } => AudioEvent::Gap {
                    sender,
                    first_sequence,
                    count,
                },
            });
        }
    }
}

/// Errors after which the server has ended the session (§7.6, §7.7).
fn session_ended(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::ChannelNotFound
            | ErrorCode::NotAMember
            | ErrorCode::Banned
            | ErrorCode::ServerClosing
    )
}

/// The header's timestamp: unix seconds in a u32 (good until 2106).
fn timestamp(wall_unix: u64) -> u32 {
    u32::try_from(wall_unix).unwrap_or(u32::MAX)
}
