//! The voice datagram parser on arbitrary bytes (`conformance/spec/voice.md` §4: every datagram
//! gives a packet or one error). Under several size limits, `parse_datagram` must not panic, and:
//! - a datagram over the limit is `oversize`, whatever it holds; any limit at or above its length
//!   gives the same result as no limit;
//! - whatever parses encodes back to exactly the datagram (`encoded_len()` bytes of it);
//! - a VoiceData payload is a slice of the datagram, not a copy.
#![no_main]

use bytes::Bytes;
use hark_core::wire::voice::{
    DEFAULT_MAX_DATAGRAM_SIZE, DatagramError, VoicePacket, parse_datagram,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let datagram = Bytes::copy_from_slice(data);
    let len = data.len();
    let unlimited = parse_datagram(&datagram, usize::MAX);
    for max in [
        DEFAULT_MAX_DATAGRAM_SIZE,
        17,
        9,
        0,
        len,
        len.saturating_sub(1),
    ] {
        let result = parse_datagram(&datagram, max);
        if len > max {
            assert_eq!(result, Err(DatagramError::Oversize { len, max }));
        } else {
            assert_eq!(result, unlimited, "the limit {max} changed the result");
        }
    }
    match &unlimited {
        Ok(packet) => {
            assert_eq!(packet.encoded_len(), len, "encoded_len of {packet:?}");
            assert_eq!(packet.encode(), datagram, "not canonical: {packet:?}");
            if let VoicePacket::VoiceData { payload, .. } = packet {
                let whole = datagram.as_ptr_range();
                let part = payload.as_ptr_range();
                assert!(
                    payload.is_empty() || (whole.start <= part.start && part.end <= whole.end),
                    "the payload was copied out of the datagram"
                );
            }
        }
        Err(error) => assert!(!error.kind().is_empty() && !error.to_string().is_empty()),
    }
});
