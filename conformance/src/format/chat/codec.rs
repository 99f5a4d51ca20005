//! `chat` codec vectors (`vectors.md` §7.1): a client's text frame and what decoding it gives,
//! or a server message and the exact text encoding it gives.

use serde::Deserialize;
use serde_json::Value;

/// The decoder's limit when a vector names none (`chat.md` §4).
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 10240;

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "direction", rename_all = "snake_case", deny_unknown_fields)]
pub enum CodecVector {
    /// A text frame a client sends.
    Client {
        name: String,
        description: String,
        text: String,
        #[serde(default)]
        max_message_size: Option<usize>,
        expect: ClientExpect,
    },
    /// A message the server writes: `message` as §3 shows it, `text` its exact encoding.
    Server {
        name: String,
        description: String,
        message: Value,
        text: String,
    },
}

/// What decoding a client frame must give: the message in §2's shape, or a §6 code.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientExpect {
    Message(Value),
    Error(String),
}

impl CodecVector {
    pub fn name(&self) -> &str {
        match self {
            CodecVector::Client { name, .. } | CodecVector::Server { name, .. } => name,
        }
    }
}

/// A client vector's limit: its own, else §4's default.
pub fn max_message_size(given: Option<usize>) -> usize {
    given.unwrap_or(DEFAULT_MAX_MESSAGE_SIZE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_are_told_apart_by_direction() {
        let client: CodecVector = serde_json::from_str(
            r#"{"name":"n","description":"d","direction":"client","text":"x",
                "expect":{"error":"INVALID_JSON"}}"#,
        )
        .unwrap();
        assert!(matches!(
            client,
            CodecVector::Client { expect: ClientExpect::Error(ref code), .. } if code == "INVALID_JSON"
        ));
        let server: CodecVector = serde_json::from_str(
            r#"{"name":"s","description":"d","direction":"server","message":{"type":"pong"},
                "text":"{\"type\":\"pong\"}"}"#,
        )
        .unwrap();
        assert_eq!(server.name(), "s");
    }

    #[test]
    fn misspelt_members_are_refused() {
        let text = r#"{"name":"n","description":"d","direction":"client","text":"x",
                       "max_size":3,"expect":{"error":"INVALID_JSON"}}"#;
        assert!(serde_json::from_str::<CodecVector>(text).is_err());
    }
}
