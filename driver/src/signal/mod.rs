//! The `signal` service on a runtime (seed 002, the Gryt signaling server): Socket.IO v4 over
//! WebSocket at `/socket.io/`, `/health` and the development pages on one TCP port (signal.md
//! §9), served by the shared WebSocket loop ([`crate::ws`]) around hark-core's `SignalService`.
//! What each request gets is the core's decision (`hark_core::signal::route`, with the
//! `CORS_ORIGIN` policy; admission in the service).
//!
//! Overflow policy, as for chat: a connection whose outgoing queue cannot take the next frame
//! (`send_queue_bytes`, default 256 KiB) is closed with 1008 and the service told it closed (its
//! room hears it left); nobody else waits. Events wait in a bounded queue for the library user
//! (newest dropped).

mod config;
mod log;
mod server;
mod service;
mod sfu;
mod stats;

pub use config::SignalServerConfig;
pub use server::{SignalController, SignalEventReceiver, SignalServer, SignalServerError};
pub use sfu::{SfuDialer, SfuInbound, SfuUrl, SfuUrlError};
pub use stats::SignalServerStats;
