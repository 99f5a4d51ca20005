//! The SFU link's messages (`signal.md` §8): one JSON object per WebSocket text frame, `type`
//! first. hark encodes what it sends ([`ToSfu`]) and decodes what the SFU sends ([`FromSfu`]);
//! the stand-in SFU of the tests does the reverse with the same types. Descriptions and
//! candidates are §5's validated values, so the SFU receives exactly what a client would and a
//! client exactly what §5.1 lets through.
//!
//! serde_json keeps no member order for maps, so messages are written from structs whose
//! declaration order is the spec's member order.

mod decode;

use serde::Serialize;

pub use decode::{SfuError, decode_from_sfu};

use super::events::{IceCandidate, SessionDescription};

/// The longest `streamID`, in bytes (§8.4): a `MediaStream` id is a UUID in browsers.
pub const MAX_STREAM_ID_BYTES: usize = 256;

/// A message hark sends to the SFU (§8.2, §8.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum ToSfu {
    /// The first message on a new link: `SERVER_TOKEN` and `SERVER_NAME`.
    Hello { token: String, server: String },
    /// A connection entered a room.
    Join {
        #[serde(rename = "roomID")]
        room_id: String,
        #[serde(rename = "peerID")]
        peer_id: String,
        #[serde(rename = "userID")]
        user_id: String,
    },
    /// An announced connection left its room.
    Leave {
        #[serde(rename = "roomID")]
        room_id: String,
        #[serde(rename = "peerID")]
        peer_id: String,
    },
    Offer {
        #[serde(rename = "peerID")]
        peer_id: String,
        description: SessionDescription,
    },
    Answer {
        #[serde(rename = "peerID")]
        peer_id: String,
        description: SessionDescription,
    },
    IceCandidate {
        #[serde(rename = "peerID")]
        peer_id: String,
        candidate: IceCandidate,
    },
}

impl ToSfu {
    /// The message as one compact JSON text.
    pub fn encode(&self) -> String {
        encode(self)
    }
}

/// A message the SFU sends to hark (§8.2, §8.4), validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum FromSfu {
    /// The token was accepted: the link is up.
    Welcome,
    /// A description of type `offer` for the peer.
    Offer {
        #[serde(rename = "peerID")]
        peer_id: String,
        description: SessionDescription,
    },
    /// A description of type `answer` or `pranswer` for the peer.
    Answer {
        #[serde(rename = "peerID")]
        peer_id: String,
        description: SessionDescription,
    },
    IceCandidate {
        #[serde(rename = "peerID")]
        peer_id: String,
        candidate: IceCandidate,
    },
    /// The peer's media connection is established.
    Connected {
        #[serde(rename = "peerID")]
        peer_id: String,
    },
    /// The peer's media connection is gone; the user stays in the room.
    Disconnected {
        #[serde(rename = "peerID")]
        peer_id: String,
    },
    TrackAdded {
        #[serde(rename = "peerID")]
        peer_id: String,
        #[serde(rename = "streamID")]
        stream_id: String,
    },
    TrackRemoved {
        #[serde(rename = "peerID")]
        peer_id: String,
        #[serde(rename = "streamID")]
        stream_id: String,
    },
}

impl FromSfu {
    /// The message as one compact JSON text, as the SFU (or a stand-in) writes it.
    pub fn encode(&self) -> String {
        encode(self)
    }

    /// The peer the message is about; `None` for `welcome`.
    pub fn peer_id(&self) -> Option<&str> {
        match self {
            FromSfu::Welcome => None,
            FromSfu::Offer { peer_id, .. }
            | FromSfu::Answer { peer_id, .. }
            | FromSfu::IceCandidate { peer_id, .. }
            | FromSfu::Connected { peer_id }
            | FromSfu::Disconnected { peer_id }
            | FromSfu::TrackAdded { peer_id, .. }
            | FromSfu::TrackRemoved { peer_id, .. } => Some(peer_id),
        }
    }
}

/// Strings, integers and `null`s under string keys: serde_json cannot fail on them, so the empty
/// fallback is never taken.
fn encode(message: &impl Serialize) -> String {
    serde_json::to_string(message).unwrap_or_default()
}

#[cfg(test)]
mod tests;
