//! What the `voice` service reports to its host: the seed's "event channel" between the
//! management and relay halves (`UserConnected`, `VoiceJoined`, …) as typed events, plus one
//! event per refusal so a log explains every Error frame and every dropped datagram.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::ConnectionId;
use crate::auth::JwtError;
use crate::directory::Refusal;
use crate::wire::voice::{AuthStatus, DatagramError, ErrorCode, FrameError, FrameType};

/// Why a management connection ended. Serialized in snake_case (`"closed_by_peer"`), as the
/// conformance vectors write it; so are [`UnbindReason`] and [`LeaveReason`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseReason {
    /// The client closed it, the read failed, or the driver dropped a client too slow to read.
    ClosedByPeer,
    /// The server sent a fatal Error (voice.md §10) and closed it.
    FatalError,
    /// Shutdown or an operator's reset.
    ServerClosing,
}

/// Why a UDP address stopped being bound to a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnbindReason {
    /// No datagram for `udp_timeout`.
    Expired,
    /// The user's management connection closed.
    LoggedOut,
}

/// Why a user stopped being a member of a voice channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeaveReason {
    Left,
    /// It joined another channel.
    Switched,
    LoggedOut,
    Banned,
    NotAMember,
    ChannelRemoved,
}

impl LeaveReason {
    /// The reason for a removal by a directory change.
    pub(super) fn removed(refusal: Refusal) -> Self {
        match refusal {
            Refusal::ChannelNotFound => Self::ChannelRemoved,
            Refusal::NotAMember => Self::NotAMember,
            Refusal::Banned => Self::Banned,
        }
    }
}

/// Something that happened, in the order it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VoiceEvent {
    /// A management connection was accepted and given `user_id` (the seed's `UserConnected`).
    ConnectionOpened {
        conn: ConnectionId,
        user_id: u32,
        peer: SocketAddr,
    },
    ConnectionClosed {
        conn: ConnectionId,
        user_id: u32,
        reason: CloseReason,
    },
    LoggedIn {
        conn: ConnectionId,
        user_id: u32,
        username: String,
    },
    /// A UDP address proved it holds the user's voice token.
    VoiceBound {
        user_id: u32,
        addr: SocketAddr,
    },
    VoiceUnbound {
        user_id: u32,
        addr: SocketAddr,
        reason: UnbindReason,
    },
    /// The seed's `VoiceJoined`.
    VoiceJoined {
        user_id: u32,
        channel: Arc<str>,
    },
    VoiceLeft {
        user_id: u32,
        channel: Arc<str>,
        reason: LeaveReason,
    },
    UserMuted {
        user_id: u32,
        muted: bool,
    },
    /// A chat message was delivered (its text is the users', shown here for the host).
    ChatMessage {
        user_id: u32,
        channel: Arc<str>,
        text: String,
    },
    /// A voice datagram was relayed; `payload` is a slice of the received datagram.
    VoiceData {
        user_id: u32,
        channel: Arc<str>,
        sequence: u32,
        payload: Bytes,
    },
    /// The server sent a connection an Error frame: a refusal, a fatal error, a timeout, a
    /// removal by the directory, or shutdown.
    ManagementError {
        conn: ConnectionId,
        error: ManagementError,
    },
    /// A datagram was refused or dropped.
    RelayError {
        addr: SocketAddr,
        error: RelayError,
    },
}

/// A management refusal or fatal condition: each is answered with the Error frame
/// [`ManagementError::code`] (voice.md §10).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManagementError {
    #[error("frame does not parse: {0}")]
    Frame(FrameError),
    #[error("a client sent the server-only message {}", .0.name())]
    UnexpectedFrame(FrameType),
    #[error("protocol version {0} is not supported")]
    UnsupportedVersion(u8),
    #[error("login token refused: {0}")]
    InvalidToken(JwtError),
    #[error("login token's subject {subject:?} is not the username {username:?}")]
    SubjectMismatch { subject: String, username: String },
    #[error("login token expired")]
    TokenExpired,
    #[error("username {0:?} is not 1 to 32 characters of A-Z a-z 0-9 _ - .")]
    InvalidUsername(String),
    #[error("username {0:?} is already logged in")]
    UsernameTaken(String),
    #[error("{} before login", .0.name())]
    NotLoggedIn(FrameType),
    #[error("already logged in")]
    AlreadyLoggedIn,
    #[error("channel {channel:?}: {refusal}")]
    Refused { channel: String, refusal: Refusal },
    #[error("channel {0:?} is full")]
    ChannelFull(String),
    #[error("not in a voice channel")]
    NotInVoice,
    #[error("chat message of {0} bytes is empty or too long")]
    BadChatLength(usize),
    #[error("chat rate limited")]
    RateLimited,
    #[error("too many frames")]
    TooManyFrames,
    #[error("login not completed in time")]
    LoginTimeout,
    #[error("connection idle")]
    IdleTimeout,
    #[error("server full")]
    ServerFull,
    #[error("server closing")]
    ServerClosing,
}

impl ManagementError {
    /// The Error frame that answers it.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Frame(FrameError::FrameTooLarge { .. }) => ErrorCode::FrameTooLarge,
            Self::Frame(_) | Self::UnexpectedFrame(_) => ErrorCode::MalformedFrame,
            Self::UnsupportedVersion(_) => ErrorCode::UnsupportedVersion,
            Self::InvalidToken(_) | Self::SubjectMismatch { .. } => ErrorCode::InvalidToken,
            Self::TokenExpired => ErrorCode::TokenExpired,
            Self::InvalidUsername(_) => ErrorCode::InvalidUsername,
            Self::UsernameTaken(_) => ErrorCode::UsernameTaken,
            Self::NotLoggedIn(_) => ErrorCode::NotLoggedIn,
            Self::AlreadyLoggedIn => ErrorCode::AlreadyLoggedIn,
            Self::Refused { refusal, .. } => match refusal {
                Refusal::ChannelNotFound => ErrorCode::ChannelNotFound,
                Refusal::NotAMember => ErrorCode::NotAMember,
                Refusal::Banned => ErrorCode::Banned,
            },
            Self::ChannelFull(_) => ErrorCode::ChannelFull,
            Self::NotInVoice => ErrorCode::NotInVoice,
            Self::BadChatLength(_) => ErrorCode::BadChatLength,
            Self::RateLimited => ErrorCode::RateLimited,
            Self::TooManyFrames => ErrorCode::TooManyFrames,
            Self::LoginTimeout => ErrorCode::LoginTimeout,
            Self::IdleTimeout => ErrorCode::IdleTimeout,
            Self::ServerFull => ErrorCode::ServerFull,
            Self::ServerClosing => ErrorCode::ServerClosing,
        }
    }
}

/// Why the relay refused or dropped a datagram. Only the authentication refusals are answered
/// (a `VoiceAuthResponse`); voice faults are dropped silently (voice.md §6.2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RelayError {
    #[error("datagram does not parse: {0}")]
    Malformed(DatagramError),
    #[error("unknown voice token")]
    UnknownToken,
    #[error("voice token already bound to another address")]
    TokenInUse,
    #[error("address already bound to another user")]
    AddressInUse,
    #[error("address not authenticated")]
    NotAuthenticated,
    #[error("voice data claims user {claimed}, the address is bound to {bound}")]
    UserMismatch { claimed: u32, bound: u32 },
    #[error("sender is not in a voice channel")]
    NotInVoice,
    #[error("sender is muted")]
    SenderMuted,
    #[error("voice rate limited")]
    RateLimited,
    #[error("a client sent a VoiceAuthResponse")]
    UnexpectedPacket,
}

impl RelayError {
    /// The `VoiceAuthResponse` status a refusal is answered with; `None` for faults that are
    /// dropped silently.
    pub fn reply_status(&self) -> Option<AuthStatus> {
        match self {
            Self::UnknownToken => Some(AuthStatus::UNKNOWN_TOKEN),
            Self::TokenInUse => Some(AuthStatus::TOKEN_IN_USE),
            Self::AddressInUse => Some(AuthStatus::ADDRESS_IN_USE),
            Self::NotAuthenticated => Some(AuthStatus::NOT_AUTHENTICATED),
            _ => None,
        }
    }

    /// The stable name (`conformance/spec/vectors.md` §6.4).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "malformed_datagram",
            Self::UnknownToken => "unknown_token",
            Self::TokenInUse => "token_in_use",
            Self::AddressInUse => "address_in_use",
            Self::NotAuthenticated => "not_authenticated",
            Self::UserMismatch { .. } => "user_mismatch",
            Self::NotInVoice => "not_in_voice",
            Self::SenderMuted => "sender_muted",
            Self::RateLimited => "rate_limited",
            Self::UnexpectedPacket => "unexpected_packet",
        }
    }
}
