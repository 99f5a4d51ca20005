//! `StreamService` (`conformance/spec/stream.md` §1–§10) on arbitrary request heads: methods,
//! targets (often validly signed, then mutated), header fields, clocks and files. `route`,
//! `respond`, `not_found`, `health` and `refusal` must not panic, and every plan:
//! - has a body exactly as long as its `Content-Length` (except for `HEAD`, which has none);
//! - has no body and no `Content-Length` when it is `204` or `304`;
//! - reads the file only inside it, in non-empty parts;
//! - carries `Date`, then at most `Connection`, which says `close` exactly when the plan does
//!   not keep the connection;
//! - writes header values a response head can carry (no CR, LF or other control bytes).
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use hark_core::stream::{
    BodyPart, HeadRefusal, Header, HttpVersion, MEDIA_TYPES, Media, RequestHead, ResponsePlan,
    Route, StreamConfig, StreamHealth, StreamService, signature,
};
use libfuzzer_sys::fuzz_target;

const SECRET: &[u8] = b"fuzz secret";
const NOW: i64 = 1_700_000_000;
const METHODS: [&str; 6] = ["GET", "HEAD", "OPTIONS", "POST", "get", "DELETE"];
const NAMES: [&str; 16] = [
    "Host",
    "Range",
    "If-Range",
    "If-Match",
    "If-None-Match",
    "If-Modified-Since",
    "If-Unmodified-Since",
    "Origin",
    "Access-Control-Request-Method",
    "Access-Control-Request-Headers",
    "Connection",
    "Content-Length",
    "Transfer-Encoding",
    "range",
    "ORIGIN",
    "X-Other",
];
const VALUES: [&str; 14] = [
    "bytes=0-1023",
    "bytes=-500,0-9,100-",
    "bytes=0-0,2-2,4-4",
    "\"5f5e1000-3e8\"",
    "W/\"5f5e1000-3e8\"",
    "*",
    "Sun, 13 Sep 2020 12:26:40 GMT",
    "Sunday, 13-Sep-20 12:26:40 GMT",
    "Sun Sep 13 12:26:40 2020",
    "https://a.example",
    "GET",
    "close",
    "keep-alive",
    "0",
];

#[derive(Debug)]
struct Input {
    config: StreamConfig,
    method: String,
    target: String,
    version: HttpVersion,
    headers: Vec<(String, Vec<u8>)>,
    request_number: u32,
    now: i64,
    media: Media,
    refusal: HeadRefusal,
}

fn pick<'a, T: Copy>(u: &mut Unstructured<'a>, items: &[T]) -> arbitrary::Result<T> {
    u.choose(items).copied()
}

/// A target: a signed one, possibly mutated, or arbitrary text.
fn target(u: &mut Unstructured<'_>, now: i64) -> arbitrary::Result<String> {
    if u.ratio(1, 4)? {
        return u.arbitrary();
    }
    let id = if u.ratio(3, 4)? {
        pick(u, &["track1", "a", "A_b-9", "%74rack1", "%2e%2e", "a%2fb"])?.to_owned()
    } else {
        u.arbitrary()?
    };
    let expires = now.saturating_add(i64::from(u.int_in_range(-2i8..=2)?));
    let mut sig = signature(SECRET, &id.replace("%74", "t"), expires);
    if u.ratio(1, 4)? {
        sig = sig.to_uppercase();
    }
    if u.ratio(1, 4)? {
        sig.truncate(usize::from(u.int_in_range(0u8..=64)?));
    }
    let prefix = pick(
        u,
        &[
            "/stream/",
            "http://h/stream/",
            "/health",
            "*",
            "/x/../stream/",
        ],
    )?;
    let mut target = format!("{prefix}{id}?expires={expires}&sig={sig}");
    if u.ratio(1, 4)? {
        let extra: String = u.arbitrary()?;
        target.push('&');
        target.push_str(&extra);
    }
    Ok(target)
}

impl<'a> Arbitrary<'a> for Input {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let config = StreamConfig {
            allowed_origins: if u.arbitrary()? {
                Vec::new()
            } else {
                vec!["https://a.example".to_owned()]
            },
            max_ranges: usize::from(u.int_in_range(1u8..=20)?),
            keepalive_requests: u32::from(u.int_in_range(1u8..=4)?),
            ..StreamConfig::default()
        };
        let method = if u.ratio(1, 8)? {
            u.arbitrary()?
        } else {
            pick(u, &METHODS)?.to_owned()
        };
        let now = if u.ratio(1, 8)? { u.arbitrary()? } else { NOW };
        let target = target(u, now)?;
        let version = if u.arbitrary()? {
            HttpVersion::Http11
        } else {
            HttpVersion::Http10
        };
        let mut headers = Vec::new();
        if u.ratio(7, 8)? {
            headers.push(("Host".to_owned(), b"h".to_vec()));
        }
        for _ in 0..u.int_in_range(0u8..=6)? {
            let name = if u.ratio(1, 8)? {
                u.arbitrary()?
            } else {
                pick(u, &NAMES)?.to_owned()
            };
            let value = if u.ratio(1, 3)? {
                u.arbitrary()?
            } else {
                pick(u, &VALUES)?.as_bytes().to_vec()
            };
            headers.push((name, value));
        }
        let media = Media {
            media_type: pick(u, &MEDIA_TYPES)?,
            len: if u.ratio(1, 4)? {
                u.arbitrary()?
            } else {
                u64::from(u.int_in_range(0u16..=2000)?)
            },
            modified_unix: if u.arbitrary()? {
                1_600_000_000
            } else {
                u.arbitrary()?
            },
        };
        Ok(Self {
            config,
            method,
            target,
            version,
            headers,
            request_number: u.int_in_range(1..=5)?,
            now,
            media,
            refusal: pick(
                u,
                &[
                    HeadRefusal::Malformed,
                    HeadRefusal::TooLarge,
                    HeadRefusal::Timeout,
                ],
            )?,
        })
    }
}

fn check(plan: &ResponsePlan, is_head: bool, file_len: u64) {
    let content_length = plan.header("Content-Length");
    if matches!(plan.status, 204 | 304) {
        assert!(plan.body.is_empty() && content_length.is_none(), "{plan:?}");
    }
    if is_head {
        assert!(plan.body.is_empty(), "{plan:?}");
    } else if let Some(length) = content_length {
        assert_eq!(
            length.parse::<u64>().ok(),
            Some(plan.body_len()),
            "{plan:?}"
        );
    }
    for part in &plan.body {
        if let BodyPart::File { start, len } = *part {
            assert!(len > 0, "{plan:?}");
            assert!(
                start.checked_add(len).is_some_and(|end| end <= file_len),
                "{plan:?}"
            );
        }
    }
    let names: Vec<&str> = plan.headers.iter().map(|(name, _)| *name).collect();
    match names.as_slice() {
        [.., "Date", "Connection"] | [.., "Date"] => {}
        _ => panic!("Date is not last: {names:?}"),
    }
    assert_eq!(
        plan.keep_alive,
        plan.header("Connection") != Some("close"),
        "{plan:?}"
    );
    for (_, value) in &plan.headers {
        assert!(
            value
                .bytes()
                .all(|b| b == b'\t' || (b' '..=b'~').contains(&b)),
            "{value:?}"
        );
    }
    let _ = plan.head_bytes();
}

fuzz_target!(|input: Input| {
    let Ok(svc) = StreamService::new(input.config.clone(), SECRET.to_vec()) else {
        return;
    };
    let headers: Vec<Header<'_>> = input
        .headers
        .iter()
        .map(|(name, value)| Header { name, value })
        .collect();
    let head = RequestHead {
        method: &input.method,
        target: &input.target,
        version: input.version,
        headers: &headers,
        request_number: input.request_number,
    };
    let is_head = input.method == "HEAD";
    match svc.route(&head, input.now) {
        Route::Respond(plan) => check(&plan, is_head, 0),
        Route::Lookup(lookup) => {
            assert!(
                lookup
                    .candidates()
                    .all(|(name, _)| !name.contains(['/', '\\', '\0']))
            );
            check(
                &svc.respond(&head, &input.media, input.now),
                is_head,
                input.media.len,
            );
            check(&svc.not_found(&head, input.now), is_head, 0);
        }
        Route::Health => check(
            &svc.health(&head, &StreamHealth::default(), input.now),
            is_head,
            0,
        ),
    }
    check(&svc.refusal(input.refusal, input.now), false, 0);
});
