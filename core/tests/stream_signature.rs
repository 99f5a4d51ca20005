//! stream.md §3–§4 through `StreamService::route`: the id, then the query's checks in their
//! order, one behaviour per test.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod stream_support;

use hark_core::stream::{Lookup, Route, signature, signed_path};
use stream_support::*;

fn refusal(target: &str, now: i64) -> (u16, String) {
    match get(target).route(&service(), now) {
        Route::Respond(plan) => (plan.status, text(&plan)),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn is_lookup(target: &str, now: i64) -> bool {
    matches!(get(target).route(&service(), now), Route::Lookup(_))
}

#[test]
fn a_signed_url_asks_for_its_file() {
    assert_eq!(
        get(&signed("track1")).route(&service(), NOW),
        Route::Lookup(Lookup {
            id: "track1".into()
        })
    );
}

#[test]
fn a_link_is_served_through_its_expiry_second() {
    assert!(is_lookup(&signed_path(SECRET, "track1", NOW), NOW));
}

#[test]
fn a_link_one_second_past_its_expiry_is_expired() {
    assert_eq!(
        refusal(&signed_path(SECRET, "track1", NOW - 1), NOW),
        (403, "link expired\n".into())
    );
}

#[test]
fn expiry_is_checked_before_the_signature() {
    let target = format!("/stream/track1?expires={}&sig={}", NOW - 1, "0".repeat(64));
    assert_eq!(refusal(&target, NOW), (403, "link expired\n".into()));
}

#[test]
fn an_uppercase_hex_signature_is_accepted() {
    let sig = signature(SECRET, "track1", EXPIRES).to_uppercase();
    assert!(is_lookup(
        &format!("/stream/track1?expires={EXPIRES}&sig={sig}"),
        NOW
    ));
}

#[test]
fn the_largest_expiry_is_accepted() {
    assert!(is_lookup(&signed_path(SECRET, "track1", i64::MAX), NOW));
}

#[test]
fn an_expiry_beyond_64_bits_is_invalid() {
    let target = "/stream/track1?expires=9223372036854775808&sig=00";
    assert_eq!(refusal(target, NOW), (403, "invalid expiry\n".into()));
}

#[test]
fn a_non_canonical_expiry_is_invalid() {
    for expires in ["+1700003600", "01700003600", "-1", "1700003600.0", ""] {
        let target = format!("/stream/track1?expires={expires}&sig=00");
        assert_eq!(
            refusal(&target, NOW),
            (403, "invalid expiry\n".into()),
            "{expires}"
        );
    }
}

#[test]
fn a_missing_expires_or_sig_is_missing_signature() {
    let sig = signature(SECRET, "track1", EXPIRES);
    for target in [
        "/stream/track1".to_owned(),
        format!("/stream/track1?sig={sig}"),
        format!("/stream/track1?expires={EXPIRES}"),
    ] {
        assert_eq!(
            refusal(&target, NOW),
            (403, "missing signature\n".into()),
            "{target}"
        );
    }
}

#[test]
fn a_duplicated_sig_is_an_invalid_signature() {
    let target = format!("{}&sig=00", signed("track1"));
    assert_eq!(refusal(&target, NOW), (403, "invalid signature\n".into()));
}

#[test]
fn a_duplicated_expires_is_an_invalid_signature() {
    let target = format!("{}&expires={EXPIRES}", signed("track1"));
    assert_eq!(refusal(&target, NOW), (403, "invalid signature\n".into()));
}

#[test]
fn a_signature_for_another_id_is_invalid() {
    let sig = signature(SECRET, "track2", EXPIRES);
    let target = format!("/stream/track1?expires={EXPIRES}&sig={sig}");
    assert_eq!(refusal(&target, NOW), (403, "invalid signature\n".into()));
}

#[test]
fn a_signature_under_another_key_is_invalid() {
    let target = signed_path(b"another key", "track1", EXPIRES);
    assert_eq!(refusal(&target, NOW), (403, "invalid signature\n".into()));
}

#[test]
fn a_truncated_signature_is_invalid() {
    let target = signed("track1");
    assert_eq!(
        refusal(&target[..target.len() - 1], NOW),
        (403, "invalid signature\n".into())
    );
}

#[test]
fn other_parameters_are_ignored() {
    assert!(is_lookup(&format!("{}&t=123&x", signed("track1")), NOW));
}

#[test]
fn signed_parameters_are_percent_decoded() {
    let sig = signature(SECRET, "track1", EXPIRES);
    let escaped_first = format!("%{:02X}", sig.as_bytes()[0]);
    let target = format!(
        "/stream/track1?%65xpires={EXPIRES}&sig={escaped_first}{}",
        &sig[1..]
    );
    assert!(is_lookup(&target, NOW));
}

#[test]
fn an_escaped_id_is_signed_decoded() {
    let sig = signature(SECRET, "track1", EXPIRES);
    assert!(is_lookup(
        &format!("/stream/%74rack1?expires={EXPIRES}&sig={sig}"),
        NOW
    ));
}

#[test]
fn traversal_ids_are_invalid_before_the_signature() {
    for id in [
        "%2e%2e",
        "..",
        "%2e%2e%2fetc%2fpasswd",
        "a%2fb",
        "a%5cb",
        "a%00",
        "a%20b",
        "a.mp3",
    ] {
        assert_eq!(
            refusal(&format!("/stream/{id}"), NOW),
            (400, "invalid id\n".into()),
            "{id}"
        );
    }
}

#[test]
fn a_second_slash_is_an_invalid_id() {
    assert_eq!(refusal("/stream/a/b", NOW), (400, "invalid id\n".into()));
}

#[test]
fn an_empty_id_is_invalid() {
    assert_eq!(refusal(&signed(""), NOW), (400, "invalid id\n".into()));
}

#[test]
fn an_id_of_129_characters_is_invalid() {
    let id = "a".repeat(129);
    assert_eq!(refusal(&signed(&id), NOW), (400, "invalid id\n".into()));
}

#[test]
fn an_id_of_128_characters_is_valid() {
    assert!(is_lookup(&signed(&"a".repeat(128)), NOW));
}

#[test]
fn a_non_ascii_letter_is_an_invalid_id() {
    assert_eq!(
        refusal("/stream/caf%C3%A9", NOW),
        (400, "invalid id\n".into())
    );
}

#[test]
fn a_bad_escape_in_the_query_is_a_bad_request() {
    let target = format!("{}&x=%zz", signed("track1"));
    assert_eq!(refusal(&target, NOW), (400, "bad request\n".into()));
}

#[test]
fn head_is_signed_like_get() {
    assert!(matches!(
        head(&signed("track1")).route(&service(), NOW),
        Route::Lookup(_)
    ));
}
