//! Properties of the `stream` service's parsers (`conformance/spec/stream.md` §4, §6.1, §7.1):
//! Range satisfaction covers exactly the bytes the satisfiable specs name, in the fewest sorted
//! ranges; HTTP dates written are read back in all three forms; a signed URL routes to its file
//! and any other signature does not.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod stream_support;

use std::collections::BTreeSet;

use hark_core::stream::{
    RangeOutcome, Route, format_http_date, parse_http_date, parse_range, signature,
};
use quickcheck::{Arbitrary, Gen, QuickCheck, TestResult};
use stream_support::*;

const ID_BYTES: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

fn up_to(g: &mut Gen, max: u64) -> u64 {
    u64::arbitrary(g) % (max + 1)
}

/// A small Range spec, as text, and the bytes of a file of `len` it names (empty when it is not
/// satisfiable).
#[derive(Debug, Clone)]
struct Spec {
    text: String,
    first: Option<u64>,
    last: Option<u64>,
}

impl Arbitrary for Spec {
    fn arbitrary(g: &mut Gen) -> Self {
        let a = up_to(g, 80);
        let b = a + up_to(g, 40);
        match u8::arbitrary(g) % 3 {
            0 => Self {
                text: format!("{a}-{b}"),
                first: Some(a),
                last: Some(b),
            },
            1 => Self {
                text: format!("{a}-"),
                first: Some(a),
                last: None,
            },
            _ => Self {
                text: format!("-{a}"),
                first: None,
                last: Some(a),
            },
        }
    }
}

impl Spec {
    fn bytes(&self, len: u64) -> BTreeSet<u64> {
        match (self.first, self.last) {
            (Some(first), last) => (first..=last.unwrap_or(u64::MAX).min(len.saturating_sub(1)))
                .filter(|&b| b < len)
                .collect(),
            (None, Some(suffix)) => (len.saturating_sub(suffix)..len).collect(),
            (None, None) => BTreeSet::new(),
        }
    }
}

fn range_covers_exactly_the_named_bytes(specs: Vec<Spec>, len: u8) -> TestResult {
    if specs.is_empty() || specs.len() > 16 {
        return TestResult::discard();
    }
    let len = u64::from(len % 100);
    let header = format!(
        "bytes={}",
        specs
            .iter()
            .map(|s| s.text.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let request = parse_range(header.as_bytes(), 16).unwrap();
    let named: BTreeSet<u64> = specs.iter().flat_map(|s| s.bytes(len)).collect();
    match request.satisfy(len) {
        RangeOutcome::Full => TestResult::from_bool(len == 0),
        RangeOutcome::Unsatisfiable => TestResult::from_bool(len > 0 && named.is_empty()),
        RangeOutcome::Partial(ranges) => {
            let covered: BTreeSet<u64> = ranges.iter().flat_map(|r| r.first..=r.last).collect();
            let fewest = ranges.windows(2).all(|w| w[0].last + 1 < w[1].first);
            TestResult::from_bool(covered == named && fewest)
        }
    }
}

#[test]
fn range_satisfaction_covers_exactly_the_bytes_the_specs_name() {
    QuickCheck::new()
        .tests(2000)
        .quickcheck(range_covers_exactly_the_named_bytes as fn(Vec<Spec>, u8) -> TestResult);
}

/// Any instant of years 0000–9999.
fn writable(unix: i64) -> i64 {
    unix.rem_euclid(253_402_300_800 + 62_167_219_200) - 62_167_219_200
}

fn dates_round_trip(unix: i64) -> bool {
    let unix = writable(unix);
    parse_http_date(format_http_date(unix).as_bytes()) == Some(unix)
}

#[test]
fn written_dates_read_back() {
    QuickCheck::new()
        .tests(5000)
        .quickcheck(dates_round_trip as fn(i64) -> bool);
}

/// The RFC 850 and asctime forms of a date of 1970–2069, derived from its IMF-fixdate.
fn other_forms_read_alike(unix: i64) -> bool {
    let unix = unix.rem_euclid(3_155_760_000);
    let imf = format_http_date(unix);
    let (weekday, rest) = imf.split_once(", ").unwrap();
    let parts: Vec<&str> = rest.split(' ').collect();
    let (day, month, year, time) = (parts[0], parts[1], parts[2], parts[3]);
    let long = match weekday {
        "Mon" => "Monday",
        "Tue" => "Tuesday",
        "Wed" => "Wednesday",
        "Thu" => "Thursday",
        "Fri" => "Friday",
        "Sat" => "Saturday",
        _ => "Sunday",
    };
    let rfc850 = format!("{long}, {day}-{month}-{} {time} GMT", &year[2..]);
    let asctime = format!(
        "{weekday} {month} {:>2} {time} {year}",
        day.trim_start_matches('0')
    );
    parse_http_date(rfc850.as_bytes()) == Some(unix)
        && parse_http_date(asctime.as_bytes()) == Some(unix)
}

#[test]
fn rfc850_and_asctime_dates_read_like_imf_fixdate() {
    QuickCheck::new()
        .tests(2000)
        .quickcheck(other_forms_read_alike as fn(i64) -> bool);
}

#[derive(Debug, Clone)]
struct Id(String);

impl Arbitrary for Id {
    fn arbitrary(g: &mut Gen) -> Self {
        let len = 1 + up_to(g, 127);
        Self(
            (0..len)
                .map(|_| char::from(*g.choose(ID_BYTES).unwrap()))
                .collect(),
        )
    }
}

fn signed_urls_route_and_others_do_not(id: Id, ttl: u32, flip: u8) -> bool {
    let svc = service();
    let expires = NOW + i64::from(ttl);
    let sig = signature(SECRET, &id.0, expires);
    let good = format!("/stream/{}?expires={expires}&sig={sig}", id.0);
    let mut forged = sig.into_bytes();
    let at = usize::from(flip) % forged.len();
    forged[at] = if forged[at] == b'0' { b'1' } else { b'0' };
    let bad = format!(
        "/stream/{}?expires={expires}&sig={}",
        id.0,
        String::from_utf8(forged).unwrap()
    );
    matches!(get(&good).route(&svc, NOW), Route::Lookup(ref l) if l.id == id.0)
        && matches!(get(&bad).route(&svc, NOW), Route::Respond(ref p) if p.status == 403)
}

#[test]
fn a_signed_url_routes_to_its_file_and_a_forged_one_does_not() {
    QuickCheck::new()
        .tests(500)
        .quickcheck(signed_urls_route_and_others_do_not as fn(Id, u32, u8) -> bool);
}
