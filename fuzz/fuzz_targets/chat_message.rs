//! The chat client-message decoder on arbitrary text (`conformance/spec/chat.md` §5 steps 1–2:
//! every text frame gives a message or exactly one error). Under several limits, `decode_client`
//! must not panic, and:
//! - text over the limit is `MESSAGE_TOO_LARGE`, whatever it holds;
//! - within the limit the answer does not depend on the limit (a `message`'s content, shorter
//!   than its frame, then fits it too);
//! - a refusal names its failed check.
#![no_main]

use hark_core::wire::chat::{DEFAULT_MAX_MESSAGE_SIZE, ErrorCode, decode_client};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let unlimited = decode_client(text, usize::MAX);
    if let Err(error) = &unlimited {
        assert_ne!(error.code, ErrorCode::MessageTooLarge, "{text:?}");
        assert!(!error.detail.is_empty());
    }
    for max in [DEFAULT_MAX_MESSAGE_SIZE, 64, 1, 0, text.len()] {
        let limited = decode_client(text, max);
        if text.len() > max {
            assert_eq!(
                limited.map_err(|e| e.code),
                Err(ErrorCode::MessageTooLarge),
                "{text:?} under {max}"
            );
        } else {
            assert_eq!(limited, unlimited, "{text:?} under {max}");
        }
    }
});
