//! One scenario's connection in core mode: the request bytes read head by head as a runtime
//! reads them, each answered by hark-core, until the bytes run out or a plan closes.

use hark_core::stream::{
    BodyPart, HeadRefusal, Header, Media, RequestHead, ResponsePlan, Route, StreamHealth,
    StreamService,
};

use crate::format::stream::{GroupConfig, MediaJson, Scenario, StreamFixture, content};
use crate::stream_compare::{Dates, Observed, compare_responses};
use crate::stream_head::{HeadRead, OwnedHead, read_head};

/// The counters core mode hands to `health` (any values do: the vectors' health bodies are
/// templates).
const HEALTH: StreamHealth = StreamHealth {
    connections: 1,
    requests: 7,
    status_200: 3,
    status_206: 2,
    status_304: 1,
    status_4xx: 1,
    status_5xx: 0,
    bytes_sent: 123_456,
};

/// Plays `scenario` against `service` and compares every response and the close.
pub fn play(
    service: &StreamService,
    fixture: &StreamFixture,
    config: &GroupConfig,
    scenario: &Scenario,
) -> Result<(), Vec<String>> {
    let now = config.now;
    let mut rest = scenario.request.as_bytes();
    let mut observed = Vec::new();
    let mut closed = false;
    let mut number = 1u32;
    while !rest.is_empty() {
        let (plan, served, head_only) = match read_head(rest) {
            HeadRead::Complete { head, consumed } => {
                rest = rest.get(consumed..).unwrap_or_default();
                let (plan, served) = answer(service, fixture, &head, number, now);
                (plan, served, head.method == "HEAD")
            }
            HeadRead::TooLarge => (service.refusal(HeadRefusal::TooLarge, now), None, false),
            HeadRead::Malformed => (service.refusal(HeadRefusal::Malformed, now), None, false),
            HeadRead::Incomplete => {
                return Err(vec![
                    "invalid vector: the request bytes end inside a head".to_owned(),
                ]);
            }
        };
        let mut problems = plan_problems(&plan, head_only);
        let body = materialise(&plan, served.as_ref(), &mut problems);
        if !problems.is_empty() {
            problems.insert(0, format!("response {}:", observed.len() + 1));
            return Err(problems);
        }
        observed.push(Observed {
            status: plan.status,
            headers: plan
                .headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), v.clone()))
                .collect(),
            body,
        });
        if !plan.keep_alive {
            closed = true;
            break;
        }
        number += 1;
    }
    let dates = Dates {
        now,
        next_second_ok: false,
    };
    let mut problems = compare_responses(&scenario.responses, &observed, fixture, dates, "missing");
    if observed.len() > scenario.responses.len() {
        problems.push(format!(
            "{} responses (expected {})",
            observed.len(),
            scenario.responses.len()
        ));
    }
    if closed != scenario.closed {
        problems.push(format!(
            "the connection is {} after the last response (expected {})",
            if closed { "closed" } else { "kept" },
            if scenario.closed { "closed" } else { "kept" }
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// The plan for one head, and the fixture file whose bytes its file ranges are.
fn answer(
    service: &StreamService,
    fixture: &StreamFixture,
    owned: &OwnedHead,
    number: u32,
    now: i64,
) -> (ResponsePlan, Option<(u64, u64)>) {
    let headers: Vec<Header<'_>> = owned
        .headers
        .iter()
        .map(|(name, value)| Header {
            name: name.as_str(),
            value: value.as_slice(),
        })
        .collect();
    let head = RequestHead {
        method: &owned.method,
        target: &owned.target,
        version: owned.version,
        headers: &headers,
        request_number: number,
    };
    match service.route(&head, now) {
        Route::Respond(plan) => (plan, None),
        Route::Health => (service.health(&head, &HEALTH, now), None),
        Route::Lookup(lookup) => {
            let found = lookup.candidates().find_map(|(name, media_type)| {
                fixture.media.iter().find_map(|entry| match entry {
                    MediaJson::File {
                        name: n,
                        len,
                        mtime,
                        seed,
                    } if *n == name => Some((media_type, *len, *mtime, *seed)),
                    _ => None,
                })
            });
            match found {
                Some((media_type, len, mtime, seed)) => {
                    let media = Media {
                        media_type,
                        len,
                        modified_unix: mtime,
                    };
                    (service.respond(&head, &media, now), Some((seed, len)))
                }
                None => (service.not_found(&head, now), None),
            }
        }
    }
}

/// What the plan itself promises (stream.md §6, §10): a body only when there is one, summing to
/// `Content-Length`, and `Connection: close` exactly when it closes.
fn plan_problems(plan: &ResponsePlan, head_only: bool) -> Vec<String> {
    let mut problems = Vec::new();
    let no_body = head_only || plan.status == 204 || plan.status == 304;
    if no_body && !plan.body.is_empty() {
        problems.push("a body on a HEAD, 204 or 304 response".to_owned());
    }
    let length = plan
        .headers
        .iter()
        .find(|(n, _)| *n == "Content-Length")
        .map(|(_, v)| v.clone());
    if !no_body && length != Some(plan.body_len().to_string()) {
        problems.push(format!(
            "Content-Length {length:?} but a body of {} bytes",
            plan.body_len()
        ));
    }
    let says_close = plan
        .headers
        .iter()
        .any(|(n, v)| *n == "Connection" && v == "close");
    if says_close == plan.keep_alive {
        problems.push(format!(
            "keep_alive is {} but Connection: close is {}",
            plan.keep_alive,
            if says_close { "there" } else { "absent" }
        ));
    }
    problems
}

/// The plan's body bytes: literal chunks as they are, file ranges from the served file.
fn materialise(
    plan: &ResponsePlan,
    served: Option<&(u64, u64)>,
    problems: &mut Vec<String>,
) -> Vec<u8> {
    let mut body = Vec::new();
    for part in &plan.body {
        match (part, served) {
            (BodyPart::Bytes(bytes), _) => body.extend_from_slice(bytes),
            (BodyPart::File { start, len }, Some((seed, size)))
                if start.saturating_add(*len) <= *size && *len > 0 =>
            {
                body.extend(content::bytes(*seed, *start, *len));
            }
            (BodyPart::File { start, len }, _) => {
                problems.push(format!(
                    "a file range {start}+{len} outside the served file"
                ));
            }
        }
    }
    body
}
