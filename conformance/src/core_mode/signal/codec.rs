//! `signal` codec vectors (`vectors.md` §8.1), each against the hark-core function it names.

use std::time::Duration;

use hark_core::limits::{RateLimited, RateLimits};
use hark_core::wire::signal::events::{ConnectRefusal, decode_connect_auth};
use hark_core::wire::signal::{
    CorsOrigins, EngineFrame, HandshakeDecision, HandshakeError, HandshakeRequest,
    decide_handshake, decode_client_event, decode_engine, decode_socket,
};
use serde::Serialize;
use serde_json::{Value, json};

use super::convert;
use crate::core_mode::invalid;
use crate::format::signal::{
    AuthExpect, CodecVector, DEFAULT_MAX_PAYLOAD, DecodeExpect, EncodeExpect, EventExpect,
    FrameJson, HandshakeExpect, RefusalJson, RuleExpect,
};

type Outcome = Result<(), Vec<String>>;

pub fn run(vector: &CodecVector) -> Outcome {
    match vector {
        CodecVector::Handshake {
            method,
            upgrade,
            query,
            expect,
            ..
        } => handshake(method, *upgrade, query, expect),
        CodecVector::HandshakeError {
            code, status, body, ..
        } => handshake_error(*code, *status, body),
        CodecVector::Engine {
            frame,
            max_payload,
            expect,
            canonical,
            ..
        } => engine(
            frame,
            max_payload.unwrap_or(DEFAULT_MAX_PAYLOAD),
            expect,
            *canonical,
        ),
        CodecVector::EngineEncode { packet, text, .. } => {
            let packet = convert::engine_packet(packet).map_err(|e| vec![invalid(&e)])?;
            same_text("encode()", text, &packet.encode())
        }
        CodecVector::Socket {
            text,
            max_len,
            expect,
            canonical,
            encoded,
            ..
        } => socket(
            text,
            max_len.unwrap_or(DEFAULT_MAX_PAYLOAD),
            expect,
            canonical.then_some(text).or(encoded.as_ref()),
        ),
        CodecVector::SocketEncode { packet, expect, .. } => socket_encode(packet, expect),
        CodecVector::ClientEvent { data, expect, .. } => {
            let got = match decode_client_event(data.clone()) {
                Ok(event) => EventExpect::Event(convert::client_event_json(&event)),
                Err(error) => EventExpect::Error(error.code.code().to_owned()),
            };
            compare(expect, &got)
        }
        CodecVector::ServerEvent { event, text, .. } => {
            let event = convert::server_event(event).map_err(|e| vec![invalid(&e)])?;
            same_text("encode()", text, &event.encode())
        }
        CodecVector::ConnectAuth { auth, expect, .. } => {
            let got = match decode_connect_auth(auth.as_ref()) {
                Ok(auth) => AuthExpect::Auth(convert::auth_json(&auth)),
                Err(refusal) => AuthExpect::Refusal(to_json(&refusal)),
            };
            compare(expect, &got)
        }
        CodecVector::ConnectRefusal { refusal, text, .. } => {
            let refusal = ConnectRefusal::ALL
                .iter()
                .find(|r| r.code() == refusal)
                .ok_or_else(|| vec![invalid(&format!("unknown refusal {refusal:?}"))])?;
            same_text("the CONNECT_ERROR data", text, &to_json(refusal))
        }
        CodecVector::RateLimitRule {
            var, value, expect, ..
        } => rate_limit_rule(var, value, expect),
        CodecVector::RateLimitError {
            retry_after_ns,
            current_score,
            max_score,
            text,
            ..
        } => {
            let refused = RateLimited {
                retry_after: Duration::from_nanos(*retry_after_ns),
                current_score: *current_score,
                max_score: *max_score,
            };
            same_text("the RateLimitError", text, &to_json(&refused.error()))
        }
    }
}

fn handshake(method: &str, upgrade: bool, query: &str, expect: &HandshakeExpect) -> Outcome {
    let request = HandshakeRequest {
        is_get: method == "GET",
        is_websocket_upgrade: upgrade,
        query,
        origin: None,
    };
    let decision = decide_handshake(request, &CorsOrigins::Any);
    let got = match decision {
        HandshakeDecision::AcceptWebSocket => HandshakeExpect::Accept,
        HandshakeDecision::Refuse(error) => HandshakeExpect::Refuse(refusal(error)),
    };
    compare(expect, &got)
}

fn refusal(error: HandshakeError) -> RefusalJson {
    RefusalJson {
        code: error.code(),
        status: error.status(),
        body: error.body(),
    }
}

fn handshake_error(code: u8, status: u16, body: &str) -> Outcome {
    let error = HandshakeError::ALL
        .iter()
        .find(|e| e.code() == code)
        .ok_or_else(|| vec![invalid(&format!("no handshake error code {code}"))])?;
    let want = RefusalJson {
        code,
        status,
        body: body.to_owned(),
    };
    compare(&want, &refusal(*error))
}

fn engine(frame: &FrameJson, max: usize, expect: &DecodeExpect, canonical: bool) -> Outcome {
    let decoded = match frame {
        FrameJson::Text(text) => decode_engine(EngineFrame::Text(text), max),
        FrameJson::Binary(bytes) => decode_engine(EngineFrame::Binary(bytes.as_bytes()), max),
    };
    let got = match &decoded {
        Ok(packet) => DecodeExpect::Packet(convert::engine_json(packet)),
        Err(error) => DecodeExpect::Error(error.kind().to_owned()),
    };
    compare(expect, &got)?;
    match (decoded, frame) {
        (Ok(packet), FrameJson::Text(text)) if canonical => {
            same_text("encode(decode(text))", text, &packet.encode())
        }
        _ => Ok(()),
    }
}

/// `reencoded`: the text the decoded packet must encode to, if any.
fn socket(text: &str, max: usize, expect: &DecodeExpect, reencoded: Option<&String>) -> Outcome {
    let decoded = decode_socket(text, max);
    let got = match &decoded {
        Ok(packet) => DecodeExpect::Packet(convert::socket_json(packet)),
        Err(error) => DecodeExpect::Error(error.kind().to_owned()),
    };
    compare(expect, &got)?;
    match (decoded, reencoded) {
        (Ok(packet), Some(want)) => same_text("encode(decode(text))", want, &packet.encode()),
        _ => Ok(()),
    }
}

fn socket_encode(packet: &Value, expect: &EncodeExpect) -> Outcome {
    let got = match convert::socket_packet(packet).map_err(|e| vec![invalid(&e)])? {
        Ok(packet) => EncodeExpect::Text(packet.encode()),
        Err(error) => EncodeExpect::Error(error.kind().to_owned()),
    };
    compare(expect, &got)
}

/// Parses the value as `RATE_LIMIT_<RULE>` is parsed at startup: through
/// `RateLimits::from_env` with only that variable set.
fn rate_limit_rule(var: &str, value: &str, expect: &RuleExpect) -> Outcome {
    let parsed = RateLimits::from_env(|name| (name == var).then(|| value.to_owned()));
    let got = match parsed {
        Ok(limits) => {
            let rule = match var {
                "RATE_LIMIT_CHAT_SEND" => limits.chat_send,
                "RATE_LIMIT_CHAT_REACT" => limits.chat_react,
                "RATE_LIMIT_SERVER_JOIN" => limits.server_join,
                "RATE_LIMIT_SIGNAL" => limits.signal,
                other => return Err(vec![invalid(&format!("unknown variable {other:?}"))]),
            };
            RuleExpect::Rule(convert::rule_json(&rule))
        }
        Err(error) if error.var == var => {
            RuleExpect::Error(convert::rule_error_json(&error.source))
        }
        Err(error) => return Err(vec![format!("the error names {}, not {var}", error.var)]),
    };
    compare(expect, &got)
}

/// One "expected … got …" pair when `got` differs.
fn compare<T: PartialEq + std::fmt::Debug>(want: &T, got: &T) -> Outcome {
    if want == got {
        return Ok(());
    }
    Err(vec![
        format!("expected {want:?}"),
        format!("     got {got:?}"),
    ])
}

fn same_text(what: &str, want: &str, got: &str) -> Outcome {
    if want == got {
        return Ok(());
    }
    Err(vec![
        format!("{what} differs:"),
        format!("    want {want}"),
        format!("    got  {got}"),
    ])
}

/// Compact JSON in the type's own member order.
fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value)
        .unwrap_or_else(|e| json!({"unprintable": e.to_string()}).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vector(body: &str) -> CodecVector {
        serde_json::from_str(&format!(r#"{{"name":"t","description":"",{body}}}"#)).unwrap()
    }

    #[test]
    fn a_socket_packet_decodes_to_its_json_and_encodes_back() {
        let event = vector(
            r#""codec":"socket","text":"2[\"a\"]","expect":{"packet":{"type":"event","nsp":"/","ack_id":null,"data":["a"]}}"#,
        );
        assert_eq!(run(&event), Ok(()));
        let wrong = vector(r#""codec":"socket","text":"2","expect":{"error":"invalid_json"}"#);
        let lines = run(&wrong).unwrap_err();
        assert_eq!(lines[1], r#"     got Error("missing_data")"#);
    }

    #[test]
    fn a_non_canonical_packet_encodes_to_its_encoded_text() {
        let zeros = vector(
            r#""codec":"socket","text":"2007[\"a\"]","canonical":false,"encoded":"27[\"b\"]",
               "expect":{"packet":{"type":"event","nsp":"/","ack_id":7,"data":["a"]}}"#,
        );
        assert!(run(&zeros).is_err());
    }

    #[test]
    fn a_rule_names_its_variable() {
        let rule = vector(
            r#""codec":"rate_limit_rule","var":"RATE_LIMIT_SIGNAL","value":"0:1",
               "expect":{"error":{"kind":"zero","field":"limit"}}"#,
        );
        assert_eq!(run(&rule), Ok(()));
    }
}
