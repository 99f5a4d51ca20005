//! stream.md §1, §8: whether the connection outlives each response, one behaviour per test.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod stream_support;

use hark_core::stream::StreamConfig;
use stream_support::*;

#[test]
fn http11_keeps_the_connection_without_a_connection_header() {
    let plan = get(&signed("track1")).serve(&service(), &media(10));
    assert!(plan.keep_alive);
    assert_eq!(plan.header("Connection"), None);
}

#[test]
fn http11_with_connection_close_closes() {
    let plan = get(&signed("track1"))
        .header("Connection", "close")
        .serve(&service(), &media(10));
    assert!(!plan.keep_alive);
    assert_eq!(plan.header("Connection"), Some("close"));
}

#[test]
fn http10_closes_by_default() {
    let plan = get(&signed("track1"))
        .http10()
        .serve(&service(), &media(10));
    assert!(!plan.keep_alive);
    assert_eq!(plan.header("Connection"), Some("close"));
}

#[test]
fn http10_with_keep_alive_keeps_and_says_so() {
    let plan = get(&signed("track1"))
        .http10()
        .header("Connection", "Keep-Alive")
        .serve(&service(), &media(10));
    assert!(plan.keep_alive);
    assert_eq!(plan.header("Connection"), Some("keep-alive"));
}

#[test]
fn the_999th_request_keeps_the_connection() {
    let plan = get(&signed("track1"))
        .number(999)
        .serve(&service(), &media(10));
    assert!(plan.keep_alive);
}

#[test]
fn the_1000th_request_closes() {
    let plan = get(&signed("track1"))
        .number(1000)
        .serve(&service(), &media(10));
    assert!(!plan.keep_alive);
    assert_eq!(plan.header("Connection"), Some("close"));
}

#[test]
fn keepalive_requests_is_configurable() {
    let svc = service_with(StreamConfig {
        keepalive_requests: 2,
        ..StreamConfig::default()
    });
    assert!(
        get(&signed("track1"))
            .number(1)
            .serve(&svc, &media(10))
            .keep_alive
    );
    assert!(
        !get(&signed("track1"))
            .number(2)
            .serve(&svc, &media(10))
            .keep_alive
    );
}

#[test]
fn a_request_announcing_a_body_is_answered_then_closed() {
    let plan = get(&signed("track1"))
        .header("Content-Length", "5")
        .serve(&service(), &media(10));
    assert_eq!(plan.status, 200);
    assert!(!plan.keep_alive);
}

#[test]
fn a_chunked_request_is_answered_then_closed() {
    let plan = request("POST", &signed("track1"))
        .header("Transfer-Encoding", "chunked")
        .answer(&service());
    assert_eq!(plan.status, 405);
    assert!(!plan.keep_alive);
}

#[test]
fn a_zero_content_length_keeps_the_connection() {
    let plan = get(&signed("track1"))
        .header("Content-Length", "0")
        .serve(&service(), &media(10));
    assert!(plan.keep_alive);
}

#[test]
fn a_400_closes() {
    let plan = get("/stream/..").answer(&service());
    assert!(!plan.keep_alive);
    assert_eq!(plan.header("Connection"), Some("close"));
}

#[test]
fn a_403_keeps_the_connection() {
    assert!(get("/stream/track1").answer(&service()).keep_alive);
}

#[test]
fn a_404_keeps_the_connection() {
    assert!(get("/nothing").answer(&service()).keep_alive);
}
