//! Comparing a `stream` response with its vector (`vectors.md` §9.3): the status, every header
//! in order with its exact value, and the body byte for byte. Core and live mode both turn what
//! they saw into [`Observed`] responses and ask [`compare_responses`].

use hark_core::stream::format_http_date;

use crate::format::stream::{BodyJson, ResponseJson, StreamFixture, content};

/// The placeholder for a decimal number in header values and body templates.
pub const UINT: &str = "<uint>";

/// A response as seen: status, headers in order, body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Which `Date` values pass: the group's `now`, and in live mode also the second after it
/// (a server's clock may turn between its reset and the request).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dates {
    pub now: i64,
    pub next_second_ok: bool,
}

/// The expected body: bytes, or a template when a part is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpectedBody {
    Bytes(Vec<u8>),
    Template(String),
}

/// The expected body of `parts`, file ranges read from the fixture's content rule; `None`
/// when a range names no file of the fixture (the loader refuses such vectors).
pub fn expected_body(fixture: &StreamFixture, parts: &[BodyJson]) -> Option<ExpectedBody> {
    if let [BodyJson::Template { template }] = parts {
        return Some(ExpectedBody::Template(template.clone()));
    }
    let mut bytes = Vec::new();
    for part in parts {
        match part {
            BodyJson::Text { text } => bytes.extend_from_slice(text.as_bytes()),
            BodyJson::Template { .. } => return None,
            BodyJson::File { file, start, len } => {
                let (_, _, seed) = fixture.file(file)?;
                bytes.extend(content::bytes(seed, *start, *len));
            }
        }
    }
    Some(ExpectedBody::Bytes(bytes))
}

/// Every difference between `actual` and `expected`, one line each (empty: they agree).
pub fn compare(
    expected: &ResponseJson,
    actual: &Observed,
    fixture: &StreamFixture,
    dates: Dates,
) -> Vec<String> {
    let mut problems = Vec::new();
    if expected.status != actual.status {
        problems.push(format!(
            "status {} (expected {})",
            actual.status, expected.status
        ));
    }
    if !headers_match(&expected.headers, &actual.headers, dates) {
        problems.push("headers differ:".to_owned());
        problems.extend(
            expected
                .headers
                .iter()
                .map(|(n, v)| format!("  expected  {n}: {v}")),
        );
        problems.extend(
            actual
                .headers
                .iter()
                .map(|(n, v)| format!("  actual    {n}: {v}")),
        );
    }
    match expected_body(fixture, &expected.body) {
        Some(ExpectedBody::Bytes(bytes)) => {
            if bytes != actual.body {
                problems.push(describe_body_difference(&bytes, &actual.body));
            }
        }
        Some(ExpectedBody::Template(template)) => {
            let text = String::from_utf8_lossy(&actual.body);
            if !template_matches(&template, &text) {
                problems.push(format!("body {text:?} does not match {template:?}"));
            }
        }
        None => problems.push("the vector's body names no fixture file".to_owned()),
    }
    problems
}

/// Every difference between the responses a scenario expects and those `seen`, in order: a
/// differing response's lines under `response N:`, and `response N: <absent> (status S
/// expected)` for one not seen.
pub fn compare_responses(
    expected: &[ResponseJson],
    seen: &[Observed],
    fixture: &StreamFixture,
    dates: Dates,
    absent: &str,
) -> Vec<String> {
    let mut problems = Vec::new();
    for (i, expected) in expected.iter().enumerate() {
        match seen.get(i) {
            Some(actual) => {
                let differences = compare(expected, actual, fixture, dates);
                if !differences.is_empty() {
                    problems.push(format!("response {}:", i + 1));
                    problems.extend(differences.into_iter().map(|d| format!("  {d}")));
                }
            }
            None => problems.push(format!(
                "response {}: {absent} (status {} expected)",
                i + 1,
                expected.status
            )),
        }
    }
    problems
}

fn headers_match(expected: &[(String, String)], actual: &[(String, String)], dates: Dates) -> bool {
    expected.len() == actual.len()
        && expected
            .iter()
            .zip(actual)
            .all(|((en, ev), (an, av))| en == an && value_matches(en, ev, av, dates))
}

/// Whether a header's value passes. A late `Date` is written with hark-core's own formatter:
/// that is no loss of independence, since core mode holds the formatter to the vectors' `Date`
/// values, which the generator writes on its own.
fn value_matches(name: &str, expected: &str, actual: &str, dates: Dates) -> bool {
    if expected == UINT {
        return is_uint(actual);
    }
    if name == "Date" && dates.next_second_ok && actual == format_http_date(dates.now + 1) {
        return expected == format_http_date(dates.now);
    }
    expected == actual
}

/// One or more decimal digits, no leading zero unless `0`.
fn is_uint(text: &str) -> bool {
    !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'))
}

/// Whether `text` is `template` with each `<uint>` replaced by a decimal number.
pub fn template_matches(template: &str, text: &str) -> bool {
    let mut pieces = template.split(UINT);
    let Some(first) = pieces.next() else {
        return text.is_empty();
    };
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    for piece in pieces {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (number, after) = rest.split_at(digits);
        if !is_uint(number) {
            return false;
        }
        match after.strip_prefix(piece) {
            Some(after) => rest = after,
            None => return false,
        }
    }
    rest.is_empty()
}

fn describe_body_difference(expected: &[u8], actual: &[u8]) -> String {
    let at = expected
        .iter()
        .zip(actual)
        .position(|(e, a)| e != a)
        .unwrap_or(expected.len().min(actual.len()));
    let window = |bytes: &[u8]| {
        let end = bytes.len().min(at + 24);
        let shown = bytes.get(at..end).unwrap_or_default();
        format!("{:?}", String::from_utf8_lossy(shown))
    };
    format!(
        "body: {} bytes (expected {}), first difference at byte {at}: {} (expected {})",
        actual.len(),
        expected.len(),
        window(actual),
        window(expected)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uint_placeholders_match_decimal_numbers() {
        assert!(template_matches(
            "{\"a\":<uint>,\"b\":<uint>}",
            "{\"a\":0,\"b\":120}"
        ));
        assert!(!template_matches("{\"a\":<uint>}", "{\"a\":01}"));
        assert!(!template_matches("{\"a\":<uint>}", "{\"a\":}"));
        assert!(!template_matches("x<uint>", "x1y"));
    }

    #[test]
    fn live_dates_may_be_one_second_late() {
        let expected = vec![("Date".to_owned(), format_http_date(10))];
        let late = vec![("Date".to_owned(), format_http_date(11))];
        let strict = Dates {
            now: 10,
            next_second_ok: false,
        };
        assert!(!headers_match(&expected, &late, strict));
        let live = Dates {
            next_second_ok: true,
            ..strict
        };
        assert!(headers_match(&expected, &late, live));
        let later = vec![("Date".to_owned(), format_http_date(12))];
        assert!(!headers_match(&expected, &later, live));
    }
}
