//! hark-core's `chat` types as vector JSON and back, so that comparisons happen on one shape.

use hark_core::chat::{ChatEvent, ChatStats, CloseReason};
use hark_core::wire::chat::{
    ChatUser, ClientMessage, ErrorCode, MessageId, ServerMessage, Timestamp,
};
use serde_json::{Value, json};

use super::connections::Connections;
use crate::format::chat::{EventJson, StatsJson};

/// A decoded client message in §2's shape (`vectors.md` §7.1): only §2's members, `avatar`
/// always present.
pub fn client_json(message: &ClientMessage) -> Value {
    match message {
        ClientMessage::Ping => json!({"type": "ping"}),
        ClientMessage::Leave => json!({"type": "leave"}),
        ClientMessage::Join { room, user } => json!({"type": "join", "data": {
            "room": room,
            "user": {"id": user.id, "name": user.name, "avatar": user.avatar},
        }}),
        ClientMessage::Message { content } => {
            json!({"type": "message", "data": {"content": content}})
        }
        ClientMessage::Typing { is_typing } => {
            json!({"type": "typing", "data": {"isTyping": is_typing}})
        }
        ClientMessage::Reaction { message_id, emoji } => {
            json!({"type": "reaction", "data": {"messageId": message_id, "emoji": emoji}})
        }
    }
}

/// The server message a codec vector's `message` describes (§3's shape).
pub fn server_message(value: &Value) -> Result<ServerMessage, String> {
    let kind = text(value, "type")?;
    Ok(match kind {
        "pong" => ServerMessage::Pong,
        "userJoined" => ServerMessage::UserJoined {
            user: user(member(value, "user")?)?,
        },
        "userLeft" => ServerMessage::UserLeft {
            user_id: text(value, "userId")?.to_owned(),
        },
        "userList" => ServerMessage::UserList {
            users: member(value, "users")?
                .as_array()
                .ok_or("users is not a list")?
                .iter()
                .map(user)
                .collect::<Result<_, _>>()?,
        },
        "message" => ServerMessage::Message {
            id: message_id(text(value, "id")?)?,
            user: user(member(value, "user")?)?,
            content: text(value, "content")?.to_owned(),
            timestamp: Timestamp::from_unix_millis(unix_millis(text(value, "timestamp")?)?),
        },
        "userTyping" => ServerMessage::UserTyping {
            user: user(member(value, "user")?)?,
            is_typing: member(value, "isTyping")?
                .as_bool()
                .ok_or("isTyping is not a bool")?,
        },
        "reaction" => ServerMessage::Reaction {
            message_id: text(value, "messageId")?.to_owned(),
            user: user(member(value, "user")?)?,
            emoji: text(value, "emoji")?.to_owned(),
        },
        "error" => {
            let code = text(value, "code")?;
            let code = ErrorCode::ALL
                .iter()
                .copied()
                .find(|c| c.code() == code)
                .ok_or_else(|| format!("no error code {code}"))?;
            ServerMessage::Error { code }
        }
        other => return Err(format!("no server message type {other:?}")),
    })
}

fn member<'a>(value: &'a Value, name: &str) -> Result<&'a Value, String> {
    value.get(name).ok_or_else(|| format!("no {name}"))
}

fn text<'a>(value: &'a Value, name: &str) -> Result<&'a str, String> {
    member(value, name)?
        .as_str()
        .ok_or_else(|| format!("{name} is not a string"))
}

fn user(value: &Value) -> Result<ChatUser, String> {
    Ok(ChatUser {
        id: text(value, "id")?.to_owned(),
        name: text(value, "name")?.to_owned(),
        avatar: match member(value, "avatar")? {
            Value::Null => None,
            Value::String(avatar) => Some(avatar.clone()),
            _ => return Err("avatar is neither null nor a string".to_owned()),
        },
    })
}

/// A version 4 UUID's 16 bytes, as the generator drew them (its version and variant bits are
/// already set, so `from_random` keeps them).
fn message_id(uuid: &str) -> Result<MessageId, String> {
    let digits: String = uuid.chars().filter(|c| *c != '-').collect();
    let bytes: [u8; 16] = hex::decode(&digits)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| format!("{uuid:?} is not a UUID"))?;
    Ok(MessageId::from_random(bytes))
}

/// Unix milliseconds of a `YYYY-MM-DDTHH:MM:SS.mmmZ` timestamp.
fn unix_millis(stamp: &str) -> Result<u64, String> {
    let bad = || format!("{stamp:?} is not YYYY-MM-DDTHH:MM:SS.mmmZ");
    let field = |range: std::ops::Range<usize>| -> Result<i64, String> {
        stamp
            .get(range)
            .and_then(|s| s.parse().ok())
            .ok_or_else(bad)
    };
    if stamp.len() != 24 || !stamp.ends_with('Z') {
        return Err(bad());
    }
    let (year, month, day) = (field(0..4)?, field(5..7)?, field(8..10)?);
    let seconds = field(11..13)? * 3600 + field(14..16)? * 60 + field(17..19)?;
    let days = days_from_civil(year, month, day);
    u64::try_from((days * 86_400 + seconds) * 1000 + field(20..23)?).map_err(|_| bad())
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub fn event_json(event: &ChatEvent, conns: &Connections) -> EventJson {
    match event {
        ChatEvent::ConnectionOpened { conn, ip } => EventJson::ConnectionOpened {
            conn: conns.name(*conn),
            ip: ip.to_string(),
        },
        ChatEvent::ConnectionRefused { ip, refusal } => EventJson::ConnectionRefused {
            ip: ip.to_string(),
            refusal: refusal.code().to_owned(),
        },
        ChatEvent::ConnectionClosed { conn, reason } => EventJson::ConnectionClosed {
            conn: conns.name(*conn),
            reason: close_reason(*reason).to_owned(),
        },
        ChatEvent::Joined {
            conn,
            room,
            user_id,
        } => EventJson::Joined {
            conn: conns.name(*conn),
            room: room.to_string(),
            user_id: user_id.to_string(),
        },
        ChatEvent::Left {
            conn,
            room,
            user_id,
        } => EventJson::Left {
            conn: conns.name(*conn),
            room: room.to_string(),
            user_id: user_id.to_string(),
        },
        ChatEvent::RoomCreated { room } => EventJson::RoomCreated {
            room: room.to_string(),
        },
        ChatEvent::RoomRemoved { room } => EventJson::RoomRemoved {
            room: room.to_string(),
        },
        ChatEvent::Error { conn, code } => EventJson::Error {
            conn: conns.name(*conn),
            code: code.code().to_owned(),
        },
        ChatEvent::IpBlocked { ip, duration } => EventJson::IpBlocked {
            ip: ip.to_string(),
            duration_ms: u64::try_from(duration.as_millis()).unwrap_or(u64::MAX),
        },
    }
}

/// `vectors.md` §7.5's names of hark-core's close reasons.
fn close_reason(reason: CloseReason) -> &'static str {
    match reason {
        CloseReason::ClosedByPeer => "closed_by_peer",
        CloseReason::HeartbeatTimeout => "heartbeat_timeout",
        CloseReason::IpBlocked => "ip_blocked",
        CloseReason::Oversized => "oversized",
        CloseReason::ServerClosing => "server_closing",
    }
}

pub fn stats_json(stats: &ChatStats) -> StatsJson {
    StatsJson {
        active_connections: Some(stats.active_connections),
        active_rooms: Some(stats.active_rooms),
        total_users: Some(stats.total_users),
        rate_limited: Some(stats.rate_limited),
        violations: Some(stats.violations),
        blocked_ips: Some(stats.blocked_ips),
        refused_connections: Some(stats.refused_connections),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_read_as_unix_milliseconds() {
        assert_eq!(unix_millis("1970-01-01T00:00:00.000Z"), Ok(0));
        assert_eq!(
            unix_millis("2025-01-06T12:00:00.000Z"),
            Ok(1_736_164_800_000)
        );
        assert_eq!(
            unix_millis("2023-11-14T22:13:20.007Z"),
            Ok(1_700_000_000_007)
        );
        assert!(unix_millis("2023-11-14T22:13:20Z").is_err());
    }

    #[test]
    fn a_server_message_is_built_from_its_section_3_shape() {
        let value = json!({"type": "message", "id": "3f0c8d1e-5b2a-4c6d-9e8f-0a1b2c3d4e5f",
            "user": {"id": "u", "name": "U", "avatar": null}, "content": "x",
            "timestamp": "2025-01-06T12:00:00.000Z"});
        let text = server_message(&value).unwrap().encode();
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), value);
        assert!(server_message(&json!({"type": "shout"})).is_err());
    }
}
