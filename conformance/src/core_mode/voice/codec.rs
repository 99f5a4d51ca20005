//! `voice` codec vectors (`vectors.md` §6.1): `tcp` ones against `parse_frame` — and against a
//! `FrameDecoder` fed one byte at a time, which is how the service reads a stream — and `udp`
//! ones against `parse_datagram`; canonical ones encoded again.

use bytes::Bytes;
use hark_core::wire::voice::{Frame, FrameDecoder, parse_datagram, parse_frame};

use super::convert::{frame_json, packet_json};
use crate::core_mode::codec::{Outcome, Wanted, check};
use crate::core_mode::invalid;
use crate::format::voice::{CodecExpect, CodecVector, FrameJson, PacketJson, Transport};

pub fn run(vector: &CodecVector) -> Result<(), Vec<String>> {
    match (vector.transport, &vector.expect) {
        (Transport::Tcp, CodecExpect::Frame(frame)) => frame_vector(vector, Wanted::Value(frame)),
        (Transport::Tcp, CodecExpect::Error(kind)) => frame_vector(vector, Wanted::Error(kind)),
        (Transport::Tcp, CodecExpect::Incomplete(true)) => frame_vector(vector, Wanted::Incomplete),
        (Transport::Udp, CodecExpect::Packet(packet)) => {
            datagram_vector(vector, Wanted::Value(packet))
        }
        (Transport::Udp, CodecExpect::Error(kind)) => datagram_vector(vector, Wanted::Error(kind)),
        (_, CodecExpect::Incomplete(false)) => Err(vec![invalid("\"incomplete\" is always true")]),
        (Transport::Tcp, CodecExpect::Packet(_)) => Err(vec![invalid("a tcp vector has a frame")]),
        (Transport::Udp, _) => Err(vec![invalid("a udp vector has a packet or an error")]),
    }
}

fn frame_vector(vector: &CodecVector, want: Wanted<'_, FrameJson>) -> Result<(), Vec<String>> {
    let bytes = vector.hex.as_bytes();
    let max = vector.max_len();
    let mut lines = Vec::new();
    let parsed = match parse_frame(bytes, max) {
        Ok(Some((frame, consumed))) => {
            if consumed != bytes.len() {
                lines.push(format!(
                    "parse_frame consumed {consumed} of the {} bytes",
                    bytes.len()
                ));
            }
            parsed_frame(&frame)
        }
        Ok(None) => Outcome::Incomplete,
        Err(error) => Outcome::failed(error.kind(), &error),
    };
    let canonical = vector.canonical;
    if let Err(more) = check("frame", want, parsed, canonical, bytes) {
        lines.extend(more);
    }
    if let Err(more) = check("frame", want, byte_by_byte(bytes, max), canonical, bytes) {
        lines.push("a FrameDecoder fed one byte at a time:".to_owned());
        lines.extend(more.into_iter().map(|line| format!("  {line}")));
    }
    if lines.is_empty() { Ok(()) } else { Err(lines) }
}

/// What a `FrameDecoder` makes of `bytes` arriving one at a time. A frame must end with the last
/// byte.
fn byte_by_byte(bytes: &[u8], max: usize) -> Outcome<FrameJson> {
    let mut decoder = FrameDecoder::new(max);
    for (index, byte) in bytes.iter().enumerate() {
        decoder.push(std::slice::from_ref(byte));
        match decoder.next_frame() {
            Ok(None) => {}
            Ok(Some(frame)) if index + 1 == bytes.len() => return parsed_frame(&frame),
            Ok(Some(_)) => {
                return Outcome::Failed {
                    kind: "early_frame",
                    detail: format!("a frame ended at byte {} of {}", index + 1, bytes.len()),
                };
            }
            Err(error) => return Outcome::failed(error.kind(), &error),
        }
    }
    Outcome::Incomplete
}

fn parsed_frame(frame: &Frame) -> Outcome<FrameJson> {
    Outcome::Parsed {
        value: frame_json(frame),
        encoded: frame
            .encode()
            .map(|bytes| bytes.to_vec())
            .map_err(|e| e.to_string()),
    }
}

fn datagram_vector(vector: &CodecVector, want: Wanted<'_, PacketJson>) -> Result<(), Vec<String>> {
    let bytes = vector.hex.as_bytes();
    let datagram = Bytes::copy_from_slice(bytes);
    let got = match parse_datagram(&datagram, vector.max_len()) {
        Ok(packet) => Outcome::Parsed {
            value: packet_json(&packet),
            encoded: Ok(packet.encode().to_vec()),
        },
        Err(error) => Outcome::failed(error.kind(), &error),
    };
    check("packet", want, got, vector.canonical, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vector(transport: &str, hex: &str, expect: &str) -> CodecVector {
        serde_json::from_str(&format!(
            r#"{{"name":"t","description":"","transport":"{transport}","hex":"{hex}",
                "expect":{expect}}}"#
        ))
        .unwrap()
    }

    const PING: &str = "00090600000000000000ff";

    #[test]
    fn a_frame_must_parse_to_its_fields_and_encode_back() {
        let ok = vector("tcp", PING, r#"{"frame":{"type":"ping","nonce":255}}"#);
        assert_eq!(run(&ok), Ok(()));
        let wrong = vector("tcp", PING, r#"{"frame":{"type":"ping","nonce":254}}"#);
        let lines = run(&wrong).unwrap_err();
        assert!(lines[0].contains("\"nonce\":254"), "{lines:?}");
        assert!(lines[1].contains("\"nonce\":255"), "{lines:?}");
    }

    #[test]
    fn a_prefix_of_a_frame_is_incomplete() {
        let prefix = &PING[..PING.len() - 2];
        assert_eq!(
            run(&vector("tcp", prefix, r#"{"incomplete":true}"#)),
            Ok(())
        );
        let lines = run(&vector("tcp", prefix, r#"{"error":"truncated"}"#)).unwrap_err();
        assert_eq!(lines[1], "     got incomplete (wait for more bytes)");
    }

    #[test]
    fn a_frame_followed_by_more_bytes_is_not_one_frame() {
        let lines = run(&vector(
            "tcp",
            &format!("{PING}00"),
            r#"{"frame":{"type":"ping","nonce":255}}"#,
        ))
        .unwrap_err();
        assert_eq!(lines[0], "parse_frame consumed 11 of the 12 bytes");
        assert!(
            lines
                .iter()
                .any(|l| l.contains("a frame ended at byte 11 of 12"))
        );
    }

    #[test]
    fn datagrams_parse_with_their_own_limit() {
        let keepalive = "04000000000000002a";
        let ok = vector(
            "udp",
            keepalive,
            r#"{"packet":{"type":"keepalive","nonce":42}}"#,
        );
        assert_eq!(run(&ok), Ok(()));
        let small: CodecVector = serde_json::from_str(&format!(
            r#"{{"name":"t","description":"","transport":"udp","hex":"{keepalive}",
                "max_len":8,"expect":{{"error":"oversize"}}}}"#
        ))
        .unwrap();
        assert_eq!(run(&small), Ok(()));
    }

    #[test]
    fn an_expectation_of_the_other_transport_is_an_invalid_vector() {
        let lines = run(&vector("udp", PING, r#"{"incomplete":true}"#)).unwrap_err();
        assert!(lines[0].starts_with("invalid vector"), "{lines:?}");
    }
}
