//! The decoder of the SFU's messages (`signal.md` §8.4, §8.5): total, one [`FromSfu`] or exactly
//! one [`SfuError`] for any text. Members are read as §5.1 reads a client's; members §8.4 does not
//! list are ignored.

use serde_json::{Map, Value};

use super::{FromSfu, MAX_STREAM_ID_BYTES};
use crate::wire::signal::events::{
    EventError, EventErrorCode, IceCandidate, SdpType, SessionDescription,
};

/// Why a text frame from the SFU is not a message of §8.4. Every one is a protocol error (§8.5):
/// counted and ignored on an up link, the end of the link before `welcome`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SfuError {
    #[error("a frame of {len} bytes exceeds max_payload {max}")]
    TooLarge { len: usize, max: usize },
    #[error("the frame is not one JSON value")]
    InvalidJson,
    #[error("the message is not a JSON object")]
    NotAnObject,
    #[error("the message has no string type")]
    MissingType,
    #[error("the message's type is not one of section 8.4")]
    UnknownType,
    #[error("peerID is missing or not a string")]
    InvalidPeerId,
    #[error("streamID is missing, not a string, empty or longer than 256 bytes")]
    InvalidStreamId,
    #[error("invalid description: {0}")]
    InvalidDescription(EventError),
    #[error("invalid candidate: {0}")]
    InvalidCandidate(EventError),
}

impl SfuError {
    /// The stable name used by logs, events and tests.
    pub fn kind(&self) -> &'static str {
        match self {
            SfuError::TooLarge { .. } => "too_large",
            SfuError::InvalidJson => "invalid_json",
            SfuError::NotAnObject => "not_an_object",
            SfuError::MissingType => "missing_type",
            SfuError::UnknownType => "unknown_type",
            SfuError::InvalidPeerId => "invalid_peer_id",
            SfuError::InvalidStreamId => "invalid_stream_id",
            SfuError::InvalidDescription(_) => "invalid_description",
            SfuError::InvalidCandidate(_) => "invalid_candidate",
        }
    }
}

/// Decodes one text frame from the SFU; a frame longer than `max_payload` bytes is refused
/// before it is read.
pub fn decode_from_sfu(text: &str, max_payload: usize) -> Result<FromSfu, SfuError> {
    if text.len() > max_payload {
        return Err(SfuError::TooLarge {
            len: text.len(),
            max: max_payload,
        });
    }
    let value: Value = serde_json::from_str(text).map_err(|_| SfuError::InvalidJson)?;
    let Value::Object(mut object) = value else {
        return Err(SfuError::NotAnObject);
    };
    let Some(Value::String(kind)) = object.remove("type") else {
        return Err(SfuError::MissingType);
    };
    match kind.as_str() {
        "welcome" => Ok(FromSfu::Welcome),
        "offer" => Ok(FromSfu::Offer {
            peer_id: peer_id(&mut object)?,
            description: description(&mut object, |kind| kind == SdpType::Offer)?,
        }),
        "answer" => Ok(FromSfu::Answer {
            peer_id: peer_id(&mut object)?,
            description: description(&mut object, |kind| {
                matches!(kind, SdpType::Answer | SdpType::Pranswer)
            })?,
        }),
        "ice-candidate" => Ok(FromSfu::IceCandidate {
            peer_id: peer_id(&mut object)?,
            candidate: IceCandidate::parse(object.remove("candidate").unwrap_or(Value::Null))
                .map_err(SfuError::InvalidCandidate)?,
        }),
        "connected" => Ok(FromSfu::Connected {
            peer_id: peer_id(&mut object)?,
        }),
        "disconnected" => Ok(FromSfu::Disconnected {
            peer_id: peer_id(&mut object)?,
        }),
        "track-added" => Ok(FromSfu::TrackAdded {
            peer_id: peer_id(&mut object)?,
            stream_id: stream_id(&mut object)?,
        }),
        "track-removed" => Ok(FromSfu::TrackRemoved {
            peer_id: peer_id(&mut object)?,
            stream_id: stream_id(&mut object)?,
        }),
        _ => Err(SfuError::UnknownType),
    }
}

fn peer_id(object: &mut Map<String, Value>) -> Result<String, SfuError> {
    match object.remove("peerID") {
        Some(Value::String(peer)) => Ok(peer),
        _ => Err(SfuError::InvalidPeerId),
    }
}

fn stream_id(object: &mut Map<String, Value>) -> Result<String, SfuError> {
    match object.remove("streamID") {
        Some(Value::String(stream))
            if !stream.is_empty() && stream.len() <= MAX_STREAM_ID_BYTES =>
        {
            Ok(stream)
        }
        _ => Err(SfuError::InvalidStreamId),
    }
}

/// §5.1 step 5's description, of a type `allowed` accepts for this message.
fn description(
    object: &mut Map<String, Value>,
    allowed: impl Fn(SdpType) -> bool,
) -> Result<SessionDescription, SfuError> {
    let description =
        SessionDescription::parse(object.remove("description").unwrap_or(Value::Null))
            .map_err(SfuError::InvalidDescription)?;
    if !allowed(description.kind()) {
        return Err(SfuError::InvalidDescription(EventError::new(
            EventErrorCode::InvalidDescription,
            "the description's type does not fit the message",
        )));
    }
    Ok(description)
}
