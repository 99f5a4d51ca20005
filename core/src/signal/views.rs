//! What `/health` and the development-mode `/debug/*` routes answer (signal.md §9.1), built by
//! the core so a driver only writes the JSON: serde writes struct members in declaration order,
//! which is the spec's member order.

use std::net::IpAddr;

use serde::Serialize;

use super::SignalService;
use super::link::SfuLinkState;
use super::session::{ConnectionState, Session};
use crate::wire::chat::Timestamp;
use crate::wire::signal::events::{UserInfo, room_id};

/// `GET /health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Health {
    /// Always `ok`: the service answers.
    pub status: &'static str,
    pub connections: usize,
    pub users: usize,
    pub rooms: usize,
    pub sfu: SfuLinkState,
}

/// One room of `GET /debug/rooms`: members are user ids in join order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DebugRoom {
    pub id: String,
    pub channel: String,
    pub members: Vec<String>,
}

/// One admitted connection of `GET /debug/users`: its UserInfo, then `sid` (the Socket.IO sid,
/// the SFU's peer id), `room`, `lastSeen` and `connectionState`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DebugUser {
    #[serde(flatten)]
    pub info: UserInfo,
    pub sid: String,
    pub room: Option<String>,
    #[serde(rename = "lastSeen")]
    pub last_seen: Timestamp,
    #[serde(rename = "connectionState")]
    pub connection_state: ConnectionState,
}

/// One open connection of `GET /debug/connections`: the Engine.IO sid, the peer's IP and the
/// user id once admitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DebugConnection {
    pub sid: String,
    pub ip: IpAddr,
    #[serde(rename = "userID")]
    pub user_id: Option<String>,
}

impl SignalService {
    pub fn health(&self) -> Health {
        Health {
            status: "ok",
            connections: self.sessions.len(),
            users: self.users.len(),
            rooms: self.rooms.len(),
            sfu: self.link.state(),
        }
    }

    /// Rooms in id order, members in join order.
    pub fn debug_rooms(&self) -> Vec<DebugRoom> {
        self.rooms
            .iter()
            .map(|(id, room)| {
                let users: Vec<_> = room
                    .members
                    .iter()
                    .filter_map(|&conn| self.user(conn))
                    .collect();
                DebugRoom {
                    id: id.clone(),
                    channel: users
                        .first()
                        .and_then(|user| user.channel.clone())
                        .unwrap_or_default(),
                    members: users.iter().map(|user| user.id.clone()).collect(),
                }
            })
            .collect()
    }

    /// Admitted connections in connection order.
    pub fn debug_users(&self) -> Vec<DebugUser> {
        self.in_connection_order()
            .into_iter()
            .filter_map(|session| {
                let user = session.user.as_ref()?;
                Some(DebugUser {
                    info: user.info(),
                    sid: user.sid.clone(),
                    room: user
                        .channel
                        .as_ref()
                        .map(|channel| room_id(&self.config.server_name, channel)),
                    last_seen: user.last_seen,
                    connection_state: user.state,
                })
            })
            .collect()
    }

    /// Open connections in connection order.
    pub fn debug_connections(&self) -> Vec<DebugConnection> {
        self.in_connection_order()
            .into_iter()
            .map(|session| DebugConnection {
                sid: session.sid.clone(),
                ip: session.ip,
                user_id: session.user.as_ref().map(|user| user.id.clone()),
            })
            .collect()
    }

    fn in_connection_order(&self) -> Vec<&Session> {
        let mut sessions: Vec<&Session> = self.sessions.values().collect();
        sessions.sort_by_key(|session| session.seq);
        sessions
    }
}
