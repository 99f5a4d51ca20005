//! The signaling event decoder on arbitrary JSON (`conformance/spec/signal.md` §5: every EVENT
//! data array gives an event or exactly one error). The text is parsed with `serde_json`; an
//! array is the data array, anything else is fed as a one-element array. `decode_client_event`
//! must not panic, and:
//! - an event is named by the array's first element;
//! - a refusal names its failed check, and is `invalid_event` exactly when there is no string name;
//! - a decoded offer, answer or ICE candidate, relayed as the server's event of the same name,
//!   decodes to itself again (what hark relays is what it accepted).
#![no_main]

use hark_core::wire::signal::events::{
    ClientEvent, EventErrorCode, ServerEvent, decode_client_event,
};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let array = match value {
        Value::Array(array) => array,
        other => vec![other],
    };
    let name = array.first().and_then(Value::as_str).map(str::to_owned);
    match decode_client_event(array) {
        Ok(event) => {
            assert_eq!(Some(event.name()), name.as_deref());
            let relayed = match &event {
                ClientEvent::Offer(description) => ServerEvent::Offer(description.clone()),
                ClientEvent::Answer(description) => ServerEvent::Answer(description.clone()),
                ClientEvent::IceCandidate(candidate) => {
                    ServerEvent::IceCandidate(candidate.clone())
                }
                _ => return,
            };
            let Ok(Value::Array(again)) = serde_json::from_str::<Value>(&relayed.encode()) else {
                panic!("{relayed:?} does not encode to a JSON array");
            };
            assert_eq!(decode_client_event(again), Ok(event));
        }
        Err(error) => {
            assert!(!error.detail.is_empty());
            assert_eq!(error.code == EventErrorCode::InvalidEvent, name.is_none());
        }
    }
});
