//! Why a WebSocket frame is not an Engine.IO packet, or an Engine.IO message not a Socket.IO
//! packet (signal.md §2–§3). Each variant is one check of the grammar; `kind()` is its stable name
//! for conformance vectors and logs.

/// A frame that is not an Engine.IO v4 packet hark accepts (signal.md §2). Every one closes the
/// session, as engine.io closes it on a parser error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    #[error("frame of {len} bytes exceeds maxPayload {max}")]
    PayloadTooLarge { len: usize, max: usize },
    #[error("empty frame")]
    Empty,
    #[error("unknown packet type {0:?}")]
    UnknownType(char),
    #[error("binary messages are not accepted")]
    BinaryMessage,
    #[error("a {packet} packet carries no data")]
    UnexpectedData { packet: &'static str },
    #[error("the open packet's data is not the handshake object")]
    InvalidOpen,
}

impl EngineError {
    /// The stable name used by conformance vectors and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            EngineError::PayloadTooLarge { .. } => "payload_too_large",
            EngineError::Empty => "empty",
            EngineError::UnknownType(_) => "unknown_type",
            EngineError::BinaryMessage => "binary_message",
            EngineError::UnexpectedData { .. } => "unexpected_data",
            EngineError::InvalidOpen => "invalid_open",
        }
    }
}

/// An Engine.IO message that is not a Socket.IO v5 packet (signal.md §3). socket.io closes the
/// connection on every one of these; so does hark.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SocketError {
    #[error("packet of {len} bytes exceeds the maximum of {max}")]
    TooLarge { len: usize, max: usize },
    #[error("empty packet")]
    Empty,
    #[error("unknown packet type {0:?}")]
    UnknownType(char),
    #[error("attachment count is not 1–{max} digits followed by '-'", max = super::MAX_ATTACHMENTS)]
    InvalidAttachments,
    #[error("an attachment count on a packet type that has none")]
    UnexpectedAttachments,
    #[error("ack id does not fit in 64 bits")]
    AckIdOutOfRange,
    #[error("an ack id on a packet type that takes none")]
    UnexpectedAckId,
    #[error("an ACK without an ack id")]
    MissingAckId,
    #[error("namespace must start with '/' and contain no ','")]
    InvalidNamespace,
    #[error("data is not valid JSON")]
    InvalidJson,
    #[error("this packet type needs data")]
    MissingData,
    #[error("a DISCONNECT carries no data")]
    UnexpectedData,
    #[error("CONNECT data is not an object")]
    InvalidConnectData,
    #[error("CONNECT_ERROR data is neither an object nor a string")]
    InvalidConnectErrorData,
    #[error("EVENT data is not an array starting with the event name")]
    InvalidEventData,
    #[error("event name {0:?} is reserved")]
    ReservedEventName(String),
    #[error("ACK data is not an array")]
    InvalidAckData,
}

impl SocketError {
    /// The stable name used by conformance vectors and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            SocketError::TooLarge { .. } => "too_large",
            SocketError::Empty => "empty",
            SocketError::UnknownType(_) => "unknown_type",
            SocketError::InvalidAttachments => "invalid_attachments",
            SocketError::UnexpectedAttachments => "unexpected_attachments",
            SocketError::AckIdOutOfRange => "ack_id_out_of_range",
            SocketError::UnexpectedAckId => "unexpected_ack_id",
            SocketError::MissingAckId => "missing_ack_id",
            SocketError::InvalidNamespace => "invalid_namespace",
            SocketError::InvalidJson => "invalid_json",
            SocketError::MissingData => "missing_data",
            SocketError::UnexpectedData => "unexpected_data",
            SocketError::InvalidConnectData => "invalid_connect_data",
            SocketError::InvalidConnectErrorData => "invalid_connect_error_data",
            SocketError::InvalidEventData => "invalid_event_data",
            SocketError::ReservedEventName(_) => "reserved_event_name",
            SocketError::InvalidAckData => "invalid_ack_data",
        }
    }
}
