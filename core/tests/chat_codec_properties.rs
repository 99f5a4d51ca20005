//! Properties of the chat wire codec (`conformance/spec/chat.md` §2–§4, §6): the decoder is total
//! (any text gives a message or one error, never a panic, and size is checked first); every valid
//! client message, written as JSON with its members sorted (`data` before `type`) and an extra
//! member, decodes to itself; every server message encodes to JSON holding exactly its values;
//! message ids are v4 UUIDs; and content validation accepts exactly non-empty printable ASCII
//! within the limit.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use hark_core::wire::chat::{
    ChatUser, ClientMessage, ErrorCode, MessageId, ServerMessage, Timestamp, decode_client,
    is_valid_content,
};
use quickcheck::{Arbitrary, Gen, QuickCheck, TestResult};
use serde_json::{Value, json};

const IDENTIFIER_BYTES: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.";

fn up_to(g: &mut Gen, max: usize) -> usize {
    usize::arbitrary(g) % (max + 1)
}

fn identifier(g: &mut Gen) -> String {
    let len = 1 + up_to(g, 63);
    (0..len)
        .map(|_| char::from(*g.choose(IDENTIFIER_BYTES).unwrap()))
        .collect()
}

fn printable_ascii(g: &mut Gen, len: usize) -> String {
    (0..len)
        .map(|_| char::from(0x20 + u8::arbitrary(g) % 0x5f))
        .collect()
}

/// Characters §4 allows in names and avatars: anything but Cc controls.
fn non_control(g: &mut Gen) -> char {
    loop {
        let c = char::arbitrary(g);
        if !c.is_control() {
            return c;
        }
    }
}

fn name(g: &mut Gen) -> String {
    let len = up_to(g, 63);
    let mut name: String = (0..len).map(|_| non_control(g)).collect();
    name.push(*g.choose(&['A', 'é', '名', '👍']).unwrap());
    name
}

fn avatar(g: &mut Gen) -> Option<String> {
    bool::arbitrary(g).then(|| {
        let mut avatar = String::new();
        for _ in 0..up_to(g, 64) {
            let c = non_control(g);
            if avatar.len() + c.len_utf8() > 2048 {
                break;
            }
            avatar.push(c);
        }
        avatar
    })
}

fn emoji(g: &mut Gen) -> String {
    let mut emoji = String::from("👍");
    for _ in 0..up_to(g, 6) {
        let c = non_control(g);
        if !c.is_whitespace() && emoji.len() + c.len_utf8() <= 32 {
            emoji.push(c);
        }
    }
    emoji
}

fn user(g: &mut Gen) -> ChatUser {
    ChatUser {
        id: identifier(g),
        name: name(g),
        avatar: avatar(g),
    }
}

fn user_json(user: &ChatUser) -> Value {
    json!({"id": user.id, "name": user.name, "avatar": user.avatar})
}

/// A client message §4 accepts, and the JSON object a client writes for it, with extra members
/// that the decoder must ignore.
#[derive(Debug, Clone)]
struct ValidClient {
    message: ClientMessage,
    json: Value,
}

impl Arbitrary for ValidClient {
    fn arbitrary(g: &mut Gen) -> Self {
        let (message, mut json) = match u8::arbitrary(g) % 6 {
            0 => (ClientMessage::Ping, json!({"type": "ping"})),
            1 => (ClientMessage::Leave, json!({"type": "leave"})),
            2 => {
                let room = identifier(g);
                let user = user(g);
                let mut user_member = user_json(&user);
                if user.avatar.is_none() && bool::arbitrary(g) {
                    user_member.as_object_mut().unwrap().remove("avatar");
                }
                let json = json!({"type": "join", "data": {"room": room, "user": user_member}});
                (ClientMessage::Join { room, user }, json)
            }
            3 => {
                let len = 1 + up_to(g, 200);
                let content = printable_ascii(g, len);
                let json = json!({"type": "message", "data": {"content": content}});
                (ClientMessage::Message { content }, json)
            }
            4 => {
                let is_typing = bool::arbitrary(g);
                let json = json!({"type": "typing", "data": {"isTyping": is_typing}});
                (ClientMessage::Typing { is_typing }, json)
            }
            _ => {
                let message_id = identifier(g);
                let emoji = emoji(g);
                let json =
                    json!({"type": "reaction", "data": {"messageId": message_id, "emoji": emoji}});
                (ClientMessage::Reaction { message_id, emoji }, json)
            }
        };
        if bool::arbitrary(g) {
            json.as_object_mut()
                .unwrap()
                .insert("clientTime".to_owned(), json!(u32::arbitrary(g)));
        }
        ValidClient { message, json }
    }
}

/// A server message, and the JSON value §3 says it is.
#[derive(Debug, Clone)]
struct AnyServer {
    message: ServerMessage,
    json: Value,
}

impl Arbitrary for AnyServer {
    fn arbitrary(g: &mut Gen) -> Self {
        let user = user(g);
        let text = String::arbitrary(g);
        match u8::arbitrary(g) % 8 {
            0 => AnyServer {
                message: ServerMessage::Pong,
                json: json!({"type": "pong"}),
            },
            1 => AnyServer {
                json: json!({"type": "userJoined", "user": user_json(&user)}),
                message: ServerMessage::UserJoined { user },
            },
            2 => AnyServer {
                json: json!({"type": "userLeft", "userId": text}),
                message: ServerMessage::UserLeft { user_id: text },
            },
            3 => {
                let users: Vec<ChatUser> = (0..up_to(g, 5)).map(|_| user.clone()).collect();
                AnyServer {
                    json: json!({"type": "userList", "users": users.iter().map(user_json).collect::<Vec<_>>()}),
                    message: ServerMessage::UserList { users },
                }
            }
            4 => {
                let id = MessageId::from_random(std::array::from_fn(|_| u8::arbitrary(g)));
                let timestamp =
                    Timestamp::from_unix_millis(u64::arbitrary(g) % 8_640_000_000_000_000);
                AnyServer {
                    json: json!({"type": "message", "id": id.to_string(), "user": user_json(&user),
                        "content": text, "timestamp": timestamp.to_string()}),
                    message: ServerMessage::Message {
                        id,
                        user,
                        content: text,
                        timestamp,
                    },
                }
            }
            5 => {
                let is_typing = bool::arbitrary(g);
                AnyServer {
                    json: json!({"type": "userTyping", "user": user_json(&user), "isTyping": is_typing}),
                    message: ServerMessage::UserTyping { user, is_typing },
                }
            }
            6 => {
                let emoji = emoji(g);
                AnyServer {
                    json: json!({"type": "reaction", "messageId": text, "user": user_json(&user), "emoji": emoji}),
                    message: ServerMessage::Reaction {
                        message_id: text,
                        user,
                        emoji,
                    },
                }
            }
            _ => {
                let code = *g.choose(ErrorCode::ALL).unwrap();
                AnyServer {
                    json: json!({"type": "error", "code": code.code(), "message": code.message()}),
                    message: ServerMessage::Error { code },
                }
            }
        }
    }
}

fn quickcheck<A: quickcheck::Testable>(property: A) {
    QuickCheck::new().tests(2000).quickcheck(property);
}

#[test]
fn decode_never_panics_and_checks_size_first() {
    fn property(text: String, max: u16) -> bool {
        let max = usize::from(max) % 64;
        let result = decode_client(&text, max);
        let too_large = matches!(&result, Err(e) if e.code == ErrorCode::MessageTooLarge);
        too_large == (text.len() > max)
            && decode_client(&text, usize::MAX).map_or_else(|e| !e.detail.is_empty(), |_| true)
    }
    quickcheck(property as fn(String, u16) -> bool);
}

#[test]
fn decode_never_panics_on_json_shaped_text() {
    fn property(pieces: Vec<u8>) -> bool {
        const PIECES: &[&str] = &[
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            "\"type\"",
            "\"data\"",
            "\"join\"",
            "\"message\"",
            "\"reaction\"",
            "\"typing\"",
            "\"room\"",
            "\"user\"",
            "\"id\"",
            "\"name\"",
            "\"avatar\"",
            "\"content\"",
            "\"isTyping\"",
            "\"messageId\"",
            "\"emoji\"",
            "null",
            "true",
            "1",
            "\"\"",
            "\"a\"",
            "\"\\u0000\"",
        ];
        let text: String = pieces
            .iter()
            .map(|&i| PIECES[usize::from(i) % PIECES.len()])
            .collect();
        let _ = decode_client(&text, usize::MAX);
        true
    }
    quickcheck(property as fn(Vec<u8>) -> bool);
}

#[test]
fn valid_client_messages_decode_to_themselves() {
    fn property(client: ValidClient) -> bool {
        let text = serde_json::to_string(&client.json).unwrap();
        decode_client(&text, text.len()) == Ok(client.message)
    }
    quickcheck(property as fn(ValidClient) -> bool);
}

#[test]
fn server_messages_encode_to_json_holding_their_values() {
    fn property(server: AnyServer) -> bool {
        let encoded = server.message.encode();
        encoded.starts_with(r#"{"type":""#)
            && serde_json::from_str::<Value>(&encoded).unwrap() == server.json
    }
    quickcheck(property as fn(AnyServer) -> bool);
}

#[test]
fn message_ids_are_lowercase_v4_uuids() {
    fn property(bytes: Vec<u8>) -> bool {
        let id =
            MessageId::from_random(std::array::from_fn(|i| bytes.get(i).copied().unwrap_or(0)));
        let text = id.to_string();
        let groups: Vec<usize> = text.split('-').map(str::len).collect();
        groups == [8, 4, 4, 4, 12]
            && text
                .chars()
                .all(|c| matches!(c, '0'..='9' | 'a'..='f' | '-'))
            && text[14..15] == *"4"
            && matches!(&text[19..20], "8" | "9" | "a" | "b")
    }
    quickcheck(property as fn(Vec<u8>) -> bool);
}

#[test]
fn content_of_printable_ascii_within_the_limit_is_accepted() {
    fn property(len: u16, slack: u8) -> bool {
        let len = 1 + usize::from(len) % 512;
        let content = printable_ascii(&mut Gen::new(len), len);
        is_valid_content(&content, len + usize::from(slack))
    }
    quickcheck(property as fn(u16, u8) -> bool);
}

#[test]
fn content_with_any_other_character_is_refused() {
    fn property(prefix: u8, suffix: u8, c: char) -> TestResult {
        if matches!(c, ' '..='~') {
            return TestResult::discard();
        }
        let mut g = Gen::new(64);
        let content = format!(
            "{}{c}{}",
            printable_ascii(&mut g, usize::from(prefix % 32)),
            printable_ascii(&mut g, usize::from(suffix % 32))
        );
        TestResult::from_bool(!is_valid_content(&content, usize::MAX))
    }
    quickcheck(property as fn(u8, u8, char) -> TestResult);
}

#[test]
fn content_over_the_limit_or_empty_is_refused() {
    fn property(len: u16) -> bool {
        let len = usize::from(len) % 512;
        let content = printable_ascii(&mut Gen::new(len), len + 1);
        !is_valid_content(&content, len) && !is_valid_content("", len)
    }
    quickcheck(property as fn(u16) -> bool);
}
