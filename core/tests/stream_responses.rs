//! stream.md §6, §9: the exact headers of each kind of response, in order, one behaviour per
//! test.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod stream_support;

use hark_core::stream::{MEDIA_TYPES, Media, StreamConfig, StreamHealth};
use stream_support::*;

const MIB: u64 = 1_048_576;

fn owned(headers: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    headers
        .iter()
        .map(|&(name, value)| (name, value.to_owned()))
        .collect()
}

#[test]
fn a_200_has_the_seeds_headers_first_then_validators_cache_and_date() {
    let plan = get(&signed("track1")).serve(&service(), &media(MIB));
    assert_eq!(plan.status, 200);
    assert_eq!(
        plan.headers,
        owned(&[
            ("Content-Type", "audio/mpeg"),
            ("Accept-Ranges", "bytes"),
            ("Content-Length", "1048576"),
            ("ETag", "\"5f5e1000-100000\""),
            ("Last-Modified", MODIFIED_DATE),
            ("Cache-Control", "private, max-age=3600"),
            ("Date", NOW_DATE),
        ])
    );
    assert_eq!(file_parts(&plan), [(0, MIB)]);
}

#[test]
fn a_206_adds_content_range_after_content_length() {
    let plan = get(&signed("track1"))
        .header("Range", "bytes=0-1023")
        .serve(&service(), &media(MIB));
    assert_eq!(
        plan.headers,
        owned(&[
            ("Content-Type", "audio/mpeg"),
            ("Accept-Ranges", "bytes"),
            ("Content-Length", "1024"),
            ("Content-Range", "bytes 0-1023/1048576"),
            ("ETag", "\"5f5e1000-100000\""),
            ("Last-Modified", MODIFIED_DATE),
            ("Cache-Control", "private, max-age=3600"),
            ("Date", NOW_DATE),
        ])
    );
}

#[test]
fn the_head_bytes_start_with_the_status_line() {
    let plan = get(&signed("track1"))
        .header("Range", "bytes=0-1023")
        .serve(&service(), &media(MIB));
    let head = String::from_utf8(plan.head_bytes()).unwrap();
    assert!(head.starts_with("HTTP/1.1 206 Partial Content\r\nContent-Type: audio/mpeg\r\n"));
    assert!(head.ends_with(&format!("Date: {NOW_DATE}\r\n\r\n")));
}

#[test]
fn head_answers_the_headers_of_get_without_the_body() {
    let got = get(&signed("track1")).serve(&service(), &media(MIB));
    let headed = head(&signed("track1")).serve(&service(), &media(MIB));
    assert_eq!(headed.headers, got.headers);
    assert!(headed.body.is_empty());
}

#[test]
fn the_content_type_follows_the_file_found() {
    let flac = Media {
        media_type: MEDIA_TYPES[5],
        ..media(10)
    };
    let plan = get(&signed("track1")).serve(&service(), &flac);
    assert_eq!(plan.header("Content-Type"), Some("audio/flac"));
}

#[test]
fn cache_control_is_configurable() {
    let svc = service_with(StreamConfig {
        cache_control: "public, max-age=60".into(),
        ..StreamConfig::default()
    });
    let plan = get(&signed("track1")).serve(&svc, &media(10));
    assert_eq!(plan.header("Cache-Control"), Some("public, max-age=60"));
}

#[test]
fn an_error_has_text_length_no_store_and_date() {
    let plan = get("/stream/track1").answer(&service());
    assert_eq!(plan.status, 403);
    assert_eq!(
        plan.headers,
        owned(&[
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", "18"),
            ("Cache-Control", "no-store"),
            ("Date", NOW_DATE),
        ])
    );
    assert_eq!(text(&plan), "missing signature\n");
}

#[test]
fn a_405_has_allow_before_cache_control() {
    let plan = request("PUT", &signed("track1")).answer(&service());
    assert_eq!(
        names(&plan),
        [
            "Content-Type",
            "Content-Length",
            "Allow",
            "Cache-Control",
            "Date"
        ]
    );
}

#[test]
fn a_400_ends_with_connection_close() {
    let plan = get("/stream/%2e%2e").answer(&service());
    assert_eq!(
        names(&plan),
        [
            "Content-Type",
            "Content-Length",
            "Cache-Control",
            "Date",
            "Connection"
        ]
    );
}

#[test]
fn an_error_to_head_keeps_its_length_without_the_body() {
    let plan = head("/stream/track1").answer(&service());
    assert_eq!(plan.header("Content-Length"), Some("18"));
    assert!(plan.body.is_empty());
}

#[test]
fn health_is_the_json_with_no_store() {
    let svc = service();
    let counters = StreamHealth {
        connections: 3,
        requests: 120,
        status_200: 4,
        status_206: 110,
        status_304: 2,
        status_4xx: 4,
        status_5xx: 0,
        bytes_sent: 7_340_032,
    };
    let plan = get("/health").with_head(|head| svc.health(head, &counters, NOW));
    let json = r#"{"status":"ok","service":"stream","connections":3,"requests":120,"responses":{"200":4,"206":110,"304":2,"4xx":4,"5xx":0},"bytes_sent":7340032}"#;
    assert_eq!(plan.status, 200);
    assert_eq!(
        plan.headers,
        owned(&[
            ("Content-Type", "application/json"),
            ("Content-Length", &json.len().to_string()),
            ("Cache-Control", "no-store"),
            ("Date", NOW_DATE),
        ])
    );
    assert_eq!(text(&plan), json);
}

#[test]
fn health_to_head_has_no_body() {
    let svc = service();
    let plan = head("/health").with_head(|head| svc.health(head, &StreamHealth::default(), NOW));
    assert!(plan.body.is_empty());
    assert!(plan.header("Content-Length").is_some());
}

#[test]
fn a_refusal_has_no_request_to_answer_so_it_is_plain() {
    let plan = service().refusal(hark_core::stream::HeadRefusal::TooLarge, NOW);
    assert_eq!(
        plan.headers,
        owned(&[
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", "32"),
            ("Cache-Control", "no-store"),
            ("Date", NOW_DATE),
            ("Connection", "close"),
        ])
    );
}
