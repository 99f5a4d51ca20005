//! What the `audio` service reports to its host: events and the typed reasons behind refusals.

use std::net::SocketAddr;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::auth::JwtError;
use crate::directory::Refusal;
use crate::wire::audio::{ChannelId, ErrorCode, PacketType, SuggestedAction, UserId, WireError};

/// Why a session or a channel membership ended. Serialized in snake_case (`"handshake_timeout"`),
/// as the conformance vectors write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// The client sent LeaveChannel.
    Left,
    /// The same address completed a handshake for another user or channel.
    Replaced,
    /// Nothing arrived after the handshake Ack within the handshake timeout.
    HandshakeTimeout,
    /// Idle past the session timeout.
    Expired,
    /// The user was banned from the channel.
    Banned,
    /// The user was removed from the channel's members.
    NotAMember,
    /// The channel was removed.
    ChannelRemoved,
    /// The server shut down or was reset.
    ServerClosing,
}

/// Something the host may want to log, count or act on. Drained with `poll_event`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AudioEvent {
    /// A handshake succeeded and `addr` now speaks for `user_id` in `channel_id`.
    SessionStarted {
        user_id: UserId,
        channel_id: ChannelId,
        addr: SocketAddr,
    },
    SessionEnded {
        user_id: UserId,
        channel_id: ChannelId,
        addr: SocketAddr,
        reason: EndReason,
    },
    UserJoined {
        user_id: UserId,
        channel_id: ChannelId,
        socket_addr: SocketAddr,
    },
    UserLeft {
        user_id: UserId,
        channel_id: ChannelId,
        socket_addr: SocketAddr,
        reason: EndReason,
    },
    UserMuted {
        user_id: UserId,
        channel_id: ChannelId,
        muted: bool,
    },
    /// Audio that was forwarded to the channel. `data` is the payload, a slice of the datagram.
    AudioPacket {
        from_user_id: UserId,
        channel_id: ChannelId,
        sequence: u32,
        data: Bytes,
    },
    /// A datagram was refused or dropped.
    Error {
        socket_addr: SocketAddr,
        error: AudioError,
    },
}

/// Why a datagram was refused or dropped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AudioError {
    #[error("malformed packet: {0}")]
    Malformed(#[from] WireError),
    #[error("invalid token: {0}")]
    InvalidToken(JwtError),
    #[error("token subject {subject:?} is not the header user id {user_id}")]
    SubjectMismatch { subject: String, user_id: UserId },
    #[error("handshake channel_id {handshake:?} is not the header channel id {header}")]
    HandshakeChannelMismatch {
        handshake: String,
        header: ChannelId,
    },
    #[error("channel {channel_id}: {refusal}")]
    Refused {
        channel_id: ChannelId,
        refusal: Refusal,
    },
    #[error("channel {0} is full")]
    ChannelFull(ChannelId),
    #[error("user {0} has the maximum number of sessions")]
    TooManySessionsForUser(UserId),
    #[error("the server has the maximum number of sessions")]
    ServerFull,
    #[error("timestamp {timestamp} is more than the allowed skew from {now}")]
    ClockSkew { timestamp: u32, now: u64 },
    #[error("no session for this address: handshake first")]
    NotAuthenticated,
    #[error("header user id {header} is not the session's {session}")]
    UserMismatch { session: UserId, header: UserId },
    #[error("header channel id {header} is not the session's {session}")]
    ChannelMismatch {
        session: ChannelId,
        header: ChannelId,
    },
    #[error("sequence {0} was already received")]
    DuplicateSequence(u32),
    #[error("sequence {0} is older than the replay window")]
    StaleSequence(u32),
    #[error("session exceeded its packet rate")]
    RateLimited,
    #[error("audio from a muted user")]
    SenderMuted,
    #[error("audio from a session that has not joined the channel")]
    NotJoined,
    #[error("{0:?} packets are only sent by the server")]
    UnexpectedPacketType(PacketType),
    #[error("handshake not completed in time")]
    HandshakeTimeout,
    #[error("session expired after inactivity")]
    SessionExpired,
    #[error("server closing")]
    ServerClosing,
}

impl AudioError {
    /// A stable name for vectors and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            AudioError::Malformed(_) => "malformed",
            AudioError::InvalidToken(_) => "invalid_token",
            AudioError::SubjectMismatch { .. } => "subject_mismatch",
            AudioError::HandshakeChannelMismatch { .. } => "handshake_channel_mismatch",
            AudioError::Refused { refusal, .. } => match refusal {
                Refusal::ChannelNotFound => "channel_not_found",
                Refusal::NotAMember => "not_a_member",
                Refusal::Banned => "banned",
            },
            AudioError::ChannelFull(_) => "channel_full",
            AudioError::TooManySessionsForUser(_) => "too_many_sessions_for_user",
            AudioError::ServerFull => "server_full",
            AudioError::ClockSkew { .. } => "clock_skew",
            AudioError::NotAuthenticated => "not_authenticated",
            AudioError::UserMismatch { .. } => "user_mismatch",
            AudioError::ChannelMismatch { .. } => "channel_mismatch",
            AudioError::DuplicateSequence(_) => "duplicate_sequence",
            AudioError::StaleSequence(_) => "stale_sequence",
            AudioError::RateLimited => "rate_limited",
            AudioError::SenderMuted => "sender_muted",
            AudioError::NotJoined => "not_joined",
            AudioError::UnexpectedPacketType(_) => "unexpected_packet_type",
            AudioError::HandshakeTimeout => "handshake_timeout",
            AudioError::SessionExpired => "session_expired",
            AudioError::ServerClosing => "server_closing",
        }
    }

    /// The Error packet this fault earns (code, suggested action, fixed message), or `None` when
    /// it is dropped silently: spoofing and replays (answering would reflect traffic at the real
    /// owner of the address), rate limiting (answering would add load), and faults that only the
    /// server's own packets can have (see `conformance/spec/audio.md` §7).
    pub fn reply(&self) -> Option<(ErrorCode, SuggestedAction, &'static str)> {
        let (code, action) = self.reply_code()?;
        Some((code, action, message(code)))
    }

    fn reply_code(&self) -> Option<(ErrorCode, SuggestedAction)> {
        use ErrorCode as C;
        use SuggestedAction as A;
        Some(match self {
            AudioError::Malformed(WireError::Oversize { .. }) => (C::PacketTooLarge, A::FixClient),
            AudioError::Malformed(_) => (C::MalformedPacket, A::FixClient),
            AudioError::InvalidToken(JwtError::Expired { .. }) => (C::TokenExpired, A::RenewToken),
            AudioError::InvalidToken(_) | AudioError::SubjectMismatch { .. } => {
                (C::InvalidToken, A::RenewToken)
            }
            AudioError::HandshakeChannelMismatch { .. } | AudioError::ChannelMismatch { .. } => {
                (C::ChannelMismatch, A::FixClient)
            }
            AudioError::Refused { refusal, .. } => match refusal {
                Refusal::ChannelNotFound => (C::ChannelNotFound, A::ContactAdmin),
                Refusal::NotAMember => (C::NotAMember, A::ContactAdmin),
                Refusal::Banned => (C::Banned, A::ContactAdmin),
            },
            AudioError::ChannelFull(_) => (C::ChannelFull, A::RetryLater),
            AudioError::TooManySessionsForUser(_) | AudioError::ServerFull => {
                (C::TooManySessions, A::RetryLater)
            }
            AudioError::ClockSkew { .. } => (C::ClockSkew, A::FixClient),
            AudioError::NotAuthenticated => (C::NotAuthenticated, A::Reconnect),
            AudioError::HandshakeTimeout => (C::HandshakeTimeout, A::Reconnect),
            AudioError::SessionExpired => (C::SessionExpired, A::Reconnect),
            AudioError::ServerClosing => (C::ServerClosing, A::RetryLater),
            AudioError::UserMismatch { .. }
            | AudioError::DuplicateSequence(_)
            | AudioError::StaleSequence(_)
            | AudioError::RateLimited
            | AudioError::SenderMuted
            | AudioError::NotJoined
            | AudioError::UnexpectedPacketType(_) => return None,
        })
    }
}

/// The fixed human-readable text of each code. Details stay in the event (and the server log):
/// the peer learns what to fix, not the server's internals.
fn message(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::InvalidToken => "invalid token",
        ErrorCode::TokenExpired => "token expired",
        ErrorCode::ChannelNotFound => "channel not found",
        ErrorCode::NotAMember => "not a member of this channel",
        ErrorCode::Banned => "banned from this channel",
        ErrorCode::HandshakeTimeout => "handshake not completed in time",
        ErrorCode::SessionExpired => "session expired",
        ErrorCode::NotAuthenticated => "not authenticated: send a handshake",
        ErrorCode::MalformedPacket => "malformed packet",
        ErrorCode::PacketTooLarge => "packet too large",
        ErrorCode::ClockSkew => "timestamp too far from server time",
        ErrorCode::ChannelMismatch => "channel does not match the session",
        ErrorCode::ChannelFull => "channel is full",
        ErrorCode::TooManySessions => "too many sessions",
        ErrorCode::ServerClosing => "server closing",
        ErrorCode::Other(_) => "error",
    }
}
