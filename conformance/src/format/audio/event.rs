//! The `audio` scenarios' events and counters (`vectors.md` §4.1, §4.4): hark-core's
//! `AudioEvent` and `AudioStats` with addresses written as client names.

use hark_core::audio::EndReason;
use serde::{Deserialize, Serialize};

use crate::format::{EventSubject, Hex, Subject};

/// A service event. `addr` fields hold symbolic client names.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum EventJson {
    SessionStarted {
        user_id: String,
        channel_id: String,
        addr: String,
    },
    SessionEnded {
        user_id: String,
        channel_id: String,
        addr: String,
        reason: EndReason,
    },
    UserJoined {
        user_id: String,
        channel_id: String,
        addr: String,
    },
    UserLeft {
        user_id: String,
        channel_id: String,
        addr: String,
        reason: EndReason,
    },
    UserMuted {
        user_id: String,
        channel_id: String,
        muted: bool,
    },
    AudioPacket {
        from_user_id: String,
        channel_id: String,
        sequence: u32,
        data: Hex,
    },
    /// A datagram from `addr` was refused or dropped; `error` is hark-core's
    /// `AudioError::kind()`.
    Error { addr: String, error: String },
}

impl EventSubject for EventJson {
    /// Events about one address must come in order; events about different addresses may
    /// interleave (the spec does not order, say, the sessions a removed channel ends). Events
    /// without an address (mute, audio) form one subject of their own.
    fn subject(&self) -> Subject<'_> {
        match self {
            EventJson::SessionStarted { addr, .. }
            | EventJson::SessionEnded { addr, .. }
            | EventJson::UserJoined { addr, .. }
            | EventJson::UserLeft { addr, .. }
            | EventJson::Error { addr, .. } => Subject::Address(addr),
            EventJson::UserMuted { .. } | EventJson::AudioPacket { .. } => Subject::Unaddressed,
        }
    }
}

/// The service's counters after the step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StatsJson {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_sessions: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_members: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_channels: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_users: Option<usize>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_tagged_by_type() {
        let e: EventJson = serde_json::from_str(
            r#"{"type":"user_left","user_id":"a","channel_id":"c","addr":"x","reason":"left"}"#,
        )
        .unwrap();
        assert_eq!(e.subject(), Subject::Address("x"));
        assert!(
            serde_json::from_str::<EventJson>(r#"{"type":"error","addr":"x","error":"e","z":1}"#)
                .is_err()
        );
    }
}
