//! Every vector of every service, replayed against hark-core in-process.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::BTreeSet;
use std::io::Write;

use hark_conformance::core_mode::{self, CoreService};
use hark_conformance::format::audio::{self, Audio};
use hark_conformance::format::chat::{self as chat_format, FrameJson, Input};
use hark_conformance::format::voice::{self, Transport, Voice};
use hark_conformance::{VectorSet, default_vectors, load, run_core_chat};
use hark_core::wire::chat::ErrorCode;

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
