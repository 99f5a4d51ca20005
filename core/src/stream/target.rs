//! The request target (stream.md §1–§3): its form, the decoded path matched against the
//! routes, and the id.

use std::borrow::Cow;

use super::percent::{self, BadEscape};

/// The longest id (stream.md §3).
pub(super) const MAX_ID_LEN: usize = 128;

/// What the target names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Target<'a> {
    /// `*` (only meaningful for `OPTIONS`).
    Asterisk,
    /// `/stream/{id}` with a valid id; the raw query (after the first `?`), if any.
    Stream {
        id: Cow<'a, str>,
        query: &'a str,
    },
    /// `/stream/{anything that is not an id}`: `400 invalid id`.
    InvalidId,
    Health,
    /// Any other path: `404`.
    Other,
}

/// The target is neither origin-form, absolute-form nor `*`, or its path has a bad escape:
/// `400 bad request`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct BadTarget;

impl From<BadEscape> for BadTarget {
    fn from(_: BadEscape) -> Self {
        Self
    }
}

pub(super) fn parse(target: &str) -> Result<Target<'_>, BadTarget> {
    if target == "*" {
        return Ok(Target::Asterisk);
    }
    let origin_form = if target.starts_with('/') {
        target
    } else {
        strip_scheme_and_authority(target).ok_or(BadTarget)?
    };
    let (raw_path, query) = origin_form.split_once('?').unwrap_or((origin_form, ""));
    let path = percent::decode(raw_path.as_bytes())?;
    Ok(match path {
        Cow::Borrowed(path) => match_path(path, Cow::Borrowed, query),
        Cow::Owned(path) => match_path(&path, |id| Cow::Owned(id.to_owned()), query),
    })
}

/// `http://host/path` → `/path` (stream.md §1: scheme and authority are ignored). A target
/// with no path after the authority is the root.
fn strip_scheme_and_authority(target: &str) -> Option<&str> {
    let scheme_len = ["http://", "https://"].into_iter().find_map(|scheme| {
        target
            .get(..scheme.len())
            .filter(|prefix| prefix.eq_ignore_ascii_case(scheme))
            .map(|_| scheme.len())
    })?;
    let rest = target.get(scheme_len..)?;
    Some(match rest.find(['/', '?']) {
        Some(at) if rest.as_bytes().get(at) == Some(&b'/') => rest.get(at..)?,
        _ => "/",
    })
}

fn match_path<'p, 'a>(
    path: &'p [u8],
    own: impl FnOnce(&'p str) -> Cow<'a, str>,
    query: &'a str,
) -> Target<'a> {
    if path == b"/health" {
        return Target::Health;
    }
    let Some(id) = path.strip_prefix(b"/stream/") else {
        return Target::Other;
    };
    match valid_id(id) {
        Some(id) => Target::Stream { id: own(id), query },
        None => Target::InvalidId,
    }
}

/// stream.md §3: 1 to 128 ASCII letters, digits, `_` or `-`.
pub(super) fn valid_id(id: &[u8]) -> Option<&str> {
    let valid = (1..=MAX_ID_LEN).contains(&id.len())
        && id
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if valid {
        std::str::from_utf8(id).ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(id: &str, query: &'static str) -> Target<'static> {
        Target::Stream {
            id: Cow::Owned(id.to_owned()),
            query,
        }
    }

    #[test]
    fn origin_form_splits_on_the_first_question_mark() {
        assert_eq!(
            parse("/stream/a?expires=1&sig=x?y"),
            Ok(stream("a", "expires=1&sig=x?y"))
        );
    }

    #[test]
    fn the_path_is_decoded_before_matching() {
        assert_eq!(parse("/stream/%74rack1"), Ok(stream("track1", "")));
        assert_eq!(parse("/stream%2ftrack1"), Ok(stream("track1", "")));
        assert_eq!(parse("/%68ealth"), Ok(Target::Health));
    }

    #[test]
    fn absolute_form_ignores_scheme_and_authority() {
        assert_eq!(
            parse("HTTP://example.com:8082/stream/a?q"),
            Ok(stream("a", "q"))
        );
        assert_eq!(parse("https://h/health"), Ok(Target::Health));
        assert_eq!(parse("http://h?x"), Ok(Target::Other));
    }

    #[test]
    fn other_forms_are_bad_targets() {
        assert_eq!(parse("stream/a"), Err(BadTarget));
        assert_eq!(parse("ftp://h/stream/a"), Err(BadTarget));
        assert_eq!(parse("h:80"), Err(BadTarget));
        assert_eq!(parse(""), Err(BadTarget));
    }

    #[test]
    fn a_bad_escape_in_the_path_is_a_bad_target() {
        assert_eq!(parse("/stream/a%2"), Err(BadTarget));
        assert_eq!(parse("/stream/a%g0"), Err(BadTarget));
    }

    #[test]
    fn a_bad_escape_in_the_query_is_left_to_the_query() {
        assert_eq!(parse("/stream/a?x=%"), Ok(stream("a", "x=%")));
    }

    #[test]
    fn traversal_and_separators_are_invalid_ids() {
        for target in [
            "/stream/%2e%2e",
            "/stream/..",
            "/stream/a%2fb",
            "/stream/a/b",
            "/stream/a%5cb",
            "/stream/a%00",
            "/stream/a%20b",
            "/stream/",
            "/stream/caf%c3%a9",
            "/stream/a.mp3",
        ] {
            assert_eq!(parse(target), Ok(Target::InvalidId), "{target}");
        }
    }

    #[test]
    fn an_id_of_128_characters_is_valid_and_129_is_not() {
        let ok = format!("/stream/{}", "a".repeat(128));
        let long = format!("/stream/{}", "a".repeat(129));
        assert!(matches!(parse(&ok), Ok(Target::Stream { .. })));
        assert_eq!(parse(&long), Ok(Target::InvalidId));
    }

    #[test]
    fn dot_segments_are_not_resolved() {
        assert_eq!(parse("/x/../health"), Ok(Target::Other));
    }

    #[test]
    fn near_misses_are_other_paths() {
        assert_eq!(parse("/stream"), Ok(Target::Other));
        assert_eq!(parse("/health/"), Ok(Target::Other));
        assert_eq!(parse("/"), Ok(Target::Other));
    }

    #[test]
    fn the_asterisk_is_its_own_target() {
        assert_eq!(parse("*"), Ok(Target::Asterisk));
    }
}
