//! The Engine.IO and Socket.IO decoders on arbitrary UTF-8 (signal.md §2–§3: every frame and every
//! message gives a packet or exactly one typed error). Neither may panic, and:
//! - text over a limit is refused as too large, whatever it holds; within it, the answer does not
//!   depend on the limit;
//! - a packet either decoder accepts encodes to text that decodes to the same packet and encodes
//!   to the same text again (a canonical round trip) — exactly when its JSON holds no float, since
//!   `serde_json` without `float_roundtrip` may read a float back one ulp off (signal.md §3);
//! - an accepted Engine.IO frame other than `open` (whose JSON is rewritten) encodes back to the
//!   very same text;
//! - the same bytes as a binary frame are always refused.
#![no_main]

use hark_core::wire::signal::{
    DEFAULT_MAX_PAYLOAD, EngineError, EngineFrame, EnginePacket, SocketError, decode_engine,
    decode_socket,
};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    engine(text);
    socket(text);
});

fn engine(text: &str) {
    let decoded = decode_engine(EngineFrame::Text(text), usize::MAX);
    for max in [DEFAULT_MAX_PAYLOAD, 16, 1, 0, text.len()] {
        let limited = decode_engine(EngineFrame::Text(text), max);
        if text.len() > max {
            let too_large = EngineError::PayloadTooLarge {
                len: text.len(),
                max,
            };
            assert_eq!(limited, Err(too_large), "{text:?} under {max}");
        } else {
            assert_eq!(limited, decoded, "{text:?} under {max}");
        }
    }
    match decoded {
        Ok(packet) => {
            let encoded = packet.encode();
            if !matches!(packet, EnginePacket::Open(_)) {
                assert_eq!(encoded, text);
            }
            let again = decode_engine(EngineFrame::Text(&encoded), usize::MAX);
            assert_eq!(again.as_ref(), Ok(&packet), "{text:?}");
        }
        Err(error) => assert!(!error.kind().is_empty()),
    }
    assert_eq!(
        decode_engine(EngineFrame::Binary(text.as_bytes()), usize::MAX),
        Err(EngineError::BinaryMessage)
    );
}

fn socket(text: &str) {
    let decoded = decode_socket(text, usize::MAX);
    for max in [DEFAULT_MAX_PAYLOAD, 16, 1, 0, text.len()] {
        let limited = decode_socket(text, max);
        if text.len() > max {
            let too_large = SocketError::TooLarge {
                len: text.len(),
                max,
            };
            assert_eq!(limited, Err(too_large), "{text:?} under {max}");
        } else {
            assert_eq!(limited, decoded, "{text:?} under {max}");
        }
    }
    match decoded {
        Ok(packet) if packet.data.as_ref().is_some_and(has_float) => {
            let again = decode_socket(&packet.encode(), usize::MAX).map(|p| (p.kind, p.ack_id));
            assert_eq!(again, Ok((packet.kind, packet.ack_id)), "{text:?}");
        }
        Ok(packet) => {
            let encoded = packet.encode();
            let again = decode_socket(&encoded, usize::MAX);
            assert_eq!(again.as_ref(), Ok(&packet), "{text:?}");
            assert_eq!(again.map(|p| p.encode()), Ok(encoded), "{text:?}");
        }
        Err(error) => assert!(!error.kind().is_empty()),
    }
}

fn has_float(value: &Value) -> bool {
    match value {
        Value::Number(number) => number.is_f64(),
        Value::Array(items) => items.iter().any(has_float),
        Value::Object(members) => members.values().any(has_float),
        _ => false,
    }
}
