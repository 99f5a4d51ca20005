//! What the `signal` service hands its driver: actions on connections and counters.

use bytes::Bytes;
use serde::Serialize;

use super::link::SfuLinkState;
use crate::ConnectionId;

/// The WebSocket close codes the service uses (RFC 6455 §7.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseCode {
    /// 1000: the session ended (client `41` or Engine.IO `1`, a protocol error, a timeout).
    Normal,
    /// 1001: shutdown.
    GoingAway,
    /// 1008: the SFU broke §8's protocol before `welcome`.
    PolicyViolation,
    /// 1009: a frame beyond `maxPayload` (signal.md §2), as `ws` closes.
    MessageTooBig,
}

impl CloseCode {
    pub const fn code(self) -> u16 {
        match self {
            Self::Normal => 1000,
            Self::GoingAway => 1001,
            Self::PolicyViolation => 1008,
            Self::MessageTooBig => 1009,
        }
    }
}

/// What the driver must do on one connection, after everything queued before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignalAction {
    /// Send one text frame with this payload (one Engine.IO packet, valid UTF-8). A fan-out hands
    /// every recipient a clone of one buffer.
    Text(Bytes),
    /// Send a close frame with this code, then close the connection. The service has already
    /// forgotten it.
    Close(CloseCode),
}

/// An output for one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignalTransmit {
    pub conn: ConnectionId,
    pub action: SignalAction,
}

/// Counters for logs and the health endpoint.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SignalStats {
    /// Open Engine.IO sessions.
    pub connections: usize,
    /// Sessions past a successful CONNECT.
    pub admitted: usize,
    /// Distinct users admitted (`ServerInfo.members`).
    pub users: usize,
    pub rooms: usize,
    /// Connections in a room.
    pub room_members: usize,
    /// CONNECTs and events refused by a score rule (signal.md §7).
    pub rate_limited: u64,
    /// The SFU link (§8).
    pub sfu: SfuLinkState,
    /// Messages from the SFU §8.4 refuses (§8.5).
    pub sfu_malformed: u64,
    /// `offer`, `answer` and `ice-candidate` relayed from clients to the SFU.
    pub sfu_relayed_to: u64,
    /// `offer`, `answer` and `ice-candidate` relayed from the SFU to clients.
    pub sfu_relayed_from: u64,
}
