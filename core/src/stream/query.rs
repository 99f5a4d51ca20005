//! The signed URL's query (stream.md §4): `expires` and `sig`, and the checks on their form, in
//! the spec's order. The expiry and the signature themselves are checked by the service.

use std::borrow::Cow;

use super::percent;

/// The two signed parameters, percent-decoded; `expires` is canonical decimal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SignedParams<'a> {
    pub(super) expires: i64,
    /// `expires` as sent, which is its canonical decimal: the signed message's tail.
    pub(super) expires_text: Cow<'a, [u8]>,
    pub(super) sig: Cow<'a, [u8]>,
}

/// Why the query does not carry a usable signature, in the order of stream.md §4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(super) enum QueryError {
    #[error("a `%` in the query is not followed by two hex digits")]
    BadEscape,
    #[error("missing signature")]
    Missing,
    /// `expires` or `sig` given twice: hark never guesses which one was signed.
    #[error("invalid signature")]
    Duplicate,
    #[error("invalid expiry")]
    InvalidExpiry,
}

/// Splits on `&`, each pair on its first `=` (a pair without `=` is a name with an empty
/// value); other parameters are ignored.
pub(super) fn signed_params(query: &str) -> Result<SignedParams<'_>, QueryError> {
    let mut expires: Option<Cow<'_, [u8]>> = None;
    let mut sig: Option<Cow<'_, [u8]>> = None;
    let mut duplicate = false;
    for pair in query.as_bytes().split(|&b| b == b'&') {
        let (name, value) = match pair.iter().position(|&b| b == b'=') {
            Some(at) => (
                pair.get(..at).unwrap_or_default(),
                pair.get(at + 1..).unwrap_or_default(),
            ),
            None => (pair, &b""[..]),
        };
        let name = percent::decode(name).map_err(|_| QueryError::BadEscape)?;
        let value = percent::decode(value).map_err(|_| QueryError::BadEscape)?;
        let slot = match name.as_ref() {
            b"expires" => &mut expires,
            b"sig" => &mut sig,
            _ => continue,
        };
        duplicate |= slot.replace(value).is_some();
    }
    let (Some(expires_text), Some(sig)) = (expires, sig) else {
        return Err(QueryError::Missing);
    };
    if duplicate {
        return Err(QueryError::Duplicate);
    }
    let expires = canonical_i64(&expires_text).ok_or(QueryError::InvalidExpiry)?;
    Ok(SignedParams {
        expires,
        expires_text,
        sig,
    })
}

/// `0`, or `1`–`9` followed by digits, at most `i64::MAX`: no sign, no leading zero.
fn canonical_i64(text: &[u8]) -> Option<i64> {
    match text {
        [b'0'] => Some(0),
        [b'1'..=b'9', ..] if text.iter().all(u8::is_ascii_digit) => {
            text.iter().try_fold(0i64, |acc, &digit| {
                acc.checked_mul(10)?.checked_add(i64::from(digit - b'0'))
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(query: &str) -> Result<(i64, Vec<u8>), QueryError> {
        signed_params(query).map(|p| (p.expires, p.sig.into_owned()))
    }

    #[test]
    fn expires_and_sig_are_read_in_any_order() {
        assert_eq!(params("sig=ab&expires=10"), Ok((10, b"ab".to_vec())));
    }

    #[test]
    fn other_parameters_are_ignored() {
        assert_eq!(
            params("t=1&expires=10&x&sig=ab&&v=%41"),
            Ok((10, b"ab".to_vec()))
        );
    }

    #[test]
    fn names_and_values_are_percent_decoded() {
        assert_eq!(
            params("%65xpires=%31%30&si%67=a%62"),
            Ok((10, b"ab".to_vec()))
        );
    }

    #[test]
    fn a_missing_parameter_is_missing_signature() {
        assert_eq!(params("expires=10"), Err(QueryError::Missing));
        assert_eq!(params("sig=ab"), Err(QueryError::Missing));
        assert_eq!(params(""), Err(QueryError::Missing));
    }

    #[test]
    fn missing_is_checked_before_duplicate() {
        assert_eq!(params("expires=1&expires=1"), Err(QueryError::Missing));
    }

    #[test]
    fn a_repeated_parameter_is_a_duplicate() {
        assert_eq!(params("expires=1&sig=a&sig=a"), Err(QueryError::Duplicate));
        assert_eq!(
            params("expires=1&sig=a&expires=1"),
            Err(QueryError::Duplicate)
        );
    }

    #[test]
    fn a_duplicate_is_checked_before_the_expiry_form() {
        assert_eq!(params("expires=x&sig=a&sig=a"), Err(QueryError::Duplicate));
    }

    #[test]
    fn a_pair_without_equals_is_present_and_empty() {
        assert_eq!(params("expires&sig=a"), Err(QueryError::InvalidExpiry));
    }

    #[test]
    fn only_canonical_decimal_is_an_expiry() {
        for bad in [
            "",
            "+1",
            "-1",
            "01",
            "00",
            "1.0",
            "1e3",
            " 1",
            "0x10",
            "9223372036854775808",
        ] {
            assert_eq!(
                params(&format!("expires={bad}&sig=a")),
                Err(QueryError::InvalidExpiry),
                "{bad}"
            );
        }
        assert_eq!(params("expires=0&sig=a"), Ok((0, b"a".to_vec())));
        assert_eq!(
            params("expires=9223372036854775807&sig=a"),
            Ok((i64::MAX, b"a".to_vec()))
        );
    }

    #[test]
    fn a_bad_escape_in_the_query_is_reported() {
        assert_eq!(params("expires=1&sig=a&x=%zz"), Err(QueryError::BadEscape));
    }
}
