//! CORS (stream.md §7.2, §7.3), as the seed's tower-http layer configures it: allowed origins
//! from the configuration (any when empty), `GET`/`HEAD`, three exposed headers.

use super::config::{StreamConfig, is_header_value};
use super::request::{Fields, RequestHead};

/// The seed's `expose_headers` list.
const EXPOSE_HEADERS: &str = "content-range, content-length, accept-ranges";
const PREFLIGHT_VARY: &str =
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";
/// One day: browsers cap it lower anyway.
const PREFLIGHT_MAX_AGE: &str = "86400";

/// The `Access-Control-Allow-Origin` value for the request's origin, if it is allowed: `*`
/// when any origin is, else the origin itself. A missing or repeated `Origin` is none.
fn allow_origin(config: &StreamConfig, fields: &Fields<'_>) -> Option<String> {
    let origin = fields.origin.get()?;
    if config.allowed_origins.is_empty() {
        return Some("*".to_owned());
    }
    config
        .allowed_origins
        .iter()
        .find(|allowed| allowed.as_bytes() == origin)
        .cloned()
}

/// stream.md §7.3: appends the CORS headers of a response that is not a preflight.
pub(super) fn push_response_headers(
    config: &StreamConfig,
    fields: &Fields<'_>,
    headers: &mut Vec<(&'static str, String)>,
) {
    if let Some(origin) = allow_origin(config, fields) {
        headers.push(("Access-Control-Allow-Origin", origin));
        headers.push(("Access-Control-Expose-Headers", EXPOSE_HEADERS.to_owned()));
    }
    if !config.allowed_origins.is_empty() {
        headers.push(("Vary", "Origin".to_owned()));
    }
}

/// What an `OPTIONS` on `/stream/{id}` is (stream.md §7.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Options {
    /// No `Access-Control-Request-Method`: `204` with `Allow`.
    Plain,
    /// A preflight to answer `204` with these headers, in order (`Date` and `Connection`
    /// follow).
    Allowed(Vec<(&'static str, String)>),
    /// `403 origin not allowed`: the origin is missing or not allowed, or the method is not
    /// `GET` or `HEAD`.
    Refused,
}

pub(super) fn options(
    config: &StreamConfig,
    head: &RequestHead<'_>,
    fields: &Fields<'_>,
) -> Options {
    let Some(method) = fields.request_method.get() else {
        return if fields.request_method.is_present() {
            Options::Refused
        } else {
            Options::Plain
        };
    };
    let Some(origin) = allow_origin(config, fields) else {
        return Options::Refused;
    };
    if method != b"GET" && method != b"HEAD" {
        return Options::Refused;
    }
    let mut headers = Vec::with_capacity(7);
    headers.push(("Access-Control-Allow-Origin", origin));
    headers.push(("Access-Control-Allow-Methods", "GET, HEAD".to_owned()));
    if let Some(requested) = requested_headers(head, fields) {
        headers.push(("Access-Control-Allow-Headers", requested));
    }
    headers.push(("Access-Control-Max-Age", PREFLIGHT_MAX_AGE.to_owned()));
    headers.push(("Vary", PREFLIGHT_VARY.to_owned()));
    Options::Allowed(headers)
}

/// `Access-Control-Request-Headers` as sent (several lines joined by `, `), when it is text a
/// response head can carry.
fn requested_headers(head: &RequestHead<'_>, fields: &Fields<'_>) -> Option<String> {
    if !fields.request_headers {
        return None;
    }
    let mut joined = String::new();
    for value in head.values("access-control-request-headers") {
        let value = std::str::from_utf8(value.trim_ascii()).ok()?;
        if value.is_empty() {
            continue;
        }
        if !joined.is_empty() {
            joined.push_str(", ");
        }
        joined.push_str(value);
    }
    (!joined.is_empty() && is_header_value(&joined)).then_some(joined)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::request::testing::{get, header_lines};

    fn with_head<T>(
        headers: &[(&str, &str)],
        f: impl FnOnce(&RequestHead<'_>, &Fields<'_>) -> T,
    ) -> T {
        let headers = header_lines(headers);
        let head = RequestHead {
            method: "OPTIONS",
            target: "/stream/a",
            ..get(&headers)
        };
        f(&head, &Fields::read(&head))
    }

    fn listing(origins: &[&str]) -> StreamConfig {
        StreamConfig {
            allowed_origins: origins.iter().map(|&o| o.to_owned()).collect(),
            ..StreamConfig::default()
        }
    }

    fn response_headers(
        config: &StreamConfig,
        headers: &[(&str, &str)],
    ) -> Vec<(&'static str, String)> {
        with_head(headers, |_, fields| {
            let mut out = Vec::new();
            push_response_headers(config, fields, &mut out);
            out
        })
    }

    #[test]
    fn any_origin_gets_a_star_and_the_exposed_headers() {
        let headers =
            response_headers(&StreamConfig::default(), &[("Origin", "https://a.example")]);
        assert_eq!(
            headers,
            [
                ("Access-Control-Allow-Origin", "*".to_owned()),
                ("Access-Control-Expose-Headers", EXPOSE_HEADERS.to_owned()),
            ]
        );
    }

    #[test]
    fn no_origin_and_no_list_adds_nothing() {
        assert!(response_headers(&StreamConfig::default(), &[]).is_empty());
    }

    #[test]
    fn a_listed_origin_is_echoed_and_varies() {
        let headers = response_headers(
            &listing(&["https://a.example"]),
            &[("Origin", "https://a.example")],
        );
        assert_eq!(
            headers,
            [
                (
                    "Access-Control-Allow-Origin",
                    "https://a.example".to_owned()
                ),
                ("Access-Control-Expose-Headers", EXPOSE_HEADERS.to_owned()),
                ("Vary", "Origin".to_owned()),
            ]
        );
    }

    #[test]
    fn an_unlisted_origin_only_varies() {
        let headers = response_headers(
            &listing(&["https://a.example"]),
            &[("Origin", "https://b.example")],
        );
        assert_eq!(headers, [("Vary", "Origin".to_owned())]);
    }

    #[test]
    fn options_without_a_request_method_is_plain() {
        let options = with_head(&[("Origin", "https://a.example")], |head, fields| {
            options(&StreamConfig::default(), head, fields)
        });
        assert_eq!(options, Options::Plain);
    }

    #[test]
    fn a_preflight_for_get_echoes_the_requested_headers() {
        let options = with_head(
            &[
                ("Origin", "https://a.example"),
                ("Access-Control-Request-Method", "GET"),
                ("Access-Control-Request-Headers", "range"),
                ("Access-Control-Request-Headers", "x-a"),
            ],
            |head, fields| options(&StreamConfig::default(), head, fields),
        );
        assert_eq!(
            options,
            Options::Allowed(vec![
                ("Access-Control-Allow-Origin", "*".to_owned()),
                ("Access-Control-Allow-Methods", "GET, HEAD".to_owned()),
                ("Access-Control-Allow-Headers", "range, x-a".to_owned()),
                ("Access-Control-Max-Age", "86400".to_owned()),
                ("Vary", PREFLIGHT_VARY.to_owned()),
            ])
        );
    }

    #[test]
    fn a_preflight_for_another_method_is_refused() {
        let options = with_head(
            &[
                ("Origin", "https://a.example"),
                ("Access-Control-Request-Method", "PUT"),
            ],
            |head, fields| options(&StreamConfig::default(), head, fields),
        );
        assert_eq!(options, Options::Refused);
    }

    #[test]
    fn a_preflight_from_an_unlisted_or_missing_origin_is_refused() {
        let config = listing(&["https://a.example"]);
        let unlisted = with_head(
            &[
                ("Origin", "https://b.example"),
                ("Access-Control-Request-Method", "GET"),
            ],
            |head, fields| options(&config, head, fields),
        );
        let missing = with_head(
            &[("Access-Control-Request-Method", "GET")],
            |head, fields| options(&config, head, fields),
        );
        assert_eq!(unlisted, Options::Refused);
        assert_eq!(missing, Options::Refused);
    }
}
