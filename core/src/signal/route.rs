//! Which HTTP requests the `signal` port answers and how (signal.md §9.1). The driver parses the
//! request head; the decision, and the bytes of every refusal, live here so both runtimes answer
//! alike.

use crate::wire::signal::{
    CorsOrigins, HandshakeDecision, HandshakeError, HandshakeRequest, decide_handshake,
};

/// The Socket.IO path (§1); every request under it is a handshake.
const SOCKET_IO_PATH: &str = "/socket.io/";

/// The parts of an HTTP request head the routing depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpRequest<'a> {
    pub method: &'a str,
    /// The request target: path and query string.
    pub target: &'a str,
    /// Whether the head asks for a WebSocket upgrade (RFC 6455 §4.2.1).
    pub is_websocket_upgrade: bool,
    /// The `Origin` header, if any.
    pub origin: Option<&'a str>,
}

/// What to do with one HTTP request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignalRoute {
    /// A handshake §1 accepts: admission (`SignalService::handle_connect`), then `101`.
    Upgrade,
    /// A handshake §1 refuses, with engine.io's error.
    Refused(HandshakeError),
    /// `GET /health`: `200` with the service's health.
    Health,
    /// `GET /debug/rooms`, development mode only.
    DebugRooms,
    /// `GET /debug/users`, development mode only.
    DebugUsers,
    /// `GET /debug/connections`, development mode only.
    DebugConnections,
    NotFound,
    /// Another method on a path served with `GET` (the response carries `Allow: GET`).
    MethodNotAllowed,
}

/// Routes a request (§9.1): the Socket.IO path to §1's handshake with `cors` (§9.2), `/health`,
/// the debug pages when `development` is on, anything else `404`. The query string is ignored
/// except by the handshake.
pub fn route(request: HttpRequest<'_>, cors: &CorsOrigins, development: bool) -> SignalRoute {
    let (path, query) = request
        .target
        .split_once('?')
        .unwrap_or((request.target, ""));
    if path.starts_with(SOCKET_IO_PATH) {
        let handshake = HandshakeRequest {
            is_get: request.method == "GET",
            is_websocket_upgrade: request.is_websocket_upgrade,
            query,
            origin: request.origin,
        };
        return match decide_handshake(handshake, cors) {
            HandshakeDecision::AcceptWebSocket => SignalRoute::Upgrade,
            HandshakeDecision::Refuse(error) => SignalRoute::Refused(error),
        };
    }
    let page = match path {
        "/health" => SignalRoute::Health,
        "/debug/rooms" if development => SignalRoute::DebugRooms,
        "/debug/users" if development => SignalRoute::DebugUsers,
        "/debug/connections" if development => SignalRoute::DebugConnections,
        _ => return SignalRoute::NotFound,
    };
    if request.method == "GET" {
        page
    } else {
        SignalRoute::MethodNotAllowed
    }
}

impl SignalRoute {
    /// The response's status code.
    pub const fn status(self) -> u16 {
        match self {
            Self::Upgrade => 101,
            Self::Refused(error) => error.status(),
            Self::Health | Self::DebugRooms | Self::DebugUsers | Self::DebugConnections => 200,
            Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
        }
    }

    /// The JSON body of a refusal; `None` for the routes whose body the service writes.
    pub fn error_body(self) -> Option<String> {
        match self {
            Self::Refused(error) => Some(error.body()),
            Self::NotFound => Some(r#"{"error":"not found"}"#.to_owned()),
            Self::MethodNotAllowed => Some(r#"{"error":"method not allowed"}"#.to_owned()),
            Self::Upgrade
            | Self::Health
            | Self::DebugRooms
            | Self::DebugUsers
            | Self::DebugConnections => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HANDSHAKE: &str = "/socket.io/?EIO=4&transport=websocket";

    fn get(target: &str, development: bool) -> SignalRoute {
        let request = HttpRequest {
            method: "GET",
            target,
            is_websocket_upgrade: false,
            origin: None,
        };
        route(request, &CorsOrigins::Any, development)
    }

    fn upgrade(origin: Option<&str>, cors: &str) -> SignalRoute {
        let request = HttpRequest {
            method: "GET",
            target: HANDSHAKE,
            is_websocket_upgrade: true,
            origin,
        };
        route(request, &cors.parse().unwrap(), false)
    }

    #[test]
    fn a_socket_io_upgrade_is_accepted() {
        assert_eq!(upgrade(None, "*"), SignalRoute::Upgrade);
    }

    #[test]
    fn polling_on_the_socket_io_path_is_refused_with_code_0() {
        let route = get("/socket.io/?EIO=4&transport=polling&t=x", false);
        assert_eq!(
            route,
            SignalRoute::Refused(HandshakeError::TransportUnknown)
        );
        assert_eq!(route.status(), 400);
        assert_eq!(
            route.error_body().as_deref(),
            Some(r#"{"code":0,"message":"Transport unknown"}"#)
        );
    }

    #[test]
    fn an_origin_outside_cors_origin_is_refused_with_code_3() {
        assert_eq!(
            upgrade(Some("https://evil.example"), "https://app.example"),
            SignalRoute::Refused(HandshakeError::BadRequest)
        );
        assert_eq!(
            upgrade(Some("https://app.example"), "https://app.example"),
            SignalRoute::Upgrade
        );
    }

    #[test]
    fn health_is_served_with_or_without_a_query() {
        assert_eq!(get("/health", false), SignalRoute::Health);
        assert_eq!(get("/health?x=1", false), SignalRoute::Health);
    }

    #[test]
    fn debug_pages_are_not_found_outside_development_mode() {
        for path in ["/debug/rooms", "/debug/users", "/debug/connections"] {
            assert_eq!(get(path, false), SignalRoute::NotFound, "{path}");
        }
    }

    #[test]
    fn debug_pages_are_served_in_development_mode() {
        assert_eq!(get("/debug/rooms", true), SignalRoute::DebugRooms);
        assert_eq!(get("/debug/users", true), SignalRoute::DebugUsers);
        assert_eq!(
            get("/debug/connections", true),
            SignalRoute::DebugConnections
        );
    }

    #[test]
    fn another_method_on_a_known_path_is_not_allowed() {
        let request = HttpRequest {
            method: "POST",
            target: "/health",
            is_websocket_upgrade: false,
            origin: None,
        };
        let route = route(request, &CorsOrigins::Any, false);
        assert_eq!(route, SignalRoute::MethodNotAllowed);
        assert_eq!(route.status(), 405);
    }

    #[test]
    fn another_method_on_the_socket_io_path_is_a_bad_handshake_method() {
        let request = HttpRequest {
            method: "POST",
            target: HANDSHAKE,
            is_websocket_upgrade: true,
            origin: None,
        };
        assert_eq!(
            route(request, &CorsOrigins::Any, false),
            SignalRoute::Refused(HandshakeError::BadHandshakeMethod)
        );
    }

    #[test]
    fn other_paths_are_not_found() {
        assert_eq!(get("/", false), SignalRoute::NotFound);
        assert_eq!(get("/socket.io", false), SignalRoute::NotFound);
        assert_eq!(get("/debug/rooms/x", true), SignalRoute::NotFound);
    }
}
