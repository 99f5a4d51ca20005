//! The `chat` scenarios' events and counters (`vectors.md` §7.5, §7.3): hark-core's `ChatEvent`
//! and `ChatStats`, with connections written as client names and IPs as text.

use serde::{Deserialize, Serialize};

use crate::format::{EventSubject, Subject};

/// A service event. Reasons and refusals are written as `vectors.md` §7.5 names them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum EventJson {
    ConnectionOpened {
        conn: String,
        ip: String,
    },
    ConnectionRefused {
        ip: String,
        refusal: String,
    },
    ConnectionClosed {
        conn: String,
        reason: String,
    },
    Joined {
        conn: String,
        room: String,
        user_id: String,
    },
    Left {
        conn: String,
        room: String,
        user_id: String,
    },
    RoomCreated {
        room: String,
    },
    RoomRemoved {
        room: String,
    },
    Error {
        conn: String,
        code: String,
    },
    IpBlocked {
        ip: String,
        duration_ms: u64,
    },
}

impl EventSubject for EventJson {
    /// The connection when the event names one, else its room, else its IP.
    fn subject(&self) -> Subject<'_> {
        match self {
            EventJson::ConnectionOpened { conn, .. }
            | EventJson::ConnectionClosed { conn, .. }
            | EventJson::Joined { conn, .. }
            | EventJson::Left { conn, .. }
            | EventJson::Error { conn, .. } => Subject::Connection(conn),
            EventJson::RoomCreated { room } | EventJson::RoomRemoved { room } => {
                Subject::Room(room)
            }
            EventJson::ConnectionRefused { ip, .. } | EventJson::IpBlocked { ip, .. } => {
                Subject::Ip(ip)
            }
        }
    }
}

/// The service's counters after the step (`chat.md` §8); `None` members are not checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StatsJson {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_connections: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_rooms: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_users: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limited: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub violations: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked_ips: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused_connections: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_about_their_connection_else_their_room_else_their_ip() {
        let error: EventJson =
            serde_json::from_str(r#"{"type":"error","conn":"a","code":"INVALID_JSON"}"#).unwrap();
        assert_eq!(error.subject(), Subject::Connection("a"));
        let removed: EventJson =
            serde_json::from_str(r#"{"type":"room_removed","room":"lobby"}"#).unwrap();
        assert_eq!(removed.subject(), Subject::Room("lobby"));
        let blocked: EventJson =
            serde_json::from_str(r#"{"type":"ip_blocked","ip":"127.0.0.9","duration_ms":1000}"#)
                .unwrap();
        assert_eq!(blocked.subject(), Subject::Ip("127.0.0.9"));
    }

    #[test]
    fn unknown_members_are_refused() {
        let text = r#"{"type":"room_created","room":"r","conn":"a"}"#;
        assert!(serde_json::from_str::<EventJson>(text).is_err());
    }
}
