//! The `stream` service on a runtime (seed 004, `conformance/spec/stream.md`): signed, expiring
//! audio URLs over HTTP/1.1 with Range. hark-core's `StreamService` decides every answer; this
//! module reads request heads, opens the files the core names and writes the core's plans.
//!
//! ```text
//! accept loop ──Accepted──▶ admit (max_connections, per IP) ──spawn──▶ one task per connection:
//!   head (httparse, 8 KiB, 64 fields, header/keep-alive timeouts) → core route → open the
//!   candidates → core respond / not_found → head + literal parts in one write, file ranges with
//!   sendfile(2) (pread fallback), send timeout → keep-alive or close
//! ```
//!
//! Memory per connection is its 8 KiB head buffer (and 64 KiB while `sendfile` is refused for a
//! file), whatever the file or range length. Counters for `/health` are shared atomics.

mod config;
mod connection;
mod head;
mod limits;
mod log;
mod lookup;
mod read;
mod send;
mod server;
mod sign;
mod stats;

pub use config::StreamServerConfig;
pub use server::{StreamController, StreamServer, StreamServerError};
pub use sign::{SignUrlError, signed_url};
pub use stats::StreamServerStats;
