//! `signal` codec vectors (`vectors.md` §8.1): an input to one of `signal.md`'s codecs and what
//! it must give, in the JSON shapes §8.1 defines. Values the spec writes as JSON (packets,
//! events, rules) are kept as `serde_json::Value` and compared as such.

use serde::Deserialize;
use serde_json::Value;

use crate::format::{Hex, default_true};

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "codec", rename_all = "snake_case", deny_unknown_fields)]
pub enum CodecVector {
    /// §1: a request to the Socket.IO path and the decision.
    Handshake {
        name: String,
        description: String,
        method: String,
        upgrade: bool,
        query: String,
        expect: HandshakeExpect,
    },
    /// §1: a handshake error code's status and body.
    HandshakeError {
        name: String,
        description: String,
        code: u8,
        status: u16,
        body: String,
    },
    /// §2: a WebSocket frame and the Engine.IO packet it decodes to.
    Engine {
        name: String,
        description: String,
        frame: FrameJson,
        #[serde(default)]
        max_payload: Option<usize>,
        expect: DecodeExpect,
        #[serde(default = "default_true")]
        canonical: bool,
    },
    /// §2: an Engine.IO packet and its exact frame text.
    EngineEncode {
        name: String,
        description: String,
        packet: Value,
        text: String,
    },
    /// §3: an Engine.IO message's text and the Socket.IO packet it decodes to.
    Socket {
        name: String,
        description: String,
        text: String,
        #[serde(default)]
        max_len: Option<usize>,
        expect: DecodeExpect,
        #[serde(default = "default_true")]
        canonical: bool,
        /// A non-canonical packet's canonical text.
        #[serde(default)]
        encoded: Option<String>,
    },
    /// §3: a Socket.IO packet and its exact text.
    SocketEncode {
        name: String,
        description: String,
        packet: Value,
        expect: EncodeExpect,
    },
    /// §5.1: an EVENT's data array and the client event it is.
    ClientEvent {
        name: String,
        description: String,
        data: Vec<Value>,
        expect: EventExpect,
    },
    /// §5.2: a server event and its exact data array text.
    ServerEvent {
        name: String,
        description: String,
        event: Value,
        text: String,
    },
    /// §4 step 2: a CONNECT's `auth` (absent: no data) and what its shape gives.
    ConnectAuth {
        name: String,
        description: String,
        #[serde(default)]
        auth: Option<Value>,
        expect: AuthExpect,
    },
    /// §4: a refusal code and its exact CONNECT_ERROR data.
    ConnectRefusal {
        name: String,
        description: String,
        refusal: String,
        text: String,
    },
    /// §7.5: an env variable's value and the rule or the refusal.
    RateLimitRule {
        name: String,
        description: String,
        var: String,
        value: String,
        expect: RuleExpect,
    },
    /// §7.3–§7.4: a refusal and its exact RateLimitError payload.
    RateLimitError {
        name: String,
        description: String,
        retry_after_ns: u64,
        current_score: u32,
        max_score: u32,
        text: String,
    },
}

impl CodecVector {
    pub fn name(&self) -> &str {
        match self {
            CodecVector::Handshake { name, .. }
            | CodecVector::HandshakeError { name, .. }
            | CodecVector::Engine { name, .. }
            | CodecVector::EngineEncode { name, .. }
            | CodecVector::Socket { name, .. }
            | CodecVector::SocketEncode { name, .. }
            | CodecVector::ClientEvent { name, .. }
            | CodecVector::ServerEvent { name, .. }
            | CodecVector::ConnectAuth { name, .. }
            | CodecVector::ConnectRefusal { name, .. }
            | CodecVector::RateLimitRule { name, .. }
            | CodecVector::RateLimitError { name, .. } => name,
        }
    }
}

/// A WebSocket data frame.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum FrameJson {
    Text(String),
    Binary(Hex),
}

/// The handshake's decision: `"accept"` or the refusal.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum HandshakeExpect {
    Accept,
    Refuse(RefusalJson),
}

/// engine.io's error: its code, HTTP status and JSON body.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefusalJson {
    pub code: u8,
    pub status: u16,
    pub body: String,
}

/// A decoder's outcome: the packet, or the error's `kind()`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum DecodeExpect {
    Packet(Value),
    Error(String),
}

/// An encoder's outcome: the exact text, or the error's `kind()`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum EncodeExpect {
    Text(String),
    Error(String),
}

/// The client event decoder's outcome: the event, or the §5 code.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum EventExpect {
    Event(Value),
    Error(String),
}

/// The `auth` shape check's outcome: what it read, or the exact CONNECT_ERROR data.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum AuthExpect {
    Auth(Value),
    Refusal(String),
}

/// The env format's outcome: the rule, or `{"kind", "field"}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum RuleExpect {
    Rule(Value),
    Error(Value),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_are_told_apart_by_codec() {
        let v: CodecVector = serde_json::from_str(
            r#"{"name":"n","description":"d","codec":"handshake","method":"GET","upgrade":true,
                "query":"EIO=4&transport=websocket","expect":"accept"}"#,
        )
        .unwrap();
        assert!(matches!(
            v,
            CodecVector::Handshake {
                expect: HandshakeExpect::Accept,
                ..
            }
        ));
        let v: CodecVector = serde_json::from_str(
            r#"{"name":"e","description":"d","codec":"engine","frame":{"binary":"0102"},
                "expect":{"error":"binary_message"}}"#,
        )
        .unwrap();
        assert_eq!(v.name(), "e");
    }

    #[test]
    fn misspelt_members_are_refused() {
        let text = r#"{"name":"n","description":"d","codec":"socket","text":"2",
                       "max_size":3,"expect":{"error":"missing_data"}}"#;
        assert!(serde_json::from_str::<CodecVector>(text).is_err());
    }
}
