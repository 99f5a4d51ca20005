//! The Engine.IO handshake request (signal.md §1): which `GET /socket.io/?…` requests open a
//! session, and engine.io's HTTP error for the others. hark serves only the WebSocket transport
//! and keeps no polling sessions, so it answers exactly as an engine.io server configured with
//! `transports: ["websocket"]` and `allowEIO3: false` would.

/// engine.io's handshake error codes (`Server.errors`), each with its fixed message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HandshakeError {
    TransportUnknown,
    SessionIdUnknown,
    BadHandshakeMethod,
    BadRequest,
    Forbidden,
    UnsupportedProtocolVersion,
}

impl HandshakeError {
    pub const ALL: &[HandshakeError] = &[
        HandshakeError::TransportUnknown,
        HandshakeError::SessionIdUnknown,
        HandshakeError::BadHandshakeMethod,
        HandshakeError::BadRequest,
        HandshakeError::Forbidden,
        HandshakeError::UnsupportedProtocolVersion,
    ];

    /// The `code` member.
    pub fn code(self) -> u8 {
        match self {
            HandshakeError::TransportUnknown => 0,
            HandshakeError::SessionIdUnknown => 1,
            HandshakeError::BadHandshakeMethod => 2,
            HandshakeError::BadRequest => 3,
            HandshakeError::Forbidden => 4,
            HandshakeError::UnsupportedProtocolVersion => 5,
        }
    }

    /// The `message` member, engine.io's `Server.errorMessages` text.
    pub fn message(self) -> &'static str {
        match self {
            HandshakeError::TransportUnknown => "Transport unknown",
            HandshakeError::SessionIdUnknown => "Session ID unknown",
            HandshakeError::BadHandshakeMethod => "Bad handshake method",
            HandshakeError::BadRequest => "Bad request",
            HandshakeError::Forbidden => "Forbidden",
            HandshakeError::UnsupportedProtocolVersion => "Unsupported protocol version",
        }
    }

    /// The HTTP status: 403 for `Forbidden`, 400 for every other code, as engine.io answers.
    pub const fn status(self) -> u16 {
        match self {
            HandshakeError::Forbidden => 403,
            _ => 400,
        }
    }

    /// The `application/json` response body, e.g. `{"code":0,"message":"Transport unknown"}`.
    pub fn body(self) -> String {
        format!(
            "{{\"code\":{},\"message\":\"{}\"}}",
            self.code(),
            self.message()
        )
    }
}

/// `CORS_ORIGIN` (signal.md §9.2): which browser `Origin`s may open a session.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CorsOrigins {
    /// `*`, the default: any origin.
    #[default]
    Any,
    /// Exactly these origins (scheme, host and port, no trailing `/`), compared byte for byte.
    List(Vec<String>),
}

/// A `CORS_ORIGIN` value with no origin in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("names no origin (use * for any, or a comma-separated list)")]
pub struct EmptyCorsOrigins;

impl std::str::FromStr for CorsOrigins {
    type Err = EmptyCorsOrigins;

    /// `*`, or origins separated by `,` (white space around each is ignored).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.trim() == "*" {
            return Ok(Self::Any);
        }
        let origins: Vec<String> = text
            .split(',')
            .map(str::trim)
            .filter(|origin| !origin.is_empty())
            .map(str::to_owned)
            .collect();
        if origins.is_empty() {
            return Err(EmptyCorsOrigins);
        }
        Ok(Self::List(origins))
    }
}

impl CorsOrigins {
    /// Whether a request with this `Origin` header may open a session. A request without one
    /// is not a browser's, and CORS does not concern it.
    pub fn allows(&self, origin: Option<&str>) -> bool {
        match (self, origin) {
            (Self::Any, _) | (_, None) => true,
            (Self::List(origins), Some(origin)) => origins.iter().any(|o| o == origin),
        }
    }
}

/// What the server makes of a request to the Socket.IO path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandshakeDecision {
    /// Complete the WebSocket upgrade and send the open packet.
    AcceptWebSocket,
    /// Answer with the error's status and body, and open nothing.
    Refuse(HandshakeError),
}

/// The parts of the HTTP request the decision depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandshakeRequest<'a> {
    /// Whether the method is `GET`.
    pub is_get: bool,
    /// Whether the request asks for a WebSocket upgrade.
    pub is_websocket_upgrade: bool,
    /// The query string, without the `?`.
    pub query: &'a str,
    /// The `Origin` header, if the request has one.
    pub origin: Option<&'a str>,
}

/// engine.io's checks in engine.io's order: the transport must be `websocket` (so
/// `transport=polling` is code 0), the `Origin` must be allowed by `cors` (code 3, as engine.io's
/// `allowRequest` refuses it, signal.md §9.2), a `sid` names a session hark never has (code 1),
/// the method must be `GET` (code 2), a WebSocket transport needs an upgrade request (code 3),
/// and `EIO` must be `4` (code 5, checked last because engine.io checks it in the handshake
/// proper).
pub fn decide_handshake(request: HandshakeRequest<'_>, cors: &CorsOrigins) -> HandshakeDecision {
    let query = Query::parse(request.query);
    let refusal = if query.transport.as_deref() != Some("websocket") {
        Some(HandshakeError::TransportUnknown)
    } else if !cors.allows(request.origin) {
        Some(HandshakeError::BadRequest)
    } else if query.sid.as_deref().is_some_and(|sid| !sid.is_empty()) {
        Some(HandshakeError::SessionIdUnknown)
    } else if !request.is_get {
        Some(HandshakeError::BadHandshakeMethod)
    } else if !request.is_websocket_upgrade {
        Some(HandshakeError::BadRequest)
    } else if query.eio.as_deref() != Some("4") {
        Some(HandshakeError::UnsupportedProtocolVersion)
    } else {
        None
    };
    refusal.map_or(
        HandshakeDecision::AcceptWebSocket,
        HandshakeDecision::Refuse,
    )
}

/// The handshake's query parameters. As with `URLSearchParams` and `Object.fromEntries`, a
/// repeated parameter's last value counts, and values are percent- and `+`-decoded.
#[derive(Debug, Default)]
struct Query {
    eio: Option<String>,
    transport: Option<String>,
    sid: Option<String>,
}

impl Query {
    fn parse(query: &str) -> Query {
        let mut parsed = Query::default();
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let slot = match decode_component(name).as_str() {
                "EIO" => &mut parsed.eio,
                "transport" => &mut parsed.transport,
                "sid" => &mut parsed.sid,
                _ => continue,
            };
            *slot = Some(decode_component(value));
        }
        parsed
    }
}

/// `application/x-www-form-urlencoded` decoding: `+` is a space, `%XX` a byte; a `%` not
/// followed by two hex digits stays as it is; invalid UTF-8 becomes U+FFFD.
fn decode_component(text: &str) -> String {
    let mut bytes = Vec::with_capacity(text.len());
    let mut rest = text.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        rest = tail;
        match byte {
            b'+' => bytes.push(b' '),
            b'%' => match percent_byte(rest) {
                Some(decoded) => {
                    bytes.push(decoded);
                    rest = rest.get(2..).unwrap_or_default();
                }
                None => bytes.push(b'%'),
            },
            other => bytes.push(other),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn percent_byte(rest: &[u8]) -> Option<u8> {
    let hex = std::str::from_utf8(rest.get(..2)?).ok()?;
    u8::from_str_radix(hex, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upgrade(query: &str) -> HandshakeDecision {
        decide_handshake(
            HandshakeRequest {
                is_get: true,
                is_websocket_upgrade: true,
                query,
                origin: None,
            },
            &CorsOrigins::Any,
        )
    }

    fn from_origin(origin: &str, cors: &str) -> HandshakeDecision {
        decide_handshake(
            HandshakeRequest {
                is_get: true,
                is_websocket_upgrade: true,
                query: "EIO=4&transport=websocket",
                origin: Some(origin),
            },
            &cors.parse().unwrap(),
        )
    }

    fn refused(error: HandshakeError) -> HandshakeDecision {
        HandshakeDecision::Refuse(error)
    }

    #[test]
    fn a_websocket_upgrade_with_eio_4_is_accepted() {
        assert_eq!(
            upgrade("EIO=4&transport=websocket"),
            HandshakeDecision::AcceptWebSocket
        );
        assert_eq!(
            upgrade("transport=websocket&EIO=4&t=NkJ3x1b"),
            HandshakeDecision::AcceptWebSocket
        );
    }

    #[test]
    fn polling_is_an_unknown_transport() {
        let polling = decide_handshake(
            HandshakeRequest {
                is_get: true,
                is_websocket_upgrade: false,
                query: "EIO=4&transport=polling&t=NkJ3x1b",
                origin: None,
            },
            &CorsOrigins::Any,
        );
        assert_eq!(polling, refused(HandshakeError::TransportUnknown));
    }

    #[test]
    fn a_missing_or_other_transport_is_unknown() {
        assert_eq!(upgrade("EIO=4"), refused(HandshakeError::TransportUnknown));
        assert_eq!(
            upgrade("EIO=4&transport=webtransport"),
            refused(HandshakeError::TransportUnknown)
        );
        assert_eq!(
            upgrade("EIO=4&transport=WebSocket"),
            refused(HandshakeError::TransportUnknown)
        );
    }

    #[test]
    fn a_session_id_is_unknown_since_there_are_no_polling_sessions() {
        assert_eq!(
            upgrade("EIO=4&transport=websocket&sid=lv_VI97HAXpY6yYWAAAC"),
            refused(HandshakeError::SessionIdUnknown)
        );
        assert_eq!(
            upgrade("EIO=4&transport=websocket&sid="),
            HandshakeDecision::AcceptWebSocket
        );
    }

    #[test]
    fn a_handshake_must_be_a_get() {
        let post = decide_handshake(
            HandshakeRequest {
                is_get: false,
                is_websocket_upgrade: true,
                query: "EIO=4&transport=websocket",
                origin: None,
            },
            &CorsOrigins::Any,
        );
        assert_eq!(post, refused(HandshakeError::BadHandshakeMethod));
    }

    #[test]
    fn the_websocket_transport_without_an_upgrade_is_a_bad_request() {
        let plain = decide_handshake(
            HandshakeRequest {
                is_get: true,
                is_websocket_upgrade: false,
                query: "EIO=4&transport=websocket",
                origin: None,
            },
            &CorsOrigins::Any,
        );
        assert_eq!(plain, refused(HandshakeError::BadRequest));
    }

    #[test]
    fn protocol_versions_other_than_4_are_unsupported() {
        assert_eq!(
            upgrade("EIO=3&transport=websocket"),
            refused(HandshakeError::UnsupportedProtocolVersion)
        );
        assert_eq!(
            upgrade("transport=websocket"),
            refused(HandshakeError::UnsupportedProtocolVersion)
        );
        assert_eq!(
            upgrade("EIO=04&transport=websocket"),
            refused(HandshakeError::UnsupportedProtocolVersion)
        );
    }

    #[test]
    fn the_transport_is_checked_before_the_protocol_version() {
        assert_eq!(
            upgrade("EIO=3&transport=polling"),
            refused(HandshakeError::TransportUnknown)
        );
    }

    #[test]
    fn the_last_of_a_repeated_parameter_counts_and_values_are_percent_decoded() {
        assert_eq!(
            upgrade("EIO=3&transport=polling&EIO=4&transport=websocket"),
            HandshakeDecision::AcceptWebSocket
        );
        assert_eq!(
            upgrade("EIO=%34&transport=web%73ocket"),
            HandshakeDecision::AcceptWebSocket
        );
        assert_eq!(
            upgrade("EIO=4&transport=web+socket"),
            refused(HandshakeError::TransportUnknown)
        );
        assert_eq!(
            upgrade("EIO=4%&transport=websocket"),
            refused(HandshakeError::UnsupportedProtocolVersion)
        );
    }

    #[test]
    fn any_origin_is_allowed_by_default() {
        assert_eq!(
            from_origin("https://evil.example", "*"),
            HandshakeDecision::AcceptWebSocket
        );
    }

    #[test]
    fn a_listed_origin_is_allowed() {
        assert_eq!(
            from_origin(
                "https://b.example:8443",
                "https://a.example, https://b.example:8443"
            ),
            HandshakeDecision::AcceptWebSocket
        );
    }

    #[test]
    fn an_unlisted_origin_is_a_bad_request() {
        assert_eq!(
            from_origin("https://a.example/", "https://a.example"),
            refused(HandshakeError::BadRequest)
        );
        assert_eq!(
            from_origin("http://a.example", "https://a.example"),
            refused(HandshakeError::BadRequest)
        );
    }

    #[test]
    fn a_request_without_origin_is_allowed_by_any_list() {
        let policy: CorsOrigins = "https://a.example".parse().unwrap();
        assert!(policy.allows(None));
    }

    #[test]
    fn the_origin_is_checked_after_the_transport_and_before_the_session_id() {
        let request = |query| {
            decide_handshake(
                HandshakeRequest {
                    is_get: true,
                    is_websocket_upgrade: true,
                    query,
                    origin: Some("https://evil.example"),
                },
                &"https://a.example".parse().unwrap(),
            )
        };
        assert_eq!(
            request("EIO=4&transport=polling"),
            refused(HandshakeError::TransportUnknown)
        );
        assert_eq!(
            request("EIO=4&transport=websocket&sid=abc"),
            refused(HandshakeError::BadRequest)
        );
    }

    #[test]
    fn a_cors_value_naming_no_origin_is_refused() {
        assert_eq!(" , ".parse::<CorsOrigins>(), Err(EmptyCorsOrigins));
    }

    #[test]
    fn error_bodies_are_engine_io_json() {
        let bodies: Vec<String> = HandshakeError::ALL.iter().map(|e| e.body()).collect();
        assert_eq!(
            bodies,
            [
                r#"{"code":0,"message":"Transport unknown"}"#,
                r#"{"code":1,"message":"Session ID unknown"}"#,
                r#"{"code":2,"message":"Bad handshake method"}"#,
                r#"{"code":3,"message":"Bad request"}"#,
                r#"{"code":4,"message":"Forbidden"}"#,
                r#"{"code":5,"message":"Unsupported protocol version"}"#,
            ]
        );
    }

    #[test]
    fn only_forbidden_is_a_403() {
        let statuses: Vec<u16> = HandshakeError::ALL.iter().map(|e| e.status()).collect();
        assert_eq!(statuses, [400, 400, 400, 400, 403, 400]);
    }
}
