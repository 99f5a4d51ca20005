//! The `chat` service on a runtime (seed 003): HTTP health and WebSocket upgrades on one TCP port,
//! over one loop that owns hark-core's `ChatService`.
//!
//! ```text
//! accept loop ──Accepted──▶ chat loop (ChatService)
//!                            │   ▲
//!        per-connection task │   │ Inbound: Health / Upgrade / Text / Binary / … / Closed
//!        (request head,      │   │ (a bounded number of messages in flight each)
//!         tungstenite over   ◀── Link: HTTP responses and messages to write (bounded in
//!         an in-memory pipe)       bytes), close code
//! ```
//!
//! tungstenite frames and unframes in each connection's task, over an in-memory pipe the task
//! fills from and drains to the runtime's socket, so the `Runtime` trait needs no WebSocket of its
//! own and both runtimes share every line. The HTTP head is parsed here (httparse); what each
//! request gets is the core's decision (`hark_core::chat::route`, admission in the service).
//!
//! Overflow policy (chat.md §7): a connection whose outgoing queue cannot take the next frame
//! (`send_queue_bytes`, default 256 KiB; an empty queue takes any frame) is closed with 1008,
//! what was queued for it is discarded, and the service is told it closed (its room hears it
//! left); nobody else waits. A connection that sends faster than the loop handles its messages is
//! simply not read (TCP flow control slows that client alone). Events wait in a bounded queue for
//! the library user (newest dropped).

mod config;
mod connection;
mod driver;
mod http;
mod link;
mod log;
mod pending;
mod pipe;
mod request;
mod server;
mod stats;
mod text;

pub use config::ChatServerConfig;
pub use server::{ChatController, ChatEventReceiver, ChatServer, ChatServerError};
pub use stats::ChatServerStats;
