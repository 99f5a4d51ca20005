//! What the `chat` service reports to its host, one event per thing that happened, so a log (and
//! the conformance runner) can explain every frame the service sends and every connection it ends.

use std::net::IpAddr;
use std::time::Duration;

use serde::Serialize;

use crate::ConnectionId;
use crate::limits::Refusal;
use crate::wire::chat::ErrorCode;

/// Why a connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseReason {
    /// The client closed it, the transport failed, or the driver dropped a client too slow to
    /// read.
    ClosedByPeer,
    /// Silent for `heartbeat_timeout` (chat.md §7): closed with 1001.
    HeartbeatTimeout,
    /// Its IP was blocked (chat.md §7): `IP_BLOCKED`, then closed with 1008.
    IpBlocked,
    /// It sent a message beyond the transport's bound: `MESSAGE_TOO_LARGE`, then closed with 1009.
    Oversized,
    /// Shutdown or an operator's reset: closed with 1001.
    ServerClosing,
}

/// One thing that happened. Serialized with a snake_case `type` tag, as the conformance vectors
/// write events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ChatEvent {
    ConnectionOpened {
        conn: ConnectionId,
        ip: IpAddr,
    },
    /// Refused at the upgrade (chat.md §7); the connection was never opened.
    ConnectionRefused {
        ip: IpAddr,
        #[serde(serialize_with = "refusal_code")]
        refusal: Refusal,
    },
    ConnectionClosed {
        conn: ConnectionId,
        reason: CloseReason,
    },
    RoomCreated {
        room: String,
    },
    RoomRemoved {
        room: String,
    },
    Joined {
        conn: ConnectionId,
        room: String,
        user_id: String,
    },
    Left {
        conn: ConnectionId,
        room: String,
        user_id: String,
    },
    /// An `error` message was sent.
    Error {
        conn: ConnectionId,
        #[serde(serialize_with = "error_code")]
        code: ErrorCode,
    },
    /// An IP was blocked; its connections are closed.
    IpBlocked {
        ip: IpAddr,
        #[serde(serialize_with = "millis")]
        duration: Duration,
    },
}

fn refusal_code<S: serde::Serializer>(refusal: &Refusal, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(refusal.code())
}

fn error_code<S: serde::Serializer>(code: &ErrorCode, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(code.code())
}

fn millis<S: serde::Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_u128(duration.as_millis())
}
