//! hark-core's signal values to and from the JSON shapes of `vectors.md` §8.1.

use std::time::Duration;

use hark_core::limits::{RateLimitRule, RateLimitRuleError, RuleField};
use hark_core::wire::signal::events::{
    ChannelInfo, ChannelKind, ConnectAuth, EventErrorCode, IceCandidate, ServerInfo,
    SessionDescription, UserInfo,
};
use hark_core::wire::signal::{
    ClientEvent, EnginePacket, Namespace, OpenInfo, PacketKind, ServerEvent, SocketError,
    SocketPacket,
};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// `EnginePacket` as §8.1's packet JSON.
pub fn engine_json(packet: &EnginePacket) -> Value {
    match packet {
        EnginePacket::Open(info) => json!({"type": "open", "open": info}),
        EnginePacket::Close => json!({"type": "close"}),
        EnginePacket::Ping(data) => json!({"type": "ping", "data": data}),
        EnginePacket::Pong(data) => json!({"type": "pong", "data": data}),
        EnginePacket::Message(data) => json!({"type": "message", "data": data}),
        EnginePacket::Upgrade => json!({"type": "upgrade"}),
        EnginePacket::Noop => json!({"type": "noop"}),
    }
}

/// §8.1's packet JSON as an `EnginePacket`.
pub fn engine_packet(value: &Value) -> Result<EnginePacket, String> {
    let data = || -> Result<Option<String>, String> { member(value, "data") };
    Ok(match type_of(value)? {
        "open" => EnginePacket::Open(member::<OpenInfo>(value, "open")?),
        "close" => EnginePacket::Close,
        "ping" => EnginePacket::Ping(data()?),
        "pong" => EnginePacket::Pong(data()?),
        "message" => EnginePacket::Message(member(value, "data")?),
        "upgrade" => EnginePacket::Upgrade,
        "noop" => EnginePacket::Noop,
        other => return Err(format!("unknown Engine.IO packet type {other:?}")),
    })
}

/// `SocketPacket` as §8.1's packet JSON; `attachments` only for the binary types.
pub fn socket_json(packet: &SocketPacket) -> Value {
    let (kind, attachments) = match packet.kind {
        PacketKind::Connect => ("connect", None),
        PacketKind::Disconnect => ("disconnect", None),
        PacketKind::Event => ("event", None),
        PacketKind::Ack => ("ack", None),
        PacketKind::ConnectError => ("connect_error", None),
        PacketKind::BinaryEvent { attachments } => ("binary_event", Some(attachments)),
        PacketKind::BinaryAck { attachments } => ("binary_ack", Some(attachments)),
    };
    let mut value = json!({
        "type": kind,
        "nsp": packet.namespace.as_str(),
        "ack_id": packet.ack_id,
        "data": packet.data,
    });
    if let (Some(attachments), Value::Object(members)) = (attachments, &mut value) {
        members.insert("attachments".to_owned(), attachments.into());
    }
    value
}

/// §8.1's packet JSON as a `SocketPacket`; a namespace `Namespace::new` refuses is the
/// encoder's error.
pub fn socket_packet(value: &Value) -> Result<Result<SocketPacket, SocketError>, String> {
    let attachments = || member::<u32>(value, "attachments");
    let kind = match type_of(value)? {
        "connect" => PacketKind::Connect,
        "disconnect" => PacketKind::Disconnect,
        "event" => PacketKind::Event,
        "ack" => PacketKind::Ack,
        "connect_error" => PacketKind::ConnectError,
        "binary_event" => PacketKind::BinaryEvent {
            attachments: attachments()?,
        },
        "binary_ack" => PacketKind::BinaryAck {
            attachments: attachments()?,
        },
        other => return Err(format!("unknown Socket.IO packet type {other:?}")),
    };
    let ack_id = member(value, "ack_id")?;
    let data: Option<Value> = member(value, "data")?;
    Ok(
        Namespace::new(member::<String>(value, "nsp")?).map(|namespace| SocketPacket {
            kind,
            namespace,
            ack_id,
            data,
        }),
    )
}

/// `ClientEvent` as §8.1's event JSON.
pub fn client_event_json(event: &ClientEvent) -> Value {
    match event {
        ClientEvent::Join { channel_id } => json!({"event": "join", "channelID": channel_id}),
        ClientEvent::Leave => json!({"event": "leave"}),
        ClientEvent::UpdateNickname(nickname) => {
            json!({"event": "updateNickname", "nickname": nickname})
        }
        ClientEvent::UpdateMute(muted) => json!({"event": "updateMute", "muted": muted}),
        ClientEvent::Offer(description) | ClientEvent::Answer(description) => {
            json!({"event": event.name(), "description": description})
        }
        ClientEvent::IceCandidate(candidate) => {
            json!({"event": "ice-candidate", "candidate": candidate})
        }
    }
}

/// §8.1's event JSON as a `ServerEvent`.
pub fn server_event(value: &Value) -> Result<ServerEvent, String> {
    let name: String = member(value, "event")?;
    let user = || member::<Value>(value, "user").and_then(|u| user_info(&u));
    Ok(match name.as_str() {
        "info" => ServerEvent::Info(ServerInfo {
            name: member(value, "name")?,
            members: member(value, "members")?,
            channels: member::<Vec<Value>>(value, "channels")?
                .iter()
                .map(channel_info)
                .collect::<Result<_, _>>()?,
            icon_url: member(value, "icon_url")?,
            stun_hosts: member(value, "stun_hosts")?,
        }),
        "users" => ServerEvent::Users(
            member::<Vec<Value>>(value, "users")?
                .iter()
                .map(user_info)
                .collect::<Result<_, _>>()?,
        ),
        "user-joined" => ServerEvent::UserJoined(user()?),
        "user-left" => ServerEvent::UserLeft(user()?),
        "user-updated" => ServerEvent::UserUpdated(user()?),
        "offer" => ServerEvent::Offer(description(value)?),
        "answer" => ServerEvent::Answer(description(value)?),
        "ice-candidate" => ServerEvent::IceCandidate(
            IceCandidate::parse(member(value, "candidate")?).map_err(|e| e.to_string())?,
        ),
        "error" => ServerEvent::Error(event_error_code(&member::<String>(value, "error")?)?),
        other => return Err(format!("unknown server event {other:?}")),
    })
}

fn description(value: &Value) -> Result<SessionDescription, String> {
    SessionDescription::parse(member(value, "description")?).map_err(|e| e.to_string())
}

fn channel_info(value: &Value) -> Result<ChannelInfo, String> {
    let kind = match member::<String>(value, "type")?.as_str() {
        "voice" => ChannelKind::Voice,
        "text" => ChannelKind::Text,
        other => return Err(format!("unknown channel type {other:?}")),
    };
    Ok(ChannelInfo {
        id: member(value, "id")?,
        name: member(value, "name")?,
        kind,
    })
}

fn user_info(value: &Value) -> Result<UserInfo, String> {
    Ok(UserInfo {
        id: member(value, "id")?,
        nickname: member(value, "nickname")?,
        is_muted: member(value, "isMuted")?,
        has_joined_channel: member(value, "hasJoinedChannel")?,
        is_connected_to_voice: member(value, "isConnectedToVoice")?,
        stream_id: member(value, "streamID")?,
    })
}

/// A §5 code by its name.
pub fn event_error_code(code: &str) -> Result<EventErrorCode, String> {
    EventErrorCode::ALL
        .iter()
        .copied()
        .find(|c| c.code() == code)
        .ok_or_else(|| format!("unknown event error code {code:?}"))
}

/// `ConnectAuth` as §8.1's auth JSON.
pub fn auth_json(auth: &ConnectAuth) -> Value {
    json!({"token": auth.token, "inviteCode": auth.invite_code, "nickname": auth.nickname})
}

/// `RateLimitRule` in the env format's fields and units (`banMs` 0 for no ban).
pub fn rule_json(rule: &RateLimitRule) -> Value {
    json!({
        "limit": rule.limit,
        "windowMs": millis(rule.window),
        "banMs": rule.ban.map_or(0, millis),
        "scorePerAction": rule.score_per_action,
        "maxScore": rule.max_score,
        "scoreDecayMs": millis(rule.score_decay),
    })
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// A rule's refusal as `{"kind", "field"}`.
pub fn rule_error_json(error: &RateLimitRuleError) -> Value {
    let (kind, field) = match error {
        RateLimitRuleError::Missing(field) => ("missing", Some(*field)),
        RateLimitRuleError::NotANumber { field, .. } => ("not_a_number", Some(*field)),
        RateLimitRuleError::Zero(field) => ("zero", Some(*field)),
        RateLimitRuleError::TooManyFields => ("too_many_fields", None),
        RateLimitRuleError::ScoreAboveMax { .. } => {
            ("score_above_max", Some(RuleField::ScorePerAction))
        }
    };
    json!({"kind": kind, "field": field.map(RuleField::name)})
}

fn type_of(value: &Value) -> Result<&str, String> {
    value
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("no string \"type\" in {value}"))
}

/// A member read as `T`; an absent member reads as `null`, so optional members may be left out.
fn member<T: DeserializeOwned>(value: &Value, name: &str) -> Result<T, String> {
    let member = value.get(name).cloned().unwrap_or(Value::Null);
    serde_json::from_value(member).map_err(|e| format!("member {name:?} of {value}: {e}"))
}
