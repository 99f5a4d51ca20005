//! WebSocket services on a runtime (`chat`, `signal`): HTTP requests and WebSocket upgrades on
//! one TCP port, over one loop that owns the service's core. Everything here is independent of
//! the service; a service brings its core behind [`WsService`] and its core's routing as a
//! [`Router`].
//!
//! ```text
//! accept loop ──Accepted──▶ service loop (WsService)
//!                            │   ▲
//!        per-connection task │   │ Inbound: Request / Upgrade / Text / Binary / … / Closed
//!        (request head,      │   │ (a bounded number of messages in flight each)
//!         router, tungstenite◀── Link: HTTP responses and messages to write (bounded in
//!         over an in-memory pipe)  bytes), close code
//! ```
//!
//! tungstenite frames and unframes in each connection's task, over an in-memory pipe the task
//! fills from and drains to the runtime's socket, so the `Runtime` trait needs no WebSocket of its
//! own and both runtimes share every line. The HTTP head is parsed here (httparse); what each
//! request gets is the core's decision (the service's router, then admission in the service).
//!
//! Overflow policy (chat.md §7): a connection whose outgoing queue cannot take the next frame
//! (the service's `send_queue_bytes`; an empty queue takes any frame) is closed with 1008, what
//! was queued for it is discarded, and the service is told it closed; nobody else waits. A
//! connection that sends faster than the loop handles its messages is simply not read (TCP flow
//! control slows that client alone). Connections still in their request head are bounded in all
//! and per IP.

mod connection;
mod driver;
mod hosted;
mod http;
mod link;
mod pending;
mod pipe;
mod request;
mod server;
mod service;
mod text;

pub(crate) use connection::{ConnectionSettings, Route, Router};
pub(crate) use hosted::{Controller, Hosted, Outbox, seed_or_random};
pub(crate) use http::{Head, response};
pub(crate) use link::{Close, Link, Next, Outgoing};
pub(crate) use pipe::Pipe;
pub(crate) use server::{Stopped, WsSettings, nonzero, start};
pub(crate) use service::{Action, LoopCounters, WsService};
