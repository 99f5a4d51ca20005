//! The `voice` service's wire formats (`conformance/spec/voice.md` §2–§4, §10): length-prefixed
//! management frames on TCP and one packet per datagram on the UDP relay.
//!
//! Every field is a fixed-width big-endian integer or a length-prefixed UTF-8 string, so that a
//! client in any language reads it with `struct`-style code. The parsers are total: any bytes
//! give a frame (or packet), "incomplete" (frames only), or exactly one error, found by the spec's
//! checks in the spec's order — so conformance vectors can name the error.
//!
//! ```text
//! frame:    u16 length · u8 type · fields          (length = 1 + fields, 1..=max_frame_len)
//! datagram: u8 type · fields                       (at most max_datagram_size bytes)
//! ```

mod codes;
mod datagram;
mod decoder;
mod encode;
mod error;
mod frame;
mod parse;
mod token;

pub use codes::ErrorCode;
pub use datagram::{AuthStatus, PacketType, VoicePacket, parse_datagram};
pub use decoder::FrameDecoder;
pub use error::{DatagramError, EncodeError, FrameError};
pub use frame::{Frame, FrameType, Participant};
pub use parse::parse_frame;
pub use token::VoiceToken;

/// The protocol version a `LoginRequest` carries (§3.1).
pub const PROTOCOL_VERSION: u8 = 1;
/// The default limit on a client's frame body (§3).
pub const DEFAULT_MAX_FRAME_LEN: usize = 4096;
/// The default limit on a datagram (§4).
pub const DEFAULT_MAX_DATAGRAM_SIZE: usize = 1200;
/// The u16 length prefix in front of every frame body.
pub const FRAME_HEADER_LEN: usize = 2;

#[cfg(test)]
mod tests;
