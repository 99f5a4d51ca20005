//! Scenario vectors: timed inputs to one server and exactly what it must answer.
//!
//! Everything a live run can observe (transmits) is kept apart from what only an in-process
//! run can see (events, stats), so that the `live` mode can replay the same files and skip the
//! latter.

use serde::{Deserialize, Serialize};

use super::Hex;
use super::fixture::FixtureOverrides;
use hark_core::audio::EndReason;

/// One `scenarios/*.json` file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    pub scenarios: Vec<Scenario>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    /// The spec behaviours this scenario demonstrates ("§7.2 step 5: banned", …).
    pub covers: Vec<String>,
    #[serde(default)]
    pub fixture_overrides: Option<FixtureOverrides>,
    pub steps: Vec<Step>,
}

/// One input at one instant, and its expected outcome.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "StepJson")]
pub struct Step {
    /// Milliseconds since the scenario started; never decreasing.
    pub at_ms: u64,
    pub note: Option<String>,
    pub input: Input,
    pub expect: Expect,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A datagram from a symbolic client.
    Send { from: String, datagram: Hex },
    /// An operator's change to the directory.
    Directory(DirectoryChange),
    /// The operator's reset (spec §7.7): every session ends with `server_closing`, and the
    /// server returns to its configured state (users, rate budgets, directory), as a restart
    /// would. Live mode also uses it between scenarios.
    Reset,
    /// No input: time passes and due timers fire.
    Tick,
}

/// The wire form of a step: exactly one of `send` (with `from`), `directory`, `reset`, `tick`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepJson {
    at_ms: u64,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    send: Option<Hex>,
    #[serde(default)]
    directory: Option<DirectoryChange>,
    #[serde(default)]
    reset: Option<bool>,
    #[serde(default)]
    tick: Option<bool>,
    expect: Expect,
}

impl TryFrom<StepJson> for Step {
    type Error = String;

    fn try_from(json: StepJson) -> Result<Self, String> {
        let input = match (json.from, json.send, json.directory, json.reset, json.tick) {
            (Some(from), Some(datagram), None, None, None) => Input::Send { from, datagram },
            (None, None, Some(change), None, None) => Input::Directory(change),
            (None, None, None, Some(true), None) => Input::Reset,
            (None, None, None, None, Some(true)) => Input::Tick,
            _ => {
                return Err(
                    "a step needs exactly one input: \"from\" + \"send\", \"directory\", \
                     \"reset\": true, or \"tick\": true"
                        .to_owned(),
                );
            }
        };
        Ok(Self {
            at_ms: json.at_ms,
            note: json.note,
            input,
            expect: json.expect,
        })
    }
}

/// Operator changes, written as `{"ban": {"channel": "main", "user": "bob"}}`: hark-core's own
/// JSON form, which the admin socket speaks too.
pub use hark_core::directory::DirectoryChange;

/// What must come out of one step. `transmits` and `events` are required and exhaustive: an
/// empty list means "nothing".
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// Compared as a multiset: fan-out order is not part of the protocol.
    pub transmits: Vec<TransmitJson>,
    /// Core mode only. Compared in order per subject (see [`EventJson::subject`]).
    pub events: Vec<EventJson>,
    /// Core mode only; each counter is checked when present.
    #[serde(default)]
    pub stats: Option<StatsJson>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TransmitJson {
    /// A symbolic client name.
    pub to: String,
    pub hex: Hex,
}

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

impl EventJson {
    /// Events about one address must come in order; events about different addresses may
    /// interleave (the spec does not order, say, the sessions a removed channel ends). Events
    /// without an address (mute, audio) form one subject of their own.
    pub fn subject(&self) -> Option<&str> {
        match self {
            EventJson::SessionStarted { addr, .. }
            | EventJson::SessionEnded { addr, .. }
            | EventJson::UserJoined { addr, .. }
            | EventJson::UserLeft { addr, .. }
            | EventJson::Error { addr, .. } => Some(addr),
            EventJson::UserMuted { .. } | EventJson::AudioPacket { .. } => None,
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

    const EXPECT: &str = r#""expect":{"transmits":[],"events":[]}"#;

    fn step(body: &str) -> Result<Step, serde_json::Error> {
        serde_json::from_str(&format!(r#"{{"at_ms":5,{body},{EXPECT}}}"#))
    }

    #[test]
    fn a_step_has_exactly_one_input() {
        assert_eq!(step(r#""tick":true"#).unwrap().input, Input::Tick);
        assert_eq!(step(r#""reset":true"#).unwrap().input, Input::Reset);
        assert!(matches!(
            step(r#""from":"a","send":"00""#).unwrap().input,
            Input::Send { .. }
        ));
        assert!(step(r#""tick":true,"from":"a","send":"00""#).is_err());
        assert!(step(r#""send":"00""#).is_err());
    }

    #[test]
    fn directory_changes_are_named_by_their_operation() {
        let s = step(r#""directory":{"ban":{"channel":"main","user":"bob"}}"#).unwrap();
        assert_eq!(
            s.input,
            Input::Directory(DirectoryChange::Ban {
                channel: "main".into(),
                user: "bob".into()
            })
        );
    }

    #[test]
    fn events_are_tagged_by_type() {
        let e: EventJson = serde_json::from_str(
            r#"{"type":"user_left","user_id":"a","channel_id":"c","addr":"x","reason":"left"}"#,
        )
        .unwrap();
        assert_eq!(e.subject(), Some("x"));
        assert!(
            serde_json::from_str::<EventJson>(r#"{"type":"error","addr":"x","error":"e","z":1}"#)
                .is_err()
        );
    }
}
