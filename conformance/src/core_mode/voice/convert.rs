//! hark-core's `voice` types as vector JSON, so that comparisons and diffs happen on one shape.

use hark_core::voice::{VoiceEvent, VoiceStats};
use hark_core::wire::voice::{Frame, FrameDecoder, VoicePacket, parse_datagram};
use serde::Serialize;

use super::connections::Connections;
use crate::core_mode::Clients;
use crate::format::Hex;
use crate::format::voice::{EventJson, FrameJson, PacketJson, ParticipantJson, StatsJson};

/// Server frames are at most this long (`voice.md` §3): the limit for reading them in reports.
const MAX_SERVER_FRAME: usize = u16::MAX as usize;

pub fn frame_json(frame: &Frame) -> FrameJson {
    let mut json = FrameJson::of_type(frame.frame_type().name());
    match frame {
        Frame::LoginRequest {
            version,
            username,
            token,
        } => {
            json.version = Some(*version);
            json.username = Some(username.clone());
            json.token = Some(token.clone());
        }
        Frame::ChatSend { text } => json.text = Some(text.clone()),
        Frame::SetMute { muted } => json.muted = Some(*muted),
        Frame::JoinVoice { channel } => json.channel = Some(channel.clone()),
        Frame::LeaveVoice => {}
        Frame::Ping { nonce } | Frame::Pong { nonce } => json.nonce = Some(*nonce),
        Frame::LoginResponse {
            user_id,
            voice_token,
            participants,
        } => {
            json.user_id = Some(*user_id);
            json.voice_token = Some(Hex::from(&voice_token.0[..]));
            json.participants = Some(
                participants
                    .iter()
                    .map(|p| ParticipantJson {
                        user_id: p.user_id,
                        username: p.username.clone(),
                        muted: p.muted,
                        channel: p.channel.clone(),
                    })
                    .collect(),
            );
        }
        Frame::UserJoined { user_id, username } => {
            json.user_id = Some(*user_id);
            json.username = Some(username.clone());
        }
        Frame::UserLeft { user_id } => json.user_id = Some(*user_id),
        Frame::ChatMessage {
            user_id,
            channel,
            text,
        } => {
            json.user_id = Some(*user_id);
            json.channel = Some(channel.clone());
            json.text = Some(text.clone());
        }
        Frame::UserMuted { user_id, muted } => {
            json.user_id = Some(*user_id);
            json.muted = Some(*muted);
        }
        Frame::JoinVoiceResponse { channel, members } => {
            json.channel = Some(channel.clone());
            json.members = Some(members.clone());
        }
        Frame::UserJoinedVoice { user_id, channel } | Frame::UserLeftVoice { user_id, channel } => {
            json.user_id = Some(*user_id);
            json.channel = Some(channel.clone());
        }
        Frame::Error { code, message } => {
            json.code = Some(*code);
            json.message = Some(message.clone());
        }
    }
    json
}

pub fn packet_json(packet: &VoicePacket) -> PacketJson {
    let mut json = PacketJson::of_type(packet.packet_type().name());
    match packet {
        VoicePacket::AuthRequest { token } => json.token = Some(Hex::from(&token.0[..])),
        VoicePacket::AuthResponse { status, user_id } => {
            json.status = Some(status.0);
            json.user_id = Some(*user_id);
        }
        VoicePacket::VoiceData {
            user_id,
            sequence,
            payload,
        } => {
            json.user_id = Some(*user_id);
            json.sequence = Some(*sequence);
            json.payload = Some(Hex::from(payload.as_ref()));
        }
        VoicePacket::Keepalive { nonce } => json.nonce = Some(*nonce),
    }
    json
}

/// A one-line reading of a datagram for failure reports. Uses hark-core's parser, so it is a
/// hint for humans, never part of a verdict.
pub fn describe_datagram(datagram: &[u8]) -> String {
    let bytes = bytes::Bytes::copy_from_slice(datagram);
    match parse_datagram(&bytes, usize::MAX) {
        Ok(packet) => json(&packet_json(&packet)),
        Err(error) => format!("{} bytes, unparseable: {}", datagram.len(), error.kind()),
    }
}

/// Bytes written on a connection, one line per frame (its hex and its reading), for failure
/// reports; what does not form a frame is shown as it is.
pub fn describe_stream(bytes: &[u8]) -> Vec<String> {
    let mut decoder = FrameDecoder::new(MAX_SERVER_FRAME);
    decoder.push(bytes);
    let mut lines = Vec::new();
    let mut offset = 0;
    loop {
        match decoder.next_frame() {
            Ok(Some(frame)) => {
                let end = bytes.len() - decoder.buffered();
                let raw = bytes.get(offset..end).unwrap_or_default();
                lines.push(format!(
                    "{} ({})",
                    hex::encode(raw),
                    json(&frame_json(&frame))
                ));
                offset = end;
            }
            Ok(None) if offset == bytes.len() => return lines,
            Ok(None) => {
                let rest = hex::encode(bytes.get(offset..).unwrap_or_default());
                lines.push(format!("{rest} (part of a frame)"));
                return lines;
            }
            Err(error) => {
                let rest = hex::encode(bytes.get(offset..).unwrap_or_default());
                lines.push(format!("{rest} (unparseable: {})", error.kind()));
                return lines;
            }
        }
    }
}

fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| format!("<unprintable: {e}>"))
}

pub fn event_json(event: &VoiceEvent, clients: &Clients, conns: &Connections) -> EventJson {
    match event {
        VoiceEvent::ConnectionOpened { conn, user_id, .. } => EventJson::ConnectionOpened {
            conn: conns.name(*conn),
            user_id: *user_id,
        },
        VoiceEvent::ConnectionClosed {
            conn,
            user_id,
            reason,
        } => EventJson::ConnectionClosed {
            conn: conns.name(*conn),
            user_id: *user_id,
            reason: *reason,
        },
        VoiceEvent::LoggedIn {
            user_id, username, ..
        } => EventJson::LoggedIn {
            user_id: *user_id,
            username: username.clone(),
        },
        VoiceEvent::VoiceBound { user_id, addr } => EventJson::VoiceBound {
            user_id: *user_id,
            addr: clients.name(*addr),
        },
        VoiceEvent::VoiceUnbound {
            user_id,
            addr,
            reason,
        } => EventJson::VoiceUnbound {
            user_id: *user_id,
            addr: clients.name(*addr),
            reason: *reason,
        },
        VoiceEvent::VoiceJoined { user_id, channel } => EventJson::VoiceJoined {
            user_id: *user_id,
            channel: channel.to_string(),
        },
        VoiceEvent::VoiceLeft {
            user_id,
            channel,
            reason,
        } => EventJson::VoiceLeft {
            user_id: *user_id,
            channel: channel.to_string(),
            reason: *reason,
        },
        VoiceEvent::UserMuted { user_id, muted } => EventJson::UserMuted {
            user_id: *user_id,
            muted: *muted,
        },
        VoiceEvent::ChatMessage {
            user_id,
            channel,
            text,
        } => EventJson::ChatMessage {
            user_id: *user_id,
            channel: channel.to_string(),
            text: text.clone(),
        },
        VoiceEvent::VoiceData {
            user_id,
            channel,
            sequence,
            payload,
        } => EventJson::VoiceData {
            user_id: *user_id,
            channel: channel.to_string(),
            sequence: *sequence,
            payload: Hex::from(payload.as_ref()),
        },
        VoiceEvent::ManagementError { conn, error } => EventJson::Error {
            conn: Some(conns.name(*conn)),
            addr: None,
            // The §10 name of the Error the refusal is answered with.
            error: error.code().name().to_owned(),
        },
        VoiceEvent::RelayError { addr, error } => EventJson::Error {
            conn: None,
            addr: Some(clients.name(*addr)),
            error: error.kind().to_owned(),
        },
    }
}

pub fn stats_json(stats: VoiceStats) -> StatsJson {
    StatsJson {
        connections: Some(stats.connections),
        logged_in: Some(stats.logged_in),
        voice_bound: Some(stats.voice_bound),
        voice_members: Some(stats.voice_members),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_bytes_read_as_one_line_per_frame() {
        let pong = "00098a000000000000002a";
        let bytes = hex::decode(format!("{pong}0003")).unwrap();
        let lines = describe_stream(&bytes);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[0].starts_with(&format!("{pong} (")), "{lines:?}");
        assert!(
            lines[0].contains(r#""type":"pong","nonce":42"#),
            "{lines:?}"
        );
        assert_eq!(lines[1], "0003 (part of a frame)");
    }
}
