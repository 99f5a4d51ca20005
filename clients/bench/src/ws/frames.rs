//! The chat JSON the generator writes and the little it reads back (`conformance/spec/chat.md`
//! §2–§3). The server writes its members in a fixed order with no spaces (§3), so a server frame
//! is recognised by its prefix and a `message`'s content found by its member name, without a JSON
//! parser: at 100 000 deliveries per second the generator's core must go to the sockets. The
//! generator's own user names never contain quotes, so the search cannot be misled.

/// A `join` of `room` as user `id` (named after it, no avatar).
pub fn join(room: &str, id: &str) -> String {
    format!(
        r#"{{"type":"join","data":{{"room":"{room}","user":{{"id":"{id}","name":"bench {id}","avatar":null}}}}}}"#
    )
}

/// A `message` carrying `content` (already printable ASCII: base64).
pub fn message(content: &str) -> String {
    format!(r#"{{"type":"message","data":{{"content":"{content}"}}}}"#)
}

/// The protocol-level `ping` (answered by `pong`, never rate-limited).
pub const PING: &str = r#"{"type":"ping"}"#;

/// What a server frame is, as far as the benchmark cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerFrame<'a> {
    UserList,
    Message {
        content: &'a str,
    },
    Pong,
    Error {
        code: &'a str,
    },
    /// `userJoined`, `userLeft`, `userTyping`, `reaction`, or anything unexpected.
    Other,
}

/// Classifies one text frame from the server.
pub fn classify(text: &str) -> ServerFrame<'_> {
    let Some(rest) = text.strip_prefix(r#"{"type":""#) else {
        return ServerFrame::Other;
    };
    if rest.starts_with(r#"message""#) {
        match string_member(rest, "content") {
            Some(content) => ServerFrame::Message { content },
            None => ServerFrame::Other,
        }
    } else if rest.starts_with(r#"userList""#) {
        ServerFrame::UserList
    } else if rest.starts_with(r#"pong""#) {
        ServerFrame::Pong
    } else if rest.starts_with(r#"error""#) {
        ServerFrame::Error {
            code: string_member(rest, "code").unwrap_or("?"),
        }
    } else {
        ServerFrame::Other
    }
}

/// The value of the first string member `name` in `text`, up to the next quote (the values read
/// here, content and error codes, never contain escapes).
pub fn string_member<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(r#""{name}":""#);
    let start = text.find(&key)? + key.len();
    let value = text.get(start..)?;
    value.find('"').and_then(|end| value.get(..end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_frames_are_what_the_spec_shows() {
        assert_eq!(
            join("r1", "u1"),
            r#"{"type":"join","data":{"room":"r1","user":{"id":"u1","name":"bench u1","avatar":null}}}"#
        );
        assert_eq!(
            message("QUJD"),
            r#"{"type":"message","data":{"content":"QUJD"}}"#
        );
    }

    #[test]
    fn a_delivered_message_yields_its_content() {
        let frame = r#"{"type":"message","id":"0b6c4f3e-8a5d-4c1e-9f2a-1d3e5f7a9b0c","user":{"id":"u1","name":"bench u1","avatar":null},"content":"QUJD+/=","timestamp":"2025-01-06T12:00:00.000Z"}"#;
        assert_eq!(classify(frame), ServerFrame::Message { content: "QUJD+/=" });
    }

    #[test]
    fn errors_yield_their_code() {
        let frame = r#"{"type":"error","code":"RATE_LIMITED","message":"Too many messages"}"#;
        assert_eq!(
            classify(frame),
            ServerFrame::Error {
                code: "RATE_LIMITED"
            }
        );
    }

    #[test]
    fn presence_and_pong_are_told_apart() {
        assert_eq!(classify(r#"{"type":"pong"}"#), ServerFrame::Pong);
        assert_eq!(
            classify(r#"{"type":"userList","users":[]}"#),
            ServerFrame::UserList
        );
        assert_eq!(
            classify(r#"{"type":"userJoined","user":{"id":"u","name":"n","avatar":null}}"#),
            ServerFrame::Other
        );
        assert_eq!(classify("not json"), ServerFrame::Other);
    }
}
