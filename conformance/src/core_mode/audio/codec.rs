//! `audio` codec vectors against `hark_core::wire::audio::AudioPacket::parse` and `encode`.

use bytes::Bytes;
use hark_core::wire::audio::AudioPacket;

use super::convert::packet_json;
use crate::core_mode::codec::{Outcome, Wanted, check};
use crate::format::audio::{CodecExpect, CodecVector};

/// Parses the vector's bytes and checks the packet (and, for canonical vectors, that encoding
/// it gives the same bytes back) or the error kind.
pub fn run(vector: &CodecVector) -> Result<(), Vec<String>> {
    let datagram = Bytes::copy_from_slice(vector.hex.as_bytes());
    let want = match &vector.expect {
        CodecExpect::Packet(packet) => Wanted::Value(packet),
        CodecExpect::Error(kind) => Wanted::Error(kind),
    };
    let got = match AudioPacket::parse(&datagram, vector.max_packet_size()) {
        Ok(packet) => Outcome::Parsed {
            value: packet_json(&packet),
            encoded: Ok(packet.encode().to_vec()),
        },
        Err(error) => Outcome::failed(error.kind(), &error),
    };
    check("packet", want, got, vector.canonical, vector.hex.as_bytes())
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
