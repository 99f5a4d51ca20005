//! Checking one codec vector, whatever the service: the parser's outcome, as vector JSON, against
//! the expected one, and the canonical re-encoding (`vectors.md` §2, §6.1).

use std::fmt::Display;

use serde::Serialize;

/// What a codec vector says parsing must give.
#[derive(Debug)]
pub enum Wanted<'a, J> {
    /// This frame or packet.
    Value(&'a J),
    /// An error of this kind.
    Error(&'a str),
    /// A request for more bytes.
    Incomplete,
}

// By hand: a derive would ask `J: Copy`, but only a reference to `J` is held.
impl<J> Clone for Wanted<'_, J> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<J> Copy for Wanted<'_, J> {}

/// What the parser gave.
#[derive(Debug, Clone)]
pub enum Outcome<J> {
    /// A frame or packet, and its encoding (an encoder's error as text).
    Parsed {
        value: J,
        encoded: Result<Vec<u8>, String>,
    },
    /// An error: its kind and the parser's message.
    Failed {
        kind: &'static str,
        detail: String,
    },
    Incomplete,
}

impl<J> Outcome<J> {
    /// A parser's error of this `kind`.
    pub fn failed(kind: &'static str, error: &impl Display) -> Self {
        Outcome::Failed {
            kind,
            detail: error.to_string(),
        }
    }
}

/// Compares `got` with `want`. `what` names the value (`packet`, `frame`); `hex` is the vector's
/// input, which a canonical vector's encoding must reproduce.
pub fn check<J: Serialize + PartialEq>(
    what: &str,
    want: Wanted<'_, J>,
    got: Outcome<J>,
    canonical: bool,
    hex: &[u8],
) -> Result<(), Vec<String>> {
    let expected = match want {
        Wanted::Value(value) => format!("{what} {}", json(value)),
        Wanted::Error(kind) => format!("error {kind}"),
        Wanted::Incomplete => "incomplete (wait for more bytes)".to_owned(),
    };
    let mut lines = Vec::new();
    match (want, got) {
        (
            Wanted::Value(value),
            Outcome::Parsed {
                value: parsed,
                encoded,
            },
        ) => {
            if &parsed != value {
                lines.push(format!("expected {expected}"));
                lines.push(format!("     got {what} {}", json(&parsed)));
            }
            match encoded {
                Ok(bytes) if !canonical || bytes == hex => {}
                Ok(bytes) => {
                    lines.push("encode(parse(hex)) differs from hex:".to_owned());
                    lines.push(format!("    hex     {}", hex::encode(hex)));
                    lines.push(format!("    encoded {}", hex::encode(bytes)));
                }
                Err(error) if canonical => lines.push(format!("cannot encode it again: {error}")),
                Err(_) => {}
            }
        }
        (Wanted::Error(kind), Outcome::Failed { kind: got, .. }) if kind == got => {}
        (Wanted::Incomplete, Outcome::Incomplete) => {}
        (_, got) => {
            lines.push(format!("expected {expected}"));
            lines.push(match got {
                Outcome::Parsed { value, .. } => format!("     got {what} {}", json(&value)),
                Outcome::Failed { kind, detail } => format!("     got error {kind} ({detail})"),
                Outcome::Incomplete => "     got incomplete (wait for more bytes)".to_owned(),
            });
        }
    }
    if lines.is_empty() { Ok(()) } else { Err(lines) }
}

fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| format!("<unprintable: {e}>"))
}
