//! Every vector of every service, replayed against hark-core in-process.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::BTreeSet;
use std::io::Write;

use hark_conformance::core_mode::{self, CoreService};
use hark_conformance::format::audio::{self, Audio};
use hark_conformance::format::voice::{self, Transport, Voice};
use hark_conformance::{VectorSet, default_vectors, load};

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
