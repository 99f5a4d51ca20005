//! The management half: connections, frames, login, voice channels, mute and chat (§5).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;

use super::event::{LeaveReason, ManagementError, VoiceEvent};
use super::state::{Connection, Login, TimerKey};
use super::{StreamAction, StreamTransmit, VoiceService, encode};
use crate::ConnectionId;
use crate::auth::JwtError;
use crate::wire::voice::{Frame, PROTOCOL_VERSION, Participant};

/// Longest username in bytes (§5.2).
pub const MAX_USERNAME_LEN: usize = 32;

/// Usernames are 1–32 bytes of `A–Z a–z 0–9 _ - .` (§5.2): they print anywhere, and they are the
/// directory's user ids.
pub fn is_valid_username(name: &str) -> bool {
    (1..=MAX_USERNAME_LEN).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

impl VoiceService {
    /// The driver accepted a management connection from `peer` and numbered it `conn` (unique
    /// among open connections; a number already open is ignored).
    pub fn handle_connect(
        &mut self,
        now: Instant,
        wall_unix: u64,
        conn: ConnectionId,
        peer: SocketAddr,
    ) {
        self.handle_timeout(now, wall_unix);
        if self.connections.contains_key(&conn) {
            return;
        }
        if self.connections.len() >= self.config.max_connections {
            let error = ManagementError::ServerFull;
            self.send_error(conn, &error);
            self.events
                .push_back(VoiceEvent::ManagementError { conn, error });
            self.streams.push_back(StreamTransmit {
                conn,
                action: StreamAction::Close,
            });
            return;
        }
        let user_id = self.allocate_user_id();
        let connection = Connection::new(user_id, &self.config, now);
        self.timers
            .insert((connection.timer, TimerKey::Connection(conn)));
        self.connections.insert(conn, connection);
        self.users.insert(user_id, conn);
        self.events.push_back(VoiceEvent::ConnectionOpened {
            conn,
            user_id,
            peer,
        });
    }

    /// Bytes read from a connection: any number of frames, or part of one (§3.2).
    pub fn handle_stream_data(
        &mut self,
        now: Instant,
        wall_unix: u64,
        conn: ConnectionId,
        data: &[u8],
    ) {
        self.handle_timeout(now, wall_unix);
        let Some(connection) = self.connections.get_mut(&conn) else {
            return;
        };
        connection.decoder.push(data);
        loop {
            let Some(connection) = self.connections.get_mut(&conn) else {
                return;
            };
            match connection.decoder.next_frame() {
                Ok(Some(frame)) => self.handle_frame(now, wall_unix, conn, frame),
                Ok(None) => return,
                Err(e) => return self.refuse(conn, ManagementError::Frame(e)),
            }
        }
    }

    /// The connection closed: the peer closed it, reading failed, or the driver dropped a peer
    /// too slow to read (§9). Unknown or already closed connections are ignored.
    pub fn handle_stream_closed(&mut self, now: Instant, wall_unix: u64, conn: ConnectionId) {
        self.handle_timeout(now, wall_unix);
        self.forget_connection(conn, super::CloseReason::ClosedByPeer, true);
    }

    /// The next user id: 1, 2, 3, … wrapping past 2³² − 1, skipping 0 and ids in use (§5.1).
    fn allocate_user_id(&mut self) -> u32 {
        loop {
            let id = self.next_user_id;
            self.next_user_id = self.next_user_id.checked_add(1).unwrap_or(1);
            if !self.users.contains_key(&id) {
                return id;
            }
        }
    }

    /// One parsed frame, checked in §5.1's order.
    fn handle_frame(&mut self, now: Instant, wall_unix: u64, conn: ConnectionId, frame: Frame) {
        let Some(connection) = self.connections.get_mut(&conn) else {
            return;
        };
        if !connection.frames.try_acquire(now) {
            return self.refuse(conn, ManagementError::TooManyFrames);
        }
        connection.last_frame = now;
        let frame_type = frame.frame_type();
        if frame_type.is_server_only() {
            return self.refuse(conn, ManagementError::UnexpectedFrame(frame_type));
        }
        let user_id = connection.user_id;
        let logged_in = connection.login.is_some();
        match frame {
            Frame::Ping { nonce } => self.send_frame(conn, &Frame::Pong { nonce }),
            Frame::LoginRequest { .. } if logged_in => {
                self.refuse(conn, ManagementError::AlreadyLoggedIn);
            }
            Frame::LoginRequest {
                version,
                username,
                token,
            } => self.login_request(now, wall_unix, conn, version, username, &token),
            _ if !logged_in => self.refuse(conn, ManagementError::NotLoggedIn(frame_type)),
            Frame::JoinVoice { channel } => self.join_voice(conn, user_id, channel),
            Frame::LeaveVoice => self.leave_voice(conn, user_id),
            Frame::SetMute { muted } => self.set_mute(conn, user_id, muted),
            Frame::ChatSend { text } => self.chat(now, conn, user_id, text),
            // Server-only types were refused above.
            _ => {}
        }
    }

    /// §5.2: every refusal is fatal.
    fn login_request(
        &mut self,
        now: Instant,
        wall_unix: u64,
        conn: ConnectionId,
        version: u8,
        username: String,
        token: &str,
    ) {
        if let Err(error) = self.check_login(wall_unix, version, &username, token) {
            return self.refuse(conn, error);
        }
        let Some(connection) = self.connections.get_mut(&conn) else {
            return;
        };
        let user_id = connection.user_id;
        let voice_token = self.token_generator.next_token();
        connection.login = Some(Login::new(username.clone(), voice_token, &self.config, now));
        // The deadline is now the idle timeout's, which may come before the login timeout's.
        self.timers
            .remove(&(connection.timer, TimerKey::Connection(conn)));
        connection.timer = connection.due(&self.config);
        self.timers
            .insert((connection.timer, TimerKey::Connection(conn)));
        self.tokens.insert(voice_token, user_id);
        self.usernames.insert(username.clone(), user_id);

        let participants = self.participants(user_id);
        self.send_frame(
            conn,
            &Frame::LoginResponse {
                user_id,
                voice_token,
                participants,
            },
        );
        self.broadcast(
            &Frame::UserJoined {
                user_id,
                username: username.clone(),
            },
            Some(user_id),
        );
        self.events.push_back(VoiceEvent::LoggedIn {
            conn,
            user_id,
            username,
        });
    }

    fn check_login(
        &self,
        wall_unix: u64,
        version: u8,
        username: &str,
        token: &str,
    ) -> Result<(), ManagementError> {
        if version != PROTOCOL_VERSION {
            return Err(ManagementError::UnsupportedVersion(version));
        }
        if !is_valid_username(username) {
            return Err(ManagementError::InvalidUsername(username.to_owned()));
        }
        let verified = self.jwt.verify(token, wall_unix).map_err(|e| match e {
            JwtError::Expired { .. } => ManagementError::TokenExpired,
            other => ManagementError::InvalidToken(other),
        })?;
        if verified.subject != username {
            return Err(ManagementError::SubjectMismatch {
                subject: verified.subject,
                username: username.to_owned(),
            });
        }
        if self.usernames.contains_key(username) {
            return Err(ManagementError::UsernameTaken(username.to_owned()));
        }
        Ok(())
    }

    /// Every logged-in user but `except`, in ascending user id.
    fn participants(&self, except: u32) -> Vec<Participant> {
        self.users
            .keys()
            .filter(|&&user_id| user_id != except)
            .filter_map(|&user_id| {
                let login = self.login(user_id)?;
                Some(Participant {
                    user_id,
                    username: login.username.clone(),
                    muted: login.muted,
                    channel: login.channel.as_deref().unwrap_or_default().to_owned(),
                })
            })
            .collect()
    }

    /// §5.3.
    fn join_voice(&mut self, conn: ConnectionId, user_id: u32, channel: String) {
        let Some(login) = self.login(user_id) else {
            return;
        };
        let limit = match self.directory.admit(&channel, &login.username) {
            Ok(admitted) => admitted
                .max_users()
                .unwrap_or(self.config.default_max_users_per_channel),
            Err(refusal) => {
                return self.refuse(conn, ManagementError::Refused { channel, refusal });
            }
        };
        if login.channel.as_deref() == Some(channel.as_str()) {
            return self.send_join_response(conn, user_id, channel);
        }
        let members = self.channels.get(&channel).map_or(0, |m| m.len());
        if u32::try_from(members).unwrap_or(u32::MAX) >= limit {
            return self.refuse(conn, ManagementError::ChannelFull(channel));
        }
        self.leave_channel(user_id, LeaveReason::Switched, true);
        if let Some(login) = self.login_mut(user_id) {
            login.channel = Some(Arc::from(channel.as_str()));
        }
        self.channels
            .entry(channel.clone())
            .or_default()
            .insert(user_id);
        self.events.push_back(VoiceEvent::VoiceJoined {
            user_id,
            channel: Arc::from(channel.as_str()),
        });
        self.send_join_response(conn, user_id, channel.clone());
        self.broadcast(&Frame::UserJoinedVoice { user_id, channel }, Some(user_id));
    }

    fn send_join_response(&mut self, conn: ConnectionId, user_id: u32, channel: String) {
        let members = self
            .channels
            .get(&channel)
            .map(|m| m.iter().copied().filter(|&m| m != user_id).collect())
            .unwrap_or_default();
        self.send_frame(conn, &Frame::JoinVoiceResponse { channel, members });
    }

    /// §5.3.
    fn leave_voice(&mut self, conn: ConnectionId, user_id: u32) {
        if self.login(user_id).is_some_and(|l| l.channel.is_none()) {
            return self.refuse(conn, ManagementError::NotInVoice);
        }
        self.leave_channel(user_id, LeaveReason::Left, true);
    }

    /// §5.4.
    fn set_mute(&mut self, conn: ConnectionId, user_id: u32, muted: bool) {
        let Some(login) = self.login_mut(user_id) else {
            return;
        };
        let frame = Frame::UserMuted { user_id, muted };
        if login.muted == muted {
            return self.send_frame(conn, &frame);
        }
        login.muted = muted;
        self.events
            .push_back(VoiceEvent::UserMuted { user_id, muted });
        self.broadcast(&frame, None);
    }

    /// §5.5.
    fn chat(&mut self, now: Instant, conn: ConnectionId, user_id: u32, text: String) {
        let max_chat_len = self.config.max_chat_len;
        let Some(login) = self.login_mut(user_id) else {
            return;
        };
        let Some(channel) = login.channel.clone() else {
            return self.refuse(conn, ManagementError::NotInVoice);
        };
        if !(1..=max_chat_len).contains(&text.len()) {
            return self.refuse(conn, ManagementError::BadChatLength(text.len()));
        }
        if !login.chat.try_acquire(now) {
            return self.refuse(conn, ManagementError::RateLimited);
        }
        let frame = Frame::ChatMessage {
            user_id,
            channel: channel.to_string(),
            text: text.clone(),
        };
        if let Some(bytes) = encode(&frame) {
            self.send_to_channel(&channel, &bytes);
        }
        self.events.push_back(VoiceEvent::ChatMessage {
            user_id,
            channel,
            text,
        });
    }

    /// Queues `bytes` to every member of `channel`, sharing one buffer.
    fn send_to_channel(&mut self, channel: &str, bytes: &Bytes) {
        let recipients: Vec<ConnectionId> = self
            .channels
            .get(channel)
            .into_iter()
            .flatten()
            .filter_map(|user_id| self.users.get(user_id).copied())
            .collect();
        for conn in recipients {
            self.send_bytes(conn, bytes.clone());
        }
    }
}
