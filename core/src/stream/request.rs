//! A parsed request head as the runtime hands it over (stream.md §10), and the header fields
//! the service reads, gathered in one pass.

/// The request line's version (stream.md §1, §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpVersion {
    Http10,
    Http11,
}

/// One header field line, the shape of `httparse::Header`.
#[derive(Debug, Clone, Copy)]
pub struct Header<'a> {
    pub name: &'a str,
    pub value: &'a [u8],
}

/// A request head the runtime parsed.
#[derive(Debug, Clone, Copy)]
pub struct RequestHead<'a> {
    pub method: &'a str,
    pub target: &'a str,
    pub version: HttpVersion,
    pub headers: &'a [Header<'a>],
    /// 1 for the first request on a connection (stream.md §8: the `keepalive_requests`th
    /// closes).
    pub request_number: u32,
}

impl<'a> RequestHead<'a> {
    /// Every value of the field `name` (case-insensitive), in order.
    pub(super) fn values(&self, name: &'static str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.headers
            .iter()
            .filter(move |header| header.name.eq_ignore_ascii_case(name))
            .map(|header| header.value)
    }
}

/// A field that may appear once: a repeated one is as good as absent, since hark never
/// guesses which line was meant (RFC 9110 §5.3 allows repetition only for lists).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) enum Single<'a> {
    #[default]
    Absent,
    Once(&'a [u8]),
    Repeated,
}

impl<'a> Single<'a> {
    fn add(&mut self, value: &'a [u8]) {
        *self = match self {
            Self::Absent => Self::Once(value.trim_ascii()),
            Self::Once(_) | Self::Repeated => Self::Repeated,
        };
    }

    /// The value when it was sent exactly once.
    pub(super) fn get(self) -> Option<&'a [u8]> {
        match self {
            Self::Once(value) => Some(value),
            Self::Absent | Self::Repeated => None,
        }
    }

    pub(super) fn is_present(self) -> bool {
        self != Self::Absent
    }
}

/// The fields the service decides on.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Fields<'a> {
    pub(super) hosts: usize,
    /// A `Connection` token `close`.
    pub(super) close: bool,
    /// A `Connection` token `keep-alive`.
    pub(super) keep_alive: bool,
    /// `Content-Length` other than `0`, or any `Transfer-Encoding` (stream.md §1).
    pub(super) body_announced: bool,
    pub(super) range: Single<'a>,
    pub(super) if_range: Single<'a>,
    pub(super) if_match: bool,
    pub(super) if_none_match: bool,
    pub(super) if_modified_since: Single<'a>,
    pub(super) if_unmodified_since: Single<'a>,
    pub(super) origin: Single<'a>,
    pub(super) request_method: Single<'a>,
    pub(super) request_headers: bool,
}

impl<'a> Fields<'a> {
    pub(super) fn read(head: &RequestHead<'a>) -> Self {
        let mut fields = Self::default();
        for header in head.headers {
            let name = header.name;
            let value = header.value;
            let is = |candidate: &str| name.eq_ignore_ascii_case(candidate);
            if is("host") {
                fields.hosts += 1;
            } else if is("connection") {
                for token in value.split(|&b| b == b',').map(<[u8]>::trim_ascii) {
                    fields.close |= token.eq_ignore_ascii_case(b"close");
                    fields.keep_alive |= token.eq_ignore_ascii_case(b"keep-alive");
                }
            } else if is("content-length") {
                fields.body_announced |= value.trim_ascii() != b"0";
            } else if is("transfer-encoding") {
                fields.body_announced = true;
            } else if is("range") {
                fields.range.add(value);
            } else if is("if-range") {
                fields.if_range.add(value);
            } else if is("if-match") {
                fields.if_match = true;
            } else if is("if-none-match") {
                fields.if_none_match = true;
            } else if is("if-modified-since") {
                fields.if_modified_since.add(value);
            } else if is("if-unmodified-since") {
                fields.if_unmodified_since.add(value);
            } else if is("origin") {
                fields.origin.add(value);
            } else if is("access-control-request-method") {
                fields.request_method.add(value);
            } else if is("access-control-request-headers") {
                fields.request_headers = true;
            }
        }
        fields
    }
}

/// Request heads for the stream modules' unit tests, which each decide on a few header lines.
#[cfg(test)]
pub(super) mod testing {
    use super::{Header, HttpVersion, RequestHead};

    /// Header lines from `(name, value)` pairs, in order.
    pub(in crate::stream) fn header_lines<'a>(pairs: &[(&'a str, &'a str)]) -> Vec<Header<'a>> {
        pairs
            .iter()
            .map(|&(name, value)| Header {
                name,
                value: value.as_bytes(),
            })
            .collect()
    }

    /// An HTTP/1.1 `GET /`, the connection's first request, carrying `headers`; a test that
    /// needs another method, version or request number overrides those fields.
    pub(in crate::stream) fn get<'a>(headers: &'a [Header<'a>]) -> RequestHead<'a> {
        RequestHead {
            method: "GET",
            target: "/",
            version: HttpVersion::Http11,
            headers,
            request_number: 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{get, header_lines};
    use super::*;

    fn read<'a>(headers: &'a [Header<'a>]) -> Fields<'a> {
        Fields::read(&get(headers))
    }

    #[test]
    fn names_are_case_insensitive() {
        let headers = header_lines(&[("HOST", "h"), ("rAnGe", "bytes=0-1")]);
        let fields = read(&headers);
        assert_eq!(fields.hosts, 1);
        assert_eq!(fields.range.get(), Some(&b"bytes=0-1"[..]));
    }

    #[test]
    fn a_repeated_single_field_is_not_used() {
        let headers = header_lines(&[("Range", "bytes=0-1"), ("Range", "bytes=0-1")]);
        let fields = read(&headers);
        assert_eq!(fields.range.get(), None);
        assert!(fields.range.is_present());
    }

    #[test]
    fn connection_tokens_are_found_in_a_list() {
        let headers = header_lines(&[
            ("Connection", "Upgrade, Keep-Alive"),
            ("Connection", "CLOSE"),
        ]);
        let fields = read(&headers);
        assert!(fields.keep_alive && fields.close);
    }

    #[test]
    fn a_body_is_announced_by_a_non_zero_length_or_any_transfer_encoding() {
        assert!(!read(&header_lines(&[("Content-Length", "0")])).body_announced);
        assert!(read(&header_lines(&[("Content-Length", "5")])).body_announced);
        assert!(read(&header_lines(&[("Content-Length", "x")])).body_announced);
        assert!(read(&header_lines(&[("Transfer-Encoding", "identity")])).body_announced);
    }
}
