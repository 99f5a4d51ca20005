//! The audio service state machine under arbitrary interactions: the input is decoded into up to
//! 128 steps from five clients (handshakes with pre-minted valid, expired, foreign or forged
//! tokens; joins, leaves, mutes, heartbeats and audio under their own or spoofed ids; damaged,
//! raw and oversize datagrams; clock steps; directory changes) and driven into `AudioService`.
//! After every step the shared model (`core/tests/support/audio_model.rs`) checks the invariants
//! of `conformance/spec/audio.md`; a violation panics with the step and the rule it broke.
#![no_main]

use hark_fuzz::Script;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(script) = Script::decode(data) else {
        return;
    };
    if let Err(violation) = script.run() {
        panic!("invariant broken: {violation}");
    }
});
