//! Client → server events (`signal.md` §5) and their decoder. It takes the data array of a
//! Socket.IO EVENT, already parsed by the framing layer, and applies §5's checks in §5's order:
//! a string event name first, a known name, the number of arguments, their JSON types, then the
//! value rules, so each refusal has one code.

use serde_json::Value;

use super::nickname::normalize_nickname;
use super::{EventError, EventErrorCode, IceCandidate, SdpType, SessionDescription};
use crate::directory::is_valid_channel_id;

/// One event a client sends, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientEvent {
    /// `join {channelID}`: enter a voice channel's room.
    Join { channel_id: String },
    /// `leave`: leave the voice channel.
    Leave,
    /// `updateNickname string`, trimmed.
    UpdateNickname(String),
    /// `updateMute boolean`.
    UpdateMute(bool),
    /// `offer`: a description of type `offer`, for the SFU.
    Offer(SessionDescription),
    /// `answer`: a description of type `answer` or `pranswer`, for the SFU.
    Answer(SessionDescription),
    /// `ice-candidate`, for the SFU.
    IceCandidate(IceCandidate),
}

impl ClientEvent {
    /// The event's name on the wire, for logs and per-event rate limiting.
    pub fn name(&self) -> &'static str {
        match self {
            ClientEvent::Join { .. } => "join",
            ClientEvent::Leave => "leave",
            ClientEvent::UpdateNickname(_) => "updateNickname",
            ClientEvent::UpdateMute(_) => "updateMute",
            ClientEvent::Offer(_) => "offer",
            ClientEvent::Answer(_) => "answer",
            ClientEvent::IceCandidate(_) => "ice-candidate",
        }
    }
}

/// Decodes an EVENT's data array `[name, ...args]`. Every array gives an event or exactly one
/// error. Members of object arguments that §5 does not list are ignored, as the Node original
/// ignored them.
pub fn decode_client_event(data: Vec<Value>) -> Result<ClientEvent, EventError> {
    let mut data = data.into_iter();
    let Some(Value::String(name)) = data.next() else {
        return Err(EventError::new(
            EventErrorCode::InvalidEvent,
            "the data array does not start with a string event name",
        ));
    };
    let args: Vec<Value> = data.collect();
    match name.as_str() {
        "join" => join(single(args, "join takes one argument")?),
        "leave" => leave(&args),
        "updateNickname" => update_nickname(single(args, "updateNickname takes one argument")?),
        "updateMute" => match single(args, "updateMute takes one argument")? {
            Value::Bool(muted) => Ok(ClientEvent::UpdateMute(muted)),
            _ => Err(invalid_payload("updateMute's argument is not a boolean")),
        },
        "offer" => {
            let description = SessionDescription::parse(single(args, "offer takes one argument")?)?;
            if description.kind() != SdpType::Offer {
                return Err(EventError::new(
                    EventErrorCode::InvalidDescription,
                    "offer's description is not of type offer",
                ));
            }
            Ok(ClientEvent::Offer(description))
        }
        "answer" => {
            let description =
                SessionDescription::parse(single(args, "answer takes one argument")?)?;
            if !matches!(description.kind(), SdpType::Answer | SdpType::Pranswer) {
                return Err(EventError::new(
                    EventErrorCode::InvalidDescription,
                    "answer's description is not of type answer or pranswer",
                ));
            }
            Ok(ClientEvent::Answer(description))
        }
        "ice-candidate" => Ok(ClientEvent::IceCandidate(IceCandidate::parse(single(
            args,
            "ice-candidate takes one argument",
        )?)?)),
        _ => Err(EventError::new(
            EventErrorCode::UnknownEvent,
            "not a client event of section 5",
        )),
    }
}

fn join(argument: Value) -> Result<ClientEvent, EventError> {
    let Value::Object(mut object) = argument else {
        return Err(invalid_payload("join's argument is not an object"));
    };
    let Some(Value::String(channel_id)) = object.remove("channelID") else {
        return Err(invalid_payload(
            "join's channelID is missing or not a string",
        ));
    };
    if !is_valid_channel_id(&channel_id) {
        return Err(EventError::new(
            EventErrorCode::InvalidChannel,
            "channelID is not 1–16 printable ASCII characters without spaces",
        ));
    }
    Ok(ClientEvent::Join { channel_id })
}

/// `socket.emit("leave")`, `emit("leave", {})` and `emit("leave", undefined)` (sent as `null`).
fn leave(args: &[Value]) -> Result<ClientEvent, EventError> {
    match args {
        [] | [Value::Null | Value::Object(_)] => Ok(ClientEvent::Leave),
        _ => Err(invalid_payload("leave takes nothing, null or one object")),
    }
}

fn update_nickname(argument: Value) -> Result<ClientEvent, EventError> {
    let Value::String(requested) = argument else {
        return Err(invalid_payload("updateNickname's argument is not a string"));
    };
    match normalize_nickname(&requested) {
        Some(nickname) => Ok(ClientEvent::UpdateNickname(nickname.to_owned())),
        None => Err(EventError::new(
            EventErrorCode::InvalidNickname,
            "the nickname is empty or longer than 50 characters after trimming, or has control characters",
        )),
    }
}

/// The one argument of an event that takes exactly one.
fn single(args: Vec<Value>, detail: &'static str) -> Result<Value, EventError> {
    let mut args = args.into_iter();
    match (args.next(), args.next()) {
        (Some(argument), None) => Ok(argument),
        _ => Err(invalid_payload(detail)),
    }
}

fn invalid_payload(detail: &'static str) -> EventError {
    EventError::new(EventErrorCode::InvalidPayload, detail)
}
