//! Connection persistence (stream.md §8): whether the connection outlives a response, and what
//! the response's `Connection` header says.

use super::config::StreamConfig;
use super::request::{Fields, HttpVersion, RequestHead};

/// HTTP/1.1 persists unless asked to close, HTTP/1.0 only when asked to keep alive; a request
/// that announced a body (hark reads none, so the next request's start is unknown), a
/// `400`/`408`/`431`, or the connection's `keepalive_requests`th request closes.
pub(super) fn keep_alive(
    config: &StreamConfig,
    head: &RequestHead<'_>,
    fields: &Fields<'_>,
    status: u16,
) -> bool {
    let asked = match head.version {
        HttpVersion::Http11 => !fields.close,
        HttpVersion::Http10 => fields.keep_alive && !fields.close,
    };
    asked
        && !fields.body_announced
        && !matches!(status, 400 | 408 | 431)
        && head.request_number < config.keepalive_requests
}

/// The `Connection` value: `close` before closing; `keep-alive` for an HTTP/1.0 connection
/// that persists (its default is to close); none for HTTP/1.1 that persists.
pub(super) fn connection_value(version: HttpVersion, keep_alive: bool) -> Option<&'static str> {
    match (keep_alive, version) {
        (false, _) => Some("close"),
        (true, HttpVersion::Http10) => Some("keep-alive"),
        (true, HttpVersion::Http11) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::request::testing::{get, header_lines};

    fn decide(version: HttpVersion, headers: &[(&str, &str)], status: u16, number: u32) -> bool {
        let headers = header_lines(headers);
        let head = RequestHead {
            version,
            request_number: number,
            ..get(&headers)
        };
        keep_alive(
            &StreamConfig::default(),
            &head,
            &Fields::read(&head),
            status,
        )
    }

    #[test]
    fn http11_persists_by_default() {
        assert!(decide(HttpVersion::Http11, &[], 200, 1));
    }

    #[test]
    fn http11_closes_when_asked() {
        assert!(!decide(
            HttpVersion::Http11,
            &[("Connection", "close")],
            200,
            1
        ));
    }

    #[test]
    fn http10_persists_only_when_asked() {
        assert!(!decide(HttpVersion::Http10, &[], 200, 1));
        assert!(decide(
            HttpVersion::Http10,
            &[("Connection", "keep-alive")],
            200,
            1
        ));
    }

    #[test]
    fn a_body_a_bad_request_or_the_last_request_closes() {
        assert!(!decide(
            HttpVersion::Http11,
            &[("Content-Length", "3")],
            200,
            1
        ));
        assert!(!decide(HttpVersion::Http11, &[], 400, 1));
        assert!(decide(HttpVersion::Http11, &[], 404, 999));
        assert!(!decide(HttpVersion::Http11, &[], 200, 1000));
    }

    #[test]
    fn the_connection_header_names_the_verdict() {
        assert_eq!(connection_value(HttpVersion::Http11, false), Some("close"));
        assert_eq!(
            connection_value(HttpVersion::Http10, true),
            Some("keep-alive")
        );
        assert_eq!(connection_value(HttpVersion::Http11, true), None);
    }
}
