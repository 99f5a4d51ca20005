//! The error responses of stream.md §6: one status and one short English text per reason.

/// `Allow` of `/stream/{id}` and of `OPTIONS *` (stream.md §1, §2).
pub(super) const ALLOW_STREAM: &str = "GET, HEAD, OPTIONS";
/// `Allow` of `/health` (stream.md §2).
pub(super) const ALLOW_HEALTH: &str = "GET, HEAD";

/// Why a request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Failure {
    BadRequest,
    InvalidId,
    MissingSignature,
    InvalidExpiry,
    LinkExpired,
    InvalidSignature,
    OriginNotAllowed,
    NotFound,
    /// With the `Allow` value.
    MethodNotAllowed(&'static str),
    RequestTimeout,
    PreconditionFailed,
    /// With the file's length, for `Content-Range: bytes */{len}`.
    RangeNotSatisfiable(u64),
    HeaderFieldsTooLarge,
}

impl Failure {
    pub(super) fn status(self) -> u16 {
        match self {
            Self::BadRequest | Self::InvalidId => 400,
            Self::MissingSignature
            | Self::InvalidExpiry
            | Self::LinkExpired
            | Self::InvalidSignature
            | Self::OriginNotAllowed => 403,
            Self::NotFound => 404,
            Self::MethodNotAllowed(_) => 405,
            Self::RequestTimeout => 408,
            Self::PreconditionFailed => 412,
            Self::RangeNotSatisfiable(_) => 416,
            Self::HeaderFieldsTooLarge => 431,
        }
    }

    /// The body, without its final `\n`.
    pub(super) fn text(self) -> &'static str {
        match self {
            Self::BadRequest => "bad request",
            Self::InvalidId => "invalid id",
            Self::MissingSignature => "missing signature",
            Self::InvalidExpiry => "invalid expiry",
            Self::LinkExpired => "link expired",
            Self::InvalidSignature => "invalid signature",
            Self::OriginNotAllowed => "origin not allowed",
            Self::NotFound => "not found",
            Self::MethodNotAllowed(_) => "method not allowed",
            Self::RequestTimeout => "request timeout",
            Self::PreconditionFailed => "precondition failed",
            Self::RangeNotSatisfiable(_) => "range not satisfiable",
            Self::HeaderFieldsTooLarge => "request header fields too large",
        }
    }

    /// The body: the text and `\n`.
    pub(super) fn body(self) -> Vec<u8> {
        let text = self.text();
        let mut body = Vec::with_capacity(text.len() + 1);
        body.extend_from_slice(text.as_bytes());
        body.push(b'\n');
        body
    }

    /// stream.md §6: `Content-Type`, `Content-Length`, `Allow` or `Content-Range`,
    /// `Cache-Control: no-store`. CORS, `Date` and `Connection` follow.
    pub(super) fn push_headers(self, headers: &mut Vec<(&'static str, String)>) {
        headers.push(("Content-Type", "text/plain; charset=utf-8".to_owned()));
        headers.push(("Content-Length", (self.text().len() + 1).to_string()));
        match self {
            Self::MethodNotAllowed(allow) => headers.push(("Allow", allow.to_owned())),
            Self::RangeNotSatisfiable(len) => {
                headers.push(("Content-Range", format!("bytes */{len}")));
            }
            _ => {}
        }
        headers.push(("Cache-Control", "no-store".to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_length_counts_the_final_newline() {
        let mut headers = Vec::new();
        Failure::NotFound.push_headers(&mut headers);
        assert_eq!(headers[1], ("Content-Length", "10".to_owned()));
        assert_eq!(Failure::NotFound.body(), b"not found\n");
    }

    #[test]
    fn a_416_carries_the_unsatisfied_range_before_cache_control() {
        let mut headers = Vec::new();
        Failure::RangeNotSatisfiable(100).push_headers(&mut headers);
        let names: Vec<&str> = headers.iter().map(|(name, _)| *name).collect();
        assert_eq!(
            names,
            [
                "Content-Type",
                "Content-Length",
                "Content-Range",
                "Cache-Control"
            ]
        );
        assert_eq!(headers[2].1, "bytes */100");
    }
}
