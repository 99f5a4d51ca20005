//! The signal service state machine under arbitrary interactions: the input is decoded into up to
//! 160 steps (connections from three IPs; CONNECTs with valid, expired, forged and malformed
//! tokens; joins of open, members-only, banning and unknown channels; leaves, nickname and mute
//! updates, offers, acks, pings, pongs, DISCONNECTs and arbitrary text; binary frames; peer
//! closes; clock steps past every timer; shutdowns and resets; the SFU link's open, text, frame
//! and close reports on the current and a stale link, with welcomes, arbitrary text and
//! well-formed messages naming real peers) and driven into `SignalService`.
//! After every step the rules in `fuzz/src/signal_script.rs` must hold; a broken one panics with
//! the step that broke it.
#![no_main]

use hark_fuzz::signal_script::SignalScript;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(script) = SignalScript::decode(data) else {
        return;
    };
    if let Err(broken) = script.run() {
        panic!("rule broken: {broken}");
    }
});
