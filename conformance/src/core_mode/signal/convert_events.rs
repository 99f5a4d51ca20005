//! hark-core's `SignalEvent` and `SignalStats` as the scenario JSON of `vectors.md` §8.3.

use hark_core::signal::{CloseReason, SignalEvent, SignalStats};

use crate::core_mode::chat::connections::Connections;
use crate::format::signal::{EventJson, StatsJson};

pub fn event_json(event: &SignalEvent, conns: &Connections) -> EventJson {
    let name = |conn| conns.name(conn);
    match event {
        SignalEvent::ConnectionOpened { conn, ip, .. } => EventJson::ConnectionOpened {
            conn: name(*conn),
            ip: ip.to_string(),
        },
        SignalEvent::ConnectionRefused { ip } => {
            EventJson::ConnectionRefused { ip: ip.to_string() }
        }
        SignalEvent::ConnectionClosed { conn, reason } => {
            let (reason, kind) = close_reason(*reason);
            EventJson::ConnectionClosed {
                conn: name(*conn),
                reason: reason.to_owned(),
                kind: kind.map(str::to_owned),
            }
        }
        SignalEvent::Admitted { conn, user_id } => EventJson::Admitted {
            conn: name(*conn),
            user_id: user_id.clone(),
        },
        SignalEvent::ConnectRefused { conn, code } => EventJson::ConnectRefused {
            conn: name(*conn),
            code: (*code).to_owned(),
        },
        SignalEvent::RoomCreated { room } => EventJson::RoomCreated { room: room.clone() },
        SignalEvent::RoomRemoved { room } => EventJson::RoomRemoved { room: room.clone() },
        SignalEvent::Joined {
            conn,
            room,
            user_id,
        } => EventJson::Joined {
            conn: name(*conn),
            room: room.clone(),
            user_id: user_id.clone(),
        },
        SignalEvent::Left {
            conn,
            room,
            user_id,
        } => EventJson::Left {
            conn: name(*conn),
            room: room.clone(),
            user_id: user_id.clone(),
        },
        SignalEvent::EventRefused { conn, code } => EventJson::EventRefused {
            conn: name(*conn),
            code: (*code).to_owned(),
        },
        SignalEvent::Removed { conn, room, code } => EventJson::Removed {
            conn: name(*conn),
            room: room.clone(),
            code: (*code).to_owned(),
        },
        SignalEvent::SfuDial { .. } => EventJson::SfuDial,
        SignalEvent::SfuLinkUp { .. } => EventJson::SfuLinkUp,
        SignalEvent::SfuLinkDown { reason, .. } => EventJson::SfuLinkDown {
            reason: (*reason).to_owned(),
        },
        SignalEvent::SfuProtocolError { kind, .. } => EventJson::SfuProtocolError {
            kind: (*kind).to_owned(),
        },
    }
}

/// `vectors.md` §8.3's names of hark-core's close reasons, with a protocol error's kind.
fn close_reason(reason: CloseReason) -> (&'static str, Option<&'static str>) {
    match reason {
        CloseReason::ClosedByPeer => ("closed_by_peer", None),
        CloseReason::ClientDisconnect => ("client_disconnect", None),
        CloseReason::PingTimeout => ("ping_timeout", None),
        CloseReason::ConnectTimeout => ("connect_timeout", None),
        CloseReason::ProtocolError { kind } => ("protocol_error", Some(kind)),
        CloseReason::ServerClosing => ("server_closing", None),
    }
}

pub fn stats_json(stats: &SignalStats) -> StatsJson {
    StatsJson {
        connections: Some(stats.connections),
        admitted: Some(stats.admitted),
        users: Some(stats.users),
        rooms: Some(stats.rooms),
        room_members: Some(stats.room_members),
        rate_limited: Some(stats.rate_limited),
    }
}
