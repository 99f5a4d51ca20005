//! Every vector of every service, replayed against hark-core in-process.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::BTreeSet;
use std::io::Write;

use hark_conformance::core_mode::{self, CoreService};
use hark_conformance::format::audio::{self, Audio};
use hark_conformance::format::chat::{self as chat_format, FrameJson, Input};
use hark_conformance::format::signal as signal_format;
use hark_conformance::format::voice::{self, Transport, Voice};
use hark_conformance::{VectorSet, default_vectors, load, run_core_chat, run_core_signal};
use hark_core::wire::chat::ErrorCode;
use hark_core::wire::signal::HandshakeError;
use hark_core::wire::signal::events::{ConnectRefusal, EventErrorCode};

fn vectors<S: CoreService>() -> VectorSet<S> {
    load::<S>(&default_vectors(S::NAME)).unwrap_or_else(|problems| {
        panic!("cannot load the {} vectors:\n{problems}", S::NAME);
    })
}

fn every_vector_passes<S: CoreService>() {
    let report = core_mode::run(&vectors::<S>());
    // Written to the stderr handle itself, not through `eprintln!`, which the test harness
    // captures: the counts show in every `cargo test` run.
    let _ = writeln!(std::io::stderr().lock(), "{}", report.summary());
    assert!(report.is_success(), "\n{report}");
}

#[test]
fn every_audio_vector_passes_against_hark_core() {
    every_vector_passes::<Audio>();
}

#[test]
fn every_voice_vector_passes_against_hark_core() {
    every_vector_passes::<Voice>();
}

#[test]
fn the_audio_vector_set_meets_its_minimum_size() {
    let set = vectors::<Audio>();
    assert!(set.codec.len() >= 40, "{} codec vectors", set.codec.len());
    assert!(
        set.scenarios.len() >= 20,
        "{} scenario vectors",
        set.scenarios.len()
    );
}

#[test]
fn every_audio_wire_error_kind_has_a_vector() {
    let kinds: BTreeSet<String> = vectors::<Audio>()
        .codec
        .iter()
        .filter_map(|v| match &v.vector.expect {
            audio::CodecExpect::Error(kind) => Some(kind.clone()),
            audio::CodecExpect::Packet(_) => None,
        })
        .collect();
    for kind in [
        "oversize",
        "truncated",
        "unknown_type",
        "non_ascii_id",
        "id_not_nul_padded",
        "length_mismatch",
        "trailing_bytes",
        "invalid_mute_byte",
        "malformed_handshake_json",
        "invalid_token_encoding",
        "invalid_error_message",
        "invalid_acked_type",
    ] {
        assert!(kinds.contains(kind), "no codec vector for {kind}");
    }
}

/// `vectors.md` §6.1 lists the error kinds of each transport.
#[test]
fn every_voice_wire_error_kind_has_a_vector() {
    let kinds: BTreeSet<(Transport, String)> = vectors::<Voice>()
        .codec
        .iter()
        .filter_map(|v| match &v.vector.expect {
            voice::CodecExpect::Error(kind) => Some((v.vector.transport, kind.clone())),
            _ => None,
        })
        .collect();
    let tcp = [
        "empty_frame",
        "frame_too_large",
        "unknown_type",
        "truncated",
        "invalid_utf8",
        "invalid_bool",
        "trailing_bytes",
    ];
    let udp = ["oversize", "truncated", "unknown_type", "trailing_bytes"];
    let wanted = tcp
        .map(|k| (Transport::Tcp, k))
        .into_iter()
        .chain(udp.map(|k| (Transport::Udp, k)));
    for (transport, kind) in wanted {
        assert!(
            kinds.contains(&(transport, kind.to_owned())),
            "no {transport:?} codec vector for {kind}"
        );
    }
}

fn chat_vectors() -> chat_format::ChatVectorSet {
    chat_format::load(&default_vectors(chat_format::NAME))
        .unwrap_or_else(|problems| panic!("cannot load the chat vectors:\n{problems}"))
}

#[test]
fn every_chat_vector_passes_against_hark_core() {
    let report = run_core_chat(&default_vectors(chat_format::NAME)).unwrap();
    let _ = writeln!(std::io::stderr().lock(), "{}", report.summary());
    assert!(report.is_success(), "\n{report}");
}

/// Every text frame the chat scenarios expect, and every text frame they send.
fn chat_texts() -> (Vec<String>, Vec<String>) {
    let set = chat_vectors();
    let steps = set.scenarios.iter().flat_map(|s| &s.vector.steps);
    let mut out = Vec::new();
    let mut sent = Vec::new();
    for step in steps {
        if let Input::Text { text, .. } = &step.input {
            sent.push(text.clone());
        }
        for t in &step.expect.transmits {
            if let FrameJson::Text(text) = &t.frame {
                out.push(text.clone());
            }
        }
    }
    (out, sent)
}

/// The "Done when": every message type, both ways, in a scenario.
#[test]
fn every_chat_message_type_is_in_a_scenario() {
    let (out, sent) = chat_texts();
    for kind in ["ping", "join", "leave", "message", "typing", "reaction"] {
        let tag = format!("{{\"type\":\"{kind}\"");
        assert!(sent.iter().any(|t| t.starts_with(&tag)), "no client {kind}");
    }
    for kind in [
        "pong",
        "userJoined",
        "userLeft",
        "userList",
        "message",
        "userTyping",
        "reaction",
        "error",
    ] {
        let tag = format!("{{\"type\":\"{kind}\"");
        assert!(out.iter().any(|t| t.starts_with(&tag)), "no server {kind}");
    }
}

/// The "Done when": every error code of chat.md §6 is sent in a scenario.
#[test]
fn every_chat_error_code_is_sent_in_a_scenario() {
    let (out, _) = chat_texts();
    for code in ErrorCode::ALL {
        let member = format!("\"code\":\"{}\"", code.code());
        assert!(
            out.iter().any(|t| t.contains(&member)),
            "no scenario sends {}",
            code.code()
        );
    }
}

/// Every response status of chat.md §1 and §7, every close code, the heartbeat ping and the
/// transport's pong.
#[test]
fn every_chat_refusal_and_close_is_in_a_scenario() {
    let set = chat_vectors();
    let steps: Vec<_> = set.scenarios.iter().flat_map(|s| &s.vector.steps).collect();
    let statuses: BTreeSet<u16> = steps
        .iter()
        .filter_map(|s| s.expect.response.as_ref().map(|r| r.status))
        .collect();
    for status in [101, 200, 403, 404, 405, 426, 429, 503] {
        assert!(statuses.contains(&status), "no response {status}");
    }
    let frames: Vec<&FrameJson> = steps
        .iter()
        .flat_map(|s| s.expect.transmits.iter().map(|t| &t.frame))
        .collect();
    for wanted in [
        FrameJson::Ping,
        FrameJson::Pong,
        FrameJson::Close(1001),
        FrameJson::Close(1008),
        FrameJson::Close(1009),
    ] {
        assert!(frames.contains(&&wanted), "no {wanted}");
    }
}

fn signal_vectors() -> signal_format::SignalVectorSet {
    signal_format::load(&default_vectors(signal_format::NAME))
        .unwrap_or_else(|problems| panic!("cannot load the signal vectors:\n{problems}"))
}

#[test]
fn every_signal_vector_passes_against_hark_core() {
    let report = run_core_signal(&default_vectors(signal_format::NAME)).unwrap();
    let _ = writeln!(std::io::stderr().lock(), "{}", report.summary());
    assert!(report.is_success(), "\n{report}");
}

/// What the signal codec vectors show, by codec: packet types, error kinds and codes.
#[derive(Default)]
struct SignalCoverage {
    handshake_codes: BTreeSet<u8>,
    engine_decoded: BTreeSet<String>,
    engine_encoded: BTreeSet<String>,
    engine_errors: BTreeSet<String>,
    socket_decoded: BTreeSet<String>,
    socket_encoded: BTreeSet<String>,
    socket_errors: BTreeSet<String>,
    client_events: BTreeSet<String>,
    event_errors: BTreeSet<String>,
    server_events: BTreeSet<String>,
    refusals: BTreeSet<String>,
    rule_vars: BTreeSet<String>,
    rule_errors: BTreeSet<String>,
}

fn type_name(value: &serde_json::Value, member: &str) -> String {
    value[member].as_str().unwrap().to_owned()
}

fn signal_coverage() -> SignalCoverage {
    use signal_format::{CodecVector as V, DecodeExpect, EncodeExpect, EventExpect, RuleExpect};
    let mut c = SignalCoverage::default();
    for located in signal_vectors().codec {
        match located.vector {
            V::Handshake { expect, .. } => {
                if let signal_format::HandshakeExpect::Refuse(r) = expect {
                    c.handshake_codes.insert(r.code);
                }
            }
            V::HandshakeError { code, .. } => {
                c.handshake_codes.insert(code);
            }
            V::Engine { expect, .. } => match expect {
                DecodeExpect::Packet(p) => drop(c.engine_decoded.insert(type_name(&p, "type"))),
                DecodeExpect::Error(kind) => drop(c.engine_errors.insert(kind)),
            },
            V::EngineEncode { packet, .. } => {
                c.engine_encoded.insert(type_name(&packet, "type"));
            }
            V::Socket { expect, .. } => match expect {
                DecodeExpect::Packet(p) => drop(c.socket_decoded.insert(type_name(&p, "type"))),
                DecodeExpect::Error(kind) => drop(c.socket_errors.insert(kind)),
            },
            V::SocketEncode { packet, expect, .. } => match expect {
                EncodeExpect::Text(_) => drop(c.socket_encoded.insert(type_name(&packet, "type"))),
                EncodeExpect::Error(kind) => drop(c.socket_errors.insert(kind)),
            },
            V::ClientEvent { expect, .. } => match expect {
                EventExpect::Event(e) => drop(c.client_events.insert(type_name(&e, "event"))),
                EventExpect::Error(code) => drop(c.event_errors.insert(code)),
            },
            V::ServerEvent { event, .. } => {
                c.server_events.insert(type_name(&event, "event"));
                if let Some(code) = event["error"].as_str() {
                    c.event_errors.insert(code.to_owned());
                }
            }
            V::ConnectAuth { .. } => {}
            V::ConnectRefusal { refusal, .. } => {
                c.refusals.insert(refusal);
            }
            V::RateLimitRule { var, expect, .. } => match expect {
                RuleExpect::Rule(_) => drop(c.rule_vars.insert(var)),
                RuleExpect::Error(e) => {
                    let field = e["field"].as_str().unwrap_or("-");
                    c.rule_errors
                        .insert(format!("{}:{field}", type_name(&e, "kind")));
                }
            },
            V::RateLimitError { .. } => {}
        }
    }
    c
}

fn assert_covers(what: &str, have: &BTreeSet<String>, wanted: &[&str]) {
    for want in wanted {
        assert!(
            have.contains(*want),
            "no signal codec vector for {what} {want}"
        );
    }
}

/// signal.md §1–§3: every handshake code, packet type and error kind has a vector.
#[test]
fn every_signal_framing_packet_type_and_error_kind_has_a_vector() {
    let c = signal_coverage();
    let codes: BTreeSet<u8> = HandshakeError::ALL.iter().map(|e| e.code()).collect();
    assert_eq!(c.handshake_codes, codes);
    let engine_types = [
        "open", "close", "ping", "pong", "message", "upgrade", "noop",
    ];
    assert_covers("decoding Engine.IO", &c.engine_decoded, &engine_types);
    assert_covers("encoding Engine.IO", &c.engine_encoded, &engine_types);
    assert_covers(
        "the Engine.IO error",
        &c.engine_errors,
        &[
            "payload_too_large",
            "empty",
            "unknown_type",
            "binary_message",
            "unexpected_data",
            "invalid_open",
        ],
    );
    let socket_types = [
        "connect",
        "disconnect",
        "event",
        "ack",
        "connect_error",
        "binary_event",
        "binary_ack",
    ];
    assert_covers("decoding Socket.IO", &c.socket_decoded, &socket_types);
    assert_covers("encoding Socket.IO", &c.socket_encoded, &socket_types);
    assert_covers(
        "the Socket.IO error",
        &c.socket_errors,
        &[
            "too_large",
            "empty",
            "unknown_type",
            "invalid_attachments",
            "unexpected_attachments",
            "ack_id_out_of_range",
            "unexpected_ack_id",
            "missing_ack_id",
            "invalid_namespace",
            "invalid_json",
            "missing_data",
            "unexpected_data",
            "invalid_connect_data",
            "invalid_connect_error_data",
            "invalid_event_data",
            "reserved_event_name",
            "invalid_ack_data",
        ],
    );
}

/// signal.md §4, §5, §7: every event both ways, every event error code (decoded where the
/// decoder gives it, encoded for all), every CONNECT refusal, the seed's rules and each refused
/// field.
#[test]
fn every_signal_event_code_and_rule_has_a_vector() {
    let c = signal_coverage();
    assert_covers(
        "the client event",
        &c.client_events,
        &[
            "join",
            "leave",
            "updateNickname",
            "updateMute",
            "offer",
            "answer",
            "ice-candidate",
        ],
    );
    assert_covers(
        "the server event",
        &c.server_events,
        &[
            "info",
            "users",
            "user-joined",
            "user-left",
            "user-updated",
            "offer",
            "answer",
            "ice-candidate",
            "error",
        ],
    );
    let codes: Vec<&str> = EventErrorCode::ALL.iter().map(|c| c.code()).collect();
    assert_covers("the event error", &c.event_errors, &codes);
    let refusals: Vec<&str> = ConnectRefusal::ALL.iter().map(|r| r.code()).collect();
    assert_covers("the CONNECT refusal", &c.refusals, &refusals);
    assert_covers(
        "the rule of",
        &c.rule_vars,
        &[
            "RATE_LIMIT_CHAT_SEND",
            "RATE_LIMIT_CHAT_REACT",
            "RATE_LIMIT_SERVER_JOIN",
            "RATE_LIMIT_SIGNAL",
        ],
    );
    assert_covers(
        "the refused rule field",
        &c.rule_errors,
        &[
            "not_a_number:limit",
            "not_a_number:windowMs",
            "not_a_number:banMs",
            "not_a_number:scorePerAction",
            "not_a_number:maxScore",
            "not_a_number:scoreDecayMs",
            "missing:windowMs",
            "zero:limit",
            "zero:windowMs",
            "zero:maxScore",
            "zero:scoreDecayMs",
            "score_above_max:scorePerAction",
            "too_many_fields:-",
        ],
    );
}

/// What the signal scenarios show: event names and error codes on the wire both ways, CONNECT
/// refusals, handshake codes answered, and the SFU link's message types both ways.
#[derive(Default)]
struct SignalScenarioCoverage {
    client_events: BTreeSet<String>,
    server_events: BTreeSet<String>,
    event_errors: BTreeSet<String>,
    acked: bool,
    refusals: BTreeSet<String>,
    handshake_codes: BTreeSet<u64>,
    to_sfu: BTreeSet<String>,
    from_sfu: BTreeSet<String>,
}

/// The JSON after a Socket.IO packet's ack id, if the packet is `4<kind><digits>…`.
fn after_ack(text: &str, kind: &str) -> Option<serde_json::Value> {
    let rest = text.strip_prefix(kind)?;
    let json = rest.trim_start_matches(|c: char| c.is_ascii_digit());
    serde_json::from_str(json).ok()
}

fn signal_scenario_coverage() -> SignalScenarioCoverage {
    use signal_format::Input as I;
    let mut c = SignalScenarioCoverage::default();
    let error_of = |value: &serde_json::Value| value["error"].as_str().map(str::to_owned);
    for located in signal_vectors().scenarios {
        for step in &located.vector.steps {
            match &step.input {
                I::Text { text, .. } => {
                    if let Some(data) = after_ack(text, "42") {
                        c.client_events.insert(data[0].as_str().unwrap().to_owned());
                    }
                }
                I::SfuSend(text) => {
                    let message: serde_json::Value = serde_json::from_str(text).unwrap();
                    c.from_sfu.insert(type_name(&message, "type"));
                }
                _ => {}
            }
            for transmit in &step.expect.transmits {
                let FrameJson::Text(text) = &transmit.frame else {
                    continue;
                };
                if let Some(data) = after_ack(text, "42") {
                    c.server_events.insert(data[0].as_str().unwrap().to_owned());
                    c.event_errors.extend(error_of(&data[1]));
                } else if let Some(data) = after_ack(text, "43") {
                    c.acked = true;
                    c.event_errors.extend(data.get(0).and_then(error_of));
                } else if let Some(rest) = text.strip_prefix("44") {
                    let json = rest.split_once(',').map_or(rest, |(nsp, json)| {
                        if nsp.starts_with('/') { json } else { rest }
                    });
                    let data: serde_json::Value = serde_json::from_str(json).unwrap();
                    let code = data["data"]["error"]
                        .as_str()
                        .unwrap_or("invalid_namespace");
                    c.refusals.insert(code.to_owned());
                }
            }
            for frame in &step.expect.sfu {
                let message: serde_json::Value = serde_json::from_str(&frame.text).unwrap();
                c.to_sfu.insert(type_name(&message, "type"));
            }
            if let Some(body) = step.expect.response.as_ref().and_then(|r| r.body.as_ref()) {
                let body: serde_json::Value = serde_json::from_str(body).unwrap();
                c.handshake_codes.extend(body["code"].as_u64());
            }
        }
    }
    c
}

fn assert_scenarios_cover(what: &str, have: &BTreeSet<String>, wanted: &[&str]) {
    for want in wanted {
        assert!(
            have.contains(*want),
            "no signal scenario shows {what} {want}"
        );
    }
}

/// signal.md §1, §4, §5, §7, §8: every client and server event, every error code a client can
/// reach (all but `invalid_event`, which §3's decoder refuses first), every CONNECT refusal, every
/// handshake code a request produces (all but 4) and every SFU message both ways has a scenario.
#[test]
fn every_signal_event_code_and_sfu_message_has_a_scenario() {
    let c = signal_scenario_coverage();
    let client_events = [
        "join",
        "leave",
        "updateNickname",
        "updateMute",
        "offer",
        "answer",
        "ice-candidate",
    ];
    assert_scenarios_cover("the client event", &c.client_events, &client_events);
    assert_scenarios_cover(
        "the server event",
        &c.server_events,
        &[
            "info",
            "users",
            "user-joined",
            "user-left",
            "user-updated",
            "offer",
            "answer",
            "ice-candidate",
            "error",
        ],
    );
    let codes: Vec<&str> = EventErrorCode::ALL
        .iter()
        .map(|c| c.code())
        .filter(|code| *code != "invalid_event")
        .chain(["rate_limited"])
        .collect();
    assert_scenarios_cover("the event error", &c.event_errors, &codes);
    assert!(c.acked, "no signal scenario shows an acknowledgement");
    let refusals: Vec<&str> = ConnectRefusal::ALL
        .iter()
        .map(|r| r.code())
        .chain(["rate_limited", "invalid_namespace"])
        .collect();
    assert_scenarios_cover("the CONNECT refusal", &c.refusals, &refusals);
    let codes: BTreeSet<u64> = HandshakeError::ALL
        .iter()
        .map(|e| u64::from(e.code()))
        .filter(|code| *code != 4)
        .collect();
    assert_eq!(c.handshake_codes, codes);
    assert_scenarios_cover(
        "hark's SFU message",
        &c.to_sfu,
        &["hello", "join", "leave", "offer", "answer", "ice-candidate"],
    );
    assert_scenarios_cover(
        "the SFU's message",
        &c.from_sfu,
        &[
            "welcome",
            "offer",
            "answer",
            "ice-candidate",
            "connected",
            "disconnected",
            "track-added",
            "track-removed",
        ],
    );
}

#[test]
fn every_stream_vector_passes_against_hark_core() {
    let report = hark_conformance::run_core_stream(&default_vectors("stream"))
        .unwrap_or_else(|problems| panic!("cannot load the stream vectors:\n{problems}"));
    let _ = writeln!(std::io::stderr().lock(), "{}", report.summary());
    assert!(report.is_success(), "\n{report}");
}

/// `vectors.md` §9.3: every reason `stream.md` §4 and §6 give a 4xx its own text for has a
/// scenario that shows it.
#[test]
fn every_stream_error_text_has_a_scenario() {
    use hark_conformance::format::stream::BodyJson;
    let set = hark_conformance::format::stream::load(&default_vectors("stream")).unwrap();
    let texts: BTreeSet<String> = set
        .groups
        .iter()
        .flat_map(|g| &g.group.scenarios)
        .flat_map(|s| &s.responses)
        .flat_map(|r| &r.body)
        .filter_map(|part| match part {
            BodyJson::Text { text } => Some(text.clone()),
            _ => None,
        })
        .collect();
    for text in [
        "bad request",
        "invalid id",
        "missing signature",
        "invalid expiry",
        "link expired",
        "invalid signature",
        "origin not allowed",
        "not found",
        "method not allowed",
        "precondition failed",
        "range not satisfiable",
        "request header fields too large",
    ] {
        assert!(
            texts.contains(&format!("{text}\n")),
            "no scenario answers {text:?}"
        );
    }
}
