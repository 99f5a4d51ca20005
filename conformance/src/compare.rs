//! Comparing what a step produced with what its vector expects, as human-readable differences.
//! Independent of how the step was run, so `core` and `live` modes report alike.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use crate::format::{EventSubject, StreamJson, Subject, TransmitJson};

/// Turns a datagram into a one-line description for diffs (e.g. "error code=5 …").
pub type Describe<'a> = &'a dyn Fn(&[u8]) -> String;

/// Turns bytes written on a connection into lines for diffs, one per frame.
pub type DescribeStream<'a> = &'a dyn Fn(&[u8]) -> Vec<String>;

/// Transmits are a multiset: each expected one must match one actual one, byte for byte.
/// Returns one line per missing or unexpected transmit.
pub fn transmits(
    expected: &[TransmitJson],
    actual: &[TransmitJson],
    describe: Describe<'_>,
) -> Vec<String> {
    transmits_matching(expected, actual, &|_, _| false, describe)
}

/// Like [`transmits`], but an expected transmit left without an identical actual one may also
/// take one that `close_enough(expected, actual)` accepts (live mode: a server's timestamp).
pub fn transmits_matching(
    expected: &[TransmitJson],
    actual: &[TransmitJson],
    close_enough: &dyn Fn(&TransmitJson, &TransmitJson) -> bool,
    describe: Describe<'_>,
) -> Vec<String> {
    let (missing, mut unexpected) = pair_up(expected, actual, close_enough);
    let mut lines: Vec<String> = missing
        .into_iter()
        .map(|want| {
            format!(
                "missing transmit to {}: {} ({})",
                want.to,
                want.hex,
                describe(want.hex.as_bytes())
            )
        })
        .collect();
    unexpected.sort();
    lines.extend(unexpected.into_iter().map(|got| {
        format!(
            "unexpected transmit to {}: {} ({})",
            got.to,
            got.hex,
            describe(got.hex.as_bytes())
        )
    }));
    lines
}

/// Matches expected transmits with actual ones as multisets: identical pairs first (so
/// tolerance never takes an exact match away), then pairs to the same destination that
/// `close_enough` accepts. Returns the expected ones left missing and the actual ones left
/// unexpected.
pub fn pair_up<'a>(
    expected: &'a [TransmitJson],
    actual: &'a [TransmitJson],
    close_enough: &dyn Fn(&TransmitJson, &TransmitJson) -> bool,
) -> (Vec<&'a TransmitJson>, Vec<&'a TransmitJson>) {
    let mut unmatched: Vec<&TransmitJson> = actual.iter().collect();
    let mut missing = Vec::new();
    for want in expected {
        match unmatched.iter().position(|got| *got == want) {
            Some(index) => {
                unmatched.swap_remove(index);
            }
            None => missing.push(want),
        }
    }
    missing.retain(|want| {
        let close = unmatched
            .iter()
            .position(|got| got.to == want.to && close_enough(want, got));
        match close {
            Some(index) => {
                unmatched.swap_remove(index);
                false
            }
            None => true,
        }
    });
    (missing, unmatched)
}

/// Bytes on management connections (`vectors.md` §6.3): per client, the expected entries
/// concatenated in the listed order must equal everything written to its connection, byte for
/// byte. `actual` maps a client to what was written. One block of lines per client that differs.
pub fn streams(
    expected: &[StreamJson],
    actual: &BTreeMap<String, Vec<u8>>,
    describe: DescribeStream<'_>,
) -> Vec<String> {
    let mut wanted: BTreeMap<&str, Vec<u8>> = BTreeMap::new();
    for entry in expected {
        wanted
            .entry(entry.to.as_str())
            .or_default()
            .extend_from_slice(entry.tcp.as_bytes());
    }
    let clients: BTreeSet<&str> = wanted
        .keys()
        .copied()
        .chain(actual.keys().map(String::as_str))
        .collect();
    let mut lines = Vec::new();
    for client in clients {
        let want = wanted.get(client).map_or(&[][..], Vec::as_slice);
        let got = actual.get(client).map_or(&[][..], Vec::as_slice);
        if want == got {
            continue;
        }
        lines.push(format!("bytes written to {client}'s connection differ:"));
        for (label, bytes) in [("expected", want), ("actual", got)] {
            lines.push(format!("  {label} ({} bytes):", bytes.len()));
            if bytes.is_empty() {
                lines.push("    (none)".to_owned());
            }
            lines.extend(describe(bytes).into_iter().map(|l| format!("    {l}")));
        }
    }
    lines
}

/// The clients whose connection the server closed, as a multiset.
pub fn closed(expected: &[String], actual: &[String]) -> Vec<String> {
    let mut unmatched: Vec<&String> = actual.iter().collect();
    let mut lines = Vec::new();
    for want in expected {
        match unmatched.iter().position(|got| *got == want) {
            Some(index) => {
                unmatched.swap_remove(index);
            }
            None => lines.push(format!("{want}'s connection was not closed")),
        }
    }
    unmatched.sort();
    lines.extend(
        unmatched
            .into_iter()
            .map(|got| format!("{got}'s connection was closed unexpectedly")),
    );
    lines
}

/// Events must match in order within each subject; subjects may interleave.
pub fn events<E: EventSubject + Serialize + PartialEq>(
    expected: &[E],
    actual: &[E],
) -> Vec<String> {
    if by_subject(expected) == by_subject(actual) {
        return Vec::new();
    }
    let mut lines = vec!["events differ (order matters per subject):".to_owned()];
    for (label, list) in [("expected", expected), ("actual", actual)] {
        lines.push(format!("  {label}:"));
        lines.extend(list.iter().map(|e| format!("    {}", json(e))));
        if list.is_empty() {
            lines.push("    (none)".to_owned());
        }
    }
    lines
}

/// Each counter the vector names (a member serialized, not `None`) must equal the actual one.
pub fn stats<T: Serialize>(expected: &T, actual: &T) -> Vec<String> {
    let (Ok(Value::Object(want)), Ok(Value::Object(got))) =
        (serde_json::to_value(expected), serde_json::to_value(actual))
    else {
        return vec!["stats: not comparable as JSON objects".to_owned()];
    };
    want.iter()
        .filter(|(name, want)| got.get(*name) != Some(*want))
        .map(|(name, want)| {
            let got = got
                .get(name)
                .map_or_else(|| "nothing".to_owned(), Value::to_string);
            format!("stats.{name}: expected {want}, got {got}")
        })
        .collect()
}

fn by_subject<E: EventSubject>(events: &[E]) -> BTreeMap<Subject<'_>, Vec<&E>> {
    let mut map: BTreeMap<Subject<'_>, Vec<&E>> = BTreeMap::new();
    for event in events {
        map.entry(event.subject()).or_default().push(event);
    }
    map
}

fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| format!("<unprintable: {e}>"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Hex;
    use crate::format::audio::{EventJson, StatsJson};

    fn tx(to: &str, bytes: &[u8]) -> TransmitJson {
        TransmitJson {
            to: to.into(),
            hex: Hex(bytes.to_vec()),
        }
    }

    fn error(addr: &str, kind: &str) -> EventJson {
        EventJson::Error {
            addr: addr.into(),
            error: kind.into(),
        }
    }

    fn plain(_: &[u8]) -> String {
        String::new()
    }

    #[test]
    fn transmit_order_does_not_matter() {
        let a = [tx("bob", &[1]), tx("carol", &[1])];
        let b = [tx("carol", &[1]), tx("bob", &[1])];
        assert!(transmits(&a, &b, &plain).is_empty());
    }

    #[test]
    fn transmit_multiplicity_matters() {
        let lines = transmits(
            &[tx("bob", &[1])],
            &[tx("bob", &[1]), tx("bob", &[1])],
            &plain,
        );
        assert_eq!(lines, ["unexpected transmit to bob: 01 ()"]);
        let lines = transmits(&[tx("bob", &[1])], &[], &plain);
        assert_eq!(lines, ["missing transmit to bob: 01 ()"]);
    }

    #[test]
    fn tolerance_applies_only_where_no_exact_match_exists() {
        let close = |want: &TransmitJson, got: &TransmitJson| {
            want.hex.as_bytes().first() == got.hex.as_bytes().first()
        };
        let want = [tx("bob", &[1, 0]), tx("bob", &[1, 1])];
        let got = [tx("bob", &[1, 1]), tx("bob", &[1, 2])];
        assert!(transmits_matching(&want, &got, &close, &plain).is_empty());
        // Never across destinations.
        let lines = transmits_matching(
            &[tx("bob", &[1, 0])],
            &[tx("carol", &[1, 1])],
            &close,
            &plain,
        );
        assert_eq!(lines.len(), 2, "{lines:?}");
    }

    #[test]
    fn events_of_different_addresses_may_interleave() {
        let a = [error("x", "1"), error("y", "2")];
        let b = [error("y", "2"), error("x", "1")];
        assert!(events(&a, &b).is_empty());
    }

    #[test]
    fn events_of_one_address_must_keep_their_order() {
        let a = [error("x", "1"), error("x", "2")];
        let b = [error("x", "2"), error("x", "1")];
        assert!(!events(&a, &b).is_empty());
    }

    #[test]
    fn only_the_named_stats_are_checked() {
        let want = StatsJson {
            auth_sessions: Some(1),
            ..StatsJson::default()
        };
        let got = StatsJson {
            auth_sessions: Some(1),
            total_users: Some(9),
            ..StatsJson::default()
        };
        assert!(stats(&want, &got).is_empty());
        let wrong = StatsJson {
            auth_sessions: Some(2),
            ..got
        };
        assert_eq!(
            stats(&want, &wrong),
            ["stats.auth_sessions: expected 1, got 2"]
        );
    }

    fn frames(bytes: &[u8]) -> Vec<String> {
        vec![hex::encode(bytes)]
    }

    fn stream(to: &str, bytes: &[u8]) -> StreamJson {
        StreamJson {
            to: to.into(),
            tcp: Hex(bytes.to_vec()),
        }
    }

    #[test]
    fn stream_bytes_are_compared_per_client_in_order() {
        let want = [stream("a", &[1]), stream("b", &[9]), stream("a", &[2, 3])];
        let got = BTreeMap::from([("a".to_owned(), vec![1, 2, 3]), ("b".to_owned(), vec![9])]);
        assert!(streams(&want, &got, &frames).is_empty());
        let swapped = BTreeMap::from([("a".to_owned(), vec![2, 3, 1]), ("b".to_owned(), vec![9])]);
        let lines = streams(&want, &swapped, &frames);
        assert_eq!(lines[0], "bytes written to a's connection differ:");
        assert_eq!(
            lines[1..],
            [
                "  expected (3 bytes):",
                "    010203",
                "  actual (3 bytes):",
                "    020301"
            ]
        );
    }

    #[test]
    fn bytes_nobody_expected_are_a_difference() {
        let got = BTreeMap::from([("a".to_owned(), vec![1])]);
        let lines = streams(&[], &got, &frames);
        assert_eq!(
            lines[..3],
            [
                "bytes written to a's connection differ:",
                "  expected (0 bytes):",
                "    (none)"
            ]
        );
    }

    #[test]
    fn every_close_must_be_expected() {
        assert!(closed(&["a".into()], &["a".into()]).is_empty());
        assert_eq!(
            closed(&["a".into()], &[]),
            ["a's connection was not closed"]
        );
        assert_eq!(
            closed(&[], &["b".into()]),
            ["b's connection was closed unexpectedly"]
        );
    }
}
