//! hark-core: every decision hark makes, and none of its I/O.
//!
//! The crate is *sans-IO*: it owns no sockets, files, clocks, threads or random sources. Bytes,
//! the monotonic time (`Instant`) and the wall-clock time (unix seconds, or milliseconds where a
//! timestamp needs them) come in as arguments; what to send and what happened come out as data
//! ([`Transmit`]s and events). Runtime crates move the bytes. See `docs/architecture.md` for the
//! contract and its reasons.
#![forbid(unsafe_code)]

pub mod audio;
pub mod auth;
pub mod chat;
mod config_error;
mod connection_id;
pub mod directory;
pub mod limits;
mod seeded;
pub mod signal;
pub mod stream;
mod transmit;
pub mod voice;
pub mod wire;

pub use config_error::ConfigError;
pub use connection_id::ConnectionId;
pub use transmit::Transmit;
