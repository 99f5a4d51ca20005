//! Percent-decoding (RFC 3986 §2.1) of the request path and of query names and values
//! (stream.md §2, §4). `+` stays `+`: that is form encoding, not URL encoding.

use std::borrow::Cow;

use super::hex::hex_value;

/// A `%` not followed by two hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct BadEscape;

/// Decodes once. Borrows when there is nothing to decode, which is the common case.
pub(super) fn decode(input: &[u8]) -> Result<Cow<'_, [u8]>, BadEscape> {
    if !input.contains(&b'%') {
        return Ok(Cow::Borrowed(input));
    }
    let mut out = Vec::with_capacity(input.len());
    let mut rest = input;
    while let Some((&byte, tail)) = rest.split_first() {
        if byte == b'%' {
            let (high, low, after) = match tail {
                [high, low, after @ ..] => (*high, *low, after),
                _ => return Err(BadEscape),
            };
            let value = hex_value(high)
                .zip(hex_value(low))
                .map(|(high, low)| (high << 4) | low)
                .ok_or(BadEscape)?;
            out.push(value);
            rest = after;
        } else {
            out.push(byte);
            rest = tail;
        }
    }
    Ok(Cow::Owned(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(
            decode(b"/stream/a"),
            Ok(Cow::Borrowed(b"/stream/a"))
        ));
    }

    #[test]
    fn escapes_decode_in_either_case() {
        assert_eq!(decode(b"%74rack%2F%2f").unwrap().as_ref(), b"track//");
    }

    #[test]
    fn decoding_happens_once() {
        assert_eq!(decode(b"%252e").unwrap().as_ref(), b"%2e");
    }

    #[test]
    fn plus_stays_plus() {
        assert_eq!(decode(b"a+b%20").unwrap().as_ref(), b"a+b ");
    }

    #[test]
    fn a_truncated_or_non_hex_escape_is_refused() {
        assert_eq!(decode(b"a%2"), Err(BadEscape));
        assert_eq!(decode(b"a%"), Err(BadEscape));
        assert_eq!(decode(b"a%zz"), Err(BadEscape));
    }
}
