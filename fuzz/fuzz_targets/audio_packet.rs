//! The audio wire parser on arbitrary bytes (`conformance/spec/audio.md` §6: "parsers are
//! total"). Under several size limits, every input must give a packet or a `WireError` without
//! panicking, and:
//! - a datagram longer than the limit is `oversize`, whatever it holds;
//! - any limit at or above the datagram's length gives the same result as no limit;
//! - whatever parses re-encodes to `encoded_len()` bytes that parse, under the same limit, to
//!   the same packet, and that encoding is a fixpoint;
//! - parsed audio is a slice of the datagram, not a copy.
#![no_main]

use bytes::Bytes;
use hark_core::wire::audio::{AudioPacket, Body, DEFAULT_MAX_PACKET_SIZE, HEADER_LEN, WireError};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let datagram = Bytes::copy_from_slice(data);
    let unlimited = AudioPacket::parse(&datagram, usize::MAX);
    let len = data.len();
    for max in [
        DEFAULT_MAX_PACKET_SIZE,
        64,
        HEADER_LEN,
        len,
        len.saturating_sub(1),
    ] {
        let result = AudioPacket::parse(&datagram, max);
        if len > max {
            assert_eq!(result, Err(WireError::Oversize { len, max }));
        } else {
            assert_eq!(result, unlimited, "the limit {max} changed the result");
        }
        if let Ok(packet) = result {
            check_canonical(&packet, max);
        }
    }
    match &unlimited {
        Ok(AudioPacket {
            body: Body::Audio(audio),
            ..
        }) => {
            let range = datagram.as_ptr_range();
            let slice = audio.as_bytes().as_ptr_range();
            assert!(
                audio.as_bytes().is_empty()
                    || (range.start <= slice.start && slice.end <= range.end),
                "audio was copied out of the datagram"
            );
        }
        Ok(_) => {}
        // Every error has a stable name and a message.
        Err(error) => assert!(!error.kind().is_empty() && !error.to_string().is_empty()),
    }
});

fn check_canonical(packet: &AudioPacket, max: usize) {
    let encoded = packet.encode();
    assert_eq!(
        encoded.len(),
        packet.encoded_len(),
        "encoded_len of {packet:?}"
    );
    let again = AudioPacket::parse(&encoded, max)
        .unwrap_or_else(|e| panic!("the encoding of {packet:?} does not parse: {e}"));
    assert_eq!(&again, packet, "re-parsing the encoding changed the packet");
    assert_eq!(again.encode(), encoded, "the encoding is not a fixpoint");
}
