//! stream.md §6.1 through `StreamService::respond`: preconditions in RFC 9110's order, one
//! behaviour per test.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod stream_support;

use hark_core::stream::ResponsePlan;
use stream_support::*;

const LEN: u64 = 1000;
const EARLIER: &str = "Sun, 13 Sep 2020 12:26:39 GMT";
const LATER: &str = "Sun, 13 Sep 2020 12:26:41 GMT";

fn conditional(headers: &[(&str, &str)]) -> ResponsePlan {
    headers
        .iter()
        .fold(get(&signed("track1")), |req, (name, value)| {
            req.header(name, value)
        })
        .serve(&service(), &media(LEN))
}

#[test]
fn if_none_match_with_the_etag_is_304() {
    assert_eq!(conditional(&[("If-None-Match", &etag(LEN))]).status, 304);
}

#[test]
fn if_none_match_compares_weakly() {
    let weak = format!("W/{}", etag(LEN));
    assert_eq!(conditional(&[("If-None-Match", &weak)]).status, 304);
}

#[test]
fn if_none_match_star_is_304() {
    assert_eq!(conditional(&[("If-None-Match", "*")]).status, 304);
}

#[test]
fn if_none_match_with_another_tag_is_200() {
    assert_eq!(
        conditional(&[("If-None-Match", "\"x\", \"y\"")]).status,
        200
    );
}

#[test]
fn if_modified_since_last_modified_is_304() {
    assert_eq!(
        conditional(&[("If-Modified-Since", MODIFIED_DATE)]).status,
        304
    );
}

#[test]
fn if_modified_since_later_is_304() {
    assert_eq!(conditional(&[("If-Modified-Since", LATER)]).status, 304);
}

#[test]
fn if_modified_since_earlier_is_200() {
    assert_eq!(conditional(&[("If-Modified-Since", EARLIER)]).status, 200);
}

#[test]
fn if_modified_since_in_rfc850_and_asctime_forms_is_read() {
    assert_eq!(
        conditional(&[("If-Modified-Since", "Sunday, 13-Sep-20 12:26:40 GMT")]).status,
        304
    );
    assert_eq!(
        conditional(&[("If-Modified-Since", "Sun Sep 13 12:26:40 2020")]).status,
        304
    );
}

#[test]
fn an_unparsable_if_modified_since_is_ignored() {
    assert_eq!(
        conditional(&[("If-Modified-Since", "yesterday")]).status,
        200
    );
}

#[test]
fn if_none_match_takes_precedence_over_if_modified_since() {
    let plan = conditional(&[("If-None-Match", "\"x\""), ("If-Modified-Since", LATER)]);
    assert_eq!(plan.status, 200);
}

#[test]
fn a_malformed_if_none_match_is_ignored() {
    let plan = conditional(&[("If-None-Match", "x"), ("If-Modified-Since", LATER)]);
    assert_eq!(plan.status, 304);
}

#[test]
fn if_match_with_another_tag_is_412() {
    let plan = conditional(&[("If-Match", "\"x\"")]);
    assert_eq!(
        (plan.status, text(&plan)),
        (412, "precondition failed\n".into())
    );
}

#[test]
fn if_match_with_a_weak_tag_is_412() {
    let weak = format!("W/{}", etag(LEN));
    assert_eq!(conditional(&[("If-Match", &weak)]).status, 412);
}

#[test]
fn if_match_with_the_etag_or_star_is_served() {
    assert_eq!(conditional(&[("If-Match", &etag(LEN))]).status, 200);
    assert_eq!(conditional(&[("If-Match", "*")]).status, 200);
}

#[test]
fn if_unmodified_since_earlier_is_412() {
    assert_eq!(conditional(&[("If-Unmodified-Since", EARLIER)]).status, 412);
}

#[test]
fn if_unmodified_since_last_modified_is_served() {
    assert_eq!(
        conditional(&[("If-Unmodified-Since", MODIFIED_DATE)]).status,
        200
    );
}

#[test]
fn if_match_takes_precedence_over_if_unmodified_since() {
    let plan = conditional(&[("If-Match", &etag(LEN)), ("If-Unmodified-Since", EARLIER)]);
    assert_eq!(plan.status, 200);
}

#[test]
fn a_failed_if_match_wins_over_if_none_match() {
    let plan = conditional(&[("If-Match", "\"x\""), ("If-None-Match", &etag(LEN))]);
    assert_eq!(plan.status, 412);
}

#[test]
fn not_modified_wins_over_range() {
    let plan = conditional(&[("If-None-Match", &etag(LEN)), ("Range", "bytes=0-9")]);
    assert_eq!(plan.status, 304);
}

#[test]
fn a_304_has_validators_and_no_body_or_length() {
    let plan = conditional(&[("If-None-Match", &etag(LEN))]);
    assert_eq!(
        names(&plan),
        [
            "Accept-Ranges",
            "ETag",
            "Last-Modified",
            "Cache-Control",
            "Date"
        ]
    );
    assert!(plan.body.is_empty());
}

#[test]
fn head_gets_304_too() {
    let plan = head(&signed("track1"))
        .header("If-None-Match", &etag(LEN))
        .serve(&service(), &media(LEN));
    assert_eq!(plan.status, 304);
}

#[test]
fn a_412_to_head_has_the_headers_without_the_body() {
    let plan = head(&signed("track1"))
        .header("If-Match", "\"x\"")
        .serve(&service(), &media(LEN));
    assert_eq!(plan.status, 412);
    assert_eq!(plan.header("Content-Length"), Some("20"));
    assert!(plan.body.is_empty());
}
