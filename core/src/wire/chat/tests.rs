//! `decode_client` against `conformance/spec/chat.md` §2, §4 and §5 steps 1–2: the seed's
//! examples decode, and each refusal gives its code, in the spec's order.

use super::*;

const MAX: usize = DEFAULT_MAX_MESSAGE_SIZE;

fn decode(text: &str) -> Result<ClientMessage, ChatError> {
    decode_client(text, MAX)
}

fn code(text: &str) -> ErrorCode {
    decode(text).unwrap_err().code
}

fn join_with_user(user: &str) -> String {
    format!(r#"{{"type":"join","data":{{"room":"r","user":{user}}}}}"#)
}

#[test]
fn the_seed_s_ping_decodes() {
    assert_eq!(decode(r#"{"type": "ping"}"#), Ok(ClientMessage::Ping));
}

#[test]
fn the_seed_s_join_decodes() {
    let text = r#"{"type": "join", "data": {"room": "room-name", "user": {"id": "user-id", "name": "User Name", "avatar": null}}}"#;
    assert_eq!(
        decode(text),
        Ok(ClientMessage::Join {
            room: "room-name".to_owned(),
            user: ChatUser {
                id: "user-id".to_owned(),
                name: "User Name".to_owned(),
                avatar: None,
            },
        })
    );
}

#[test]
fn the_seed_s_leave_decodes() {
    assert_eq!(decode(r#"{"type": "leave"}"#), Ok(ClientMessage::Leave));
}

#[test]
fn the_seed_s_message_decodes() {
    let text = r#"{"type": "message", "data": {"content": "encrypted-message-content"}}"#;
    assert_eq!(
        decode(text),
        Ok(ClientMessage::Message {
            content: "encrypted-message-content".to_owned()
        })
    );
}

#[test]
fn the_seed_s_typing_decodes() {
    let text = r#"{"type": "typing", "data": {"isTyping": true}}"#;
    assert_eq!(decode(text), Ok(ClientMessage::Typing { is_typing: true }));
}

#[test]
fn the_seed_s_reaction_decodes() {
    let text = r#"{"type": "reaction", "data": {"messageId": "msg-id", "emoji": "👍"}}"#;
    assert_eq!(
        decode(text),
        Ok(ClientMessage::Reaction {
            message_id: "msg-id".to_owned(),
            emoji: "👍".to_owned()
        })
    );
}

#[test]
fn an_absent_avatar_is_none_and_a_string_avatar_is_kept() {
    let absent = decode(&join_with_user(r#"{"id":"u","name":"N"}"#)).unwrap();
    let ClientMessage::Join { user, .. } = absent else {
        panic!("{absent:?}")
    };
    assert_eq!(user.avatar, None);
    let given = decode(&join_with_user(r#"{"id":"u","name":"N","avatar":"a.png"}"#)).unwrap();
    let ClientMessage::Join { user, .. } = given else {
        panic!("{given:?}")
    };
    assert_eq!(user.avatar.as_deref(), Some("a.png"));
}

#[test]
fn unknown_members_are_ignored() {
    let text = r#"{"type":"typing","id":7,"data":{"isTyping":false,"room":"x"},"extra":[1]}"#;
    assert_eq!(decode(text), Ok(ClientMessage::Typing { is_typing: false }));
}

#[test]
fn ping_and_leave_ignore_any_data() {
    assert_eq!(
        decode(r#"{"type":"ping","data":5}"#),
        Ok(ClientMessage::Ping)
    );
    assert_eq!(
        decode(r#"{"type":"leave","data":null}"#),
        Ok(ClientMessage::Leave)
    );
}

#[test]
fn a_frame_of_exactly_the_limit_is_accepted() {
    let text = r#"{"type":"ping"}"#;
    assert_eq!(decode_client(text, text.len()), Ok(ClientMessage::Ping));
}

#[test]
fn a_frame_over_the_limit_is_too_large_before_anything_else() {
    let text = "not json at all";
    assert_eq!(
        decode_client(text, text.len() - 1).unwrap_err().code,
        ErrorCode::MessageTooLarge
    );
}

#[test]
fn text_that_is_not_json_is_invalid_json() {
    assert_eq!(code("{\"type\":"), ErrorCode::InvalidJson);
    assert_eq!(code(""), ErrorCode::InvalidJson);
}

#[test]
fn json_that_is_not_an_object_is_invalid_json() {
    assert_eq!(code(r#"["ping"]"#), ErrorCode::InvalidJson);
    assert_eq!(code(r#""ping""#), ErrorCode::InvalidJson);
    assert_eq!(code("null"), ErrorCode::InvalidJson);
}

#[test]
fn an_object_without_a_string_type_is_invalid_json() {
    assert_eq!(code("{}"), ErrorCode::InvalidJson);
    assert_eq!(code(r#"{"type":1}"#), ErrorCode::InvalidJson);
    assert_eq!(code(r#"{"type":null,"data":{}}"#), ErrorCode::InvalidJson);
}

#[test]
fn a_type_not_in_section_2_is_unknown() {
    assert_eq!(code(r#"{"type":"pong"}"#), ErrorCode::UnknownType);
    assert_eq!(code(r#"{"type":"Ping"}"#), ErrorCode::UnknownType);
}

#[test]
fn the_type_is_checked_before_the_data() {
    assert_eq!(code(r#"{"type":"shout","data":1}"#), ErrorCode::UnknownType);
}

#[test]
fn a_missing_or_non_object_data_is_invalid_message() {
    assert_eq!(code(r#"{"type":"join"}"#), ErrorCode::InvalidMessage);
    assert_eq!(
        code(r#"{"type":"message","data":"x"}"#),
        ErrorCode::InvalidMessage
    );
    assert_eq!(
        code(r#"{"type":"typing","data":[]}"#),
        ErrorCode::InvalidMessage
    );
    assert_eq!(
        code(r#"{"type":"reaction","data":null}"#),
        ErrorCode::InvalidMessage
    );
}

#[test]
fn a_mistyped_join_member_is_invalid_message() {
    assert_eq!(
        code(r#"{"type":"join","data":{"room":1,"user":{"id":"u","name":"N"}}}"#),
        ErrorCode::InvalidMessage
    );
    assert_eq!(
        code(r#"{"type":"join","data":{"room":"r"}}"#),
        ErrorCode::InvalidMessage
    );
    assert_eq!(code(&join_with_user(r#""u""#)), ErrorCode::InvalidMessage);
    assert_eq!(
        code(&join_with_user(r#"{"name":"N"}"#)),
        ErrorCode::InvalidMessage
    );
    assert_eq!(
        code(&join_with_user(r#"{"id":"u","name":5}"#)),
        ErrorCode::InvalidMessage
    );
    assert_eq!(
        code(&join_with_user(r#"{"id":"u","name":"N","avatar":1}"#)),
        ErrorCode::InvalidMessage
    );
}

#[test]
fn members_are_checked_for_shape_before_values() {
    let text = r#"{"type":"join","data":{"room":"bad room","user":{"id":"u"}}}"#;
    assert_eq!(code(text), ErrorCode::InvalidMessage);
}

#[test]
fn a_bad_room_name_is_invalid_room() {
    let text = r#"{"type":"join","data":{"room":"","user":{"id":"u","name":"N"}}}"#;
    assert_eq!(code(text), ErrorCode::InvalidRoom);
}

#[test]
fn the_room_is_checked_before_the_user() {
    let text = r#"{"type":"join","data":{"room":"a b","user":{"id":"","name":""}}}"#;
    assert_eq!(code(text), ErrorCode::InvalidRoom);
}

#[test]
fn a_bad_user_id_is_invalid_user() {
    assert_eq!(
        code(&join_with_user(r#"{"id":"u/1","name":"N"}"#)),
        ErrorCode::InvalidUser
    );
}

#[test]
fn a_blank_user_name_is_invalid_user() {
    assert_eq!(
        code(&join_with_user(r#"{"id":"u","name":"  "}"#)),
        ErrorCode::InvalidUser
    );
}

#[test]
fn an_avatar_with_control_characters_is_invalid_user() {
    let user = r#"{"id":"u","name":"N","avatar":"a\u0000"}"#;
    assert_eq!(code(&join_with_user(user)), ErrorCode::InvalidUser);
}

#[test]
fn a_missing_or_non_string_content_is_invalid_message() {
    assert_eq!(
        code(r#"{"type":"message","data":{}}"#),
        ErrorCode::InvalidMessage
    );
    assert_eq!(
        code(r#"{"type":"message","data":{"content":["x"]}}"#),
        ErrorCode::InvalidMessage
    );
}

#[test]
fn empty_or_plaintext_content_is_invalid_content() {
    assert_eq!(
        code(r#"{"type":"message","data":{"content":""}}"#),
        ErrorCode::InvalidContent
    );
    assert_eq!(
        code(r#"{"type":"message","data":{"content":"hello\nworld"}}"#),
        ErrorCode::InvalidContent
    );
    assert_eq!(
        code(r#"{"type":"message","data":{"content":"grüße"}}"#),
        ErrorCode::InvalidContent
    );
}

#[test]
fn a_json_ciphertext_envelope_is_valid_content() {
    let text = r#"{"type":"message","data":{"content":"{\"iv\":\"AAEC\",\"ct\":\"3q2+7w==\"}"}}"#;
    assert_eq!(
        decode(text),
        Ok(ClientMessage::Message {
            content: r#"{"iv":"AAEC","ct":"3q2+7w=="}"#.to_owned()
        })
    );
}

#[test]
fn is_typing_that_is_not_a_bool_is_invalid_message() {
    assert_eq!(
        code(r#"{"type":"typing","data":{"isTyping":1}}"#),
        ErrorCode::InvalidMessage
    );
    assert_eq!(
        code(r#"{"type":"typing","data":{}}"#),
        ErrorCode::InvalidMessage
    );
}

#[test]
fn a_missing_or_mistyped_reaction_member_is_invalid_message() {
    assert_eq!(
        code(r#"{"type":"reaction","data":{"emoji":"👍"}}"#),
        ErrorCode::InvalidMessage
    );
    assert_eq!(
        code(r#"{"type":"reaction","data":{"messageId":"m","emoji":true}}"#),
        ErrorCode::InvalidMessage
    );
}

#[test]
fn a_bad_message_id_or_emoji_is_invalid_message() {
    assert_eq!(
        code(r#"{"type":"reaction","data":{"messageId":"m 1","emoji":"👍"}}"#),
        ErrorCode::InvalidMessage
    );
    assert_eq!(
        code(r#"{"type":"reaction","data":{"messageId":"m","emoji":" "}}"#),
        ErrorCode::InvalidMessage
    );
}

#[test]
fn a_repeated_member_counts_once_the_last_time() {
    let text = r#"{"type":"ping","type":"leave"}"#;
    assert_eq!(decode(text), Ok(ClientMessage::Leave));
}

#[test]
fn deeply_nested_json_is_refused_without_overflowing_the_stack() {
    let text = format!(
        r#"{{"type":"ping","x":{}{}}}"#,
        "[".repeat(5000),
        "]".repeat(5000)
    );
    assert_eq!(decode(&text).unwrap_err().code, ErrorCode::InvalidJson);
}
