//! What the `signal` service reports to its host, one event per thing that happened, so a log
//! (and the conformance runner) can explain every frame it sends and every connection it ends.

use std::net::IpAddr;

use serde::Serialize;

use super::link::LinkId;
use crate::ConnectionId;

/// Why a connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum CloseReason {
    /// The transport closed or failed, or the client sent Engine.IO `1`.
    ClosedByPeer,
    /// The client sent Socket.IO DISCONNECT (`41`).
    ClientDisconnect,
    /// No `3` within `pingTimeout` of a `2` (signal.md §2).
    PingTimeout,
    /// No successful CONNECT within `connectTimeout` (signal.md §3).
    ConnectTimeout,
    /// A frame or packet §2/§3 refuses, or one the session's state does not allow; `kind` is
    /// the decoder's error name or `invalid_state`, `binary_packet`,
    /// `invalid_heartbeat_direction`.
    ProtocolError { kind: &'static str },
    /// Shutdown or an operator's reset.
    ServerClosing,
}

/// One thing that happened. Serialized with a snake_case `type` tag, as the conformance vectors
/// write events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SignalEvent {
    ConnectionOpened {
        conn: ConnectionId,
        ip: IpAddr,
        sid: String,
    },
    /// Refused before the open packet: `max_connections` sessions are open.
    ConnectionRefused {
        ip: IpAddr,
    },
    ConnectionClosed {
        conn: ConnectionId,
        #[serde(flatten)]
        reason: CloseReason,
    },
    /// A CONNECT succeeded (signal.md §4).
    Admitted {
        conn: ConnectionId,
        user_id: String,
    },
    /// A CONNECT was answered with CONNECT_ERROR; `code` is its `data.error` (or
    /// `invalid_namespace`).
    ConnectRefused {
        conn: ConnectionId,
        code: &'static str,
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
    /// A client event was refused with this §5/§7 code (as an `error` event or in its ack).
    EventRefused {
        conn: ConnectionId,
        code: &'static str,
    },
    /// A directory change removed the connection from its room (§6); `code` is the `error` it
    /// then received.
    Removed {
        conn: ConnectionId,
        room: String,
        code: &'static str,
    },
    /// The SFU link is dialled again after its backoff (§8.6).
    SfuDial {
        link: LinkId,
    },
    /// `welcome`: the link is up (§8.2).
    SfuLinkUp {
        link: LinkId,
    },
    /// The link ended: `closed` (by the driver's report), `handshake_timeout`, `idle_timeout`
    /// or `protocol_error` (§8.5, §8.6).
    SfuLinkDown {
        link: LinkId,
        reason: &'static str,
    },
    /// A message from the SFU that §8.4 refuses (`SfuError::kind()`, or `before_welcome`).
    SfuProtocolError {
        link: LinkId,
        kind: &'static str,
    },
}
