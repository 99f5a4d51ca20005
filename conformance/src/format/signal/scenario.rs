//! `signal` scenario vectors (`vectors.md` §8.3): timed WebSocket, HTTP and SFU inputs and exactly
//! what the server must answer on each side. The client side reuses chat's frames and templates
//! (§7.3, §7.4); the SFU side is what hark writes on its link, as templates too.

use serde::Deserialize;

use super::{EventJson, Overrides, StatsJson};
use crate::format::chat::{HttpRequest, ResponseJson, TransmitJson};
use crate::format::{DirectoryChange, Hex};

/// The query of a `connect` step that names none: a stock `socket.io-client` v4 with
/// `transports: ['websocket']`.
pub const DEFAULT_QUERY: &str = "EIO=4&transport=websocket";

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
    /// False for a scenario that waits out the seed's real minutes: core mode only.
    #[serde(default = "crate::format::default_true")]
    pub live: bool,
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
    /// The client sends `GET /socket.io/?<query>` with a WebSocket upgrade from its IP, with an
    /// `Origin` header when one is given.
    Connect {
        client: String,
        query: String,
        origin: Option<String>,
    },
    /// One text frame (one Engine.IO packet) on the client's connection.
    Text { from: String, text: String },
    /// One binary frame.
    Binary { from: String, bytes: Hex },
    /// The client closes its connection (a close frame, 1000).
    Close(String),
    /// A plain HTTP/1.1 request without upgrade, on a connection of its own from `127.0.0.1`.
    Http(HttpRequest),
    /// An operator's change to the directory (`signal.md` §6), as the admin socket takes it.
    Directory(DirectoryChange),
    /// The operator's reset.
    Reset,
    /// No input: time passes and due timers fire.
    Tick,
    /// The SFU completes the upgrade of hark's pending dial (§8.1).
    SfuAccept,
    /// One text frame from the SFU; `"<sid:NAME>"` placeholders are filled in with bound ids.
    SfuSend(String),
    /// The SFU closes the link.
    SfuClose,
}

impl Input {
    /// Whether the step expects an HTTP response (`connect` and `http`).
    pub fn has_response(&self) -> bool {
        matches!(self, Input::Connect { .. } | Input::Http(_))
    }
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
    query: Option<String>,
    #[serde(default)]
    origin: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    binary: Option<Hex>,
    #[serde(default)]
    close: Option<String>,
    #[serde(default)]
    http: Option<HttpRequest>,
    #[serde(default)]
    directory: Option<DirectoryChange>,
    #[serde(default)]
    reset: Option<bool>,
    #[serde(default)]
    tick: Option<bool>,
    #[serde(default)]
    sfu_accept: Option<bool>,
    #[serde(default)]
    sfu_send: Option<String>,
    #[serde(default)]
    sfu_close: Option<bool>,
    expect: ExpectJson,
}

impl StepJson {
    /// The one input the step names, if it names exactly one.
    fn input(&mut self) -> Option<Input> {
        let mut inputs = Vec::new();
        match (self.connect.take(), self.query.take(), self.origin.take()) {
            (Some(client), query, origin) => inputs.push(Input::Connect {
                client,
                query: query.unwrap_or_else(|| DEFAULT_QUERY.to_owned()),
                origin,
            }),
            (None, None, None) => {}
            _ => return None,
        }
        match (self.from.take(), self.text.take(), self.binary.take()) {
            (Some(from), Some(text), None) => inputs.push(Input::Text { from, text }),
            (Some(from), None, Some(bytes)) => inputs.push(Input::Binary { from, bytes }),
            (None, None, None) => {}
            _ => return None,
        }
        if let Some(client) = self.close.take() {
            inputs.push(Input::Close(client));
        }
        if let Some(request) = self.http.take() {
            inputs.push(Input::Http(request));
        }
        if let Some(change) = self.directory.take() {
            inputs.push(Input::Directory(change));
        }
        if let Some(text) = self.sfu_send.take() {
            inputs.push(Input::SfuSend(text));
        }
        for (flag, input) in [
            (self.reset, Input::Reset),
            (self.tick, Input::Tick),
            (self.sfu_accept, Input::SfuAccept),
            (self.sfu_close, Input::SfuClose),
        ] {
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
            "a step needs exactly one input: \"connect\" (with \"query\", \"origin\"), \"from\" + \
             \"text\", \"from\" + \"binary\", \"close\", \"http\", \"directory\", \"reset\", \"tick\", \
             \"sfu_accept\", \"sfu_send\" or \"sfu_close\"",
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
    /// Frames the server writes to clients, per client in the listed order.
    pub transmits: Vec<TransmitJson>,
    /// Text frames hark writes on the SFU link, in order (templates).
    #[serde(default)]
    pub sfu: Vec<SfuFrameJson>,
    #[serde(default)]
    pub response: Option<ResponseJson>,
    /// Core mode only. Compared in order per subject.
    pub events: Vec<EventJson>,
    /// Core mode only.
    #[serde(default)]
    pub stats: Option<StatsJson>,
}

/// One text frame hark sends the SFU.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SfuFrameJson {
    pub text: String,
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
        assert_eq!(
            step(r#""sfu_accept":true"#).unwrap().input,
            Input::SfuAccept
        );
        assert_eq!(
            step(r#""sfu_send":"{}""#).unwrap().input,
            Input::SfuSend("{}".into())
        );
        assert!(step(r#""query":"EIO=4""#).is_err());
        assert!(step(r#""tick":true,"sfu_close":true"#).is_err());
    }

    #[test]
    fn a_connect_takes_the_default_query() {
        let s: Step = serde_json::from_str(
            r#"{"at_ms":0,"connect":"a","origin":"http://x","expect":{"transmits":[],
                "response":{"status":101},"events":[]}}"#,
        )
        .unwrap();
        assert_eq!(
            s.input,
            Input::Connect {
                client: "a".into(),
                query: DEFAULT_QUERY.into(),
                origin: Some("http://x".into())
            }
        );
    }
}
