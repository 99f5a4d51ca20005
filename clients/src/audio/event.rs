//! What an [`super::AudioClient`] reports, and why a command is refused.

use bytes::Bytes;
use hark_core::wire::audio::{ErrorCode, PacketType, SuggestedAction, UserId, WireError};

/// A request the server answers with an Ack (`audio.md` §7.2–§7.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    Handshake,
    Join,
    Leave,
    SetMute { muted: bool },
}

impl Request {
    pub fn packet_type(self) -> PacketType {
        match self {
            Request::Handshake => PacketType::Handshake,
            Request::Join => PacketType::JoinChannel,
            Request::Leave => PacketType::LeaveChannel,
            Request::SetMute { .. } => PacketType::SetMute,
        }
    }

    /// Requests that supersede each other: a new Join replaces an unanswered Leave, a new
    /// SetMute an unanswered one.
    pub(super) fn slot(self) -> u8 {
        match self {
            Request::Handshake => 0,
            Request::Join | Request::Leave => 1,
            Request::SetMute { .. } => 2,
        }
    }
}

/// Why a session is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpiryCause {
    /// The server said so: `session_expired`, `handshake_timeout` or `not_authenticated`
    /// (action `reconnect`, §5).
    Server(ErrorCode),
    /// `max_missed_heartbeats` Heartbeats in a row went unanswered.
    NoAnswer,
}

/// Something that happened, in the order it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AudioEvent {
    /// The handshake was acknowledged: the session exists.
    Connected,
    /// JoinChannel was acknowledged: audio now flows both ways.
    Joined,
    /// LeaveChannel was acknowledged.
    Left,
    /// SetMute was acknowledged.
    Muted { muted: bool },
    /// The next frame of `sender`, in sequence order, after the jitter delay.
    Audio {
        sender: UserId,
        sequence: u32,
        /// The sender's header timestamp (unix seconds).
        timestamp: u32,
        payload: Bytes,
    },
    /// `count` frames of `sender` from `first_sequence` on never came in time.
    Gap {
        sender: UserId,
        first_sequence: u32,
        count: u32,
    },
    /// Another member's SetMute, relayed (§7.3).
    PeerMuted { user: UserId, muted: bool },
    /// The session ended and a new handshake is needed: supply a fresh token with
    /// [`super::AudioClient::connect`]; the client rejoins (and re-mutes) by itself.
    SessionExpired { cause: ExpiryCause },
    /// A request went unanswered after every try.
    NoAnswer { request: Request },
    /// The server sent an Error. `request` is the request it answers, when its header sequence
    /// names one; the client's state already reflects it (see [`super::AudioState`]).
    Error {
        request: Option<Request>,
        code: ErrorCode,
        action: SuggestedAction,
        message: String,
    },
    /// A datagram that does not parse (§6): dropped.
    Malformed(WireError),
}

/// Why a command cannot be carried out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AudioClientError {
    #[error("no session: connect first")]
    NotConnected,
    #[error("not in the channel: join first")]
    NotJoined,
    #[error("token cannot be sent: {0}")]
    InvalidToken(WireError),
    #[error("handshake of {len} bytes exceeds the {max}-byte packet limit: the token is too long")]
    HandshakeTooLarge { len: usize, max: usize },
    #[error("audio payload of {len} bytes does not fit a {max}-byte packet")]
    PayloadTooLarge { len: usize, max: usize },
}
