//! The `signal` service's wire formats (signal.md §1–§3): Socket.IO v4 as `socket.io-client`
//! speaks it with `transports: ['websocket']`. Three layers, each total (any input gives a value
//! or exactly one typed error, never a panic) and each encoding byte for byte as the Node
//! libraries do, because conformance vectors compare text:
//!
//! - [`decide_handshake`]: the `GET /socket.io/?EIO=4&transport=websocket` request, or engine.io's
//!   JSON error for the others (§1);
//! - [`EnginePacket`]: Engine.IO v4, one packet per WebSocket text frame (§2);
//! - [`SocketPacket`]: Socket.IO v5, the text inside an Engine.IO message (§3).

mod engine;
mod error;
pub mod events;
mod handshake;
pub mod sfu;
mod socketio;

pub use engine::{EngineFrame, EnginePacket, OpenInfo, decode_engine};
pub use error::{EngineError, SocketError};
pub use events::{ClientEvent, ServerEvent, decode_client_event};
pub use handshake::{
    CorsOrigins, EmptyCorsOrigins, HandshakeDecision, HandshakeError, HandshakeRequest,
    decide_handshake,
};
pub use socketio::{MAX_ATTACHMENTS, Namespace, PacketKind, SocketPacket, decode_socket};

/// engine.io's default `pingInterval`, in milliseconds (§2).
pub const DEFAULT_PING_INTERVAL_MS: u64 = 25_000;
/// engine.io's default `pingTimeout`, in milliseconds (§2).
pub const DEFAULT_PING_TIMEOUT_MS: u64 = 20_000;
/// engine.io's default `maxHttpBufferSize`, announced as `maxPayload`: the largest frame, in
/// bytes (§2).
pub const DEFAULT_MAX_PAYLOAD: usize = 1_000_000;

#[cfg(test)]
mod tests;
