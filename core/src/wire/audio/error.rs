//! Why a datagram is not a valid audio packet. Each variant is one distinct wire fault.

/// Which header id a fault is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdField {
    UserId,
    ChannelId,
}

impl std::fmt::Display for IdField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            IdField::UserId => "user id",
            IdField::ChannelId => "channel id",
        })
    }
}

/// A parse failure. Checks run in the order of `conformance/spec/audio.md` §6, so one datagram
/// always yields the same error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("packet of {len} bytes exceeds the maximum of {max}")]
    Oversize { len: usize, max: usize },
    #[error("packet ends after {available} bytes where {needed} are needed")]
    Truncated { needed: usize, available: usize },
    #[error("unknown packet type 0x{0:02x}")]
    UnknownType(u8),
    #[error("{field} contains a byte outside printable ASCII")]
    NonAsciiId { field: IdField },
    #[error("{field} has a non-NUL byte after its NUL padding")]
    IdNotNulPadded { field: IdField },
    #[error("length field says {declared} bytes but {available} follow")]
    LengthMismatch { declared: usize, available: usize },
    #[error("{extra} unexpected bytes after the packet")]
    TrailingBytes { extra: usize },
    #[error("mute byte must be 0x00 or 0x01, got 0x{0:02x}")]
    InvalidMuteByte(u8),
    #[error("handshake JSON is malformed: {0}")]
    MalformedHandshakeJson(String),
    #[error("token is empty or has characters outside base64url and '.'")]
    InvalidTokenEncoding,
    #[error("error message is not valid UTF-8")]
    InvalidErrorMessage,
    #[error("ack names unknown packet type 0x{0:02x}")]
    InvalidAckedType(u8),
}

impl WireError {
    /// A stable name for the fault, used by conformance vectors and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            WireError::Oversize { .. } => "oversize",
            WireError::Truncated { .. } => "truncated",
            WireError::UnknownType(_) => "unknown_type",
            WireError::NonAsciiId { .. } => "non_ascii_id",
            WireError::IdNotNulPadded { .. } => "id_not_nul_padded",
            WireError::LengthMismatch { .. } => "length_mismatch",
            WireError::TrailingBytes { .. } => "trailing_bytes",
            WireError::InvalidMuteByte(_) => "invalid_mute_byte",
            WireError::MalformedHandshakeJson(_) => "malformed_handshake_json",
            WireError::InvalidTokenEncoding => "invalid_token_encoding",
            WireError::InvalidErrorMessage => "invalid_error_message",
            WireError::InvalidAckedType(_) => "invalid_acked_type",
        }
    }
}
