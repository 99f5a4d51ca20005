//! The chat service state machine under arbitrary interactions: the input is decoded into up to
//! 160 steps (connections from three IPs; joins, leaves, messages of every size, typing,
//! reactions, pings and arbitrary text; binary and oversized messages; ping/pong activity; peer
//! closes; clock steps; shutdowns and resets) and driven into `ChatService` and the naive model of
//! `conformance/spec/chat.md` in `core/tests/support/chat_model.rs`. Every frame each connection
//! is sent must be the model's; a difference panics with the step that caused it.
#![no_main]

use hark_fuzz::chat_script::ChatScript;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(script) = ChatScript::decode(data) else {
        return;
    };
    if let Err(difference) = script.run() {
        panic!("differs from the model: {difference}");
    }
});
