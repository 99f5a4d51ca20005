//! Text frames: decoding, then §5's checks and effects for each message type.

use std::time::Instant;

use super::connection::Member;
use super::{ChatEvent, ChatService, Room};
use crate::ConnectionId;
use crate::wire::chat::{
    ChatUser, ClientMessage, ErrorCode, MessageId, ServerMessage, Timestamp, decode_client,
};

impl ChatService {
    /// One complete text message from `conn`. `wall_ms` (unix milliseconds) stamps a `message`.
    pub fn handle_text(&mut self, now: Instant, wall_ms: u64, conn: ConnectionId, text: &str) {
        if !self.heard(now, conn) {
            return;
        }
        match decode_client(text, self.config.max_message_size) {
            Err(error) => self.refuse(now, conn, error.code),
            Ok(ClientMessage::Ping) => self.send(conn, &ServerMessage::Pong),
            Ok(ClientMessage::Join { room, user }) => self.join(now, conn, room, user),
            Ok(ClientMessage::Leave) => self.leave(now, conn),
            Ok(ClientMessage::Message { content }) => self.message(now, wall_ms, conn, content),
            Ok(ClientMessage::Typing { is_typing }) => self.typing(now, conn, is_typing),
            Ok(ClientMessage::Reaction { message_id, emoji }) => {
                self.reaction(now, conn, message_id, emoji);
            }
        }
    }

    fn join(&mut self, now: Instant, conn: ConnectionId, room: String, user: ChatUser) {
        let Some(connection) = self.connections.get_mut(&conn) else {
            return;
        };
        if !connection.joins.try_acquire(now) {
            self.rate_limited = self.rate_limited.saturating_add(1);
            self.refuse(now, conn, ErrorCode::JoinRateLimited);
            return;
        }
        if let Err(code) = self.admit_to_room(conn, &room, &user.id) {
            self.refuse(now, conn, code);
            return;
        }
        if let Some(member) = self
            .connections
            .get_mut(&conn)
            .and_then(|connection| connection.member.take())
        {
            self.leave_room(conn, member);
        }
        self.enter_room(conn, room, user);
    }

    /// The room checks of a join, in §5's order. The joiner's own place (a second join of the
    /// same room) and the room it is about to leave do not count against it.
    fn admit_to_room(
        &self,
        conn: ConnectionId,
        room: &str,
        user_id: &str,
    ) -> Result<(), ErrorCode> {
        if let Some(existing) = self.rooms.get(room) {
            let others = || existing.members.iter().filter(|&&member| member != conn);
            if others().count() >= self.config.max_users_per_room {
                return Err(ErrorCode::RoomFull);
            }
            let taken = others().any(|member| {
                self.connections.get(member).and_then(|c| c.user_id()) == Some(user_id)
            });
            if taken {
                return Err(ErrorCode::DuplicateUser);
            }
            return Ok(());
        }
        let current = self
            .connections
            .get(&conn)
            .and_then(|connection| connection.member.as_ref())
            .and_then(|member| self.rooms.get(&member.room));
        let frees_a_room = current.is_some_and(|room| room.members.len() == 1);
        if self.rooms.len() - usize::from(frees_a_room) >= self.config.max_rooms {
            return Err(ErrorCode::ServerFull);
        }
        Ok(())
    }

    /// Puts `conn` in `room` (created if new): the joiner gets `userList`, the others
    /// `userJoined`.
    fn enter_room(&mut self, conn: ConnectionId, room: String, user: ChatUser) {
        if !self.rooms.contains_key(&room) {
            self.rooms.insert(room.clone(), Room::default());
            self.events
                .push_back(ChatEvent::RoomCreated { room: room.clone() });
        }
        if let Some(entry) = self.rooms.get_mut(&room) {
            entry.members.push(conn);
        }
        self.events.push_back(ChatEvent::Joined {
            conn,
            room: room.clone(),
            user_id: user.id.clone(),
        });
        self.broadcast(
            &room,
            Some(conn),
            &ServerMessage::UserJoined { user: user.clone() },
        );
        if let Some(connection) = self.connections.get_mut(&conn) {
            connection.member = Some(Member {
                room: room.clone(),
                user,
            });
        }
        let users = self.room_users(&room);
        self.send(conn, &ServerMessage::UserList { users });
    }

    /// The users of `room` in join order.
    fn room_users(&self, room: &str) -> Vec<ChatUser> {
        self.rooms
            .get(room)
            .map(|room| {
                room.members
                    .iter()
                    .filter_map(|member| self.connections.get(member))
                    .filter_map(|connection| connection.member.as_ref())
                    .map(|member| member.user.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn leave(&mut self, now: Instant, conn: ConnectionId) {
        match self
            .connections
            .get_mut(&conn)
            .and_then(|connection| connection.member.take())
        {
            Some(member) => self.leave_room(conn, member),
            None => self.refuse(now, conn, ErrorCode::NotInRoom),
        }
    }

    fn message(&mut self, now: Instant, wall_ms: u64, conn: ConnectionId, content: String) {
        let Some((room, user)) = self.limited_member(now, conn) else {
            return;
        };
        let id = MessageId::from_random(self.message_ids.next_16());
        let message = ServerMessage::Message {
            id,
            user,
            content,
            timestamp: Timestamp::from_unix_millis(wall_ms),
        };
        self.broadcast(&room, None, &message);
    }

    fn reaction(&mut self, now: Instant, conn: ConnectionId, message_id: String, emoji: String) {
        let Some((room, user)) = self.limited_member(now, conn) else {
            return;
        };
        let reaction = ServerMessage::Reaction {
            message_id,
            user,
            emoji,
        };
        self.broadcast(&room, None, &reaction);
    }

    /// The room and user of a member allowed one more message or reaction; otherwise answers
    /// `NOT_IN_ROOM` or `RATE_LIMITED` and returns `None`.
    fn limited_member(&mut self, now: Instant, conn: ConnectionId) -> Option<(String, ChatUser)> {
        let connection = self.connections.get_mut(&conn)?;
        let Some(member) = connection.member.as_ref() else {
            self.refuse(now, conn, ErrorCode::NotInRoom);
            return None;
        };
        let found = (member.room.clone(), member.user.clone());
        if !connection.messages.try_acquire(now) {
            self.rate_limited = self.rate_limited.saturating_add(1);
            self.refuse(now, conn, ErrorCode::RateLimited);
            return None;
        }
        Some(found)
    }

    /// `userTyping` to the others; beyond `typing_limit` dropped silently (§5).
    fn typing(&mut self, now: Instant, conn: ConnectionId, is_typing: bool) {
        let Some(connection) = self.connections.get_mut(&conn) else {
            return;
        };
        let Some(member) = connection.member.as_ref() else {
            self.refuse(now, conn, ErrorCode::NotInRoom);
            return;
        };
        let (room, user) = (member.room.clone(), member.user.clone());
        if !connection.typing.try_acquire(now) {
            self.rate_limited = self.rate_limited.saturating_add(1);
            return;
        }
        self.broadcast(
            &room,
            Some(conn),
            &ServerMessage::UserTyping { user, is_typing },
        );
    }
}
