//! stream.md §1–§2 through `StreamService::route`: targets, methods, `Host`, one behaviour per
//! test.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod stream_support;

use hark_core::stream::{HeadRefusal, Route};
use stream_support::*;

#[test]
fn other_paths_are_not_found() {
    for target in [
        "/",
        "/stream",
        "/health/",
        "/x/../health",
        "/audio/track1.mp3",
    ] {
        let plan = get(target).answer(&service());
        assert_eq!(
            (plan.status, text(&plan)),
            (404, "not found\n".into()),
            "{target}"
        );
    }
}

#[test]
fn the_path_is_decoded_before_it_is_matched() {
    assert_eq!(get("/%68ealth").route(&service(), NOW), Route::Health);
}

#[test]
fn a_bad_escape_in_the_path_is_a_bad_request() {
    let plan = get("/stream/a%2").answer(&service());
    assert_eq!((plan.status, text(&plan)), (400, "bad request\n".into()));
}

#[test]
fn post_on_a_stream_is_405_with_allow() {
    let plan = request("POST", &signed("track1")).answer(&service());
    assert_eq!(plan.status, 405);
    assert_eq!(plan.header("Allow"), Some("GET, HEAD, OPTIONS"));
    assert_eq!(text(&plan), "method not allowed\n");
}

#[test]
fn an_invalid_id_is_reported_before_the_method() {
    assert_eq!(
        request("DELETE", "/stream/..").answer(&service()).status,
        400
    );
}

#[test]
fn get_and_head_on_health_ask_for_the_counters() {
    assert_eq!(get("/health").route(&service(), NOW), Route::Health);
    assert_eq!(head("/health").route(&service(), NOW), Route::Health);
}

#[test]
fn health_ignores_its_query() {
    assert_eq!(get("/health?x=%zz").route(&service(), NOW), Route::Health);
}

#[test]
fn post_on_health_is_405_with_allow_get_head() {
    let plan = request("POST", "/health").answer(&service());
    assert_eq!(plan.status, 405);
    assert_eq!(plan.header("Allow"), Some("GET, HEAD"));
}

#[test]
fn options_asterisk_is_204_with_allow() {
    let plan = request("OPTIONS", "*").answer(&service());
    assert_eq!(plan.status, 204);
    assert_eq!(plan.header("Allow"), Some("GET, HEAD, OPTIONS"));
    assert!(plan.body.is_empty());
    assert_eq!(plan.header("Content-Length"), None);
}

#[test]
fn get_asterisk_is_a_bad_request() {
    assert_eq!(get("*").answer(&service()).status, 400);
}

#[test]
fn absolute_form_is_accepted() {
    let target = format!("http://localhost:8082{}", signed("track1"));
    assert!(matches!(
        get(&target).route(&service(), NOW),
        Route::Lookup(_)
    ));
}

#[test]
fn authority_form_is_a_bad_request() {
    assert_eq!(
        request("CONNECT", "localhost:8082")
            .answer(&service())
            .status,
        400
    );
}

#[test]
fn http11_without_host_is_a_bad_request() {
    let plan = get(&signed("track1")).without_host().answer(&service());
    assert_eq!((plan.status, text(&plan)), (400, "bad request\n".into()));
}

#[test]
fn http10_without_host_is_served() {
    let req = get(&signed("track1")).without_host().http10();
    assert!(matches!(req.route(&service(), NOW), Route::Lookup(_)));
}

#[test]
fn two_host_fields_are_a_bad_request() {
    let plan = get(&signed("track1"))
        .header("Host", "other")
        .answer(&service());
    assert_eq!(plan.status, 400);
}

#[test]
fn the_file_not_found_is_404() {
    let svc = service();
    let req = get(&signed("track1"));
    let plan = req.with_head(|head| svc.not_found(head, NOW));
    assert_eq!((plan.status, text(&plan)), (404, "not found\n".into()));
}

#[test]
fn refusals_close_with_their_status_and_text() {
    let svc = service();
    for (refusal, status, body) in [
        (HeadRefusal::Malformed, 400, "bad request\n"),
        (
            HeadRefusal::TooLarge,
            431,
            "request header fields too large\n",
        ),
        (HeadRefusal::Timeout, 408, "request timeout\n"),
    ] {
        let plan = svc.refusal(refusal, NOW);
        assert_eq!((plan.status, text(&plan).as_str()), (status, body));
        assert!(!plan.keep_alive);
        assert_eq!(plan.header("Connection"), Some("close"));
    }
}

#[test]
fn the_service_refuses_an_empty_secret() {
    assert!(hark_core::stream::StreamService::new(Default::default(), Vec::new()).is_err());
}
