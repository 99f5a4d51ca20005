//! The `chat` service on a runtime (seed 003): HTTP health and WebSocket upgrades on one TCP port,
//! served by the shared WebSocket loop ([`crate::ws`]) around hark-core's `ChatService`. What each
//! request gets is the core's decision (`hark_core::chat::route`, admission in the service).
//!
//! Overflow policy (chat.md §7): a connection whose outgoing queue cannot take the next frame
//! (`send_queue_bytes`, default 256 KiB; an empty queue takes any frame) is closed with 1008,
//! what was queued for it is discarded, and the service is told it closed (its room hears it
//! left); nobody else waits. A connection that sends faster than the loop handles its messages is
//! simply not read (TCP flow control slows that client alone). Events wait in a bounded queue for
//! the library user (newest dropped).

mod config;
mod log;
mod server;
mod service;
mod stats;

pub use config::ChatServerConfig;
pub use server::{ChatController, ChatEventReceiver, ChatServer, ChatServerError};
pub use stats::ChatServerStats;
