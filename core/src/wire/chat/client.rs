//! Client → server messages (`conformance/spec/chat.md` §2) and their decoder, which applies §5's
//! steps 1–2 in order: size, JSON object with a string `type`, known type, members present and
//! of the right JSON type, then §4's value rules.

use serde_json::{Map, Value};

use super::validate::{
    is_identifier, is_valid_avatar, is_valid_content, is_valid_emoji, is_valid_name,
};
use super::{ChatError, ChatUser, ErrorCode};

/// One message a client sends, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientMessage {
    Ping,
    Join { room: String, user: ChatUser },
    Leave,
    Message { content: String },
    Typing { is_typing: bool },
    Reaction { message_id: String, emoji: String },
}

/// Decodes one text frame. Members §2 does not list are ignored, as the Node original ignored
/// them; when a member appears twice the last one counts, as in `JSON.parse`.
pub fn decode_client(text: &str, max_message_size: usize) -> Result<ClientMessage, ChatError> {
    if text.len() > max_message_size {
        return Err(ChatError::new(
            ErrorCode::MessageTooLarge,
            "frame exceeds max_message_size",
        ));
    }
    let Ok(Value::Object(mut object)) = serde_json::from_str::<Value>(text) else {
        return Err(ChatError::new(ErrorCode::InvalidJson, "not a JSON object"));
    };
    let Some(Value::String(kind)) = object.remove("type") else {
        return Err(ChatError::new(ErrorCode::InvalidJson, "no string type"));
    };
    match kind.as_str() {
        "ping" => Ok(ClientMessage::Ping),
        "leave" => Ok(ClientMessage::Leave),
        "join" => join(data(object)?),
        "message" => message(data(object)?, max_message_size),
        "typing" => typing(data(object)?),
        "reaction" => reaction(data(object)?),
        _ => Err(ChatError::new(ErrorCode::UnknownType, "unknown type")),
    }
}

fn join(mut data: Map<String, Value>) -> Result<ClientMessage, ChatError> {
    let room = string(&mut data, "room", "data.room is missing or not a string")?;
    let Some(Value::Object(mut user)) = data.remove("user") else {
        return Err(malformed("data.user is missing or not an object"));
    };
    let id = string(&mut user, "id", "data.user.id is missing or not a string")?;
    let name = string(
        &mut user,
        "name",
        "data.user.name is missing or not a string",
    )?;
    let avatar = match user.remove("avatar") {
        None | Some(Value::Null) => None,
        Some(Value::String(avatar)) => Some(avatar),
        Some(_) => return Err(malformed("data.user.avatar is neither null nor a string")),
    };
    if !is_identifier(&room) {
        return Err(ChatError::new(
            ErrorCode::InvalidRoom,
            "data.room is not 1–64 bytes of A–Z a–z 0–9 _ - .",
        ));
    }
    if !is_identifier(&id) {
        return Err(ChatError::new(
            ErrorCode::InvalidUser,
            "data.user.id is not 1–64 bytes of A–Z a–z 0–9 _ - .",
        ));
    }
    if !is_valid_name(&name) {
        return Err(ChatError::new(
            ErrorCode::InvalidUser,
            "data.user.name is empty, too long, blank or has control characters",
        ));
    }
    if avatar.as_deref().is_some_and(|a| !is_valid_avatar(a)) {
        return Err(ChatError::new(
            ErrorCode::InvalidUser,
            "data.user.avatar is too long or has control characters",
        ));
    }
    Ok(ClientMessage::Join {
        room,
        user: ChatUser { id, name, avatar },
    })
}

fn message(
    mut data: Map<String, Value>,
    max_message_size: usize,
) -> Result<ClientMessage, ChatError> {
    let content = string(
        &mut data,
        "content",
        "data.content is missing or not a string",
    )?;
    if !is_valid_content(&content, max_message_size) {
        return Err(ChatError::new(
            ErrorCode::InvalidContent,
            "data.content is empty, too long or not printable ASCII",
        ));
    }
    Ok(ClientMessage::Message { content })
}

fn typing(mut data: Map<String, Value>) -> Result<ClientMessage, ChatError> {
    let Some(Value::Bool(is_typing)) = data.remove("isTyping") else {
        return Err(malformed("data.isTyping is missing or not a bool"));
    };
    Ok(ClientMessage::Typing { is_typing })
}

fn reaction(mut data: Map<String, Value>) -> Result<ClientMessage, ChatError> {
    let message_id = string(
        &mut data,
        "messageId",
        "data.messageId is missing or not a string",
    )?;
    let emoji = string(&mut data, "emoji", "data.emoji is missing or not a string")?;
    if !is_identifier(&message_id) {
        return Err(malformed(
            "data.messageId is not 1–64 bytes of A–Z a–z 0–9 _ - .",
        ));
    }
    if !is_valid_emoji(&emoji) {
        return Err(malformed(
            "data.emoji is empty, too long or has white space or control characters",
        ));
    }
    Ok(ClientMessage::Reaction { message_id, emoji })
}

/// The `data` object the types other than `ping` and `leave` require.
fn data(mut object: Map<String, Value>) -> Result<Map<String, Value>, ChatError> {
    match object.remove("data") {
        Some(Value::Object(data)) => Ok(data),
        _ => Err(malformed("data is missing or not an object")),
    }
}

fn string(
    object: &mut Map<String, Value>,
    member: &str,
    detail: &'static str,
) -> Result<String, ChatError> {
    match object.remove(member) {
        Some(Value::String(text)) => Ok(text),
        _ => Err(malformed(detail)),
    }
}

fn malformed(detail: &'static str) -> ChatError {
    ChatError::new(ErrorCode::InvalidMessage, detail)
}
