//! The `signal` service's events (`conformance/spec/signal.md` §4–§6): what the seed's tables
//! list, in the Gryt server's payload shapes, so a Socket.IO client written for it works
//! unchanged.
//!
//! Decoding is total: any EVENT data array gives a [`ClientEvent`] or exactly one [`EventError`]
//! with a stable [`EventErrorCode`]. Encoding writes §5's bytes exactly (member order, no spaces,
//! `streamID` left out when unset), because clients and conformance vectors compare them as text.
//! The Engine.IO and Socket.IO framing around both is the parent module's.

mod admission;
mod client;
mod codes;
mod error;
mod nickname;
mod room;
mod rtc;
mod server;

pub use admission::{ConnectAuth, ConnectRefusal, decode_connect_auth};
pub use client::{ClientEvent, decode_client_event};
pub use codes::EventErrorCode;
pub use error::EventError;
pub use nickname::{MAX_NICKNAME_CHARS, normalize_nickname};
pub use room::room_id;
pub use rtc::{
    IceCandidate, MAX_CANDIDATE_BYTES, MAX_ICE_TOKEN_BYTES, MAX_SDP_BYTES, SdpType,
    SessionDescription,
};
pub use server::{ChannelInfo, ChannelKind, ServerEvent, ServerInfo, UserInfo};

#[cfg(test)]
mod tests;
