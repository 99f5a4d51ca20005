//! The `voice` scenarios' events and counters (`vectors.md` §6.3, §6.4): hark-core's
//! `VoiceEvent` and `VoiceStats`, with connections and addresses written as client names.

use hark_core::voice::{CloseReason, LeaveReason, UnbindReason};
use serde::{Deserialize, Serialize};

use crate::format::{EventSubject, Hex, Subject};

/// A service event. `conn` and `addr` hold client names; reasons are hark-core's, written as
/// their snake_case names, and error kinds are the names of `vectors.md` §6.4.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum EventJson {
    ConnectionOpened {
        conn: String,
        user_id: u32,
    },
    ConnectionClosed {
        conn: String,
        user_id: u32,
        reason: CloseReason,
    },
    LoggedIn {
        user_id: u32,
        username: String,
    },
    VoiceBound {
        user_id: u32,
        addr: String,
    },
    VoiceUnbound {
        user_id: u32,
        addr: String,
        reason: UnbindReason,
    },
    VoiceJoined {
        user_id: u32,
        channel: String,
    },
    VoiceLeft {
        user_id: u32,
        channel: String,
        reason: LeaveReason,
    },
    UserMuted {
        user_id: u32,
        muted: bool,
    },
    ChatMessage {
        user_id: u32,
        channel: String,
        text: String,
    },
    VoiceData {
        user_id: u32,
        channel: String,
        sequence: u32,
        payload: Hex,
    },
    /// A management refusal (`conn`: the `voice.md` §10 name) or a datagram refused or dropped
    /// (`addr`): exactly one of the two is present.
    Error {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        conn: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        addr: Option<String>,
        error: String,
    },
}

impl EventSubject for EventJson {
    /// The user when the event names one, else its connection or address.
    fn subject(&self) -> Subject<'_> {
        match self {
            EventJson::ConnectionOpened { user_id, .. }
            | EventJson::ConnectionClosed { user_id, .. }
            | EventJson::LoggedIn { user_id, .. }
            | EventJson::VoiceBound { user_id, .. }
            | EventJson::VoiceUnbound { user_id, .. }
            | EventJson::VoiceJoined { user_id, .. }
            | EventJson::VoiceLeft { user_id, .. }
            | EventJson::UserMuted { user_id, .. }
            | EventJson::ChatMessage { user_id, .. }
            | EventJson::VoiceData { user_id, .. } => Subject::User(*user_id),
            EventJson::Error {
                conn: Some(conn), ..
            } => Subject::Connection(conn),
            EventJson::Error {
                addr: Some(addr), ..
            } => Subject::Address(addr),
            EventJson::Error { .. } => Subject::Unaddressed,
        }
    }
}

/// The service's counters after the step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StatsJson {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connections: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logged_in: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice_bound: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice_members: Option<usize>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_about_their_user_else_their_connection_or_address() {
        let joined: EventJson =
            serde_json::from_str(r#"{"type":"voice_joined","user_id":3,"channel":"c"}"#).unwrap();
        assert_eq!(joined.subject(), Subject::User(3));
        let refused: EventJson =
            serde_json::from_str(r#"{"type":"error","conn":"a","error":"not_logged_in"}"#).unwrap();
        assert_eq!(refused.subject(), Subject::Connection("a"));
        let dropped: EventJson =
            serde_json::from_str(r#"{"type":"error","addr":"a","error":"not_in_voice"}"#).unwrap();
        assert_eq!(dropped.subject(), Subject::Address("a"));
    }

    #[test]
    fn unknown_members_are_refused() {
        let text = r#"{"type":"error","conn":"a","error":"e","adr":"b"}"#;
        assert!(serde_json::from_str::<EventJson>(text).is_err());
        let text = r#"{"type":"logged_in","user_id":1,"username":"a","conn":"a"}"#;
        assert!(serde_json::from_str::<EventJson>(text).is_err());
    }
}
