//! Conditional requests (RFC 9110 §13.2.2, stream.md §6.1): the preconditions in their order,
//! and `If-Range`, which gates Range.

use super::etag::{self, EntityTag};
use super::http_date::parse_http_date;
use super::request::{Fields, RequestHead};

/// What the preconditions make of a `GET` or `HEAD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Precondition {
    /// Answer normally (`200`/`206`/`416`).
    Proceed,
    /// `304`.
    NotModified,
    /// `412`.
    Failed,
}

/// The file's validators.
#[derive(Debug, Clone, Copy)]
pub(super) struct Validators<'a> {
    pub(super) etag: &'a str,
    pub(super) modified_unix: i64,
}

/// stream.md §6.1 steps 1–4. A header that does not parse is ignored, as if absent.
pub(super) fn evaluate(
    head: &RequestHead<'_>,
    fields: &Fields<'_>,
    file: Validators<'_>,
) -> Precondition {
    let if_match = fields
        .if_match
        .then(|| etag::parse_tag_list(head.values("if-match")))
        .flatten();
    match if_match {
        Some(list) => {
            if !list.matches(EntityTag::strong_eq, file.etag) {
                return Precondition::Failed;
            }
        }
        None => {
            let unmodified_since = fields.if_unmodified_since.get().and_then(parse_http_date);
            if unmodified_since.is_some_and(|date| date < file.modified_unix) {
                return Precondition::Failed;
            }
        }
    }
    let if_none_match = fields
        .if_none_match
        .then(|| etag::parse_tag_list(head.values("if-none-match")))
        .flatten();
    match if_none_match {
        Some(list) => {
            if list.matches(EntityTag::weak_eq, file.etag) {
                return Precondition::NotModified;
            }
        }
        None => {
            let modified_since = fields.if_modified_since.get().and_then(parse_http_date);
            if modified_since.is_some_and(|date| date >= file.modified_unix) {
                return Precondition::NotModified;
            }
        }
    }
    Precondition::Proceed
}

/// Whether `Range` may be honoured: no `If-Range`, or one that validates (stream.md §7.1). An
/// entity tag must be strongly equal to ours (a weak one never is); a date must equal
/// `Last-Modified` exactly; anything else, a repeated field included, means the Range is
/// ignored.
pub(super) fn if_range_allows(fields: &Fields<'_>, file: Validators<'_>) -> bool {
    if !fields.if_range.is_present() {
        return true;
    }
    let Some(value) = fields.if_range.get() else {
        return false;
    };
    if value.starts_with(b"\"") || value.starts_with(b"W/") {
        etag::parse_tag(value).is_some_and(|tag| tag.strong_eq(file.etag))
    } else {
        parse_http_date(value) == Some(file.modified_unix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::request::testing::{get, header_lines};

    const ETAG: &str = "\"6553f100-64\"";
    const MODIFIED: i64 = 1_700_000_000;
    const MODIFIED_DATE: &str = "Tue, 14 Nov 2023 22:13:20 GMT";
    const EARLIER_DATE: &str = "Tue, 14 Nov 2023 22:13:19 GMT";
    const LATER_DATE: &str = "Tue, 14 Nov 2023 22:13:21 GMT";

    fn file() -> Validators<'static> {
        Validators {
            etag: ETAG,
            modified_unix: MODIFIED,
        }
    }

    fn check(headers: &[(&str, &str)]) -> Precondition {
        let headers = header_lines(headers);
        let head = get(&headers);
        evaluate(&head, &Fields::read(&head), file())
    }

    fn if_range(value: &str) -> bool {
        let headers = header_lines(&[("If-Range", value)]);
        if_range_allows(&Fields::read(&get(&headers)), file())
    }

    #[test]
    fn no_conditions_proceed() {
        assert_eq!(check(&[]), Precondition::Proceed);
    }

    #[test]
    fn if_match_needs_a_strong_match() {
        assert_eq!(check(&[("If-Match", ETAG)]), Precondition::Proceed);
        assert_eq!(check(&[("If-Match", "*")]), Precondition::Proceed);
        assert_eq!(check(&[("If-Match", "\"x\"")]), Precondition::Failed);
        assert_eq!(
            check(&[("If-Match", &format!("W/{ETAG}"))]),
            Precondition::Failed
        );
    }

    #[test]
    fn if_unmodified_since_fails_only_before_last_modified() {
        assert_eq!(
            check(&[("If-Unmodified-Since", EARLIER_DATE)]),
            Precondition::Failed
        );
        assert_eq!(
            check(&[("If-Unmodified-Since", MODIFIED_DATE)]),
            Precondition::Proceed
        );
    }

    #[test]
    fn if_match_overrides_if_unmodified_since() {
        assert_eq!(
            check(&[("If-Match", ETAG), ("If-Unmodified-Since", EARLIER_DATE)]),
            Precondition::Proceed
        );
    }

    #[test]
    fn a_malformed_if_match_is_ignored() {
        assert_eq!(check(&[("If-Match", "nope")]), Precondition::Proceed);
    }

    #[test]
    fn if_none_match_matches_weakly() {
        assert_eq!(check(&[("If-None-Match", ETAG)]), Precondition::NotModified);
        assert_eq!(
            check(&[("If-None-Match", &format!("\"a\", W/{ETAG}"))]),
            Precondition::NotModified
        );
        assert_eq!(check(&[("If-None-Match", "*")]), Precondition::NotModified);
        assert_eq!(check(&[("If-None-Match", "\"a\"")]), Precondition::Proceed);
    }

    #[test]
    fn if_modified_since_not_earlier_than_last_modified_is_not_modified() {
        assert_eq!(
            check(&[("If-Modified-Since", MODIFIED_DATE)]),
            Precondition::NotModified
        );
        assert_eq!(
            check(&[("If-Modified-Since", LATER_DATE)]),
            Precondition::NotModified
        );
        assert_eq!(
            check(&[("If-Modified-Since", EARLIER_DATE)]),
            Precondition::Proceed
        );
        assert_eq!(
            check(&[("If-Modified-Since", "yesterday")]),
            Precondition::Proceed
        );
    }

    #[test]
    fn if_none_match_overrides_if_modified_since() {
        assert_eq!(
            check(&[
                ("If-None-Match", "\"a\""),
                ("If-Modified-Since", LATER_DATE)
            ]),
            Precondition::Proceed
        );
    }

    #[test]
    fn a_failed_precondition_wins_over_not_modified() {
        assert_eq!(
            check(&[("If-Match", "\"x\""), ("If-None-Match", ETAG)]),
            Precondition::Failed
        );
    }

    #[test]
    fn if_range_with_the_strong_tag_or_the_exact_date_allows_the_range() {
        assert!(if_range(ETAG));
        assert!(if_range(MODIFIED_DATE));
    }

    #[test]
    fn if_range_with_another_tag_a_weak_tag_or_another_date_ignores_the_range() {
        assert!(!if_range("\"x\""));
        assert!(!if_range(&format!("W/{ETAG}")));
        assert!(!if_range(LATER_DATE));
        assert!(!if_range("garbage"));
    }
}
