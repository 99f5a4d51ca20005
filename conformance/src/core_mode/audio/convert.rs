//! hark-core's `audio` types as vector JSON, so that comparisons and diffs happen on one shape.

use hark_core::audio::{AudioEvent, AudioStats};
use hark_core::wire::audio::{AudioPacket, Body, PacketType};

use crate::core_mode::Clients;
use crate::format::Hex;
use crate::format::audio::{EventJson, HandshakeFormat, PacketJson, StatsJson, TypeName};

pub fn type_name(packet_type: PacketType) -> TypeName {
    match packet_type {
        PacketType::Handshake => TypeName::Handshake,
        PacketType::Audio => TypeName::Audio,
        PacketType::JoinChannel => TypeName::JoinChannel,
        PacketType::LeaveChannel => TypeName::LeaveChannel,
        PacketType::SetMute => TypeName::SetMute,
        PacketType::Heartbeat => TypeName::Heartbeat,
        PacketType::Error => TypeName::Error,
        PacketType::Ack => TypeName::Ack,
    }
}

pub fn packet_json(packet: &AudioPacket) -> PacketJson {
    let h = &packet.header;
    let mut json = PacketJson::header(
        type_name(packet.packet_type()),
        h.sequence,
        h.user_id.as_str(),
        h.channel_id.as_str(),
        h.timestamp,
    );
    match &packet.body {
        Body::Handshake(handshake) => {
            json.token = Some(handshake.token().to_owned());
            json.channel_id_json = handshake.channel_id().map(str::to_owned);
            json.format = Some(match handshake.channel_id() {
                Some(_) => HandshakeFormat::Json,
                None => HandshakeFormat::Legacy,
            });
        }
        Body::Audio(data) => json.data = Some(Hex::from(data.as_bytes().as_ref())),
        Body::SetMute { muted } => json.muted = Some(*muted),
        Body::Error(error) => {
            json.code = Some(error.code().to_wire());
            json.action = Some(error.action().to_wire());
            json.message = Some(error.message().to_owned());
        }
        Body::Ack(ack) => {
            json.acked_type = Some(type_name(ack.acked_type));
            json.acked_sequence = Some(ack.acked_sequence);
        }
        Body::JoinChannel | Body::LeaveChannel | Body::Heartbeat => {}
    }
    json
}

/// A one-line reading of a datagram for failure reports. Uses hark-core's parser, so it is a
/// hint for humans, never part of a verdict.
pub fn describe(datagram: &[u8]) -> String {
    let bytes = bytes::Bytes::copy_from_slice(datagram);
    match AudioPacket::parse(&bytes, usize::MAX) {
        Ok(packet) => serde_json::to_string(&packet_json(&packet))
            .unwrap_or_else(|e| format!("<unprintable packet: {e}>")),
        Err(error) => format!("{} bytes, unparseable: {}", datagram.len(), error.kind()),
    }
}

pub fn event_json(event: &AudioEvent, clients: &Clients) -> EventJson {
    match event {
        AudioEvent::SessionStarted {
            user_id,
            channel_id,
            addr,
        } => EventJson::SessionStarted {
            user_id: user_id.to_string(),
            channel_id: channel_id.to_string(),
            addr: clients.name(*addr),
        },
        AudioEvent::SessionEnded {
            user_id,
            channel_id,
            addr,
            reason: why,
        } => EventJson::SessionEnded {
            user_id: user_id.to_string(),
            channel_id: channel_id.to_string(),
            addr: clients.name(*addr),
            reason: *why,
        },
        AudioEvent::UserJoined {
            user_id,
            channel_id,
            socket_addr,
        } => EventJson::UserJoined {
            user_id: user_id.to_string(),
            channel_id: channel_id.to_string(),
            addr: clients.name(*socket_addr),
        },
        AudioEvent::UserLeft {
            user_id,
            channel_id,
            socket_addr,
            reason: why,
        } => EventJson::UserLeft {
            user_id: user_id.to_string(),
            channel_id: channel_id.to_string(),
            addr: clients.name(*socket_addr),
            reason: *why,
        },
        AudioEvent::UserMuted {
            user_id,
            channel_id,
            muted,
        } => EventJson::UserMuted {
            user_id: user_id.to_string(),
            channel_id: channel_id.to_string(),
            muted: *muted,
        },
        AudioEvent::AudioPacket {
            from_user_id,
            channel_id,
            sequence,
            data,
        } => EventJson::AudioPacket {
            from_user_id: from_user_id.to_string(),
            channel_id: channel_id.to_string(),
            sequence: *sequence,
            data: Hex::from(data.as_ref()),
        },
        AudioEvent::Error { socket_addr, error } => EventJson::Error {
            addr: clients.name(*socket_addr),
            error: error.kind().to_owned(),
        },
    }
}

pub fn stats_json(stats: AudioStats) -> StatsJson {
    StatsJson {
        auth_sessions: Some(stats.auth_sessions),
        active_members: Some(stats.active_members),
        total_channels: Some(stats.total_channels),
        total_users: Some(stats.total_users),
    }
}
