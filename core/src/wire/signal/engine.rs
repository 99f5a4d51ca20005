//! Engine.IO v4 packets over the WebSocket transport (signal.md §2): one packet per text frame,
//! a type digit then the packet's data, exactly as `engine.io-parser` reads and writes them.

use serde::{Deserialize, Serialize};

use super::EngineError;

/// One WebSocket data frame, as the driver received it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineFrame<'a> {
    Text(&'a str),
    Binary(&'a [u8]),
}

/// The open packet's data: engine.io's handshake object, with its members in the order engine.io
/// writes them (`sid`, `upgrades`, `pingInterval`, `pingTimeout`, `maxPayload`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenInfo {
    pub sid: String,
    /// Always empty from hark: WebSocket is the only transport, so there is nothing to upgrade to.
    pub upgrades: Vec<String>,
    /// Milliseconds between the server's pings.
    pub ping_interval: u64,
    /// Milliseconds the server waits for a pong.
    pub ping_timeout: u64,
    /// The largest frame the server accepts, in bytes.
    pub max_payload: u64,
}

/// An Engine.IO v4 packet. Data on `Ping`/`Pong` is the upgrade probe (`2probe`/`3probe`); an
/// empty payload is `None`, as `engine.io-parser` omits it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnginePacket {
    Open(OpenInfo),
    Close,
    Ping(Option<String>),
    Pong(Option<String>),
    /// A text message: the Socket.IO packet inside it (§3).
    Message(String),
    Upgrade,
    Noop,
}

/// Decodes one frame. The size check comes first, so an oversize frame is refused before any of
/// it is read; binary frames (and `b`-prefixed base64 messages, the polling transport's form of
/// them) are refused, since hark's Socket.IO layer accepts no binary packets.
pub fn decode_engine(
    frame: EngineFrame<'_>,
    max_payload: usize,
) -> Result<EnginePacket, EngineError> {
    let len = match frame {
        EngineFrame::Text(text) => text.len(),
        EngineFrame::Binary(bytes) => bytes.len(),
    };
    if len > max_payload {
        return Err(EngineError::PayloadTooLarge {
            len,
            max: max_payload,
        });
    }
    let EngineFrame::Text(text) = frame else {
        return Err(EngineError::BinaryMessage);
    };
    let mut chars = text.chars();
    let kind = chars.next().ok_or(EngineError::Empty)?;
    let data = chars.as_str();
    match kind {
        '0' => serde_json::from_str(data)
            .map(EnginePacket::Open)
            .map_err(|_| EngineError::InvalidOpen),
        '1' => no_data(data, "close", EnginePacket::Close),
        '2' => Ok(EnginePacket::Ping(optional(data))),
        '3' => Ok(EnginePacket::Pong(optional(data))),
        '4' => Ok(EnginePacket::Message(data.to_owned())),
        '5' => no_data(data, "upgrade", EnginePacket::Upgrade),
        '6' => no_data(data, "noop", EnginePacket::Noop),
        'b' => Err(EngineError::BinaryMessage),
        other => Err(EngineError::UnknownType(other)),
    }
}

fn no_data(
    data: &str,
    packet: &'static str,
    decoded: EnginePacket,
) -> Result<EnginePacket, EngineError> {
    if data.is_empty() {
        Ok(decoded)
    } else {
        Err(EngineError::UnexpectedData { packet })
    }
}

fn optional(data: &str) -> Option<String> {
    (!data.is_empty()).then(|| data.to_owned())
}

impl EnginePacket {
    /// The text frame for this packet, byte for byte as engine.io writes it.
    pub fn encode(&self) -> String {
        match self {
            EnginePacket::Open(info) => {
                let mut text = String::from("0");
                text.push_str(&open_json(info));
                text
            }
            EnginePacket::Close => "1".to_owned(),
            EnginePacket::Ping(data) => with_data('2', data.as_deref().unwrap_or("")),
            EnginePacket::Pong(data) => with_data('3', data.as_deref().unwrap_or("")),
            EnginePacket::Message(data) => with_data('4', data),
            EnginePacket::Upgrade => "5".to_owned(),
            EnginePacket::Noop => "6".to_owned(),
        }
    }
}

fn with_data(kind: char, data: &str) -> String {
    let mut text = String::with_capacity(1 + data.len());
    text.push(kind);
    text.push_str(data);
    text
}

/// `OpenInfo` as JSON. Written by hand rather than through `serde_json::to_string`, whose only
/// failure (a map with non-string keys) cannot happen for this struct, so that encoding stays
/// infallible without an `expect`.
fn open_json(info: &OpenInfo) -> String {
    let upgrades: Vec<String> = info.upgrades.iter().map(|u| json_string(u)).collect();
    format!(
        "{{\"sid\":{},\"upgrades\":[{}],\"pingInterval\":{},\"pingTimeout\":{},\"maxPayload\":{}}}",
        json_string(&info.sid),
        upgrades.join(","),
        info.ping_interval,
        info.ping_timeout,
        info.max_payload
    )
}

/// A JSON string literal, escaped as `JSON.stringify` escapes it.
fn json_string(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: usize = 1_000_000;

    fn decode(text: &str) -> Result<EnginePacket, EngineError> {
        decode_engine(EngineFrame::Text(text), MAX)
    }

    fn hark_open() -> OpenInfo {
        OpenInfo {
            sid: "lv_VI97HAXpY6yYWAAAC".to_owned(),
            upgrades: vec![],
            ping_interval: 25000,
            ping_timeout: 20000,
            max_payload: 1_000_000,
        }
    }

    #[test]
    fn the_open_packet_is_written_in_engine_io_member_order() {
        assert_eq!(
            EnginePacket::Open(hark_open()).encode(),
            r#"0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#
        );
    }

    #[test]
    fn the_open_packet_decodes_back_to_its_handshake_object() {
        let text = EnginePacket::Open(hark_open()).encode();
        assert_eq!(decode(&text), Ok(EnginePacket::Open(hark_open())));
    }

    #[test]
    fn an_open_packet_whose_data_is_not_the_handshake_object_is_refused() {
        assert_eq!(decode("0"), Err(EngineError::InvalidOpen));
        assert_eq!(decode(r#"0{"sid":"a"}"#), Err(EngineError::InvalidOpen));
        assert_eq!(
            decode(r#"0{"sid":1,"upgrades":[],"pingInterval":1,"pingTimeout":1,"maxPayload":1}"#),
            Err(EngineError::InvalidOpen)
        );
    }

    #[test]
    fn each_type_digit_is_its_packet() {
        assert_eq!(decode("1"), Ok(EnginePacket::Close));
        assert_eq!(decode("2"), Ok(EnginePacket::Ping(None)));
        assert_eq!(decode("3"), Ok(EnginePacket::Pong(None)));
        assert_eq!(
            decode("4hello"),
            Ok(EnginePacket::Message("hello".to_owned()))
        );
        assert_eq!(decode("5"), Ok(EnginePacket::Upgrade));
        assert_eq!(decode("6"), Ok(EnginePacket::Noop));
    }

    #[test]
    fn the_probe_rides_on_ping_and_pong() {
        assert_eq!(
            decode("2probe"),
            Ok(EnginePacket::Ping(Some("probe".to_owned())))
        );
        assert_eq!(
            decode("3probe"),
            Ok(EnginePacket::Pong(Some("probe".to_owned())))
        );
        assert_eq!(
            EnginePacket::Pong(Some("probe".to_owned())).encode(),
            "3probe"
        );
        assert_eq!(EnginePacket::Ping(None).encode(), "2");
    }

    #[test]
    fn a_message_carries_the_rest_of_the_frame_verbatim() {
        let text = r#"42["join",{"channelID":"voice"}]"#;
        assert_eq!(
            decode(text),
            Ok(EnginePacket::Message(text[1..].to_owned()))
        );
        assert_eq!(EnginePacket::Message(text[1..].to_owned()).encode(), text);
        assert_eq!(decode("4"), Ok(EnginePacket::Message(String::new())));
    }

    #[test]
    fn close_upgrade_and_noop_carry_no_data() {
        assert_eq!(
            decode("1x"),
            Err(EngineError::UnexpectedData { packet: "close" })
        );
        assert_eq!(
            decode("5probe"),
            Err(EngineError::UnexpectedData { packet: "upgrade" })
        );
        assert_eq!(
            decode("6 "),
            Err(EngineError::UnexpectedData { packet: "noop" })
        );
    }

    #[test]
    fn an_empty_frame_is_refused() {
        assert_eq!(decode(""), Err(EngineError::Empty));
    }

    #[test]
    fn unknown_type_characters_are_refused() {
        assert_eq!(decode("7"), Err(EngineError::UnknownType('7')));
        assert_eq!(decode("é4"), Err(EngineError::UnknownType('é')));
        assert_eq!(decode("{}"), Err(EngineError::UnknownType('{')));
    }

    #[test]
    fn binary_messages_are_refused_in_either_form() {
        assert_eq!(
            decode_engine(EngineFrame::Binary(&[1, 2, 3]), MAX),
            Err(EngineError::BinaryMessage)
        );
        assert_eq!(decode("bAQID"), Err(EngineError::BinaryMessage));
    }

    #[test]
    fn frames_above_max_payload_are_refused_before_parsing() {
        assert_eq!(
            decode_engine(EngineFrame::Text("4abc"), 3),
            Err(EngineError::PayloadTooLarge { len: 4, max: 3 })
        );
        assert_eq!(
            decode_engine(EngineFrame::Binary(&[0; 4]), 3),
            Err(EngineError::PayloadTooLarge { len: 4, max: 3 })
        );
        assert_eq!(
            decode_engine(EngineFrame::Text("4abc"), 4),
            Ok(EnginePacket::Message("abc".to_owned()))
        );
    }

    #[test]
    fn error_kinds_are_stable_names() {
        assert_eq!(EngineError::BinaryMessage.kind(), "binary_message");
        assert_eq!(EngineError::UnknownType('x').kind(), "unknown_type");
        assert_eq!(
            EngineError::PayloadTooLarge { len: 2, max: 1 }.kind(),
            "payload_too_large"
        );
    }
}
