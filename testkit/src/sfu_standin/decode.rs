//! The SFU side's decoder of hark's messages (signal.md §8.2, §8.3). hark_core encodes these
//! ([`ToSfu::encode`]) and decodes the other direction only, so the stand-in reads them here into
//! the same [`ToSfu`] type, checking descriptions and candidates with §5.1's own parsers: what
//! hark relays must be what a client may send.

use std::fmt;

use hark_core::wire::signal::events::{IceCandidate, SdpType, SessionDescription};
use hark_core::wire::signal::sfu::ToSfu;
use serde_json::{Map, Value};

/// Why a text frame from hark is not a message of §8.2/§8.3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Undecodable(pub &'static str);

impl fmt::Display for Undecodable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// Decodes one text frame hark sent to the SFU.
pub fn decode_from_hark(text: &str) -> Result<ToSfu, Undecodable> {
    let Ok(Value::Object(mut object)) = serde_json::from_str::<Value>(text) else {
        return Err(Undecodable("not a JSON object"));
    };
    let Some(Value::String(kind)) = object.remove("type") else {
        return Err(Undecodable("no string type"));
    };
    match kind.as_str() {
        "hello" => Ok(ToSfu::Hello {
            token: string(&mut object, "token")?,
            server: string(&mut object, "server")?,
        }),
        "join" => Ok(ToSfu::Join {
            room_id: string(&mut object, "roomID")?,
            peer_id: string(&mut object, "peerID")?,
            user_id: string(&mut object, "userID")?,
        }),
        "leave" => Ok(ToSfu::Leave {
            room_id: string(&mut object, "roomID")?,
            peer_id: string(&mut object, "peerID")?,
        }),
        "offer" => Ok(ToSfu::Offer {
            peer_id: string(&mut object, "peerID")?,
            description: description(&mut object, |kind| kind == SdpType::Offer)?,
        }),
        "answer" => Ok(ToSfu::Answer {
            peer_id: string(&mut object, "peerID")?,
            description: description(&mut object, |kind| {
                matches!(kind, SdpType::Answer | SdpType::Pranswer)
            })?,
        }),
        "ice-candidate" => Ok(ToSfu::IceCandidate {
            peer_id: string(&mut object, "peerID")?,
            candidate: IceCandidate::parse(object.remove("candidate").unwrap_or(Value::Null))
                .map_err(|_| Undecodable("invalid candidate"))?,
        }),
        _ => Err(Undecodable("unknown type")),
    }
}

fn string(object: &mut Map<String, Value>, member: &str) -> Result<String, Undecodable> {
    match object.remove(member) {
        Some(Value::String(value)) => Ok(value),
        _ => Err(Undecodable("a member is missing or not a string")),
    }
}

fn description(
    object: &mut Map<String, Value>,
    allowed: impl Fn(SdpType) -> bool,
) -> Result<SessionDescription, Undecodable> {
    match SessionDescription::parse(object.remove("description").unwrap_or(Value::Null)) {
        Ok(description) if allowed(description.kind()) => Ok(description),
        _ => Err(Undecodable("invalid description")),
    }
}
