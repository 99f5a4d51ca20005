//! The HTTP/1.1 around a WebSocket service: reading one request head (bounded), and the bytes of
//! every response. Which request gets which answer is hark-core's decision (each service's
//! `route`); this module only parses and formats.

use bytes::Bytes;

/// The longest request head read; a longer one is answered 431. Browsers send well under 2 KiB.
pub(crate) const MAX_HEAD: usize = 8 * 1024;
/// Header lines parsed; more is answered 431 as an oversized head is.
const MAX_HEADERS: usize = 32;

/// The parts of a request head the WebSocket services use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Head {
    pub method: String,
    /// The request target: the path with its query string, if any.
    pub target: String,
    /// `Sec-WebSocket-Key` of a valid upgrade request (RFC 6455 §4.2.1); `None` otherwise.
    pub websocket_key: Option<String>,
    /// The `Origin` header (RFC 6454), which browsers send with every WebSocket upgrade.
    pub origin: Option<String>,
    /// Bytes the head took; anything after it is the client's first WebSocket bytes.
    pub len: usize,
}

/// A request head that cannot be served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum HeadError {
    #[error("request head too large")]
    TooLarge,
    #[error("malformed request head")]
    Malformed,
    #[error("request head not received in time")]
    Timeout,
}

impl HeadError {
    /// The response to the refused request.
    pub fn response(self) -> Bytes {
        match self {
            Self::TooLarge => response(431, r#"{"error":"request header too large"}"#, &[]),
            Self::Malformed => response(400, r#"{"error":"bad request"}"#, &[]),
            Self::Timeout => response(408, r#"{"error":"request timeout"}"#, &[]),
        }
    }
}

/// Parses the head at the start of `buf`; `Ok(None)` while it is incomplete and within
/// [`MAX_HEAD`].
pub(crate) fn parse_head(buf: &[u8]) -> Result<Option<Head>, HeadError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    let len = match request.parse(buf) {
        Ok(httparse::Status::Complete(len)) if len <= MAX_HEAD => len,
        Ok(httparse::Status::Complete(_)) | Err(httparse::Error::TooManyHeaders) => {
            return Err(HeadError::TooLarge);
        }
        Ok(httparse::Status::Partial) if buf.len() >= MAX_HEAD => {
            return Err(HeadError::TooLarge);
        }
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(_) => return Err(HeadError::Malformed),
    };
    let (Some(method), Some(path)) = (request.method, request.path) else {
        return Err(HeadError::Malformed);
    };
    let websocket_key = websocket_key(&request);
    let origin = header_values(&request, "origin")
        .next()
        .map(|value| value.trim().to_owned());
    Ok(Some(Head {
        method: method.to_owned(),
        target: path.to_owned(),
        websocket_key,
        origin,
        len,
    }))
}

/// The key of a WebSocket upgrade request: HTTP/1.1, `Connection: upgrade`, `Upgrade: websocket`,
/// `Sec-WebSocket-Version: 13` and a `Sec-WebSocket-Key`.
fn websocket_key(request: &httparse::Request<'_, '_>) -> Option<String> {
    let values = |name: &'static str| header_values(request, name);
    let has_token = |name: &'static str, token: &str| {
        values(name).any(|value| {
            value
                .split(',')
                .any(|t| t.trim().eq_ignore_ascii_case(token))
        })
    };
    let upgrade = request.version == Some(1)
        && has_token("connection", "upgrade")
        && has_token("upgrade", "websocket")
        && values("sec-websocket-version").any(|v| v.trim() == "13");
    if !upgrade {
        return None;
    }
    values("sec-websocket-key")
        .map(str::trim)
        .find(|key| !key.is_empty())
        .map(str::to_owned)
}

/// The UTF-8 values of the headers called `name` (case-insensitive), in order.
fn header_values<'r>(
    request: &'r httparse::Request<'_, '_>,
    name: &'static str,
) -> impl Iterator<Item = &'r str> {
    request
        .headers
        .iter()
        .filter(move |h| h.name.eq_ignore_ascii_case(name))
        .filter_map(|h| std::str::from_utf8(h.value).ok())
}

/// A complete response with a JSON `body`, closing the connection.
pub(crate) fn response(status: u16, body: &str, extra_headers: &[(&str, &str)]) -> Bytes {
    let mut head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        reason(status),
        body.len()
    );
    for (name, value) in extra_headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    head.push_str(body);
    Bytes::from(head)
}

/// The `101` that completes an upgrade whose key was `key`.
pub(crate) fn switching_protocols(key: &str) -> Bytes {
    let accept = tungstenite::handshake::derive_accept_key(key.as_bytes());
    Bytes::from(format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
    ))
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        426 => "Upgrade Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const UPGRADE: &str = "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";

    #[test]
    fn an_upgrade_request_yields_its_key_and_length() {
        let mut bytes = UPGRADE.as_bytes().to_vec();
        bytes.extend_from_slice(b"\x81\x85");
        let head = parse_head(&bytes).unwrap().unwrap();
        assert_eq!(head.method, "GET");
        assert_eq!(head.target, "/ws");
        assert_eq!(
            head.websocket_key.as_deref(),
            Some("dGhlIHNhbXBsZSBub25jZQ==")
        );
        assert_eq!(head.len, UPGRADE.len());
    }

    #[test]
    fn a_request_without_the_upgrade_headers_has_no_key() {
        let head = parse_head(b"GET /ws HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap()
            .unwrap();
        assert_eq!(head.websocket_key, None);
    }

    #[test]
    fn another_websocket_version_is_not_an_upgrade() {
        let request = UPGRADE.replace("Version: 13", "Version: 8");
        let head = parse_head(request.as_bytes()).unwrap().unwrap();
        assert_eq!(head.websocket_key, None);
    }

    #[test]
    fn an_incomplete_head_asks_for_more() {
        assert_eq!(parse_head(b"GET /health HTTP/1.1\r\nHo"), Ok(None));
    }

    #[test]
    fn a_head_beyond_the_bound_is_too_large() {
        let mut bytes = b"GET / HTTP/1.1\r\nX-Filler: ".to_vec();
        bytes.resize(MAX_HEAD, b'a');
        assert_eq!(parse_head(&bytes), Err(HeadError::TooLarge));
    }

    #[test]
    fn garbage_is_malformed() {
        assert_eq!(
            parse_head(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"),
            Err(HeadError::Malformed)
        );
    }

    #[test]
    fn the_origin_header_is_kept() {
        let request = UPGRADE.replace("Host: x\r\n", "Host: x\r\nOrigin: https://a.example\r\n");
        let head = parse_head(request.as_bytes()).unwrap().unwrap();
        assert_eq!(head.origin.as_deref(), Some("https://a.example"));
        let plain = parse_head(UPGRADE.as_bytes()).unwrap().unwrap();
        assert_eq!(plain.origin, None);
    }

    #[test]
    fn responses_are_json_with_a_length_and_close() {
        let body = r#"{"error":"method not allowed"}"#;
        let bytes = response(405, body, &[("Allow", "GET")]);
        let text = std::str::from_utf8(&bytes).unwrap();
        assert!(text.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"));
        assert!(text.contains("Content-Type: application/json\r\n"));
        assert!(text.contains("Connection: close\r\n"));
        assert!(text.contains("Allow: GET\r\n"));
        assert!(text.contains(&format!("Content-Length: {}\r\n", body.len())));
        assert!(text.ends_with(&format!("\r\n\r\n{body}")));
    }

    #[test]
    fn the_accept_key_is_rfc_6455s() {
        let bytes = switching_protocols("dGhlIHNhbXBsZSBub25jZQ==");
        let text = std::str::from_utf8(&bytes).unwrap();
        assert!(text.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
    }
}
