//! The `voice` service on a runtime (seed 001): the seed's `ManagementServer` and
//! `VoiceRelayServer` library API over one loop that owns hark-core's `VoiceService`.
//!
//! ```text
//! accept loop ──Accepted──▶ voice loop (VoiceService, UDP socket) ◀──datagrams
//!                            │   ▲
//!        per-connection task │   │ Inbound::Data / Closed (a bounded number in flight each)
//!        ◀── Link: bytes to write (bounded in bytes), close, abort
//! ```
//!
//! Overflow policy (voice.md §9): a connection whose outgoing queue cannot take the next frame
//! (`send_queue_bytes`, default 256 KiB) is dropped at once, without a message, and the service is
//! told it closed; nobody else waits. A connection that sends faster than the loop handles its
//! bytes is simply not read (TCP flow control slows that client alone). Datagrams wait in a
//! bounded queue while the socket is full (newest dropped), events in a bounded queue for the
//! library user (newest dropped).

mod config;
mod connection;
mod driver;
mod link;
mod log;
mod server;
mod stats;

pub use config::VoiceServerConfig;
pub use server::{
    ManagementLink, ManagementServer, VoiceController, VoiceEventReceiver, VoiceRelayServer,
    VoiceServerBuilder, VoiceServerError,
};
pub use stats::VoiceServerStats;
