//! stream.md §7.2–§7.3: preflights and the CORS headers of other responses, one behaviour per
//! test.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod stream_support;

use hark_core::stream::{HeadRefusal, StreamConfig, StreamHealth};
use stream_support::*;

const ORIGIN: &str = "https://player.example";

fn listing() -> StreamConfig {
    StreamConfig {
        allowed_origins: vec![ORIGIN.to_owned()],
        ..StreamConfig::default()
    }
}

fn preflight(origin: &str, method: &str) -> Req {
    request("OPTIONS", "/stream/track1")
        .header("Origin", origin)
        .header("Access-Control-Request-Method", method)
}

#[test]
fn a_preflight_from_any_origin_is_allowed_by_default() {
    let plan = preflight(ORIGIN, "GET")
        .header("Access-Control-Request-Headers", "range")
        .answer(&service());
    assert_eq!(plan.status, 204);
    assert_eq!(
        plan.headers[..5],
        [
            ("Access-Control-Allow-Origin", "*".to_owned()),
            ("Access-Control-Allow-Methods", "GET, HEAD".to_owned()),
            ("Access-Control-Allow-Headers", "range".to_owned()),
            ("Access-Control-Max-Age", "86400".to_owned()),
            (
                "Vary",
                "Origin, Access-Control-Request-Method, Access-Control-Request-Headers".to_owned()
            ),
        ]
    );
    assert_eq!(names(&plan)[5..], ["Date"]);
    assert!(plan.body.is_empty());
}

#[test]
fn a_preflight_needs_no_signature() {
    assert_eq!(preflight(ORIGIN, "HEAD").answer(&service()).status, 204);
}

#[test]
fn a_preflight_without_requested_headers_has_no_allow_headers() {
    let plan = preflight(ORIGIN, "GET").answer(&service());
    assert_eq!(plan.header("Access-Control-Allow-Headers"), None);
}

#[test]
fn a_preflight_from_a_listed_origin_echoes_it() {
    let plan = preflight(ORIGIN, "GET").answer(&service_with(listing()));
    assert_eq!(plan.status, 204);
    assert_eq!(plan.header("Access-Control-Allow-Origin"), Some(ORIGIN));
}

#[test]
fn a_preflight_from_an_unlisted_origin_is_refused() {
    let plan = preflight("https://evil.example", "GET").answer(&service_with(listing()));
    assert_eq!(
        (plan.status, text(&plan)),
        (403, "origin not allowed\n".into())
    );
}

#[test]
fn a_preflight_for_another_method_is_refused() {
    let plan = preflight(ORIGIN, "DELETE").answer(&service());
    assert_eq!(plan.status, 403);
}

#[test]
fn a_preflight_without_origin_is_refused() {
    let plan = request("OPTIONS", "/stream/track1")
        .header("Access-Control-Request-Method", "GET")
        .answer(&service());
    assert_eq!(plan.status, 403);
}

#[test]
fn options_without_a_request_method_is_204_with_allow() {
    let plan = request("OPTIONS", "/stream/track1").answer(&service());
    assert_eq!(plan.status, 204);
    assert_eq!(names(&plan), ["Allow", "Date"]);
    assert_eq!(plan.header("Allow"), Some("GET, HEAD, OPTIONS"));
}

#[test]
fn a_response_to_any_origin_allows_star_and_exposes_the_seeds_headers() {
    let plan = get(&signed("track1"))
        .header("Origin", ORIGIN)
        .serve(&service(), &media(10));
    assert_eq!(plan.header("Access-Control-Allow-Origin"), Some("*"));
    assert_eq!(
        plan.header("Access-Control-Expose-Headers"),
        Some("content-range, content-length, accept-ranges")
    );
    assert_eq!(plan.header("Vary"), None);
}

#[test]
fn a_response_to_a_listed_origin_echoes_it_and_varies() {
    let plan = get(&signed("track1"))
        .header("Origin", ORIGIN)
        .serve(&service_with(listing()), &media(10));
    assert_eq!(plan.header("Access-Control-Allow-Origin"), Some(ORIGIN));
    assert_eq!(plan.header("Vary"), Some("Origin"));
}

#[test]
fn a_response_to_an_unlisted_origin_is_served_without_cors() {
    let plan = get(&signed("track1"))
        .header("Origin", "https://evil.example")
        .serve(&service_with(listing()), &media(10));
    assert_eq!(plan.status, 200);
    assert_eq!(plan.header("Access-Control-Allow-Origin"), None);
    assert_eq!(plan.header("Vary"), Some("Origin"));
}

#[test]
fn a_response_without_origin_varies_when_a_list_is_configured() {
    let plan = get(&signed("track1")).serve(&service_with(listing()), &media(10));
    assert_eq!(plan.header("Vary"), Some("Origin"));
}

#[test]
fn errors_carry_cors_headers() {
    let plan = get("/stream/track1")
        .header("Origin", ORIGIN)
        .answer(&service());
    assert_eq!(plan.status, 403);
    assert_eq!(plan.header("Access-Control-Allow-Origin"), Some("*"));
}

#[test]
fn health_carries_cors_headers() {
    let svc = service();
    let plan = get("/health")
        .header("Origin", ORIGIN)
        .with_head(|head| svc.health(head, &StreamHealth::default(), NOW));
    assert_eq!(plan.header("Access-Control-Allow-Origin"), Some("*"));
}

#[test]
fn refusals_carry_no_cors_headers() {
    let plan = service_with(listing()).refusal(HeadRefusal::Malformed, NOW);
    assert_eq!(plan.header("Vary"), None);
}
