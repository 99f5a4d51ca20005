//! `chat` codec vectors (`vectors.md` §7.1): client frames against `decode_client`, server
//! messages against `ServerMessage::encode`.

use hark_core::wire::chat::decode_client;
use serde_json::Value;

use super::convert::{client_json, server_message};
use crate::core_mode::invalid;
use crate::format::chat::{ClientExpect, CodecVector, max_message_size};

pub fn run(vector: &CodecVector) -> Result<(), Vec<String>> {
    match vector {
        CodecVector::Client {
            text,
            max_message_size: limit,
            expect,
            ..
        } => client(text, max_message_size(*limit), expect),
        CodecVector::Server { message, text, .. } => server(message, text),
    }
}

fn client(text: &str, limit: usize, expect: &ClientExpect) -> Result<(), Vec<String>> {
    let got = match decode_client(text, limit) {
        Ok(message) => ClientExpect::Message(client_json(&message)),
        Err(error) => ClientExpect::Error(error.code.code().to_owned()),
    };
    if &got == expect {
        return Ok(());
    }
    Err(vec![
        format!("expected {}", show(expect)),
        format!("     got {}", show(&got)),
    ])
}

fn show(outcome: &ClientExpect) -> String {
    match outcome {
        ClientExpect::Message(value) => format!("message {value}"),
        ClientExpect::Error(code) => format!("error {code}"),
    }
}

fn server(message: &Value, text: &str) -> Result<(), Vec<String>> {
    let message = server_message(message).map_err(|e| vec![invalid(&e)])?;
    let encoded = message.encode();
    if encoded == text {
        return Ok(());
    }
    Err(vec![
        "encode() differs from text:".to_owned(),
        format!("    text    {text}"),
        format!("    encoded {encoded}"),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vector(body: &str) -> CodecVector {
        serde_json::from_str(&format!(r#"{{"name":"t","description":"",{body}}}"#)).unwrap()
    }

    #[test]
    fn a_client_frame_decodes_to_its_message_or_its_error_code() {
        let ping = vector(
            r#""direction":"client","text":"{\"type\":\"ping\"}","expect":{"message":{"type":"ping"}}"#,
        );
        assert_eq!(run(&ping), Ok(()));
        let wrong =
            vector(r#""direction":"client","text":"{","expect":{"message":{"type":"ping"}}"#);
        let lines = run(&wrong).unwrap_err();
        assert_eq!(lines[1], "     got error INVALID_JSON");
        let small = vector(
            r#""direction":"client","text":"{\"type\":\"ping\"}","max_message_size":3,"expect":{"error":"MESSAGE_TOO_LARGE"}"#,
        );
        assert_eq!(run(&small), Ok(()));
    }

    #[test]
    fn a_server_message_encodes_to_its_exact_text() {
        let pong = vector(
            r#""direction":"server","message":{"type":"pong"},"text":"{\"type\":\"pong\"}""#,
        );
        assert_eq!(run(&pong), Ok(()));
        let spaced = vector(
            r#""direction":"server","message":{"type":"pong"},"text":"{\"type\": \"pong\"}""#,
        );
        assert!(run(&spaced).is_err());
    }
}
