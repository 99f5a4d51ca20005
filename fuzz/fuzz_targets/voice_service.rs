//! The voice service state machine under arbitrary interactions: the input is decoded into up to
//! 160 steps (connections; logins with valid, expired, forged or other-subject tokens; joins,
//! leaves, mutes, chat, pings, garbage and oversize frames, written in pieces split at arbitrary
//! points; peer closes; UDP authentication with live, revoked or random tokens from five
//! addresses; voice under its own or a claimed id; keepalives; clock steps; directory changes;
//! resets) and driven into `VoiceService`. After every step the shared model
//! (`core/tests/support/voice_model.rs`) checks the rules of `conformance/spec/voice.md`; a
//! violation panics with the step and the rule it broke.
#![no_main]

use hark_fuzz::voice_script::VoiceScript;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(script) = VoiceScript::decode(data) else {
        return;
    };
    if let Err(violation) = script.run() {
        panic!("invariant broken: {violation}");
    }
});
