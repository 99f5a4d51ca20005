//! Client events (signal.md §5) and their effect on rooms and users (§6): the `SIGNAL` rule,
//! validation, joins, leaves and updates, and who receives what.

use std::time::Instant;

use serde_json::Value;

use super::event::SignalEvent;
use super::session::User;
use super::{LimitKey, SignalService, to_json};
use crate::ConnectionId;
use crate::directory::Refusal;
use crate::limits::{RateLimitError, RateLimited};
use crate::wire::signal::events::{EventErrorCode, ServerEvent, room_id};
use crate::wire::signal::{ClientEvent, PacketKind, decode_client_event};

impl SignalService {
    /// An EVENT from an admitted session (§5): the `SIGNAL` rule, validation, then §6.
    pub(super) fn event(
        &mut self,
        now: Instant,
        conn: ConnectionId,
        ack_id: Option<u64>,
        data: Option<Value>,
    ) {
        let Some(user) = self.user(conn) else {
            return;
        };
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
                self.directory
                    .admit(&channel_id, &user.id)
                    .map_err(|refusal| match refusal {
                        Refusal::ChannelNotFound => EventErrorCode::UnknownChannel,
                        Refusal::NotAMember | Refusal::Banned => EventErrorCode::Forbidden,
                    })?;
                self.join(conn, channel_id);
            }
            ClientEvent::Leave => self.leave_room(conn),
            ClientEvent::UpdateNickname(nickname) => self.update(conn, |user| {
                std::mem::replace(&mut user.nickname, nickname.clone()) != nickname
            }),
            ClientEvent::UpdateMute(muted) => {
                self.update(conn, |user| {
                    std::mem::replace(&mut user.muted, muted) != muted
                });
            }
            ClientEvent::Offer(_) | ClientEvent::Answer(_) | ClientEvent::IceCandidate(_) => {
                return Err(if user.channel.is_some() {
                    EventErrorCode::VoiceUnavailable
                } else {
                    EventErrorCode::NotInChannel
                });
            }
        }
        Ok(())
    }

    /// `join` of an admitted channel (§6).
    fn join(&mut self, conn: ConnectionId, channel_id: String) {
        let Some(user) = self.user(conn) else {
            return;
        };
        let room = room_id(&self.config.server_name, &channel_id);
        if user.channel.as_deref() == Some(channel_id.as_str()) {
            self.emit_users(conn, &room);
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
        self.broadcast(&room, Some(conn), &ServerEvent::UserJoined(info));
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
        let info = user.info();
        let room = room_id(&self.config.server_name, &channel);
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

    /// Applies `change` to the user; when it changed something and the user is in a room, the
    /// whole room receives `user-updated` (§6).
    fn update(&mut self, conn: ConnectionId, change: impl FnOnce(&mut User) -> bool) {
        let Some(user) = self
            .sessions
            .get_mut(&conn)
            .and_then(|session| session.user.as_mut())
        else {
            return;
        };
        if !change(user) {
            return;
        }
        if let Some(channel) = &user.channel {
            let room = room_id(&self.config.server_name, channel);
            let info = user.info();
            self.broadcast(&room, None, &ServerEvent::UserUpdated(info));
        }
    }

    fn user(&self, conn: ConnectionId) -> Option<&User> {
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
