//! What the `chat` service hands its driver: actions on connections, counters and the health
//! body (chat.md §7, §8).

use bytes::Bytes;
use serde::Serialize;

use crate::ConnectionId;
use crate::wire::chat::Timestamp;

/// The close codes the service uses (RFC 6455 §7.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseCode {
    /// 1001: heartbeat timeout and shutdown.
    GoingAway,
    /// 1008: an IP block (and, in the driver, a reader too slow for its queue).
    PolicyViolation,
    /// 1009: a message beyond the transport's bound.
    MessageTooBig,
}

impl CloseCode {
    pub const fn code(self) -> u16 {
        match self {
            Self::GoingAway => 1001,
            Self::PolicyViolation => 1008,
            Self::MessageTooBig => 1009,
        }
    }

    /// The close frame's reason text.
    pub const fn reason(self) -> &'static str {
        match self {
            Self::GoingAway => "going away",
            Self::PolicyViolation => "policy violation",
            Self::MessageTooBig => "message too big",
        }
    }
}

/// What the driver must do on one connection, after everything queued before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatAction {
    /// Send one text frame with this payload (valid UTF-8). A fan-out hands every recipient a
    /// clone of one buffer.
    Text(Bytes),
    /// Send a WebSocket ping with an empty payload (the heartbeat).
    Ping,
    /// Send a close frame with this code, then close the connection. The service has already
    /// forgotten it.
    Close(CloseCode),
}

/// An output for one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatTransmit {
    pub conn: ConnectionId,
    pub action: ChatAction,
}

/// Counters for the health endpoint and the operator's `stats`, in chat.md §8's order: the seed's
/// members, then hark's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ChatStats {
    pub active_connections: usize,
    pub active_rooms: usize,
    /// Connections in a room.
    pub total_users: usize,
    /// Actions refused or dropped by a per-connection rate limit (messages, reactions, joins,
    /// typing).
    pub rate_limited: u64,
    /// Errors counted against an IP (chat.md §6).
    pub violations: u64,
    pub blocked_ips: usize,
    /// Upgrades refused at admission.
    pub refused_connections: u64,
}

/// The body of `GET /health` (chat.md §8).
#[derive(Serialize)]
pub(super) struct Health {
    pub(super) status: &'static str,
    pub(super) timestamp: Timestamp,
    pub(super) stats: HealthStats,
}

#[derive(Serialize)]
pub(super) struct HealthStats {
    pub(super) uptime_seconds: u64,
    #[serde(flatten)]
    pub(super) counters: ChatStats,
}
