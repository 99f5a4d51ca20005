//! `voice` codec vectors (`vectors.md` §6.1): one management frame (`tcp`) or one datagram
//! (`udp`), and what parsing it must give — a frame, a packet, an error kind, or "incomplete".

use serde::{Deserialize, Serialize};

use crate::format::Hex;

/// The parser's limit when a vector names none: `voice.md` §3 and §4's defaults.
pub const DEFAULT_MAX_FRAME_LEN: usize = 4096;
pub const DEFAULT_MAX_DATAGRAM_SIZE: usize = 1200;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodecVector {
    pub name: String,
    pub description: String,
    pub transport: Transport,
    /// `max_frame_len` (tcp) or `max_datagram_size` (udp); see [`CodecVector::max_len`].
    #[serde(default)]
    pub max_len: Option<usize>,
    pub hex: Hex,
    pub expect: CodecExpect,
    /// Whether encoding the parsed frame or packet gives back `hex` exactly. Defaults to true.
    #[serde(default = "crate::format::default_true")]
    pub canonical: bool,
}

impl CodecVector {
    pub fn max_len(&self) -> usize {
        self.max_len.unwrap_or(match self.transport {
            Transport::Tcp => DEFAULT_MAX_FRAME_LEN,
            Transport::Udp => DEFAULT_MAX_DATAGRAM_SIZE,
        })
    }
}

/// Which of the service's two wire formats the bytes are in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    /// One management frame, length prefix included (`voice.md` §3).
    Tcp,
    /// One datagram (`voice.md` §4).
    Udp,
}

/// What parsing must produce.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum CodecExpect {
    /// tcp: this frame, consuming every byte.
    Frame(FrameJson),
    /// udp: this packet.
    Packet(PacketJson),
    /// A `FrameError` or `DatagramError` kind (`truncated`, `frame_too_large`, …).
    Error(String),
    /// tcp: the bytes are a proper prefix of a frame; always written `true`.
    Incomplete(bool),
}

/// A frame as plain data: its type name and the fields of that type, under their `voice.md`
/// §3.1 names. Flat, like the audio packets, so that a mismatch prints field by field.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FrameJson {
    /// The §3.1 name in snake_case (`login_request`, …, `pong`).
    #[serde(rename = "type")]
    pub frame_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub muted: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice_token: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participants: Option<Vec<ParticipantJson>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<u32>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl FrameJson {
    /// A frame of type `name` with no fields set.
    pub fn of_type(name: &str) -> Self {
        Self {
            frame_type: name.to_owned(),
            version: None,
            username: None,
            token: None,
            text: None,
            muted: None,
            channel: None,
            nonce: None,
            user_id: None,
            voice_token: None,
            participants: None,
            members: None,
            code: None,
            message: None,
        }
    }
}

/// One entry of a `LoginResponse`'s participant list.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ParticipantJson {
    pub user_id: u32,
    pub username: String,
    pub muted: bool,
    pub channel: String,
}

/// A datagram as plain data: its type name (`voice_auth_request`, `voice_auth_response`,
/// `voice_data`, `keepalive`) and that type's fields.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PacketJson {
    #[serde(rename = "type")]
    pub packet_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<u64>,
}

impl PacketJson {
    /// A packet of type `name` with no fields set.
    pub fn of_type(name: &str) -> Self {
        Self {
            packet_type: name.to_owned(),
            token: None,
            status: None,
            user_id: None,
            sequence: None,
            payload: None,
            nonce: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vector(body: &str) -> CodecVector {
        serde_json::from_str(&format!(r#"{{"name":"n","description":"d",{body}}}"#)).unwrap()
    }

    #[test]
    fn the_limit_defaults_by_transport() {
        let tcp = vector(r#""transport":"tcp","hex":"","expect":{"incomplete":true}"#);
        assert_eq!(tcp.max_len(), DEFAULT_MAX_FRAME_LEN);
        assert_eq!(tcp.expect, CodecExpect::Incomplete(true));
        let udp = vector(r#""transport":"udp","hex":"","expect":{"error":"truncated"}"#);
        assert_eq!(udp.max_len(), DEFAULT_MAX_DATAGRAM_SIZE);
    }

    #[test]
    fn frames_carry_their_fields_under_the_spec_names() {
        let v = vector(
            r#""transport":"tcp","hex":"00090600000000000000ff",
               "expect":{"frame":{"type":"ping","nonce":255}}"#,
        );
        let mut want = FrameJson::of_type("ping");
        want.nonce = Some(255);
        assert_eq!(v.expect, CodecExpect::Frame(want));
    }

    #[test]
    fn misspelt_members_are_refused() {
        let text = r#"{"type":"ping","nonse":1}"#;
        assert!(serde_json::from_str::<FrameJson>(text).is_err());
        let text = r#"{"type":"keepalive","nonce":1,"payloud":""}"#;
        assert!(serde_json::from_str::<PacketJson>(text).is_err());
        let text = r#"{"name":"n","description":"d","transport":"tcp","hex":"","max_length":3,
                       "expect":{"incomplete":true}}"#;
        assert!(serde_json::from_str::<CodecVector>(text).is_err());
    }
}
