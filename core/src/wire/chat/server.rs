//! Server → client messages (`conformance/spec/chat.md` §3), written byte for byte as the spec
//! shows them: serde writes a struct's members in declaration order, the `type` tag first, and
//! `serde_json`'s compact form has no spaces.

use serde::Serialize;

use super::{ChatUser, ErrorCode, MessageId, Timestamp};

/// One message the server sends. Variant and field names are §3's, in §3's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum ServerMessage {
    Pong,
    UserJoined {
        user: ChatUser,
    },
    UserLeft {
        user_id: String,
    },
    UserList {
        users: Vec<ChatUser>,
    },
    Message {
        id: MessageId,
        user: ChatUser,
        content: String,
        timestamp: Timestamp,
    },
    UserTyping {
        user: ChatUser,
        is_typing: bool,
    },
    Reaction {
        message_id: String,
        user: ChatUser,
        emoji: String,
    },
    /// Written as `code` and `message` members (§6's text for the code).
    Error {
        #[serde(flatten)]
        code: ErrorCode,
    },
}

impl ServerMessage {
    /// The text frame's payload.
    pub fn encode(&self) -> String {
        // Strings, bools and sequences of structs with string keys: serde_json cannot fail on
        // them, so the empty fallback is never taken.
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl From<ErrorCode> for ServerMessage {
    fn from(code: ErrorCode) -> Self {
        ServerMessage::Error { code }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ada() -> ChatUser {
        ChatUser {
            id: "user-id".to_owned(),
            name: "User Name".to_owned(),
            avatar: None,
        }
    }

    #[test]
    fn pong_is_its_type_alone() {
        assert_eq!(ServerMessage::Pong.encode(), r#"{"type":"pong"}"#);
    }

    #[test]
    fn user_joined_writes_a_null_avatar() {
        assert_eq!(
            ServerMessage::UserJoined { user: ada() }.encode(),
            r#"{"type":"userJoined","user":{"id":"user-id","name":"User Name","avatar":null}}"#
        );
    }

    #[test]
    fn user_joined_writes_a_string_avatar() {
        let user = ChatUser {
            avatar: Some("https://a/b.png".to_owned()),
            ..ada()
        };
        assert_eq!(
            ServerMessage::UserJoined { user }.encode(),
            r#"{"type":"userJoined","user":{"id":"user-id","name":"User Name","avatar":"https://a/b.png"}}"#
        );
    }

    #[test]
    fn user_left_names_the_user_id() {
        let message = ServerMessage::UserLeft {
            user_id: "user-id".to_owned(),
        };
        assert_eq!(
            message.encode(),
            r#"{"type":"userLeft","userId":"user-id"}"#
        );
    }

    #[test]
    fn user_list_writes_users_in_order() {
        let bob = ChatUser {
            id: "b".to_owned(),
            name: "Bob".to_owned(),
            avatar: Some("x".to_owned()),
        };
        let message = ServerMessage::UserList {
            users: vec![ada(), bob],
        };
        assert_eq!(
            message.encode(),
            r#"{"type":"userList","users":[{"id":"user-id","name":"User Name","avatar":null},{"id":"b","name":"Bob","avatar":"x"}]}"#
        );
    }

    #[test]
    fn an_empty_user_list_is_an_empty_array() {
        let message = ServerMessage::UserList { users: vec![] };
        assert_eq!(message.encode(), r#"{"type":"userList","users":[]}"#);
    }

    #[test]
    fn message_writes_id_user_content_and_timestamp() {
        let message = ServerMessage::Message {
            id: MessageId::from_random([0; 16]),
            user: ada(),
            content: "encrypted-content".to_owned(),
            timestamp: Timestamp::from_unix_millis(1_736_164_800_000),
        };
        assert_eq!(
            message.encode(),
            r#"{"type":"message","id":"00000000-0000-4000-8000-000000000000","user":{"id":"user-id","name":"User Name","avatar":null},"content":"encrypted-content","timestamp":"2025-01-06T12:00:00.000Z"}"#
        );
    }

    #[test]
    fn user_typing_writes_is_typing_as_a_bool() {
        let message = ServerMessage::UserTyping {
            user: ada(),
            is_typing: false,
        };
        assert_eq!(
            message.encode(),
            r#"{"type":"userTyping","user":{"id":"user-id","name":"User Name","avatar":null},"isTyping":false}"#
        );
    }

    #[test]
    fn reaction_writes_message_id_user_and_emoji() {
        let message = ServerMessage::Reaction {
            message_id: "msg-id".to_owned(),
            user: ada(),
            emoji: "👍".to_owned(),
        };
        assert_eq!(
            message.encode(),
            r#"{"type":"reaction","messageId":"msg-id","user":{"id":"user-id","name":"User Name","avatar":null},"emoji":"👍"}"#
        );
    }

    #[test]
    fn error_writes_the_code_and_its_exact_message() {
        assert_eq!(
            ServerMessage::from(ErrorCode::NotInRoom).encode(),
            r#"{"type":"error","code":"NOT_IN_ROOM","message":"Not in a room"}"#
        );
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let user = ChatUser {
            id: "u".to_owned(),
            name: "\"Ada\" \\ é\u{1}".to_owned(),
            avatar: None,
        };
        assert_eq!(
            ServerMessage::UserJoined { user }.encode(),
            "{\"type\":\"userJoined\",\"user\":{\"id\":\"u\",\"name\":\"\\\"Ada\\\" \\\\ é\\u0001\",\"avatar\":null}}"
        );
    }
}
