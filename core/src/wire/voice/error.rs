//! Why bytes are not a valid frame or datagram, and why a frame cannot be encoded. Each parse
//! error is one check of `conformance/spec/voice.md` §3.2 or §4; `kind()` is its name there.

/// A management frame that does not parse (§3.2). Every one is fatal to the stream: after it the
/// framing can no longer be trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("frame length is 0")]
    EmptyFrame,
    #[error("frame of {len} bytes exceeds the maximum of {max}")]
    FrameTooLarge { len: usize, max: usize },
    #[error("unknown frame type 0x{0:02x}")]
    UnknownType(u8),
    #[error("a field runs past the end of the frame")]
    Truncated,
    #[error("a string is not valid UTF-8")]
    InvalidUtf8,
    #[error("bool must be 0x00 or 0x01, got 0x{0:02x}")]
    InvalidBool(u8),
    #[error("{extra} bytes after the last field")]
    TrailingBytes { extra: usize },
}

impl FrameError {
    /// The stable name used by conformance vectors and logs (`vectors.md` §6.1).
    pub fn kind(&self) -> &'static str {
        match self {
            FrameError::EmptyFrame => "empty_frame",
            FrameError::FrameTooLarge { .. } => "frame_too_large",
            FrameError::UnknownType(_) => "unknown_type",
            FrameError::Truncated => "truncated",
            FrameError::InvalidUtf8 => "invalid_utf8",
            FrameError::InvalidBool(_) => "invalid_bool",
            FrameError::TrailingBytes { .. } => "trailing_bytes",
        }
    }
}

/// A frame whose fields do not fit their length prefixes. The server's own frames never hit this
/// when the spec's limits hold (§7, §9); it guards against a caller that breaks them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    #[error("{field} is {len} bytes, more than its length prefix allows ({max})")]
    StringTooLong {
        field: &'static str,
        len: usize,
        max: usize,
    },
    #[error("{field} has {len} items, more than a u16 count allows")]
    TooManyItems { field: &'static str, len: usize },
    #[error("frame body of {len} bytes exceeds the u16 length prefix")]
    FrameTooLarge { len: usize },
}

/// A datagram that does not parse (§4). The relay drops it silently.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DatagramError {
    #[error("datagram of {len} bytes exceeds the maximum of {max}")]
    Oversize { len: usize, max: usize },
    #[error("datagram ends before its fixed fields do")]
    Truncated,
    #[error("unknown packet type 0x{0:02x}")]
    UnknownType(u8),
    #[error("{extra} bytes after the last field")]
    TrailingBytes { extra: usize },
}

impl DatagramError {
    /// The stable name used by conformance vectors and logs (`vectors.md` §6.1).
    pub fn kind(&self) -> &'static str {
        match self {
            DatagramError::Oversize { .. } => "oversize",
            DatagramError::Truncated => "truncated",
            DatagramError::UnknownType(_) => "unknown_type",
            DatagramError::TrailingBytes { .. } => "trailing_bytes",
        }
    }
}
