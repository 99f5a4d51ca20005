//! Reading request heads out of a scenario's bytes as a `stream` server does (`stream.md` §1):
//! httparse with 64 header slots, a head of at most 8 KiB. Core mode feeds the heads to
//! hark-core; live mode reads each one's method to know whether its response has a body.

use hark_core::stream::HttpVersion;

/// The longest request head, `\r\n\r\n` included (`stream.md` §1).
pub const MAX_HEAD: usize = 8 * 1024;
/// The most header fields a request head may have (`stream.md` §1).
pub const MAX_HEADERS: usize = 64;

/// One request head, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedHead {
    pub method: String,
    pub target: String,
    pub version: HttpVersion,
    pub headers: Vec<(String, Vec<u8>)>,
}

/// What the next bytes hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeadRead {
    /// A head, and how many bytes it took (a body it announces is not counted).
    Complete { head: OwnedHead, consumed: usize },
    /// Beyond 8 KiB or 64 fields: `431`.
    TooLarge,
    /// Not HTTP/1.x: `400`.
    Malformed,
    /// The bytes end inside a head.
    Incomplete,
}

/// Reads the head at the start of `bytes`.
pub fn read_head(bytes: &[u8]) -> HeadRead {
    let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") else {
        return if bytes.len() > MAX_HEAD {
            HeadRead::TooLarge
        } else {
            HeadRead::Incomplete
        };
    };
    if end + 4 > MAX_HEAD {
        return HeadRead::TooLarge;
    }
    let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut slots);
    match request.parse(bytes) {
        Ok(httparse::Status::Complete(consumed)) => {
            let version = match request.version {
                Some(0) => HttpVersion::Http10,
                Some(1) => HttpVersion::Http11,
                _ => return HeadRead::Malformed,
            };
            let head = OwnedHead {
                method: request.method.unwrap_or_default().to_owned(),
                target: request.path.unwrap_or_default().to_owned(),
                version,
                headers: request
                    .headers
                    .iter()
                    .map(|h| (h.name.to_owned(), h.value.to_vec()))
                    .collect(),
            };
            HeadRead::Complete { head, consumed }
        }
        Ok(httparse::Status::Partial) => HeadRead::Incomplete,
        Err(httparse::Error::TooManyHeaders) => HeadRead::TooLarge,
        Err(_) => HeadRead::Malformed,
    }
}

/// The methods of the complete heads of `bytes`, in order, up to the first that is not one.
pub fn methods(bytes: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while let HeadRead::Complete { head, consumed } = read_head(rest) {
        out.push(head.method);
        rest = rest.get(consumed..).unwrap_or_default();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipelined_heads_are_read_one_by_one() {
        let bytes = b"GET / HTTP/1.1\r\nHost: h\r\n\r\nHEAD /x HTTP/1.0\r\n\r\n";
        assert_eq!(methods(bytes), ["GET", "HEAD"]);
        let HeadRead::Complete { head, consumed } = read_head(bytes) else {
            panic!("no head");
        };
        assert_eq!(consumed, 27);
        assert_eq!(head.version, HttpVersion::Http11);
        assert_eq!(head.headers, [("Host".to_owned(), b"h".to_vec())]);
    }

    #[test]
    fn a_head_over_the_limits_is_too_large() {
        let long = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(MAX_HEAD));
        assert_eq!(read_head(long.as_bytes()), HeadRead::TooLarge);
        let many: String = (0..65).map(|i| format!("X{i}: 1\r\n")).collect();
        let many = format!("GET / HTTP/1.1\r\n{many}\r\n");
        assert_eq!(read_head(many.as_bytes()), HeadRead::TooLarge);
        assert_eq!(read_head(b"GET / HTTP/1.1\r\nHost"), HeadRead::Incomplete);
        assert_eq!(read_head(b"HELLO\r\n\r\n"), HeadRead::Malformed);
    }
}
