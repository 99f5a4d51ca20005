//! Which HTTP requests the `chat` port answers and how (chat.md §1). The driver parses the
//! request head; the decision, and the bytes of every refusal, live here so both runtimes answer
//! alike.

/// What to do with one HTTP request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpRoute {
    /// `GET /ws` with a WebSocket upgrade: admission (chat.md §7), then `101`.
    Upgrade,
    /// `GET /` or `GET /health`: `200` with [`super::ChatService::health`].
    Health,
    /// `GET /ws` without a WebSocket upgrade.
    UpgradeRequired,
    NotFound,
    /// A method other than `GET` (the response carries `Allow: GET`).
    MethodNotAllowed,
}

/// Routes a request. `path` is the request target; its query string is ignored, as front ends
/// add one (`/ws?v=2`).
pub fn route(method: &str, path: &str, is_websocket_upgrade: bool) -> HttpRoute {
    let path = path.split_once('?').map_or(path, |(path, _)| path);
    if method != "GET" {
        return HttpRoute::MethodNotAllowed;
    }
    match path {
        "/ws" if is_websocket_upgrade => HttpRoute::Upgrade,
        "/ws" => HttpRoute::UpgradeRequired,
        "/" | "/health" => HttpRoute::Health,
        _ => HttpRoute::NotFound,
    }
}

impl HttpRoute {
    /// The response's status code.
    pub const fn status(self) -> u16 {
        match self {
            Self::Upgrade => 101,
            Self::Health => 200,
            Self::UpgradeRequired => 426,
            Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
        }
    }

    /// The JSON body of a refusal; `None` for the routes whose body the service writes.
    pub const fn error_body(self) -> Option<&'static str> {
        match self {
            Self::Upgrade | Self::Health => None,
            Self::UpgradeRequired => Some(r#"{"error":"upgrade required"}"#),
            Self::NotFound => Some(r#"{"error":"not found"}"#),
            Self::MethodNotAllowed => Some(r#"{"error":"method not allowed"}"#),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upgrade_on_ws_is_a_chat_connection() {
        assert_eq!(route("GET", "/ws", true), HttpRoute::Upgrade);
    }

    #[test]
    fn the_query_string_is_ignored() {
        assert_eq!(route("GET", "/ws?room=a", true), HttpRoute::Upgrade);
        assert_eq!(route("GET", "/health?full=1", false), HttpRoute::Health);
    }

    #[test]
    fn root_and_health_answer_the_health_json() {
        assert_eq!(route("GET", "/", false), HttpRoute::Health);
        assert_eq!(route("GET", "/health", false), HttpRoute::Health);
    }

    #[test]
    fn ws_without_an_upgrade_is_426() {
        assert_eq!(route("GET", "/ws", false).status(), 426);
    }

    #[test]
    fn an_upgrade_elsewhere_is_not_found() {
        assert_eq!(route("GET", "/chat", true), HttpRoute::NotFound);
    }

    #[test]
    fn other_methods_are_405_even_on_known_paths() {
        assert_eq!(route("POST", "/health", false), HttpRoute::MethodNotAllowed);
        assert_eq!(route("HEAD", "/", false).status(), 405);
    }

    #[test]
    fn refusals_have_json_bodies() {
        assert_eq!(
            HttpRoute::NotFound.error_body(),
            Some(r#"{"error":"not found"}"#)
        );
        assert_eq!(HttpRoute::Health.error_body(), None);
    }
}
