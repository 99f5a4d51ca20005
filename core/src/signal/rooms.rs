//! Client events (signal.md §5) and their effect on rooms and users (§6): the `SIGNAL` rule,
//! validation, joins, leaves and updates, and who receives what.

use std::time::Instant;

use serde_json::Value;

use super::event::SignalEvent;
use super::session::{ConnectionState, User};
use super::{LimitKey, SignalService, to_json};
use crate::ConnectionId;
use crate::directory::Refusal;
use crate::limits::{RateLimitError, RateLimited};
use crate::wire::chat::Timestamp;
use crate::wire::signal::events::{EventErrorCode, ServerEvent, room_id};
use crate::wire::signal::sfu::ToSfu;
use crate::wire::signal::{ClientEvent, PacketKind, decode_client_event};

impl SignalService {
    /// An EVENT from an admitted session (§5): the `SIGNAL` rule, validation, then §6.
    pub(super) fn event(
        &mut self,
        now: Instant,
        unix_ms: u64,
        conn: ConnectionId,
        ack_id: Option<u64>,
        data: Option<Value>,
    ) {
        let Some(user) = self.user_mut(conn) else {
            return;
        };
        user.last_seen = Timestamp::from_unix_millis(unix_ms);
        let key = LimitKey::Signal(user.id.clone());
        let rule = self.config.rate_limits.signal;
        if let Err(limited) = self.limiter.check(now, &key, &rule) {
            self.rate_limited += 1;
            self.refuse_rate_limited(conn, ack_id, &limited);
            return;
        }
        let args = match data {
            Some(Value::Array(args)) => args,
            _ => Vec::new(),
        };
        let outcome = decode_client_event(args)
            .map_err(|error| error.code)
            .and_then(|event| self.apply(conn, event));
        match (outcome, ack_id) {
            (Ok(()), Some(id)) => self.send_socket(conn, PacketKind::Ack, Some(id), "[]"),
            (Ok(()), None) => {}
            (Err(code), Some(id)) => {
                self.send_socket(conn, PacketKind::Ack, Some(id), &to_json(&[code]));
                self.event_refused(conn, code.code());
            }
            (Err(code), None) => {
                self.emit(conn, &ServerEvent::Error(code));
                self.event_refused(conn, code.code());
            }
        }
    }

    /// §7.6: the RateLimitError as the ack, or as the `error` event.
    fn refuse_rate_limited(
        &mut self,
        conn: ConnectionId,
        ack_id: Option<u64>,
        limited: &RateLimited,
    ) {
        let error = limited.error();
        match ack_id {
            Some(id) => self.send_socket(conn, PacketKind::Ack, Some(id), &to_json(&[&error])),
            None => self.send_socket(conn, PacketKind::Event, None, &to_json(&("error", &error))),
        }
        self.event_refused(conn, RateLimitError::CODE);
    }

    fn event_refused(&mut self, conn: ConnectionId, code: &'static str) {
        self.events
            .push_back(SignalEvent::EventRefused { conn, code });
    }

    /// A valid client event's effect (§6).
    fn apply(&mut self, conn: ConnectionId, event: ClientEvent) -> Result<(), EventErrorCode> {
        let user = self.user(conn).ok_or(EventErrorCode::InvalidEvent)?;
        match event {
            ClientEvent::Join { channel_id } => {
                let channel = self
                    .directory
                    .admit(&channel_id, &user.id)
                    .map_err(refusal_code)?;
                let room = room_id(&self.config.server_name, &channel_id);
                let members = self.rooms.get(&room).map_or(0, |room| room.members.len());
                let full = channel
                    .max_users()
                    .is_some_and(|max| members >= usize::try_from(max).unwrap_or(usize::MAX));
                if full && user.channel.as_deref() != Some(channel_id.as_str()) {
                    return Err(EventErrorCode::ChannelFull);
                }
                self.join(conn, channel_id);
            }
            ClientEvent::Leave => self.leave_room(conn),
            ClientEvent::UpdateNickname(nickname) => {
                self.update(conn, |user| user.nickname = nickname);
            }
            ClientEvent::UpdateMute(muted) => self.update(conn, |user| user.muted = muted),
            ClientEvent::Offer(description) => {
                let peer_id = self.voice_peer(conn)?;
                self.relay_to_sfu(&ToSfu::Offer {
                    peer_id,
                    description,
                });
            }
            ClientEvent::Answer(description) => {
                let peer_id = self.voice_peer(conn)?;
                self.relay_to_sfu(&ToSfu::Answer {
                    peer_id,
                    description,
                });
            }
            ClientEvent::IceCandidate(candidate) => {
                let peer_id = self.voice_peer(conn)?;
                self.relay_to_sfu(&ToSfu::IceCandidate { peer_id, candidate });
            }
        }
        Ok(())
    }

    /// The peer id of a connection that may negotiate voice: in a room (`not_in_channel`) while
    /// the link is up (`voice_unavailable`), §8.6.
    fn voice_peer(&self, conn: ConnectionId) -> Result<String, EventErrorCode> {
        let user = self.user(conn).ok_or(EventErrorCode::InvalidEvent)?;
        if user.channel.is_none() {
            return Err(EventErrorCode::NotInChannel);
        }
        if self.link.up().is_none() {
            return Err(EventErrorCode::VoiceUnavailable);
        }
        Ok(user.sid.clone())
    }

    fn relay_to_sfu(&mut self, message: &ToSfu) {
        self.sfu_relayed_to += 1;
        self.send_to_sfu(message);
    }

    /// `join` of an admitted channel (§6).
    fn join(&mut self, conn: ConnectionId, channel_id: String) {
        let Some(user) = self.user(conn) else {
            return;
        };
        let room = room_id(&self.config.server_name, &channel_id);
        if user.channel.as_deref() == Some(channel_id.as_str()) {
            self.emit_users(conn, &room);
            self.tell_voice_unavailable(conn);
            return;
        }
        let user_id = user.id.clone();
        self.leave_room(conn);
        // The Gryt server's device switch: the user's other connections leave their rooms.
        let others: Vec<ConnectionId> = self
            .users
            .get(&user_id)
            .into_iter()
            .flatten()
            .copied()
            .filter(|&other| other != conn)
            .collect();
        for other in others {
            self.leave_room(other);
        }
        let Some(user) = self
            .sessions
            .get_mut(&conn)
            .and_then(|session| session.user.as_mut())
        else {
            return;
        };
        user.channel = Some(channel_id);
        let info = user.info();
        if !self.rooms.contains_key(&room) {
            self.events
                .push_back(SignalEvent::RoomCreated { room: room.clone() });
        }
        self.rooms
            .entry(room.clone())
            .or_default()
            .members
            .push(conn);
        self.events.push_back(SignalEvent::Joined {
            conn,
            room: room.clone(),
            user_id,
        });
        self.emit_users(conn, &room);
        self.tell_voice_unavailable(conn);
        self.broadcast(&room, Some(conn), &ServerEvent::UserJoined(info));
        if self.link.up().is_some() {
            self.announce(conn, room);
        }
    }

    /// While the link is down, a joiner is told right after its `users` (§8.6).
    fn tell_voice_unavailable(&mut self, conn: ConnectionId) {
        if self.link.up().is_none() {
            self.emit(conn, &ServerEvent::Error(EventErrorCode::VoiceUnavailable));
        }
    }

    /// Takes `conn` out of its room, if any: the others receive `user-left`, and a room left
    /// empty is removed (§6).
    pub(super) fn leave_room(&mut self, conn: ConnectionId) {
        let Some(user) = self
            .sessions
            .get_mut(&conn)
            .and_then(|session| session.user.as_mut())
        else {
            return;
        };
        let Some(channel) = user.channel.take() else {
            return;
        };
        user.connected = false;
        user.stream_id = None;
        user.state = ConnectionState::Disconnected;
        let info = user.info();
        let peer_id = user.sid.clone();
        let room = room_id(&self.config.server_name, &channel);
        self.send_to_sfu(&ToSfu::Leave {
            room_id: room.clone(),
            peer_id,
        });
        let emptied = match self.rooms.get_mut(&room) {
            Some(entry) => {
                entry.members.retain(|&member| member != conn);
                entry.members.is_empty()
            }
            None => false,
        };
        self.events.push_back(SignalEvent::Left {
            conn,
            room: room.clone(),
            user_id: info.id.clone(),
        });
        if emptied {
            self.rooms.remove(&room);
            self.events.push_back(SignalEvent::RoomRemoved { room });
        } else {
            self.broadcast(&room, None, &ServerEvent::UserLeft(info));
        }
    }

    /// Applies `change` to the user; when it changed a member of UserInfo and the user is in a
    /// room, the whole room receives `user-updated` (§6).
    pub(super) fn update(&mut self, conn: ConnectionId, change: impl FnOnce(&mut User)) {
        let Some(user) = self.user_mut(conn) else {
            return;
        };
        let before = user.info();
        change(user);
        let info = user.info();
        if info == before {
            return;
        }
        if let Some(channel) = user.channel.clone() {
            let room = room_id(&self.config.server_name, &channel);
            self.broadcast(&room, None, &ServerEvent::UserUpdated(info));
        }
    }

    pub(super) fn user(&self, conn: ConnectionId) -> Option<&User> {
        self.sessions
            .get(&conn)
            .and_then(|session| session.user.as_ref())
    }

    fn emit_users(&mut self, conn: ConnectionId, room: &str) {
        let users = self
            .rooms
            .get(room)
            .into_iter()
            .flat_map(|room| &room.members)
            .filter_map(|member| self.user(*member).map(User::info))
            .collect();
        self.emit(conn, &ServerEvent::Users(users));
    }
}

/// The §5 code of a directory refusal at `join` or after a directory change (§6).
pub(super) fn refusal_code(refusal: Refusal) -> EventErrorCode {
    match refusal {
        Refusal::ChannelNotFound => EventErrorCode::UnknownChannel,
        Refusal::NotAMember | Refusal::Banned => EventErrorCode::Forbidden,
    }
}
