//! Entity tags (RFC 9110 §8.8.3, stream.md §5): hark's strong tag for a file, the tag lists of
//! `If-Match` / `If-None-Match`, and `If-Range`'s single tag.

use std::fmt::Write as _;

use super::media::Media;

/// `"{mtime:x}-{len:x}"`, lowercase hex as nginx writes it (a negative mtime in two's
/// complement). Strong: it changes whenever the length or the modification time does.
pub(super) fn etag(media: &Media) -> String {
    let mut out = String::with_capacity(2 + 16 + 1 + 16);
    // Writing into a String cannot fail.
    let _ = write!(out, "\"{:x}-{:x}\"", media.modified_unix, media.len);
    out
}

/// One entity tag as sent: its opaque part (quotes included) and whether it is weak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct EntityTag<'a> {
    pub(super) weak: bool,
    pub(super) opaque: &'a [u8],
}

impl EntityTag<'_> {
    /// RFC 9110 §8.8.3.2: both strong and identical.
    pub(super) fn strong_eq(&self, ours: &str) -> bool {
        !self.weak && self.opaque == ours.as_bytes()
    }

    /// RFC 9110 §8.8.3.2: identical once `W/` is set aside.
    pub(super) fn weak_eq(&self, ours: &str) -> bool {
        self.opaque == ours.as_bytes()
    }
}

/// An `If-Match` / `If-None-Match` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum TagList<'a> {
    Any,
    Tags(Vec<EntityTag<'a>>),
}

impl<'a> TagList<'a> {
    /// Whether any listed tag matches ours under `eq` (`*` always does).
    pub(super) fn matches(&self, eq: impl Fn(&EntityTag<'a>, &str) -> bool, ours: &str) -> bool {
        match self {
            Self::Any => true,
            Self::Tags(tags) => tags.iter().any(|tag| eq(tag, ours)),
        }
    }
}

/// `*`, or one or more entity tags separated by commas with optional whitespace (empty list
/// elements are skipped, RFC 9110 §5.6.1.2). `None` when malformed: the header is then
/// ignored (stream.md §6.1). Several field lines of the header are one list.
pub(super) fn parse_tag_list<'a>(
    values: impl IntoIterator<Item = &'a [u8]>,
) -> Option<TagList<'a>> {
    let mut tags = Vec::new();
    let mut any = false;
    for value in values {
        for element in value.split(|&b| b == b',') {
            let element = element.trim_ascii();
            if element.is_empty() {
                continue;
            }
            if element == b"*" {
                any = true;
            } else {
                tags.push(parse_tag(element)?);
            }
        }
    }
    match (any, tags.is_empty()) {
        (true, true) => Some(TagList::Any),
        (false, false) => Some(TagList::Tags(tags)),
        // `*` mixed with tags, or nothing at all.
        _ => None,
    }
}

/// One whole entity tag: `[W/]"etagc*"` where etagc is any visible byte but `"` or obs-text.
pub(super) fn parse_tag(text: &[u8]) -> Option<EntityTag<'_>> {
    let (weak, opaque) = match text.strip_prefix(b"W/") {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let inner = opaque.strip_prefix(b"\"")?.strip_suffix(b"\"")?;
    inner
        .iter()
        .all(|&b| b == 0x21 || (0x23..=0x7e).contains(&b) || b >= 0x80)
        .then_some(EntityTag { weak, opaque })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::media::MEDIA_TYPES;

    fn media(len: u64, modified_unix: i64) -> Media {
        Media {
            media_type: MEDIA_TYPES[0],
            len,
            modified_unix,
        }
    }

    #[test]
    fn the_etag_is_hex_mtime_dash_hex_length() {
        assert_eq!(
            etag(&media(1_048_576, 1_700_000_000)),
            "\"6553f100-100000\""
        );
        assert_eq!(etag(&media(0, 0)), "\"0-0\"");
    }

    #[test]
    fn a_star_is_any() {
        assert_eq!(parse_tag_list([&b"*"[..]]), Some(TagList::Any));
    }

    #[test]
    fn a_list_of_tags_with_spaces_and_empty_elements() {
        let list = parse_tag_list([&b" \"a\" ,, W/\"b\""[..]]).unwrap();
        assert!(list.matches(EntityTag::strong_eq, "\"a\""));
        assert!(!list.matches(EntityTag::strong_eq, "\"b\""));
        assert!(list.matches(EntityTag::weak_eq, "\"b\""));
    }

    #[test]
    fn several_field_lines_are_one_list() {
        let list = parse_tag_list([&b"\"a\""[..], &b"\"b\""[..]]).unwrap();
        assert!(list.matches(EntityTag::strong_eq, "\"b\""));
    }

    #[test]
    fn malformed_lists_are_none() {
        for bad in [
            &b"a"[..],
            b"\"a",
            b"\"a\" \"b\"",
            b"*, \"a\"",
            b"",
            b"w/\"a\"",
            b"\"a\"b\"",
        ] {
            assert_eq!(
                parse_tag_list([bad]),
                None,
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
