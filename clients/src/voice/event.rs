//! What a [`super::VoiceClient`] reports, and why a command is refused.

use bytes::Bytes;
use hark_core::wire::voice::{
    AuthStatus, DatagramError, EncodeError, ErrorCode, FrameError, Participant,
};

/// Something that happened, in the order it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VoiceEvent {
    /// The login succeeded; UDP authentication starts at once.
    LoggedIn {
        user_id: u32,
        /// Every other logged-in user (§5.2).
        participants: Vec<Participant>,
    },
    UserJoined {
        user_id: u32,
        username: String,
    },
    UserLeft {
        user_id: u32,
    },
    /// The UDP address is bound to our user (§6.1): voice can flow.
    VoiceBound,
    /// The server no longer knows our UDP address (`not_authenticated`, §6.3: the binding
    /// expired); the client authenticates again by itself.
    BindingExpired,
    /// The VoiceAuthRequest was refused (§6.1). [`super::VoiceClient::authenticate`] tries again.
    AuthRefused {
        status: AuthStatus,
    },
    /// The VoiceAuthRequest went unanswered after every try.
    AuthNoAnswer,
    /// We are in `channel`, with these other members (§5.3).
    JoinedVoice {
        channel: String,
        members: Vec<u32>,
    },
    /// We are in no voice channel any more (left, or removed by a directory change, §7).
    LeftVoice {
        channel: String,
    },
    UserJoinedVoice {
        user_id: u32,
        channel: String,
    },
    UserLeftVoice {
        user_id: u32,
        channel: String,
    },
    /// A user's mute state, ours included (§5.4).
    UserMuted {
        user_id: u32,
        muted: bool,
    },
    /// A chat message in our channel, ours included (§5.5).
    Chat {
        user_id: u32,
        channel: String,
        text: String,
    },
    /// The next voice frame of `sender`, in sequence order, after the jitter delay.
    Voice {
        sender: u32,
        sequence: u32,
        payload: Bytes,
    },
    /// `count` frames of `sender` from `first_sequence` on never came in time.
    Gap {
        sender: u32,
        first_sequence: u32,
        count: u32,
    },
    /// The server sent an Error frame (§10). `kind` names a known code; after a fatal one the
    /// server closes the connection and the client is closed too.
    Error {
        code: u16,
        kind: Option<ErrorCode>,
        message: String,
    },
    /// The server's stream broke the framing (§3.2): the client closes the connection.
    ProtocolError(FrameError),
    /// A datagram that does not parse (§4): dropped.
    MalformedDatagram(DatagramError),
    /// The management connection is over; the client is done.
    Closed,
}

/// Why a command cannot be carried out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VoiceClientError {
    #[error("login was already sent on this connection")]
    AlreadyLoggedIn,
    #[error("not logged in")]
    NotLoggedIn,
    #[error("the UDP address is not bound yet")]
    NotBound,
    #[error("not in a voice channel")]
    NotInVoice,
    #[error("the connection is closed")]
    Closed,
    #[error("voice payload of {len} bytes does not fit a {max}-byte datagram")]
    PayloadTooLarge { len: usize, max: usize },
    #[error("frame body of {len} bytes exceeds the server's limit of {max}")]
    FrameTooLarge { len: usize, max: usize },
    #[error("frame cannot be encoded: {0}")]
    Encode(#[from] EncodeError),
}
