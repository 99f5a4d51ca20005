//! Every `audio` vector, replayed against hark-core in-process.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::io::Write;

use hark_conformance::{core_mode, default_audio_vectors, load};

#[test]
fn every_audio_vector_passes_against_hark_core() {
    let set = load(&default_audio_vectors()).unwrap_or_else(|problems| {
        panic!("cannot load the audio vectors:\n{problems}");
    });
    let report = core_mode::run(&set);
    // Written to the stderr handle itself, not through `eprintln!`, which the test harness
    // captures: the counts show in every `cargo test` run.
    let _ = writeln!(std::io::stderr().lock(), "{}", report.summary());
    assert!(report.is_success(), "\n{report}");
}

#[test]
fn the_audio_vector_set_meets_its_minimum_size() {
    let set = load(&default_audio_vectors()).unwrap();
    assert!(set.codec.len() >= 40, "{} codec vectors", set.codec.len());
    assert!(
        set.scenarios.len() >= 20,
        "{} scenario vectors",
        set.scenarios.len()
    );
}

#[test]
fn every_wire_error_kind_has_a_vector() {
    let set = load(&default_audio_vectors()).unwrap();
    let kinds: std::collections::BTreeSet<String> = set
        .codec
        .iter()
        .filter_map(|v| match &v.vector.expect {
            hark_conformance::format::CodecExpect::Error(kind) => Some(kind.clone()),
            hark_conformance::format::CodecExpect::Packet(_) => None,
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
