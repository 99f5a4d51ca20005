//! Codec vectors against `hark_core::wire::audio::AudioPacket::parse` and `encode`.

use bytes::Bytes;
use hark_core::wire::audio::AudioPacket;

use super::convert::packet_json;
use crate::format::{CodecExpect, CodecVector, PacketJson};

/// Parses the vector's bytes and checks the packet (and, for canonical vectors, that encoding
/// it gives the same bytes back) or the error kind.
pub fn run(vector: &CodecVector) -> Result<(), Vec<String>> {
    let datagram = Bytes::copy_from_slice(vector.hex.as_bytes());
    let parsed = AudioPacket::parse(&datagram, vector.max_packet_size());
    let mut lines = Vec::new();
    match (&vector.expect, parsed) {
        (CodecExpect::Packet(want), Ok(packet)) => {
            let got = packet_json(&packet);
            if &got != want {
                lines.push(format!("expected packet {}", json(want)));
                lines.push(format!("     got packet {}", json(&got)));
            }
            let encoded = packet.encode();
            if vector.canonical && encoded != datagram {
                lines.push("encode(parse(hex)) differs from hex:".to_owned());
                lines.push(format!("    hex     {}", vector.hex));
                lines.push(format!("    encoded {}", hex::encode(&encoded)));
            }
        }
        (CodecExpect::Packet(want), Err(error)) => {
            lines.push(format!("expected packet {}", json(want)));
            lines.push(format!("     got error {} ({error})", error.kind()));
        }
        (CodecExpect::Error(kind), Ok(packet)) => {
            lines.push(format!("expected error {kind}"));
            lines.push(format!("     got packet {}", json(&packet_json(&packet))));
        }
        (CodecExpect::Error(kind), Err(error)) => {
            if error.kind() != kind {
                lines.push(format!("expected error {kind}"));
                lines.push(format!("     got error {} ({error})", error.kind()));
            }
        }
    }
    if lines.is_empty() { Ok(()) } else { Err(lines) }
}

fn json(packet: &PacketJson) -> String {
    serde_json::to_string(packet).unwrap_or_else(|e| format!("<unprintable packet: {e}>"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vector(hex: &str, expect: &str) -> CodecVector {
        serde_json::from_str(&format!(
            r#"{{"name":"t","description":"","hex":"{hex}","expect":{expect}}}"#
        ))
        .unwrap()
    }

    const JOIN: &str = "030000000161000000000000006200000000000002";

    #[test]
    fn a_matching_packet_passes() {
        let expect = r#"{"packet":{"type":"join_channel","sequence":1,"user_id":"a",
                         "channel_id":"b","timestamp":2}}"#;
        assert_eq!(run(&vector(JOIN, expect)), Ok(()));
    }

    #[test]
    fn a_field_difference_is_reported_with_both_packets() {
        let expect = r#"{"packet":{"type":"join_channel","sequence":9,"user_id":"a",
                         "channel_id":"b","timestamp":2}}"#;
        let lines = run(&vector(JOIN, expect)).unwrap_err();
        assert!(lines[0].contains("\"sequence\":9"), "{lines:?}");
        assert!(lines[1].contains("\"sequence\":1"), "{lines:?}");
    }

    #[test]
    fn a_wrong_error_kind_is_reported() {
        let lines = run(&vector("", r#"{"error":"oversize"}"#)).unwrap_err();
        assert_eq!(lines[0], "expected error oversize");
        assert!(
            lines[1].starts_with("     got error truncated"),
            "{lines:?}"
        );
    }
}
