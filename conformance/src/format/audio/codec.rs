//! `audio` codec vectors: one datagram, and either the packet it parses to or the error kind it
//! fails with (`vectors.md` §2).

use serde::{Deserialize, Serialize};

use crate::format::Hex;

/// The default `max_packet_size` of the audio spec (§1).
pub const DEFAULT_MAX_PACKET_SIZE: usize = 1024;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodecVector {
    pub name: String,
    pub description: String,
    #[serde(default)]
    pub max_packet_size: Option<usize>,
    pub hex: Hex,
    pub expect: CodecExpect,
    /// Whether encoding the parsed packet gives back `hex` exactly. Defaults to true; vectors
    /// with free-form input (JSON spacing, unknown members) set it to false.
    #[serde(default = "crate::format::default_true")]
    pub canonical: bool,
}

impl CodecVector {
    pub fn max_packet_size(&self) -> usize {
        self.max_packet_size.unwrap_or(DEFAULT_MAX_PACKET_SIZE)
    }
}

/// What parsing must produce.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum CodecExpect {
    Packet(PacketJson),
    /// A `WireError` kind of the audio spec §6 (`truncated`, `oversize`, …).
    Error(String),
}

/// The eight packet types by their spec names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TypeName {
    Handshake,
    Audio,
    JoinChannel,
    LeaveChannel,
    SetMute,
    Heartbeat,
    Error,
    Ack,
}

/// Which credentials format a handshake used (§4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HandshakeFormat {
    Json,
    Legacy,
}

/// A parsed packet as plain data: the header fields, then the fields of its type. A flat
/// struct rather than an enum so that a mismatch prints as a field-by-field difference.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PacketJson {
    #[serde(rename = "type")]
    pub packet_type: TypeName,
    pub sequence: u32,
    pub user_id: String,
    pub channel_id: String,
    pub timestamp: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<HandshakeFormat>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// The JSON credentials' `channel_id` member (JSON format only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id_json: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub muted: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acked_type: Option<TypeName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acked_sequence: Option<u32>,
}

impl PacketJson {
    /// A packet of `packet_type` with these header fields and no payload fields set.
    pub fn header(
        packet_type: TypeName,
        sequence: u32,
        user_id: &str,
        channel_id: &str,
        timestamp: u32,
    ) -> Self {
        Self {
            packet_type,
            sequence,
            user_id: user_id.to_owned(),
            channel_id: channel_id.to_owned(),
            timestamp,
            format: None,
            token: None,
            channel_id_json: None,
            data: None,
            muted: None,
            code: None,
            action: None,
            message: None,
            acked_type: None,
            acked_sequence: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_expectation_names_a_kind() {
        let v: CodecVector = serde_json::from_str(
            r#"{"name":"n","description":"d","hex":"","expect":{"error":"truncated"}}"#,
        )
        .unwrap();
        assert_eq!(v.expect, CodecExpect::Error("truncated".into()));
        assert!(v.canonical);
        assert_eq!(v.max_packet_size(), DEFAULT_MAX_PACKET_SIZE);
    }

    #[test]
    fn misspelt_packet_fields_are_refused() {
        let text = r#"{"type":"heartbeat","sequence":0,"user_id":"","channel_id":"",
                       "timestamp":0,"mutd":true}"#;
        assert!(serde_json::from_str::<PacketJson>(text).is_err());
    }
}
