//! Scenario vectors: timed inputs to one server and exactly what it must answer (`vectors.md`
//! §4, and §6.3 for management connections).
//!
//! Everything a live run can observe (transmits, closed connections) is kept apart from what only
//! an in-process run can see (events, stats), so that the `live` mode can replay the same files
//! and skip the latter.

use serde::Deserialize;

use super::fixture::FixtureOverrides;
use super::{Hex, ServiceFormat};

/// One `scenarios/*.json` file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, bound = "")]
pub struct ScenarioFile<S: ServiceFormat> {
    pub scenarios: Vec<Scenario<S>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, bound = "")]
pub struct Scenario<S: ServiceFormat> {
    pub name: String,
    pub description: String,
    /// The spec behaviours this scenario demonstrates ("§7.2 step 5: banned", …).
    pub covers: Vec<String>,
    #[serde(default)]
    pub fixture_overrides: Option<FixtureOverrides>,
    pub steps: Vec<Step<S>>,
}

/// One input at one instant, and its expected outcome.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "StepJson<S>", bound = "")]
pub struct Step<S: ServiceFormat> {
    /// Milliseconds since the scenario started; never decreasing.
    pub at_ms: u64,
    pub note: Option<String>,
    pub input: Input,
    pub expect: Expect<S>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A datagram from a symbolic client.
    Send { from: String, datagram: Hex },
    /// The client opens its management connection.
    Connect(String),
    /// Bytes arrive on the client's management connection: any number of frames, or part of one.
    Stream { from: String, bytes: Hex },
    /// The client closes its management connection.
    Close(String),
    /// An operator's change to the directory.
    Directory(DirectoryChange),
    /// The operator's reset: every session or connection ends with `server_closing`, and the
    /// server returns to its configured state, as a restart would. Live mode also uses it
    /// between scenarios.
    Reset,
    /// No input: time passes and due timers fire.
    Tick,
}

impl Input {
    /// The client the input comes from, if it is a client's.
    pub fn client(&self) -> Option<&str> {
        match self {
            Input::Send { from, .. } | Input::Stream { from, .. } => Some(from),
            Input::Connect(client) | Input::Close(client) => Some(client),
            Input::Directory(_) | Input::Reset | Input::Tick => None,
        }
    }
}

/// The wire form of a step: exactly one of `send` (with `from`), `tcp` (with `from`), `connect`,
/// `close`, `directory`, `reset`, `tick`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, bound = "")]
struct StepJson<S: ServiceFormat> {
    at_ms: u64,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    send: Option<Hex>,
    #[serde(default)]
    tcp: Option<Hex>,
    #[serde(default)]
    connect: Option<String>,
    #[serde(default)]
    close: Option<String>,
    #[serde(default)]
    directory: Option<DirectoryChange>,
    #[serde(default)]
    reset: Option<bool>,
    #[serde(default)]
    tick: Option<bool>,
    expect: ExpectJson<S>,
}

impl<S: ServiceFormat> StepJson<S> {
    /// The one input the step names, if it names exactly one.
    fn input(&mut self) -> Option<Input> {
        let given = (
            self.from.take(),
            self.send.take(),
            self.tcp.take(),
            self.connect.take(),
            self.close.take(),
            self.directory.take(),
            self.reset,
            self.tick,
        );
        Some(match given {
            (Some(from), Some(datagram), None, None, None, None, None, None) => {
                Input::Send { from, datagram }
            }
            (Some(from), None, Some(bytes), None, None, None, None, None) => {
                Input::Stream { from, bytes }
            }
            (None, None, None, Some(client), None, None, None, None) => Input::Connect(client),
            (None, None, None, None, Some(client), None, None, None) => Input::Close(client),
            (None, None, None, None, None, Some(change), None, None) => Input::Directory(change),
            (None, None, None, None, None, None, Some(true), None) => Input::Reset,
            (None, None, None, None, None, None, None, Some(true)) => Input::Tick,
            _ => return None,
        })
    }
}

impl<S: ServiceFormat> TryFrom<StepJson<S>> for Step<S> {
    type Error = String;

    fn try_from(mut json: StepJson<S>) -> Result<Self, String> {
        let input = json.input().ok_or(if S::STREAMS {
            "a step needs exactly one input: \"from\" + \"send\", \"from\" + \"tcp\", \
             \"connect\", \"close\", \"directory\", \"reset\": true, or \"tick\": true"
        } else {
            "a step needs exactly one input: \"from\" + \"send\", \"directory\", \
             \"reset\": true, or \"tick\": true"
        })?;
        let expect = Expect::try_from(json.expect)?;
        let streams_used = matches!(
            input,
            Input::Connect(_) | Input::Stream { .. } | Input::Close(_)
        ) || !expect.stream.is_empty()
            || !expect.closed.is_empty();
        if streams_used && !S::STREAMS {
            return Err(format!(
                "{} has no management connections: no \"connect\", \"tcp\", \"close\" or \
                 \"closed\"",
                S::NAME
            ));
        }
        Ok(Self {
            at_ms: json.at_ms,
            note: json.note,
            input,
            expect,
        })
    }
}

/// Operator changes, written as `{"ban": {"channel": "main", "user": "bob"}}`: hark-core's own
/// JSON form, which the admin socket speaks too.
pub use hark_core::directory::DirectoryChange;

/// What must come out of one step. Every list is exhaustive: an empty list means "nothing".
#[derive(Debug, Clone)]
pub struct Expect<S: ServiceFormat> {
    /// Datagrams, compared as a multiset: fan-out order is not part of the protocol.
    pub transmits: Vec<TransmitJson>,
    /// Bytes written on management connections: per client, concatenated in the listed order.
    pub stream: Vec<StreamJson>,
    /// The clients whose connection the server closes during the step.
    pub closed: Vec<String>,
    /// Core mode only. Compared in order per subject ([`super::EventSubject`]).
    pub events: Vec<S::Event>,
    /// Core mode only; each counter is checked when present.
    pub stats: Option<S::Stats>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, bound = "")]
struct ExpectJson<S: ServiceFormat> {
    transmits: Vec<TransmitEntryJson>,
    #[serde(default)]
    closed: Vec<String>,
    events: Vec<S::Event>,
    #[serde(default)]
    stats: Option<S::Stats>,
}

/// One entry of `transmits`: `{"to", "hex"}` (a datagram) or `{"to", "tcp"}` (bytes on the
/// client's management connection).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct TransmitEntryJson {
    to: String,
    #[serde(default)]
    hex: Option<Hex>,
    #[serde(default)]
    tcp: Option<Hex>,
}

impl<S: ServiceFormat> TryFrom<ExpectJson<S>> for Expect<S> {
    type Error = String;

    fn try_from(json: ExpectJson<S>) -> Result<Self, String> {
        let mut transmits = Vec::new();
        let mut stream = Vec::new();
        for entry in json.transmits {
            match (entry.hex, entry.tcp) {
                (Some(hex), None) => transmits.push(TransmitJson { to: entry.to, hex }),
                (None, Some(tcp)) => stream.push(StreamJson { to: entry.to, tcp }),
                _ => {
                    return Err(format!(
                        "a transmit to {:?} needs exactly one of \"hex\" (a datagram) and \
                         \"tcp\" (bytes on its connection)",
                        entry.to
                    ));
                }
            }
        }
        Ok(Self {
            transmits,
            stream,
            closed: json.closed,
            events: json.events,
            stats: json.stats,
        })
    }
}

/// A datagram to a symbolic client.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct TransmitJson {
    pub to: String,
    pub hex: Hex,
}

/// Bytes (one frame, as the vectors write them) on a client's management connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamJson {
    pub to: String,
    pub tcp: Hex,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::audio::Audio;
    use crate::format::voice::Voice;

    const EXPECT: &str = r#""expect":{"transmits":[],"events":[]}"#;

    fn step<S: ServiceFormat>(body: &str) -> Result<Step<S>, serde_json::Error> {
        serde_json::from_str(&format!(r#"{{"at_ms":5,{body},{EXPECT}}}"#))
    }

    #[test]
    fn a_step_has_exactly_one_input() {
        assert_eq!(step::<Audio>(r#""tick":true"#).unwrap().input, Input::Tick);
        assert_eq!(
            step::<Audio>(r#""reset":true"#).unwrap().input,
            Input::Reset
        );
        assert!(matches!(
            step::<Audio>(r#""from":"a","send":"00""#).unwrap().input,
            Input::Send { .. }
        ));
        assert!(step::<Audio>(r#""tick":true,"from":"a","send":"00""#).is_err());
        assert!(step::<Audio>(r#""send":"00""#).is_err());
        assert!(step::<Voice>(r#""connect":"a","close":"a""#).is_err());
        assert!(step::<Voice>(r#""from":"a","send":"00","tcp":"00""#).is_err());
    }

    #[test]
    fn management_connections_are_steps_of_their_own() {
        assert_eq!(
            step::<Voice>(r#""connect":"a""#).unwrap().input,
            Input::Connect("a".into())
        );
        assert_eq!(
            step::<Voice>(r#""close":"a""#).unwrap().input,
            Input::Close("a".into())
        );
        assert_eq!(
            step::<Voice>(r#""from":"a","tcp":"0001""#).unwrap().input,
            Input::Stream {
                from: "a".into(),
                bytes: Hex(vec![0, 1])
            }
        );
    }

    #[test]
    fn audio_has_no_management_connections() {
        let error = step::<Audio>(r#""connect":"a""#).unwrap_err().to_string();
        assert!(
            error.contains("audio has no management connections"),
            "{error}"
        );
        let closed = r#"{"at_ms":0,"tick":true,"expect":{"transmits":[],"events":[],
                         "closed":["a"]}}"#;
        assert!(serde_json::from_str::<Step<Audio>>(closed).is_err());
    }

    #[test]
    fn transmits_are_datagrams_or_connection_bytes() {
        let s: Step<Voice> = serde_json::from_str(
            r#"{"at_ms":0,"tick":true,"expect":{"transmits":[{"to":"a","hex":"01"},
                {"to":"b","tcp":"0002"},{"to":"b","tcp":"03"}],"closed":["b"],"events":[]}}"#,
        )
        .unwrap();
        assert_eq!(s.expect.transmits.len(), 1);
        let tcp: Vec<&[u8]> = s.expect.stream.iter().map(|t| t.tcp.as_bytes()).collect();
        assert_eq!(tcp, [&[0, 2][..], &[3][..]]);
        assert_eq!(s.expect.closed, ["b"]);
        let both = r#"{"at_ms":0,"tick":true,"expect":{"transmits":[{"to":"a","hex":"01",
                       "tcp":"01"}],"events":[]}}"#;
        assert!(serde_json::from_str::<Step<Voice>>(both).is_err());
    }

    #[test]
    fn directory_changes_are_named_by_their_operation() {
        let s = step::<Audio>(r#""directory":{"ban":{"channel":"main","user":"bob"}}"#).unwrap();
        assert_eq!(
            s.input,
            Input::Directory(DirectoryChange::Ban {
                channel: "main".into(),
                user: "bob".into()
            })
        );
    }
}
