//! The `chat` service's wire format (`conformance/spec/chat.md` §2–§4, §6): one JSON object per
//! WebSocket text frame, in the shape the Node.js original used, so its clients work unchanged.
//!
//! Decoding is total: any text gives a [`ClientMessage`] or exactly one [`ChatError`], found by
//! §5's checks in §5's order, so the server can answer with the error code the spec names.
//! Encoding writes §3's bytes exactly (member order, no spaces, `avatar` always present), because
//! clients and conformance vectors compare them as text.

mod client;
mod codes;
mod error;
mod message_id;
mod server;
mod timestamp;
mod user;
mod validate;

pub use client::{ClientMessage, decode_client};
pub use codes::ErrorCode;
pub use error::ChatError;
pub use message_id::MessageId;
pub use server::ServerMessage;
pub use timestamp::Timestamp;
pub use user::ChatUser;
pub use validate::is_valid_content;

/// The default limit on a frame and on a message's content, in bytes (§4, §9).
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 10240;

#[cfg(test)]
mod tests;
