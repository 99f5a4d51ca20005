//! The `signal` scenarios' events and counters (`vectors.md` §8.3): hark-core's `SignalEvent`
//! and `SignalStats`, with connections written as client names, IPs as text, and the SFU link's
//! ids left out (there is one link at a time).

use serde::{Deserialize, Serialize};

use crate::format::{EventSubject, Subject};

/// A service event.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum EventJson {
    ConnectionOpened {
        conn: String,
        ip: String,
    },
    ConnectionRefused {
        ip: String,
    },
    ConnectionClosed {
        conn: String,
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kind: Option<String>,
    },
    Admitted {
        conn: String,
        user_id: String,
    },
    ConnectRefused {
        conn: String,
        code: String,
    },
    RoomCreated {
        room: String,
    },
    RoomRemoved {
        room: String,
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
    EventRefused {
        conn: String,
        code: String,
    },
    Removed {
        conn: String,
        room: String,
        code: String,
    },
    SfuDial,
    SfuLinkUp,
    SfuLinkDown {
        reason: String,
    },
    SfuProtocolError {
        kind: String,
    },
}

impl EventSubject for EventJson {
    /// The connection when the event names one, else its room, else its IP; the link's events
    /// are one more subject.
    fn subject(&self) -> Subject<'_> {
        match self {
            EventJson::ConnectionOpened { conn, .. }
            | EventJson::ConnectionClosed { conn, .. }
            | EventJson::Admitted { conn, .. }
            | EventJson::ConnectRefused { conn, .. }
            | EventJson::Joined { conn, .. }
            | EventJson::Left { conn, .. }
            | EventJson::EventRefused { conn, .. }
            | EventJson::Removed { conn, .. } => Subject::Connection(conn),
            EventJson::RoomCreated { room } | EventJson::RoomRemoved { room } => {
                Subject::Room(room)
            }
            EventJson::ConnectionRefused { ip } => Subject::Ip(ip),
            EventJson::SfuDial
            | EventJson::SfuLinkUp
            | EventJson::SfuLinkDown { .. }
            | EventJson::SfuProtocolError { .. } => Subject::Room("(sfu link)"),
        }
    }
}

/// The service's counters after the step (`SignalStats`); `None` members are not checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StatsJson {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connections: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admitted: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rooms: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room_members: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limited: Option<u64>,
}
