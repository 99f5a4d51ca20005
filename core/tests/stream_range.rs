//! stream.md §7.1 through `StreamService::respond`: Range, If-Range and multipart, one
//! behaviour per test.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod stream_support;

use hark_core::stream::{BodyPart, ResponsePlan, StreamConfig};
use stream_support::*;

const LEN: u64 = 1000;

fn ranged(range: &str) -> ResponsePlan {
    get(&signed("track1"))
        .header("Range", range)
        .serve(&service(), &media(LEN))
}

/// A Range request conditional on `If-Range: if_range`.
fn ranged_if(range: &str, if_range: &str) -> ResponsePlan {
    get(&signed("track1"))
        .header("Range", range)
        .header("If-Range", if_range)
        .serve(&service(), &media(LEN))
}

#[test]
fn a_bounded_range_is_206_with_content_range() {
    let plan = ranged("bytes=0-1023");
    assert_eq!(plan.status, 206);
    assert_eq!(plan.header("Content-Range"), Some("bytes 0-999/1000"));
    assert_eq!(plan.header("Content-Length"), Some("1000"));
    assert_eq!(file_parts(&plan), [(0, 1000)]);
}

#[test]
fn a_range_inside_the_file_sends_those_bytes() {
    let plan = ranged("bytes=100-199");
    assert_eq!(plan.header("Content-Range"), Some("bytes 100-199/1000"));
    assert_eq!(file_parts(&plan), [(100, 100)]);
}

#[test]
fn an_open_range_runs_to_the_end() {
    let plan = ranged("bytes=900-");
    assert_eq!(plan.header("Content-Range"), Some("bytes 900-999/1000"));
}

#[test]
fn a_suffix_range_is_the_last_bytes() {
    let plan = ranged("bytes=-100");
    assert_eq!(plan.header("Content-Range"), Some("bytes 900-999/1000"));
    assert_eq!(file_parts(&plan), [(900, 100)]);
}

#[test]
fn a_suffix_longer_than_the_file_is_the_whole_file() {
    let plan = ranged("bytes=-5000");
    assert_eq!(plan.header("Content-Range"), Some("bytes 0-999/1000"));
}

#[test]
fn the_last_byte_is_clamped_to_the_file() {
    let plan = ranged("bytes=500-99999999999999999999999");
    assert_eq!(plan.header("Content-Range"), Some("bytes 500-999/1000"));
}

#[test]
fn a_range_past_the_end_is_416_with_the_length() {
    let plan = ranged("bytes=1000-");
    assert_eq!(plan.status, 416);
    assert_eq!(plan.header("Content-Range"), Some("bytes */1000"));
    assert_eq!(text(&plan), "range not satisfiable\n");
}

#[test]
fn a_zero_suffix_is_416() {
    assert_eq!(ranged("bytes=-0").status, 416);
}

#[test]
fn unsatisfiable_specs_are_dropped_beside_satisfiable_ones() {
    let plan = ranged("bytes=2000-3000,10-19");
    assert_eq!(plan.status, 206);
    assert_eq!(plan.header("Content-Range"), Some("bytes 10-19/1000"));
}

#[test]
fn invalid_syntax_is_ignored_with_200() {
    for range in [
        "bytes=5-4",
        "bytes=abc",
        "bytes 0-1",
        "bytes=+1-2",
        "bytes=",
        "=0-1",
        "bytes=0-1,,2-3",
    ] {
        let plan = ranged(range);
        assert_eq!(plan.status, 200, "{range}");
        assert_eq!(file_parts(&plan), [(0, LEN)]);
    }
}

#[test]
fn another_unit_is_ignored_with_200() {
    assert_eq!(ranged("items=0-1").status, 200);
}

#[test]
fn the_unit_is_case_insensitive() {
    assert_eq!(ranged("Bytes=0-1").status, 206);
}

#[test]
fn too_many_ranges_are_ignored_with_200() {
    let specs: Vec<String> = (0..17)
        .map(|i| format!("{}-{}", i * 10, i * 10 + 1))
        .collect();
    let plan = ranged(&format!("bytes={}", specs.join(",")));
    assert_eq!(plan.status, 200);
}

#[test]
fn as_many_ranges_as_the_bound_are_honoured() {
    let specs: Vec<String> = (0..16)
        .map(|i| format!("{}-{}", i * 10, i * 10 + 1))
        .collect();
    let plan = ranged(&format!("bytes={}", specs.join(",")));
    assert_eq!(plan.status, 206);
    assert_eq!(file_parts(&plan).len(), 16);
}

#[test]
fn the_bound_is_configurable() {
    let svc = service_with(StreamConfig {
        max_ranges: 1,
        ..StreamConfig::default()
    });
    let plan = get(&signed("track1"))
        .header("Range", "bytes=0-1,5-6")
        .serve(&svc, &media(LEN));
    assert_eq!(plan.status, 200);
}

#[test]
fn overlapping_ranges_are_coalesced() {
    let plan = ranged("bytes=0-99,50-149");
    assert_eq!(plan.status, 206);
    assert_eq!(plan.header("Content-Range"), Some("bytes 0-149/1000"));
}

#[test]
fn touching_ranges_are_coalesced() {
    let plan = ranged("bytes=0-9,10-19");
    assert_eq!(plan.header("Content-Range"), Some("bytes 0-19/1000"));
}

#[test]
fn many_overlapping_ranges_send_no_more_than_the_file() {
    let plan = ranged(&format!("bytes={}", vec!["0-"; 16].join(",")));
    assert_eq!(plan.header("Content-Range"), Some("bytes 0-999/1000"));
    assert_eq!(plan.body_len(), LEN);
}

#[test]
fn disjoint_ranges_are_multipart_in_order() {
    let plan = ranged("bytes=500-509,0-9");
    assert_eq!(plan.status, 206);
    let content_type = plan.header("Content-Type").unwrap();
    let boundary = content_type
        .strip_prefix("multipart/byteranges; boundary=hark-")
        .unwrap();
    assert_eq!(boundary.len(), 16);
    assert_eq!(plan.header("Content-Range"), None);
    assert_eq!(file_parts(&plan), [(0, 10), (500, 10)]);
    assert_eq!(
        plan.header("Content-Length"),
        Some(plan.body_len().to_string().as_str())
    );
}

#[test]
fn the_multipart_body_is_exact() {
    let plan = ranged("bytes=0-9,20-29");
    let b = plan
        .header("Content-Type")
        .unwrap()
        .strip_prefix("multipart/byteranges; boundary=")
        .unwrap()
        .to_owned();
    let expected = vec![
        BodyPart::Bytes(
            format!("--{b}\r\nContent-Type: audio/mpeg\r\nContent-Range: bytes 0-9/1000\r\n\r\n")
                .into_bytes(),
        ),
        BodyPart::File { start: 0, len: 10 },
        BodyPart::Bytes(
            format!(
                "\r\n--{b}\r\nContent-Type: audio/mpeg\r\nContent-Range: bytes 20-29/1000\r\n\r\n"
            )
            .into_bytes(),
        ),
        BodyPart::File { start: 20, len: 10 },
        BodyPart::Bytes(format!("\r\n--{b}--\r\n").into_bytes()),
    ];
    assert_eq!(plan.body, expected);
}

#[test]
fn the_same_ranges_get_the_same_boundary() {
    assert_eq!(
        ranged("bytes=0-9,20-29").header("Content-Type"),
        ranged("bytes=20-29,0-9").header("Content-Type")
    );
    assert_ne!(
        ranged("bytes=0-9,20-29").header("Content-Type"),
        ranged("bytes=0-9,30-39").header("Content-Type")
    );
}

#[test]
fn a_zero_length_file_ignores_the_range() {
    let plan = get(&signed("track1"))
        .header("Range", "bytes=0-0")
        .serve(&service(), &media(0));
    assert_eq!(plan.status, 200);
    assert_eq!(plan.header("Content-Length"), Some("0"));
    assert!(plan.body.is_empty());
}

#[test]
fn head_ignores_range() {
    let plan = head(&signed("track1"))
        .header("Range", "bytes=0-9")
        .serve(&service(), &media(LEN));
    assert_eq!(plan.status, 200);
    assert_eq!(plan.header("Content-Length"), Some("1000"));
    assert!(plan.body.is_empty());
}

#[test]
fn head_ignores_an_unsatisfiable_range() {
    let plan = head(&signed("track1"))
        .header("Range", "bytes=5000-")
        .serve(&service(), &media(LEN));
    assert_eq!(plan.status, 200);
}

#[test]
fn if_range_with_the_etag_honours_the_range() {
    let plan = ranged_if("bytes=0-9", &etag(LEN));
    assert_eq!(plan.status, 206);
}

#[test]
fn if_range_with_another_etag_sends_the_whole_file() {
    let plan = ranged_if("bytes=0-9", "\"other\"");
    assert_eq!(plan.status, 200);
    assert_eq!(file_parts(&plan), [(0, LEN)]);
}

#[test]
fn if_range_with_a_weak_etag_sends_the_whole_file() {
    let plan = ranged_if("bytes=0-9", &format!("W/{}", etag(LEN)));
    assert_eq!(plan.status, 200);
}

#[test]
fn if_range_with_last_modified_honours_the_range() {
    let plan = ranged_if("bytes=0-9", MODIFIED_DATE);
    assert_eq!(plan.status, 206);
}

#[test]
fn if_range_with_another_date_sends_the_whole_file() {
    let plan = ranged_if("bytes=0-9", NOW_DATE);
    assert_eq!(plan.status, 200);
}

#[test]
fn if_range_that_fails_turns_a_416_into_200() {
    let plan = ranged_if("bytes=5000-", "\"other\"");
    assert_eq!(plan.status, 200);
}

#[test]
fn two_range_fields_are_ignored() {
    let plan = get(&signed("track1"))
        .header("Range", "bytes=0-9")
        .header("Range", "bytes=0-9")
        .serve(&service(), &media(LEN));
    assert_eq!(plan.status, 200);
}
