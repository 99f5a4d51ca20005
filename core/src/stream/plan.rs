//! A response plan (stream.md §10): what the runtime writes, as data.

/// One piece of a response body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyPart {
    /// Literal bytes (error texts, multipart delimiters, the health JSON).
    Bytes(Vec<u8>),
    /// `len` bytes of the file from `start`; never empty, always inside the file.
    File { start: u64, len: u64 },
}

impl BodyPart {
    pub fn len(&self) -> u64 {
        match self {
            Self::Bytes(bytes) => u64::try_from(bytes.len()).unwrap_or(u64::MAX),
            Self::File { len, .. } => *len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A complete response: the runtime writes [`ResponsePlan::head_bytes`], then the body parts
/// in order, then closes the connection unless `keep_alive`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponsePlan {
    pub status: u16,
    /// In wire order, without the status line. Includes `Content-Length`, `Date` and
    /// `Connection`.
    pub headers: Vec<(&'static str, String)>,
    /// Empty for `HEAD`, `204` and `304`; otherwise it sums to `Content-Length`.
    pub body: Vec<BodyPart>,
    /// False: close after writing this response (stream.md §8); the plan then carries
    /// `Connection: close`.
    pub keep_alive: bool,
}

impl ResponsePlan {
    /// The status line's reason phrase (RFC 9110 §15).
    pub fn reason(&self) -> &'static str {
        match self.status {
            200 => "OK",
            204 => "No Content",
            206 => "Partial Content",
            304 => "Not Modified",
            400 => "Bad Request",
            403 => "Forbidden",
            404 => "Not Found",
            405 => "Method Not Allowed",
            408 => "Request Timeout",
            412 => "Precondition Failed",
            416 => "Range Not Satisfiable",
            431 => "Request Header Fields Too Large",
            500 => "Internal Server Error",
            503 => "Service Unavailable",
            _ => "",
        }
    }

    /// `HTTP/1.1 {status} {reason}\r\n{name}: {value}\r\n…\r\n`: the exact head bytes.
    pub fn head_bytes(&self) -> Vec<u8> {
        let reason = self.reason();
        let len = 9
            + 3
            + 1
            + reason.len()
            + 2
            + self
                .headers
                .iter()
                .map(|(name, value)| name.len() + 2 + value.len() + 2)
                .sum::<usize>()
            + 2;
        let mut out = Vec::with_capacity(len);
        out.extend_from_slice(b"HTTP/1.1 ");
        push_status(&mut out, self.status);
        out.push(b' ');
        out.extend_from_slice(reason.as_bytes());
        out.extend_from_slice(b"\r\n");
        for (name, value) in &self.headers {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out
    }

    /// The sum of the body parts' lengths.
    pub fn body_len(&self) -> u64 {
        self.body
            .iter()
            .map(BodyPart::len)
            .fold(0, u64::saturating_add)
    }

    /// The value of the first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(candidate, _)| candidate.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// Three digits; statuses are 100–999.
fn push_status(out: &mut Vec<u8>, status: u16) {
    for divisor in [100, 10, 1] {
        let digit = u8::try_from(status / divisor % 10).unwrap_or(0);
        out.push(b'0' + digit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_bytes_are_the_status_line_then_the_headers_in_order() {
        let plan = ResponsePlan {
            status: 206,
            headers: vec![
                ("Content-Type", "audio/mpeg".into()),
                ("Content-Length", "10".into()),
            ],
            body: vec![BodyPart::File { start: 0, len: 10 }],
            keep_alive: true,
        };
        assert_eq!(
            plan.head_bytes(),
            b"HTTP/1.1 206 Partial Content\r\nContent-Type: audio/mpeg\r\nContent-Length: 10\r\n\r\n"
        );
    }

    #[test]
    fn body_len_sums_bytes_and_file_ranges() {
        let plan = ResponsePlan {
            status: 206,
            headers: Vec::new(),
            body: vec![
                BodyPart::Bytes(b"abc".to_vec()),
                BodyPart::File { start: 5, len: 7 },
            ],
            keep_alive: true,
        };
        assert_eq!(plan.body_len(), 10);
    }

    #[test]
    fn header_lookup_ignores_case() {
        let plan = ResponsePlan {
            status: 200,
            headers: vec![("Content-Length", "3".into())],
            body: Vec::new(),
            keep_alive: true,
        };
        assert_eq!(plan.header("content-length"), Some("3"));
        assert_eq!(plan.header("date"), None);
    }
}
