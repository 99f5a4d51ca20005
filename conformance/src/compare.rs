//! Comparing what a step produced with what its vector expects, as human-readable differences.
//! Independent of how the step was run, so `core` and `live` modes report alike.

use std::collections::BTreeMap;

use crate::format::{EventJson, StatsJson, TransmitJson};

/// Turns a datagram into a one-line description for diffs (e.g. "error code=5 …").
pub type Describe<'a> = &'a dyn Fn(&[u8]) -> String;

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

/// Events must match in order within each subject (address); subjects may interleave.
pub fn events(expected: &[EventJson], actual: &[EventJson]) -> Vec<String> {
    if by_subject(expected) == by_subject(actual) {
        return Vec::new();
    }
    let mut lines = vec!["events differ (order matters per address):".to_owned()];
    lines.push("  expected:".to_owned());
    lines.extend(expected.iter().map(|e| format!("    {}", json(e))));
    if expected.is_empty() {
        lines.push("    (none)".to_owned());
    }
    lines.push("  actual:".to_owned());
    lines.extend(actual.iter().map(|e| format!("    {}", json(e))));
    if actual.is_empty() {
        lines.push("    (none)".to_owned());
    }
    lines
}

/// Each counter the vector names must equal the actual one.
pub fn stats(expected: &StatsJson, actual: &StatsJson) -> Vec<String> {
    [
        (
            "auth_sessions",
            expected.auth_sessions,
            actual.auth_sessions,
        ),
        (
            "active_members",
            expected.active_members,
            actual.active_members,
        ),
        (
            "total_channels",
            expected.total_channels,
            actual.total_channels,
        ),
        ("total_users", expected.total_users, actual.total_users),
    ]
    .into_iter()
    .filter_map(|(name, want, got)| {
        let want = want?;
        (Some(want) != got).then(|| {
            let got = got.map_or_else(|| "nothing".to_owned(), |g| g.to_string());
            format!("stats.{name}: expected {want}, got {got}")
        })
    })
    .collect()
}

fn by_subject(events: &[EventJson]) -> BTreeMap<Option<&str>, Vec<&EventJson>> {
    let mut map: BTreeMap<Option<&str>, Vec<&EventJson>> = BTreeMap::new();
    for event in events {
        map.entry(event.subject()).or_default().push(event);
    }
    map
}

fn json(event: &EventJson) -> String {
    serde_json::to_string(event).unwrap_or_else(|e| format!("<unprintable event: {e}>"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Hex;

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
}
