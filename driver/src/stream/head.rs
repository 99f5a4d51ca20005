//! Reading one request head out of the connection's buffer (stream.md §1): httparse, at most
//! [`MAX_HEAD`] bytes and [`MAX_HEADERS`] fields, handed to the core as a [`RequestHead`].

use hark_core::stream::{HeadRefusal, Header, HttpVersion, RequestHead};

/// The longest request head read; a longer one is answered `431`.
pub(crate) const MAX_HEAD: usize = 8 * 1024;
/// Header fields parsed; more is answered `431` as an oversized head is.
pub(crate) const MAX_HEADERS: usize = 64;

/// What the start of the buffer holds.
#[derive(Debug)]
pub(crate) enum Parsed<T> {
    /// Not a whole head yet, and still within the bounds.
    Partial,
    /// A head of `len` bytes, and what `with` made of it.
    Complete { len: usize, value: T },
    /// A head the core answers with a refusal.
    Refused(HeadRefusal),
}

/// Parses the head at the start of `buf` and, if it is whole, calls `with` with it as the core
/// reads it. The head borrows `buf`, so `with` makes every decision that needs it.
pub(crate) fn parse<T>(
    buf: &[u8],
    request_number: u32,
    with: impl FnOnce(&RequestHead<'_>) -> T,
) -> Parsed<T> {
    let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut fields);
    let len = match request.parse(buf) {
        Ok(httparse::Status::Complete(len)) if len <= MAX_HEAD => len,
        Ok(httparse::Status::Complete(_)) | Err(httparse::Error::TooManyHeaders) => {
            return Parsed::Refused(HeadRefusal::TooLarge);
        }
        Ok(httparse::Status::Partial) if buf.len() >= MAX_HEAD => {
            return Parsed::Refused(HeadRefusal::TooLarge);
        }
        Ok(httparse::Status::Partial) => return Parsed::Partial,
        Err(_) => return Parsed::Refused(HeadRefusal::Malformed),
    };
    let (Some(method), Some(target), Some(version)) =
        (request.method, request.path, request.version)
    else {
        return Parsed::Refused(HeadRefusal::Malformed);
    };
    let version = match version {
        0 => HttpVersion::Http10,
        _ => HttpVersion::Http11,
    };
    let mut headers = [Header {
        name: "",
        value: &[],
    }; MAX_HEADERS];
    let mut count = 0;
    for (slot, field) in headers.iter_mut().zip(request.headers.iter()) {
        *slot = Header {
            name: field.name,
            value: field.value,
        };
        count += 1;
    }
    let head = RequestHead {
        method,
        target,
        version,
        headers: headers.get(..count).unwrap_or_default(),
        request_number,
    };
    Parsed::Complete {
        len,
        value: with(&head),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn method_and_headers(head: &RequestHead<'_>) -> (String, Vec<String>) {
        let names = head.headers.iter().map(|h| h.name.to_owned()).collect();
        (head.method.to_owned(), names)
    }

    #[test]
    fn a_whole_head_is_handed_over_with_its_length() {
        let bytes = b"GET /stream/a?x HTTP/1.1\r\nHost: h\r\nRange: bytes=0-1\r\n\r\nGET /next";
        let Parsed::Complete { len, value } = parse(bytes, 3, |head| {
            assert_eq!(head.target, "/stream/a?x");
            assert_eq!(head.version, HttpVersion::Http11);
            assert_eq!(head.request_number, 3);
            method_and_headers(head)
        }) else {
            panic!("not complete")
        };
        assert_eq!(len, bytes.len() - b"GET /next".len());
        assert_eq!(
            value,
            ("GET".to_owned(), vec!["Host".into(), "Range".into()])
        );
    }

    #[test]
    fn http_1_0_is_told_apart() {
        let Parsed::Complete { value, .. } =
            parse(b"HEAD / HTTP/1.0\r\n\r\n", 1, |head| head.version)
        else {
            panic!("not complete")
        };
        assert_eq!(value, HttpVersion::Http10);
    }

    #[test]
    fn an_incomplete_head_asks_for_more() {
        assert!(matches!(
            parse(b"GET / HTTP/1.1\r\nHo", 1, |_| ()),
            Parsed::Partial
        ));
    }

    #[test]
    fn a_head_that_fills_the_bound_is_too_large() {
        let mut bytes = b"GET / HTTP/1.1\r\nX-Filler: ".to_vec();
        bytes.resize(MAX_HEAD, b'a');
        assert!(matches!(
            parse(&bytes, 1, |_| ()),
            Parsed::Refused(HeadRefusal::TooLarge)
        ));
    }

    #[test]
    fn more_than_64_fields_is_too_large() {
        let mut text = String::from("GET / HTTP/1.1\r\n");
        for i in 0..=MAX_HEADERS {
            text.push_str(&format!("X-{i}: 1\r\n"));
        }
        text.push_str("\r\n");
        assert!(matches!(
            parse(text.as_bytes(), 1, |_| ()),
            Parsed::Refused(HeadRefusal::TooLarge)
        ));
    }

    #[test]
    fn garbage_is_malformed() {
        assert!(matches!(
            parse(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 1, |_| ()),
            Parsed::Refused(HeadRefusal::Malformed)
        ));
    }
}
