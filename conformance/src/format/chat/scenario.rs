//! `chat` scenario vectors (`vectors.md` §7.3): timed WebSocket and HTTP inputs and exactly what
//! the server must answer. What a live run can observe (frames, responses) is kept apart from
//! what only an in-process run can see (events, stats).

use serde::Deserialize;

use super::{EventJson, Overrides, StatsJson};
use crate::format::Hex;

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
    pub covers: Vec<String>,
    #[serde(default)]
    pub fixture_overrides: Option<Overrides>,
    pub steps: Vec<Step>,
}

/// One input at one instant, and its expected outcome.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "StepJson")]
pub struct Step {
    pub at_ms: u64,
    pub note: Option<String>,
    pub input: Input,
    pub expect: ExpectJson,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// The client sends `GET /ws` with a WebSocket upgrade from its IP.
    Connect(String),
    /// One text frame on the client's connection.
    Text { from: String, text: String },
    /// One binary frame.
    Binary { from: String, bytes: Hex },
    /// The client sends a WebSocket pong.
    Pong(String),
    /// The client sends a WebSocket ping (the transport answers it, `chat.md` §1).
    Ping(String),
    /// The client sends a close frame (1000) and closes its connection.
    Close(String),
    /// A plain HTTP request on a connection of its own, from `127.0.0.1`.
    Http(HttpRequest),
    /// The operator's reset: every connection closed (1001), the server as newly started.
    Reset,
    /// No input: time passes and due timers fire.
    Tick,
}

impl Input {
    /// The client the input comes from, if it is a client's.
    pub fn client(&self) -> Option<&str> {
        match self {
            Input::Connect(client)
            | Input::Pong(client)
            | Input::Ping(client)
            | Input::Close(client) => Some(client),
            Input::Text { from, .. } | Input::Binary { from, .. } => Some(from),
            Input::Http(_) | Input::Reset | Input::Tick => None,
        }
    }

    /// Whether the step expects an HTTP response (`connect` and `http`).
    pub fn has_response(&self) -> bool {
        matches!(self, Input::Connect(_) | Input::Http(_))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpRequest {
    pub method: String,
    pub path: String,
}

/// The wire form of a step: exactly one input.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepJson {
    at_ms: u64,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    connect: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    binary: Option<Hex>,
    #[serde(default)]
    pong: Option<String>,
    #[serde(default)]
    ping: Option<String>,
    #[serde(default)]
    close: Option<String>,
    #[serde(default)]
    http: Option<HttpRequest>,
    #[serde(default)]
    reset: Option<bool>,
    #[serde(default)]
    tick: Option<bool>,
    expect: ExpectJson,
}

impl StepJson {
    /// The one input the step names, if it names exactly one.
    fn input(&mut self) -> Option<Input> {
        let mut inputs = Vec::new();
        if let Some(client) = self.connect.take() {
            inputs.push(Input::Connect(client));
        }
        match (self.from.take(), self.text.take(), self.binary.take()) {
            (Some(from), Some(text), None) => inputs.push(Input::Text { from, text }),
            (Some(from), None, Some(bytes)) => inputs.push(Input::Binary { from, bytes }),
            (None, None, None) => {}
            _ => return None,
        }
        if let Some(client) = self.pong.take() {
            inputs.push(Input::Pong(client));
        }
        if let Some(client) = self.ping.take() {
            inputs.push(Input::Ping(client));
        }
        if let Some(client) = self.close.take() {
            inputs.push(Input::Close(client));
        }
        if let Some(request) = self.http.take() {
            inputs.push(Input::Http(request));
        }
        for (flag, input) in [(self.reset, Input::Reset), (self.tick, Input::Tick)] {
            match flag {
                Some(true) => inputs.push(input),
                Some(false) => return None,
                None => {}
            }
        }
        match <[Input; 1]>::try_from(inputs) {
            Ok([input]) => Some(input),
            Err(_) => None,
        }
    }
}

impl TryFrom<StepJson> for Step {
    type Error = String;

    fn try_from(mut json: StepJson) -> Result<Self, String> {
        let input = json.input().ok_or(
            "a step needs exactly one input: \"connect\", \"from\" + \"text\", \"from\" + \
             \"binary\", \"pong\", \"ping\", \"close\", \"http\", \"reset\": true, or \"tick\": true",
        )?;
        if input.has_response() != json.expect.response.is_some() {
            return Err(
                "\"response\" is expected exactly for \"connect\" and \"http\" steps".to_owned(),
            );
        }
        Ok(Self {
            at_ms: json.at_ms,
            note: json.note,
            input,
            expect: json.expect,
        })
    }
}

/// What must come out of one step. Every list is exhaustive: an empty list means "nothing".
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectJson {
    /// Frames the server writes, per client in the listed order.
    pub transmits: Vec<TransmitJson>,
    /// The HTTP response of a `connect` or `http` step.
    #[serde(default)]
    pub response: Option<ResponseJson>,
    /// Core mode only. Compared in order per subject.
    pub events: Vec<EventJson>,
    /// Core mode only; each counter is checked when present.
    #[serde(default)]
    pub stats: Option<StatsJson>,
}

/// One frame to one client.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "TransmitEntryJson")]
pub struct TransmitJson {
    pub to: String,
    pub frame: FrameJson,
}

/// A frame the server writes: a text frame (a template, `vectors.md` §7.4), a ping, a pong (the
/// transport's answer to a client's ping: live mode only), or a close with its code.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum FrameJson {
    Text(String),
    Ping,
    Pong,
    Close(u16),
}

impl FrameJson {
    /// Whether the frame is the transport's rather than the service's, so that only a live run
    /// sees it.
    pub fn is_transport(&self) -> bool {
        matches!(self, FrameJson::Pong)
    }
}

impl std::fmt::Display for FrameJson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FrameJson::Text(text) => write!(f, "text {text}"),
            FrameJson::Ping => write!(f, "ping"),
            FrameJson::Pong => write!(f, "pong"),
            FrameJson::Close(code) => write!(f, "close {code}"),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct TransmitEntryJson {
    to: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    ping: Option<bool>,
    #[serde(default)]
    pong: Option<bool>,
    #[serde(default)]
    close: Option<u16>,
}

impl TryFrom<TransmitEntryJson> for TransmitJson {
    type Error = String;

    fn try_from(json: TransmitEntryJson) -> Result<Self, String> {
        let frame = match (json.text, json.ping, json.pong, json.close) {
            (Some(text), None, None, None) => FrameJson::Text(text),
            (None, Some(true), None, None) => FrameJson::Ping,
            (None, None, Some(true), None) => FrameJson::Pong,
            (None, None, None, Some(code)) => FrameJson::Close(code),
            _ => {
                return Err(format!(
                    "a transmit to {:?} needs exactly one of \"text\", \"ping\": true, \"pong\": true, \
                     \"close\"",
                    json.to
                ));
            }
        };
        Ok(Self { to: json.to, frame })
    }
}

/// An HTTP response: its status and, unless it is `101`, its exact body (a template).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseJson {
    pub status: u16,
    #[serde(default)]
    pub body: Option<String>,
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
        assert_eq!(
            step(r#""pong":"a""#).unwrap().input,
            Input::Pong("a".into())
        );
        assert_eq!(
            step(r#""ping":"a""#).unwrap().input,
            Input::Ping("a".into())
        );
        assert_eq!(
            step(r#""from":"a","text":"{}""#).unwrap().input,
            Input::Text {
                from: "a".into(),
                text: "{}".into()
            }
        );
        assert!(step(r#""from":"a","text":"x","binary":"00""#).is_err());
        assert!(step(r#""text":"x""#).is_err());
        assert!(step(r#""tick":true,"reset":true"#).is_err());
    }

    #[test]
    fn connect_and_http_steps_expect_a_response() {
        let connect = r#"{"at_ms":0,"connect":"a","expect":{"transmits":[],
                          "response":{"status":101},"events":[]}}"#;
        assert!(serde_json::from_str::<Step>(connect).is_ok());
        assert!(step(r#""connect":"a""#).is_err());
        let tick = r#"{"at_ms":0,"tick":true,"expect":{"transmits":[],
                       "response":{"status":101},"events":[]}}"#;
        assert!(serde_json::from_str::<Step>(tick).is_err());
    }

    #[test]
    fn transmits_are_text_ping_or_close() {
        let s: Step = serde_json::from_str(
            r#"{"at_ms":0,"tick":true,"expect":{"transmits":[{"to":"a","text":"t"},
                {"to":"a","ping":true},{"to":"b","close":1008}],"events":[]}}"#,
        )
        .unwrap();
        let frames: Vec<&FrameJson> = s.expect.transmits.iter().map(|t| &t.frame).collect();
        assert_eq!(
            frames,
            [
                &FrameJson::Text("t".into()),
                &FrameJson::Ping,
                &FrameJson::Close(1008)
            ]
        );
        let both = r#"{"at_ms":0,"tick":true,"expect":{"transmits":[{"to":"a","text":"t",
                       "close":1000}],"events":[]}}"#;
        assert!(serde_json::from_str::<Step>(both).is_err());
    }
}
